"""The index manifest: which model, dictionary and store generation the derived files were built from."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1


class ModelMismatchError(ValueError):
    """A query asked with a different embedding model from the one that built the index."""


@dataclass(frozen=True)
class Manifest:
    format_version: int
    generation: int  # the store generation the derived files reflect
    model_id: str
    dim: int
    dense_kind: str  # flat | hnsw
    dictionary_hash: str
    clause_count: int
    derived_dir: str  # sub-directory holding dense.faiss, keyword/, rows.json
    built_at: str


def read_manifest(index_dir: Path) -> Manifest | None:
    path = Path(index_dir) / MANIFEST_NAME
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format_version") != FORMAT_VERSION:
        return None
    return Manifest(**data)


def write_json_atomic(path: Path, data: object) -> None:
    """Write JSON so that readers see either the old file or the new one, never a torn write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_manifest(index_dir: Path, manifest: Manifest) -> None:
    write_json_atomic(Path(index_dir) / MANIFEST_NAME, asdict(manifest))


def check_model(manifest: Manifest, model_id: str, dim: int, index_dir: Path) -> None:
    """Refuse to mix vectors from two models."""
    if manifest.model_id != model_id or manifest.dim != dim:
        raise ModelMismatchError(
            f"the index in {index_dir} was built with model {manifest.model_id!r} (dim {manifest.dim}), "
            f"but the query uses {model_id!r} (dim {dim}). Rebuild it with: "
            f"plankb reindex --index {index_dir} --model <model>  (or query with --model matching the index)"
        )


def write_part_manifest(directory: Path, name: str, fields: dict) -> None:
    """Write an index part's own manifest last, atomically: a folder without one is an incomplete save."""
    write_json_atomic(Path(directory) / name, fields)


def read_part_manifest(directory: Path, name: str, format_name: str, version: int, what: str) -> dict:
    """Read an index part's manifest and check that this code can read that format."""
    path = Path(directory) / name
    if not path.is_file():
        raise FileNotFoundError(f"no {what} in {directory} (missing {name})")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != format_name or manifest.get("version") != version:
        raise ValueError(
            f"{path}: format {manifest.get('format')!r} version {manifest.get('version')!r}; "
            f"expected {format_name!r} version {version}"
        )
    return manifest
