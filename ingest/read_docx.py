"""DOCX (Word) → blocks in body order, tables included, with heading levels from styles (pure)."""

from __future__ import annotations

import io
import re

from ingest.read_text import Unreadable, make_blocks
from plankb.records import Block, DocMeta

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
_TITLE_STYLE = re.compile(r"^(?:title|标题)$", re.I)
# Core-property titles that templates and converters leave behind; they say nothing.
_PLACEHOLDER_TITLE = re.compile(
    r"^(?:microsoft word\b.*|untitled.*|document\d*|文档\d*|新建.*|无标题.*|标题|title|标准名称|\d+|.*\.(?:docx?|wps|pdf|txt))$",
    re.I,
)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def parse_docx(data: bytes) -> tuple[list[Block], DocMeta]:
    """DOCX bytes → one block per paragraph and per table row (cells joined with " | ")."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable("a legacy Word .doc (OLE) file, not DOCX; save it as .docx")
    try:
        import docx  # python-docx is only needed for Word files

        document = docx.Document(io.BytesIO(data))
        items = list(_body_items(document.element.body, document._body))
        title = document.core_properties.title
    except Exception as exc:  # zipfile, lxml and python-docx raise many types on damaged files
        raise Unreadable("not a valid DOCX (truncated or corrupt)") from exc

    paragraphs: list[tuple[str, int | None, int | None]] = []
    for item in items:
        if hasattr(item, "rows"):
            paragraphs.extend((row, None, None) for row in _table_rows(item))
        else:
            paragraphs.append((item.text, None, _heading_level(item)))
    return make_blocks(paragraphs), DocMeta(title=_meaningful_title(title))


def _body_items(element, parent):
    """Body paragraphs and tables in order, including those wrapped in content controls
    (``w:sdt``) or custom XML, which python-docx's own iteration skips."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in element.iterchildren():
        if child.tag == f"{_W}p":
            yield Paragraph(child, parent)
        elif child.tag == f"{_W}tbl":
            yield Table(child, parent)
        elif child.tag == f"{_W}sdt":
            for content in child.iterchildren(f"{_W}sdtContent"):
                yield from _body_items(content, parent)
        elif child.tag == f"{_W}customXml":
            yield from _body_items(child, parent)


def _table_rows(table) -> list[str]:
    from docx.text.paragraph import Paragraph

    rows = []
    for tr in table._tbl.tr_lst:
        cells = []
        for tc in tr.tc_lst:
            # Cell paragraphs in order, nested tables flattened; a merged cell appears once
            # here because we walk the XML cells, not python-docx's expanded grid.
            text = " ".join(Paragraph(p, table).text for p in tc.iter(f"{_W}p"))
            if text.strip():
                cells.append(text.strip())
        if cells:
            rows.append(" | ".join(cells))
    return rows


def _heading_level(paragraph) -> int | None:
    """Heading level from the paragraph style (or the style it is based on), else outline level."""
    style = paragraph.style
    for _ in range(4):
        if style is None:
            break
        name = (style.name or "").strip()
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        if _TITLE_STYLE.match(name):
            return 1
        level = _outline_level(style.element)
        if level is not None:
            return level
        style = style.base_style
    return _outline_level(paragraph._p)


def _outline_level(element) -> int | None:
    values = element.xpath("./w:pPr/w:outlineLvl/@w:val")
    if values and values[0].isdigit() and int(values[0]) < 9:  # 9 means body text
        return int(values[0]) + 1
    return None


def _meaningful_title(title: str | None) -> str | None:
    title = (title or "").strip()
    if len(title) < 2 or _PLACEHOLDER_TITLE.match(title):
        return None
    return title
