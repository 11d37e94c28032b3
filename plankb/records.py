"""The records that flow one way through plankb: files → documents → sections → clauses → targets → hits.

Every record is a frozen dataclass so a stage can never mutate what an earlier stage produced.
Offsets are character offsets into ``Document.text`` (the canonical text: the document's
blocks joined with ``\\n``), so ``document.text[c.start:c.end] == c.text`` for every clause.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Block:
    """One paragraph as a reader found it, before any structure is known."""

    text: str
    page: int | None = None
    # Heading level from markup (Markdown ``#``, DOCX "Heading N", HTML ``<hN>``); None when the
    # block carries no markup and only its own numbering can say whether it is a heading.
    heading_level: int | None = None
    # (offset in text, page) where a paragraph that runs across a page boundary enters a new page,
    # so a sentence in its second half is cited with the page it is printed on.
    page_breaks: tuple[tuple[int, int], ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The page the character at ``offset`` of this block is printed on."""
        page = self.page
        for start, number in self.page_breaks:
            if start <= offset:
                page = number
        return page


@dataclass(frozen=True)
class DocMeta:
    """Header fields of a document; every field optional because most sources lack some."""

    title: str | None = None
    issuer: str | None = None  # 发文机关
    doc_number: str | None = None  # 发文字号, e.g. 国办发〔2019〕3号
    date: str | None = None  # 成文日期 as ISO yyyy-mm-dd when it could be parsed
    topic: str | None = None  # 主题分类


@dataclass(frozen=True)
class RawDocument:
    """What a format reader returns: ordered blocks, header metadata and reading warnings."""

    source: str  # the file name the document is known by (its key in the index)
    fmt: str  # txt | md | html | docx | pdf
    blocks: tuple[Block, ...]
    meta: DocMeta = field(default_factory=DocMeta)
    warnings: tuple[str, ...] = ()
    page_count: int | None = None


@dataclass(frozen=True)
class Document:
    id: str
    source: str
    fmt: str
    title: str
    issuer: str | None
    doc_number: str | None
    date: str | None
    topic: str | None
    doc_type: str  # 规划 | 报告 | 法规 | 政策文件 | 其他
    year: int | None
    text: str
    content_hash: str  # sha256 of the source file bytes
    page_count: int | None = None


@dataclass(frozen=True)
class Section:
    id: str
    doc_id: str
    parent_id: str | None
    path: tuple[str, ...]  # heading strings, outermost first, ending with this section's own
    kind: str  # heading | box (专栏) | box_item (专栏 工程/行动) | article (第X条) | preamble
    rank: int  # position of the numbering scheme in the hierarchy (smaller = outer)
    ordinal: int  # order of the section in the document
    start: int  # offset of the heading in Document.text
    end: int  # offset where the section (with its subsections) ends
    page: int | None = None

    @property
    def title(self) -> str:
        return self.path[-1] if self.path else ""


@dataclass(frozen=True)
class Clause:
    id: str
    doc_id: str
    section_id: str | None
    section_path: tuple[str, ...]
    ordinal: int  # order of the clause in the document
    text: str  # verbatim, == Document.text[start:end]
    start: int
    end: int
    page: int | None = None


@dataclass(frozen=True)
class Target:
    """A quantified commitment or figure stated in a clause."""

    id: str
    doc_id: str
    clause_id: str
    indicator: str  # what is measured, e.g. 托位数 (with qualifier 每千人口)
    comparator: str  # ≥ | ≤ | ≈ | = (plain figure or 保持)
    value: str  # as written in the source, e.g. "4.5", "90%", "3.8万"
    number: float  # normalised: Chinese numerals and 万/亿 multiplied out, percent as 90.0
    unit: str  # 个, 家, 所, %, 平方米 …
    year: str | None  # target year or period: "2025", "十四五", "2024-2027"
    span: str  # exact source text of the commitment, == Document.text[start:end]
    start: int
    end: int
    qualifier: str | None = None  # per-unit base, e.g. 每千人口, 每百户


@dataclass(frozen=True)
class ParsedDocument:
    """Everything ingestion derives from one file."""

    document: Document
    sections: tuple[Section, ...]
    clauses: tuple[Clause, ...]
    targets: tuple[Target, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    value: str
    unit: str
    comparator: str
    year: str | None
    indicator: str
    clause_id: str
    span: str
    start: int  # of the span inside the clause text, for highlighting
    end: int


@dataclass(frozen=True)
class Hit:
    rank: int
    clause: Clause
    doc_title: str
    doc_number: str | None
    score: float
    scores: dict[str, float]
    citation: str
