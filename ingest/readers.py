"""Files → RawDocument: the one entry point for every supported format.

File I/O happens only in ``read_file``; ``read_bytes`` and the per-format parsers it calls are
pure, so uploads and tests go through exactly the same code as files on disk.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ingest.boilerplate import strip_boilerplate
from ingest.read_text import Unreadable, clean_paragraph, decode_text, parse_markdown, parse_text_blocks
from plankb.records import Block, DocMeta, RawDocument

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"})
_FORMAT = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}


class ReadError(Exception):
    """A file that cannot be read at all; str(e) is a clear one-line message naming the file."""


def read_file(path: str | Path) -> RawDocument:
    """Read a file from disk into a RawDocument; raises ReadError when it cannot be read at all."""
    path = Path(path)
    _check_suffix(path.name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"{path.name}: cannot open file ({exc.strerror or type(exc).__name__})") from exc
    return read_bytes(data, path.name)


def read_bytes(data: bytes, name: str) -> RawDocument:
    """Read file contents held in memory (an upload); ``name`` supplies the source and suffix."""
    source = Path(name).name
    fmt = _check_suffix(source)
    if not data.strip():
        raise ReadError(f"{source}: file is empty")
    try:
        raw = _parse(data, source, fmt)
    except Unreadable as exc:
        raise ReadError(f"{source}: {exc}") from exc
    blocks, _removed = strip_boilerplate(raw.blocks)
    blocks = merge_split_title(blocks, raw.meta.title)
    warnings = raw.warnings
    if not blocks and not warnings:
        warnings = (f"{source}: no text found; nothing to index",)
    return replace(raw, blocks=blocks, warnings=warnings)


def merge_split_title(blocks: tuple[Block, ...], title: str | None) -> tuple[Block, ...]:
    """Join the first few blocks into one when together they spell the known title: pages set
    long titles centred over two or three lines, and the title is one heading, not three."""
    if not title or not blocks:
        return blocks
    target = "".join(title.split())
    joined = ""
    for count, block in enumerate(blocks[:4], start=1):
        joined += "".join(block.text.split())
        if not target.startswith(joined):
            break
        if joined == target:
            if count == 1:
                return blocks
            first = blocks[0]
            merged = Block(clean_paragraph(" ".join(b.text for b in blocks[:count])), first.page, first.heading_level)
            return (merged,) + blocks[count:]
    return blocks


def _check_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "no suffix"
        allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise ReadError(f"{Path(name).name}: unsupported file type ({shown}; supported: {allowed})")
    return _FORMAT[suffix]


def _parse(data: bytes, source: str, fmt: str) -> RawDocument:
    if fmt == "pdf":
        from ingest.read_pdf import extract_pages, pdf_content

        content = pdf_content(extract_pages(data))
        warnings = tuple(f"{source}: {problem}" for problem in content.problems)
        return RawDocument(source, fmt, content.blocks, DocMeta(), warnings, content.page_count)
    if fmt == "docx":
        from ingest.read_docx import parse_docx

        blocks, meta = parse_docx(data)
    elif fmt == "html":
        from ingest.read_html import parse_html

        blocks, meta = parse_html(data)
    else:
        text = decode_text(data)
        if not text.strip():
            raise Unreadable("file contains no text")
        if fmt == "md":
            blocks, meta = parse_markdown(text)
        else:
            blocks, meta = parse_text_blocks(text), DocMeta()
    return RawDocument(source, fmt, tuple(blocks), meta)
