"""HTML (gov.cn page fragments and ordinary pages) → blocks and header metadata (pure)."""

from __future__ import annotations

import re

from ingest.read_text import META_LABELS, decode_text, make_blocks, meta_from_fields, normalise_label
from plankb.records import Block, DocMeta

# Elements whose text is never document content.
_SKIP = {
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "iframe", "object", "embed", "select", "button", "svg", "canvas", "map", "head", "title",
}
# Elements that start and end a paragraph; everything else is inline and joins its neighbours.
_BLOCK = {
    "p", "div", "section", "article", "main", "blockquote", "li", "ul", "ol", "dl", "dt", "dd",
    "pre", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "center", "address",
    "figure", "figcaption", "hr", "body", "html", "fieldset", "legend",
}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([\w\-]+)""", re.I)


def decode_html(data: bytes) -> str:
    """HTML bytes → str, honouring a declared charset before guessing (old gov.cn pages are GBK)."""
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common; fall back to detection
    return decode_text(data)


def parse_html(data: bytes) -> tuple[list[Block], DocMeta]:
    """HTML → body paragraphs (``#UCAP-CONTENT`` when present) and the gov.cn header fields."""
    import warnings

    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning  # only needed for HTML files

    with warnings.catch_warnings():
        # A fragment of bare text ("x.htm") is still HTML to us, not a mistaken file name.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(decode_html(data), "lxml")
    meta = meta_from_fields(_header_fields(soup))
    if not meta.title and soup.title and soup.title.get_text(strip=True):
        meta = DocMeta(soup.title.get_text(" ", strip=True), meta.issuer, meta.doc_number, meta.date, meta.topic)
    root = soup.find(id="UCAP-CONTENT") or soup.body or soup
    collector = _Collector()
    collector.walk(root)
    collector.flush()
    return make_blocks(collector.paragraphs), meta


def _header_fields(soup) -> list[tuple[str, str]]:
    """(label, value) pairs from header tables: a label cell followed by its value cell, or a
    single element holding ``label：value``."""
    fields = []
    for cell in soup.find_all(["td", "th", "dt", "span", "li", "p", "div"]):
        text = cell.get_text(" ", strip=True)
        if not text or len(text) > 120:
            continue
        label = normalise_label(text)
        if label in META_LABELS and cell.name in ("td", "th", "dt"):
            value_cell = cell.find_next_sibling(["td", "th", "dd"])
            if value_cell is not None:
                fields.append((label, value_cell.get_text(" ", strip=True)))
            continue
        inline = re.match(r"^([^:：]{1,8})\s*[:：]\s*(.+)$", text)
        if inline and normalise_label(inline.group(1)) in META_LABELS and not cell.find(["td", "p", "div", "li"]):
            fields.append((inline.group(1), inline.group(2)))
    return fields


class _Collector:
    """Walks the element tree and cuts the text into paragraphs at block-level boundaries."""

    def __init__(self) -> None:
        self.paragraphs: list[tuple[str, int | None, int | None]] = []
        self._buffer: list[str] = []

    def flush(self, level: int | None = None) -> None:
        if self._buffer:
            self.paragraphs.append(("".join(self._buffer), None, level))
            self._buffer = []

    def walk(self, node) -> None:
        from bs4 import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction

        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, (Comment, Doctype, Declaration, ProcessingInstruction)):
                    self._buffer.append(str(child))
                continue
            name = child.name
            if name in _SKIP or _hidden(child):
                continue
            if name == "br":
                self.flush()
            elif name in _HEADINGS:
                self.flush()
                self.walk(child)
                self.flush(_HEADINGS[name])
            elif name == "tr" and child.find(["table", "p", "div", "h1", "h2", "h3", "ul", "ol"]) is None:
                # A data row reads as one line; layout rows (holding paragraphs) are walked.
                self.flush()
                cells = [cell.get_text(" ", strip=True) for cell in child.find_all(["td", "th"], recursive=False)]
                row = " | ".join(cell for cell in cells if cell)
                if row:
                    self.paragraphs.append((row, None, None))
            elif name in _BLOCK:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)


def _hidden(tag) -> bool:
    style = (tag.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or tag.has_attr("hidden")

