"""RawDocument → ParsedDocument: metadata, section tree, clauses and targets (pure)."""

from __future__ import annotations

import hashlib

from ingest.metadata import doc_type_of, resolve_meta, year_of
from ingest.structure import parse_structure, stable_id
from ingest.targets import extract_targets
from plankb.records import DocMeta, Document, ParsedDocument, RawDocument


def document_id(source: str) -> str:
    """Documents are keyed by file name: a changed file with the same name replaces its old version."""
    return "d" + stable_id("document", source)[:11]


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_document(raw: RawDocument, file_hash: str, sidecar: DocMeta | None = None) -> ParsedDocument:
    """Derive the document record, sections, clauses and targets from a reader's output."""
    meta, title_block = resolve_meta(raw.meta, raw.blocks, raw.source, sidecar)
    doc_id = document_id(raw.source)
    skip = frozenset({title_block}) if title_block is not None else frozenset()
    text, sections, clauses = parse_structure(doc_id, raw.blocks, skip)
    title = meta.title or raw.source
    document = Document(
        id=doc_id,
        source=raw.source,
        fmt=raw.fmt,
        title=title,
        issuer=meta.issuer,
        doc_number=meta.doc_number,
        date=meta.date,
        topic=meta.topic,
        doc_type=doc_type_of(title),
        year=year_of(meta, title),
        text=text,
        content_hash=file_hash,
        page_count=raw.page_count,
    )
    warnings = list(raw.warnings)
    if not clauses and not warnings:
        warnings.append(f"{raw.source}: no text could be extracted; nothing indexed")
    return ParsedDocument(
        document=document,
        sections=sections,
        clauses=clauses,
        targets=extract_targets(clauses, text),
        warnings=tuple(warnings),
    )
