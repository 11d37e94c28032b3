"""PDF → paragraphs with page numbers: text-layer checks, running furniture, line re-joining.

pypdf's layout mode is used because it keeps each line's indentation, which is what tells a
new paragraph from a wrapped line. Everything after extraction is pure and works on lines.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import statistics
import string
import unicodedata
from dataclasses import dataclass, replace
from typing import Sequence

from ingest.read_text import Unreadable, is_common_hanzi, is_ideograph, make_blocks
from plankb.records import Block

# ---------------------------------------------------------------- pages


@dataclass(frozen=True)
class PageText:
    """The raw text pypdf gave for one page (1-based number) and whether the page holds images."""

    number: int
    text: str
    has_images: bool = False
    error: str | None = None


@dataclass(frozen=True)
class PdfContent:
    """What a PDF yields: blocks, reading warnings (without the file name) and the page count."""

    blocks: tuple[Block, ...]
    problems: tuple[str, ...]
    page_count: int


def extract_pages(data: bytes) -> list[PageText]:
    """The only pypdf-facing step: open the bytes and pull each page's text. Raises Unreadable."""
    head = data[:1024]
    if b"%PDF-" not in head:
        raise Unreadable("not a valid PDF (no %PDF header)")
    # pypdf patches up a cut-off file and reads what is left; a PDF without its final %%EOF is
    # truncated, and half a document indexed as if whole is worse than a clear error.
    if b"%%EOF" not in data[-4096:]:
        raise Unreadable("not a valid PDF (truncated or corrupt)")
    import pypdf  # imported here so text-only ingestion never pays for it

    with _quiet_pypdf():
        try:
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise Unreadable("PDF is encrypted (password required)")
            pages = list(reader.pages)
            if not pages:
                raise Unreadable("not a valid PDF (no pages; truncated or corrupt)")
        except Unreadable:
            raise
        except Exception as exc:  # pypdf raises a wide range of types on damaged files
            raise Unreadable("not a valid PDF (truncated or corrupt)") from exc
        return [_page_text(number, page) for number, page in enumerate(pages, start=1)]


@contextlib.contextmanager
def _quiet_pypdf():
    # pypdf logs a warning for every quirk it repairs ("Unbalanced target operations"); what
    # matters to the user is summarised in our own page warnings instead.
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _page_text(number: int, page) -> PageText:
    has_images = _has_images(page)
    errors = []
    for mode in ("layout", "plain"):
        try:
            return PageText(number, page.extract_text(extraction_mode=mode) or "", has_images)
        except Exception as exc:  # one bad page must not cost the others
            errors.append(type(exc).__name__)
    return PageText(number, "", has_images, error=errors[-1])


def _has_images(page) -> bool:
    try:
        xobjects = page["/Resources"].get_object().get("/XObject")
        if xobjects is None:
            return False
        return any(x.get_object().get("/Subtype") in ("/Image", "/Form") for x in xobjects.get_object().values())
    except Exception:  # resources missing or malformed: judge by the text alone
        return False


# ---------------------------------------------------------------- text-layer quality

_LATIN1_OK = set("\xa0·×÷°±§¥©®")
_MIN_CHARS = 20


def is_suspect_char(ch: str) -> bool:
    """Characters a Chinese document's text layer should not be made of: Latin-1 letters
    (GBK read as Latin-1), other alphabets (glyph ids of custom fonts), private use, U+FFFD."""
    code = ord(ch)
    if 0x80 <= code <= 0xFF:
        return ch not in _LATIN1_OK
    return 0x370 <= code <= 0x1FFF or 0xE000 <= code <= 0xF8FF or ch == "\ufffd" or (code < 0x20 and ch not in "\t\n\r\f")


def text_layer_is_garbage(text: str) -> bool:
    """True when a page's text is mojibake or glyph soup rather than language."""
    chars = [ch for ch in text if not ch.isspace()]
    if len(chars) < _MIN_CHARS:
        return False
    suspect = sum(map(is_suspect_char, chars)) / len(chars)
    ascii_symbols = sum(ch in string.punctuation for ch in chars) / len(chars)
    hanzi = [ch for ch in chars if is_ideograph(ch)]
    # Real Chinese text draws ~99% of its characters from GB2312 level 1; random code points
    # (a custom font's glyph ids mapped onto the CJK block) hit it about one time in six.
    rare_hanzi = len(hanzi) >= _MIN_CHARS and sum(map(is_common_hanzi, hanzi)) < 0.6 * len(hanzi)
    return suspect >= 0.15 or ascii_symbols >= 0.3 or rare_hanzi


def page_ranges(numbers: Sequence[int]) -> str:
    """[1, 2, 3, 5] → "1-3, 5"."""
    ranges: list[list[int]] = []
    for n in sorted(numbers):
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def _pages_phrase(numbers: Sequence[int], singular: str, plural: str) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]} {singular}"
    return f"pages {page_ranges(numbers)} {plural}"


# ---------------------------------------------------------------- lines


@dataclass(frozen=True)
class Line:
    text: str  # stripped, inner whitespace runs collapsed (layout mode pads justified lines)
    page: int
    indent: int  # leading spaces in layout mode: how far right of the margin the line starts
    width: int  # display width, CJK counting 2: how far the line reaches across the page
    cells: tuple[str, ...] = ()  # the line cut at wide gaps; a table row has several


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_CELL_GAP = re.compile(r"\s{2,}")


def page_lines(page: PageText) -> list[Line]:
    """The non-empty lines of one page."""
    lines = []
    for raw in page.text.splitlines():
        text = " ".join(raw.split())
        if text:
            indent = len(raw) - len(raw.lstrip())
            cells = tuple(_CELL_GAP.split(raw.strip()))
            lines.append(Line(text, page.number, indent, _display_width(text), cells))
    return lines


_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－‐_~·•\s]*\d{1,4}[-—–－‐_~·•\s]*|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?|[-—–]\s*[ivxlc]+\s*[-—–])$",
    re.I,
)
_EDGE = 2  # running headers, footers and page numbers sit in the first/last lines of a page


def drop_running_lines(pages: Sequence[Sequence[Line]]) -> list[list[Line]]:
    """Remove page numbers and headers/footers repeated on many pages (digits ignored, so
    "2024年报告 3" and "2024年报告 4" count as the same footer)."""
    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.replace(" ", ""))

    def edges(lines: Sequence[Line]) -> list[Line]:
        return list(lines[:_EDGE]) + list(lines[-_EDGE:])

    counts: dict[str, int] = {}
    for lines in pages:
        for k in {key(line) for line in edges(lines)}:
            counts[k] = counts.get(k, 0) + 1
    with_text = sum(1 for lines in pages if lines)
    repeated = {k for k, n in counts.items() if with_text >= 3 and n >= max(3, with_text // 2)}
    result = []
    for lines in pages:
        edge_ids = {id(line) for line in edges(lines)}
        result.append(
            [
                line
                for line in lines
                if id(line) not in edge_ids or not (_PAGE_NUMBER.match(line.text) or key(line) in repeated)
            ]
        )
    return result


# A line that opens a new numbered item never continues the previous one.
_NUMBERED = re.compile(
    r"^(?:第[一二三四五六七八九十百千零〇\d]+[编篇章节条款部分]|[一二三四五六七八九十百]+[、.．]"
    r"|[（(][一二三四五六七八九十百\d]{1,3}[）)]|\d{1,2}(?:\.\d{1,2})*[.．、](?!\d)|[①-⑳]|专栏\s*\d|附件|附表)"
)
_SENTENCE_END = re.compile(r"(?:[。！？；：!?;:…]|[。！？!?…][”’」』）)])$")
_SHORT_LINE = 0.75  # a line narrower than this share of a full line ends its paragraph


def join_lines(lines: Sequence[Line]) -> list[tuple[str, int]]:
    """Re-join hard-wrapped lines into (paragraph, page of its first line)."""
    if not lines:
        return []
    widths = sorted(line.width for line in lines)
    full = widths[int(0.8 * (len(widths) - 1))]
    short = [line.width < _SHORT_LINE * full for line in lines]
    rows = _table_rows(lines, short)
    para_indent = _paragraph_indent(lines, short)

    groups: list[list[int]] = [[0]]
    for i in range(1, len(lines)):
        if i in rows or i - 1 in rows or _starts_paragraph(lines[i - 1], lines[i], short[i - 1], para_indent):
            groups.append([i])
        else:
            groups[-1].append(i)
    paragraphs = []
    for group in groups:
        first = lines[group[0]]
        if group[0] in rows:  # a table row reads as one line, cells joined like DOCX and HTML rows
            paragraphs.append((" | ".join(first.cells), first.page))
        else:
            paragraphs.append((_glue([lines[i] for i in group]), first.page))
    return paragraphs


def _table_rows(lines: Sequence[Line], short: Sequence[bool]) -> set[int]:
    """Indices of table rows: short lines split by wide gaps into 3+ cells, next to another
    such line. Two cells are not enough: "第三章    总则" and "(一)  …" have one gap too."""
    candidate = [len(line.cells) >= 3 and short[i] for i, line in enumerate(lines)]
    rows = set()
    for i, line in enumerate(lines):
        if not candidate[i]:
            continue
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(lines) and lines[j].page == line.page]
        if any(candidate[j] for j in neighbours):
            rows.add(i)
    return rows


def _starts_paragraph(prev: Line, line: Line, prev_short: bool, para_indent: int | None) -> bool:
    if _NUMBERED.match(line.text):
        return True
    if para_indent is not None and line.indent >= para_indent:
        return True
    if prev_short:
        return True
    # A full line ending a sentence continues when the layout shows first-line indents and
    # this line is not indented; without that evidence punctuation decides.
    return bool(_SENTENCE_END.search(prev.text)) and para_indent is None


def _paragraph_indent(lines: Sequence[Line], short: Sequence[bool]) -> int | None:
    """The indent that marks a paragraph's first line, when the document indents first lines.

    Compares lines that surely start a paragraph (after a short line ending a sentence) with
    lines that surely continue one (after a full line ending mid-sentence). Hanging-indent
    layouts, where continuations are the indented ones, give None.
    """
    starts, continuations = [], []
    for i in range(1, len(lines)):
        prev, line = lines[i - 1], lines[i]
        if prev.page != line.page or _NUMBERED.match(line.text):
            continue
        ends = bool(_SENTENCE_END.search(prev.text))
        if ends and short[i - 1]:
            starts.append(line.indent)
        elif not ends and not short[i - 1]:
            continuations.append(line.indent)
    if len(starts) < 3 or len(continuations) < 3:
        return None
    start, cont = statistics.median(starts), statistics.median(continuations)
    return int(cont) + 2 if start >= cont + 2 else None


# Marks where a glued paragraph crosses onto a new page; taken out again (into Block.page_breaks)
# once the paragraph is cleaned, so it never reaches the document text.
PAGE_MARK = "\ue000"


def _glue(lines: Sequence[Line]) -> str:
    text = lines[0].text
    for prev, line in zip(lines, lines[1:]):
        # Latin words and numbers split across lines keep a space; CJK text joins directly.
        latin = text[-1:].isascii() and text[-1:].isalnum() and line.text[:1].isascii() and line.text[:1].isalnum()
        mark = PAGE_MARK if line.page != prev.page else ""
        text += (" " if latin else "") + mark + line.text
    return text


def _with_page_breaks(block: Block) -> Block:
    """Move page marks out of a block's text into its page_breaks."""
    if PAGE_MARK not in block.text:
        return block
    parts = block.text.split(PAGE_MARK)
    text, breaks, page = parts[0], [], block.page or 1
    for part in parts[1:]:
        page += 1
        breaks.append((len(text), page))
        text += part
    return replace(block, text=text, page_breaks=tuple(breaks))


# ---------------------------------------------------------------- whole document


def pdf_content(pages: Sequence[PageText]) -> PdfContent:
    """Pages → blocks and problems: pages without or with a garbage text layer yield no blocks."""
    no_text, garbage, failed = [], [], []
    kept: list[list[Line]] = []
    for page in pages:
        if page.error:
            failed.append(page.number)
            kept.append([])
        elif not page.text.strip():
            if page.has_images:
                no_text.append(page.number)
            kept.append([])
        elif text_layer_is_garbage(page.text):
            garbage.append(page.number)
            kept.append([])
        else:
            kept.append(page_lines(page))
    if pages and len(failed) == len(pages):
        raise Unreadable("not a valid PDF (corrupt: no page could be read)")
    paragraphs: list[tuple[str, int | None, int | None]] = []
    run: list[Line] = []
    for lines in drop_running_lines(kept) + [[]]:
        if lines:
            run.extend(lines)
        else:  # a page without usable text ends any paragraph that ran into it
            paragraphs.extend((text, page, None) for text, page in join_lines(run))
            run = []
    problems = []
    if no_text:
        problems.append(_pages_phrase(no_text, "has no text layer (needs OCR)", "have no text layer (needs OCR)"))
    if garbage:
        problems.append(_pages_phrase(garbage, "has an unreadable text layer", "have an unreadable text layer"))
    if failed:
        problems.append(_pages_phrase(failed, "could not be read", "could not be read"))
    blocks = tuple(_with_page_breaks(b) for b in make_blocks(paragraphs, join_numbers=True))
    if not blocks:
        problems.append("no readable text on any page; nothing to index")
    return PdfContent(blocks, tuple(problems), len(pages))
