"""Blocks → section tree and clauses, with exact offsets into the document text.

Pure functions only. The document text is the blocks joined by ``\\n``; every section and
clause records offsets into it, so a citation can always be checked against the source.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Sequence

from ingest.numbering import (
    RANK_BOX_ITEM,
    RANK_JIE,
    Numbering,
    is_table_of_contents_line,
    match_box_item,
    match_numbering,
)
from plankb.records import Block, Clause, Section

# A numbered paragraph is a heading when its title part is at most this long; longer numbered
# paragraphs are enumerated list items ("（一）未经批准擅自设立幼儿园的；").
MAX_TITLE_CHARS = 60
# A numbered paragraph this short with no sentence punctuation is a heading line on its own.
SHORT_HEADING_CHARS = 40
# Sentences longer than this (texts that lost their punctuation) are cut at commas so a clause
# stays quotable.
MAX_CLAUSE_CHARS = 300

_SENTENCE = re.compile(r"[^。！？；!?;]+(?:[。！？；!?;]+[”’」』）)\]\"']*)?|[。！？；!?;]+")
_TITLE_END = re.compile(r"[。！？：:]")
_LIST_END = re.compile(r"[；;，,]\s*$")
_CONTENT = re.compile(r"[\w\u4e00-\u9fff]")


def stable_id(*parts: object) -> str:
    """A short content hash: the same inputs give the same id in every run and version."""
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return digest[:16]


@dataclass
class _OpenSection:
    id: str
    rank: int
    kind: str
    path: tuple[str, ...]
    ordinal: int
    start: int
    page: int | None
    parent_id: str | None
    markup_level: int | None = None
    end: int | None = None


@dataclass
class _Builder:
    doc_id: str
    sections: list[_OpenSection] = field(default_factory=list)
    stack: list[_OpenSection] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    seen_paths: dict[tuple[str, ...], int] = field(default_factory=dict)
    seen_texts: dict[str, int] = field(default_factory=dict)

    def open(self, title: str, rank: int | None, kind: str, start: int, page: int | None, markup_level: int | None) -> None:
        """Open a section; ``rank`` None means a markup-only heading placed by its markup level."""
        if rank is None:
            assert markup_level is not None
            while self.stack and (self.stack[-1].markup_level or 0) >= markup_level:
                self._close(start)
            rank = self.stack[-1].rank + 1 if self.stack else max(0, markup_level - 1)
        while self.stack and self.stack[-1].rank >= rank:
            self._close(start)
        parent = self.stack[-1] if self.stack else None
        path = (parent.path if parent else ()) + (title,)
        occurrence = self.seen_paths.get(path, 0)
        self.seen_paths[path] = occurrence + 1
        section = _OpenSection(
            id=stable_id(self.doc_id, "section", *path, occurrence),
            rank=rank,
            kind=kind,
            path=path,
            ordinal=len(self.sections),
            start=start,
            page=page,
            parent_id=parent.id if parent else None,
            markup_level=markup_level,
        )
        self.sections.append(section)
        self.stack.append(section)

    def _close(self, next_start: int) -> None:
        self.stack.pop().end = max(next_start - 1, 0)

    def in_kind(self, kind: str) -> bool:
        return any(s.kind == kind for s in self.stack)

    def add_clause(self, text: str, start: int, page: int | None) -> None:
        occurrence = self.seen_texts.get(text, 0)
        self.seen_texts[text] = occurrence + 1
        current = self.stack[-1] if self.stack else None
        self.clauses.append(
            Clause(
                id=stable_id(self.doc_id, text, occurrence),
                doc_id=self.doc_id,
                section_id=current.id if current else None,
                section_path=current.path if current else (),
                ordinal=len(self.clauses),
                text=text,
                start=start,
                end=start + len(text),
                page=page,
            )
        )


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a paragraph, split after 。！？； and trimmed of whitespace."""
    spans: list[tuple[int, int]] = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if not _CONTENT.search(text, start, end):
            if spans and start < end:  # stray punctuation belongs to the sentence before it
                spans[-1] = (spans[-1][0], end)
            continue
        spans.extend(_cut_long(text, start, end))
    return spans


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if end - start <= MAX_CLAUSE_CHARS:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    piece_start = start
    for m in re.finditer(r"[，,、]", text[start:end]):
        cut = start + m.end()
        if cut - piece_start >= MAX_CLAUSE_CHARS // 2:
            pieces.append((piece_start, cut))
            piece_start = cut
    if piece_start < end:
        pieces.append((piece_start, end))
    return pieces


def _heading_split(text: str, numbering: Numbering) -> int | None:
    """Where the title of a numbered paragraph ends, or None if it is a list item."""
    if numbering.scheme == "条":
        return numbering.label_end
    if len(text) <= SHORT_HEADING_CHARS and not _TITLE_END.search(text) and not _LIST_END.search(text):
        return len(text)
    m = _TITLE_END.search(text, numbering.label_end)
    if m and m.start() <= MAX_TITLE_CHARS and m.start() > numbering.label_end:
        return m.start()
    if numbering.scheme == "专栏" and len(text) <= MAX_TITLE_CHARS:
        return len(text)
    return None


def _classify(block: Block, builder: _Builder) -> tuple[int | None, str, int, int] | None:
    """(rank, kind, title_end, body_start) when a block opens a section, else None.

    The rank is None for a markup heading without numbering: it nests by its markup level.
    """
    text = block.text
    numbering = match_numbering(text)
    if numbering and builder.in_kind("article") and numbering.rank > RANK_JIE and numbering.scheme != "条":
        numbering = None  # enumerations inside a law article are its items, not headings
    if numbering:
        title_end = _heading_split(text, numbering)
        if title_end is not None:
            kind = {"条": "article", "专栏": "box"}.get(numbering.scheme, "heading")
            return numbering.rank, kind, title_end, _skip_terminator(text, title_end)
    if block.heading_level is not None:
        return None, "heading", len(text), len(text)
    if builder.in_kind("box"):
        item_end = match_box_item(text)
        if item_end is not None:
            return RANK_BOX_ITEM, "box_item", item_end, _skip_terminator(text, item_end)
    return None


_CHAPTER_LABEL = re.compile(r"^(第\s*[零〇一二三四五六七八九十百千两\d]+\s*[篇章节])(?=[\u4e00-\u9fff])")


def _heading_title(text: str) -> str:
    """A heading as shown in paths and citations: whitespace collapsed, and "第四章教职工" (whose
    space a reader dropped between two CJK characters) spaced back to "第四章 教职工"."""
    return _CHAPTER_LABEL.sub(r"\1 ", re.sub(r"\s+", " ", text).strip())


def _skip_terminator(text: str, pos: int) -> int:
    if pos < len(text) and text[pos] in "。！？：:":
        pos += 1
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _contents_entries(blocks: Sequence[Block]) -> frozenset[int]:
    """Chapter headings that occur again later: the earlier copies belong to a table of contents."""
    last_seen: dict[str, int] = {}
    entries = set()
    for index, block in enumerate(blocks):
        numbering = match_numbering(block.text)
        if numbering and numbering.scheme in ("篇", "章", "节") and len(block.text) <= MAX_TITLE_CHARS:
            key = re.sub(r"\s+", "", block.text)
            if key in last_seen:
                entries.add(last_seen[key])
            last_seen[key] = index
    return frozenset(entries)


def parse_structure(
    doc_id: str, blocks: Sequence[Block], skip_blocks: frozenset[int] = frozenset()
) -> tuple[str, tuple[Section, ...], tuple[Clause, ...]]:
    """Build the document text, its section tree and its clauses from reader blocks.

    ``skip_blocks`` are block indexes that are part of the text but neither headings nor
    clauses (the document's own title line); table-of-contents lines are skipped the same way
    because the real headings follow in the body.
    """
    text = "\n".join(b.text for b in blocks)
    skip_blocks = skip_blocks | _contents_entries(blocks)
    builder = _Builder(doc_id)
    offset = 0
    for index, block in enumerate(blocks):
        block_start = offset
        offset += len(block.text) + 1
        if index in skip_blocks or is_table_of_contents_line(block.text):
            continue
        heading = _classify(block, builder)
        body_start = 0
        if heading:
            rank, kind, title_end, body_start = heading
            title = _heading_title(block.text[:title_end])
            builder.open(title, rank, kind, block_start, block.page, block.heading_level)
        body = block.text[body_start:]
        for s, e in split_sentences(body):
            builder.add_clause(body[s:e], block_start + body_start + s, block.page_at(body_start + s))
    for section in builder.stack:
        section.end = len(text)
    sections = tuple(
        Section(
            id=s.id,
            doc_id=doc_id,
            parent_id=s.parent_id,
            path=s.path,
            kind=s.kind,
            rank=s.rank,
            ordinal=s.ordinal,
            start=s.start,
            end=s.end if s.end is not None else len(text),
            page=s.page,
        )
        for s in builder.sections
    )
    return text, sections, tuple(builder.clauses)
