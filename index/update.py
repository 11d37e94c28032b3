"""Bring an index directory up to date with a set of files: read, parse, store (the I/O edge)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ingest.metadata import METADATA_FILE, load_sidecar
from ingest.pipeline import content_hash, parse_document
from ingest.readers import SUPPORTED_SUFFIXES, ReadError, read_bytes
from index.store import Store
from plankb.records import DocMeta, ParsedDocument


@dataclass(frozen=True)
class FileResult:
    source: str
    status: str  # added | updated | unchanged | failed
    sections: int = 0
    clauses: int = 0
    targets: int = 0
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class IngestReport:
    files: tuple[FileResult, ...] = field(default_factory=tuple)
    generation: int = 0

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def changed(self) -> bool:
        return any(f.status in ("added", "updated") for f in self.files)


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand directories into supported files; report paths that do not exist or are unsupported."""
    found: list[Path] = []
    problems: list[FileResult] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and _is_document(child):
                    found.append(child)
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(path)
            elif path.name != METADATA_FILE:
                allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
                problems.append(FileResult(path.name, "failed", warnings=(f"{path.name}: unsupported file type (allowed: {allowed})",)))
        else:
            problems.append(FileResult(path.name or str(path), "failed", warnings=(f"{path}: no such file or directory",)))
    return _unique_names(found, problems), problems


# Files in a folder that describe the folder rather than being documents of it.
_FOLDER_NOTES = ("readme", "license", "changelog", "contributing")


def _is_document(path: Path) -> bool:
    if path.name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return False
    return not path.stem.lower().startswith(_FOLDER_NOTES)


def _unique_names(found: list[Path], problems: list[FileResult]) -> list[Path]:
    """Documents are keyed by file name, so a second file of the same name is reported, not merged."""
    seen: dict[str, Path] = {}
    for path in found:
        if path.name in seen:
            problems.append(
                FileResult(path.name, "failed", warnings=(f"{path}: same file name as {seen[path.name]}; skipped (rename one of them)",))
            )
        else:
            seen[path.name] = path
    return list(seen.values())


def parse_upload(data: bytes, name: str, sidecar: DocMeta | None = None) -> ParsedDocument:
    """Read and parse one file's bytes; raises ReadError with a one-line message when unreadable."""
    return parse_document(read_bytes(data, name), content_hash(data), sidecar)


def ingest_files(
    files: Sequence[Path],
    store: Store,
    progress: Callable[[str], None] | None = None,
    force: bool = False,
) -> tuple[list[ParsedDocument], list[FileResult]]:
    """Parse the files that are new or changed; unchanged ones are reported and skipped."""
    known = store.source_hashes()
    sidecars: dict[Path, dict[str, DocMeta]] = {}
    parsed: list[ParsedDocument] = []
    results: list[FileResult] = []
    for path in files:
        if progress:
            progress(path.name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            results.append(FileResult(path.name, "failed", warnings=(f"{path.name}: cannot read file ({exc.strerror})",)))
            continue
        file_hash = content_hash(data)
        if not force and known.get(path.name) == file_hash:
            results.append(FileResult(path.name, "unchanged"))
            continue
        try:
            if path.parent not in sidecars:
                sidecars[path.parent] = load_sidecar(path.parent)
            item = parse_upload(data, path.name, sidecars[path.parent].get(path.name))
        except (ReadError, ValueError) as exc:
            results.append(FileResult(path.name, "failed", warnings=(str(exc),)))
            continue
        parsed.append(item)
        results.append(
            FileResult(
                source=path.name,
                status="updated" if path.name in known else "added",
                sections=len(item.sections),
                clauses=len(item.clauses),
                targets=len(item.targets),
                warnings=item.warnings,
            )
        )
    return parsed, results


def ingest_paths(
    paths: Iterable[str | Path], store: Store, progress: Callable[[str], None] | None = None, force: bool = False
) -> IngestReport:
    """Read, parse and store every supported file under ``paths`` in one transaction."""
    files, problems = collect_files(paths)
    parsed, results = ingest_files(files, store, progress, force)
    generation = store.write_batch(parsed) if parsed else store.generation
    return IngestReport(files=tuple(problems + results), generation=generation)


def remove_documents(store: Store, doc_refs: Sequence[str]) -> list[str]:
    """Remove documents by id or file name; returns the ids removed. Unknown refs raise ValueError."""
    by_source = {d.source: d.id for d in store.documents()}
    ids = set(by_source.values())
    resolved = []
    for ref in doc_refs:
        doc_id = ref if ref in ids else by_source.get(ref)
        if doc_id is None:
            raise ValueError(f"no document {ref!r} in the index; known: {', '.join(sorted(by_source))}")
        resolved.append(doc_id)
    store.write_batch([], remove_ids=resolved)
    return resolved
