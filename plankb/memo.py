"""Export a citation basket as a memo: Markdown text or a Word (DOCX) document.

Pure functions over ``CitationItem`` records; the only side effect is building bytes in memory.
Quotes are kept verbatim: Markdown export escapes markup characters with backslashes (which
Markdown renders as the characters themselves), DOCX export drops only the control characters
Word cannot store.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Sequence

DEFAULT_TITLE = "引用摘录"
# Songti is on every Chinese Windows install; Word falls back gracefully elsewhere.
EAST_ASIAN_FONT = "宋体"

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$])")
# XML 1.0 forbids these; python-docx raises on them, so they are dropped (they are never visible text).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class CitationItem:
    """One quote in the basket: verbatim text plus its memo-ready source line."""

    quote: str
    citation: str  # 《title》（文号）section path，第N页
    doc_id: str
    clause_id: str


def escape_markdown(text: str) -> str:
    """Backslash-escape characters Markdown would read as markup; newlines become line breaks."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _xml_safe(text)).replace("\n", "  \n")


def basket_markdown(items: Sequence[CitationItem], title: str = DEFAULT_TITLE) -> str:
    """The basket as Markdown: a title, then each quote as a block quote followed by its source."""
    lines = [f"# {escape_markdown(title)}", ""]
    for number, item in enumerate(items, start=1):
        quote = escape_markdown(item.quote).replace("\n", "\n> ")
        lines += [f"> {number}. “{quote}”", ">", f"> ——{escape_markdown(item.citation)}", ""]
    if not items:
        lines += ["（引用篮为空）", ""]
    return "\n".join(lines)


def _xml_safe(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _set_east_asian_font(style_or_run, name: str) -> None:
    """Word picks the font for CJK characters from w:eastAsia, which python-docx does not set."""
    from docx.oxml.ns import qn

    element = style_or_run.element
    r_pr = element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def basket_docx(items: Sequence[CitationItem], title: str = DEFAULT_TITLE) -> bytes:
    """The basket as a Word memo: a title, then each quote as a paragraph followed by its source line."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    _set_east_asian_font(normal, EAST_ASIAN_FONT)
    heading = document.add_heading(_xml_safe(title), level=1)
    for run in heading.runs:
        _set_east_asian_font(run, EAST_ASIAN_FONT)
    if not items:
        document.add_paragraph("（引用篮为空）")
    for item in items:
        quote = document.add_paragraph(f"“{_xml_safe(item.quote)}”")
        quote.paragraph_format.first_line_indent = Pt(24)
        source = document.add_paragraph()
        source.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = source.add_run(f"——{_xml_safe(item.citation)}")
        run.font.size = Pt(10.5)
        _set_east_asian_font(run, EAST_ASIAN_FONT)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
