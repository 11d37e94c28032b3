"""Plain text and Markdown → blocks, plus the text helpers every reader shares (pure).

Shared here because every format ends in the same place: a paragraph string that must be
cleaned the same way whether it came from a PDF line, an HTML ``<p>`` or a Word paragraph.
"""

from __future__ import annotations

import re
from typing import Iterable

from plankb.records import Block, DocMeta


class Unreadable(Exception):
    """Raised by a format parser for a file that cannot be read at all; the message is the reason."""


# ---------------------------------------------------------------- character classes

# CJK "wide" characters between which a space carries no meaning in Chinese typesetting:
# ideographs, CJK punctuation, full-width forms and the general-punctuation quotes/dashes.
_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2010-\u2027"
_NUM = "0-9%‰℃"
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")  # str patterns: \s also matches \u3000 and \xa0
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_CJK_NUMBER_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}{_NUM}])|(?<=[{_CJK}{_NUM}]) (?=[{_CJK}])")
_IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")


def is_ideograph(ch: str) -> bool:
    """True for a CJK unified ideograph (basic block or extension A)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def is_common_hanzi(ch: str) -> bool:
    """True for a GB2312 level-1 character: the 3,755 hanzi that make up most real Chinese text."""
    try:
        encoded = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7


def clean_paragraph(text: str, join_numbers: bool = False) -> str:
    """One paragraph, verbatim except: zero-width chars dropped, whitespace runs → one space,
    no space between two CJK characters, stripped. ``join_numbers`` also closes the gap between
    CJK and a number ("28.1 万人" → "28.1万人"), which PDF extraction invents but authors of
    plain text sometimes mean ("专栏1 幼有善育重点工程")."""
    text = _ZERO_WIDTH.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    return (_CJK_NUMBER_GAP if join_numbers else _CJK_GAP).sub("", text)


def make_blocks(paragraphs: Iterable[tuple[str, int | None, int | None]], join_numbers: bool = False) -> list[Block]:
    """Clean (text, page, heading_level) triples into blocks, dropping the ones left empty."""
    blocks = []
    for text, page, level in paragraphs:
        cleaned = clean_paragraph(text, join_numbers)
        if cleaned:
            blocks.append(Block(cleaned, page, level))
    return blocks


# ---------------------------------------------------------------- dates and labels

_DATE = re.compile(r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})")


def parse_cn_date(text: str) -> str | None:
    """``2019年01月09日`` / ``2019-1-9`` / ``2019.01.09`` → ``2019-01-09``; None if no valid date."""
    match = _DATE.search(text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


# Header labels as they appear on gov.cn pages and in Markdown front matter → DocMeta field.
# Labels are compared after removing all whitespace ("标　　题" → "标题").
META_LABELS = {
    "标题": "title",
    "发文机关": "issuer",
    "发布机构": "issuer",
    "发布机关": "issuer",
    "发文单位": "issuer",
    "发文字号": "doc_number",
    "文号": "doc_number",
    "成文日期": "date",
    "发布时间": "date",
    "发布日期": "date",
    "主题分类": "topic",
    "来源": "",  # recognised so it is not kept as text, but DocMeta has no field for it
    # YAML front matter keys
    "title": "title",
    "issuer": "issuer",
    "date": "date",
    "source": "",
}
# When a header has both, the date the document was written wins over the publication date.
_DATE_PRIORITY = {"成文日期": 0, "发布时间": 1, "发布日期": 1}


def normalise_label(label: str) -> str:
    """``标　　题：`` → ``标题``: drop every kind of space and a trailing colon."""
    return re.sub(r"[\s:：]+", "", label).lower()


def meta_from_fields(fields: Iterable[tuple[str, str]]) -> DocMeta:
    """Build DocMeta from (label, value) pairs; the first value per field wins, dates become ISO."""
    found: dict[str, str] = {}
    date_rank = 99
    for label, raw_value in fields:
        key = normalise_label(label)
        field_name = META_LABELS.get(key)
        value = clean_paragraph(raw_value)
        if not field_name or not value:
            continue
        if field_name == "date":
            iso = parse_cn_date(value)
            rank = _DATE_PRIORITY.get(key, 2)
            if iso and rank < date_rank:
                found["date"], date_rank = iso, rank
            continue
        if field_name == "topic":
            value = re.sub(r"\\+", "\\\\", value)  # gov.cn writes the topic path as 科技、教育\\教育
        found.setdefault(field_name, value)
    return DocMeta(**found)


# ---------------------------------------------------------------- decoding


def decode_text(data: bytes) -> str:
    """Bytes of a text file → str: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030, else a
    charset-normalizer guess. Raises Unreadable for binary data."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _reject_binary(data.decode("utf-16"))
        except UnicodeDecodeError as exc:
            raise Unreadable("not valid UTF-16 text") from exc
    if b"\x00" in data:
        raise Unreadable("binary data, not text (contains NUL bytes)")
    # Strict UTF-8 first: valid UTF-8 that is not meant as UTF-8 is vanishingly rare, while
    # GB18030 accepts many byte strings and would happily mis-read UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" or _plausible_chinese(text):
            return _reject_binary(text)
    from charset_normalizer import from_bytes  # only for the rare file neither codec explains

    best = from_bytes(data).best()
    if best is None:
        raise Unreadable("binary data or unknown text encoding (not UTF-8 or GB18030)")
    return _reject_binary(str(best))


def _plausible_chinese(text: str) -> bool:
    """A GB18030 decoding is trusted when its hanzi are mostly common ones (mis-decoded bytes
    land all over the 20,000-character table)."""
    hanzi = _IDEOGRAPH.findall(text)
    if not hanzi:
        return True
    return sum(map(is_common_hanzi, hanzi)) >= 0.6 * len(hanzi)


def _reject_binary(text: str) -> str:
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f\v\x1a")
    if controls > max(2, len(text) // 100):
        raise Unreadable("binary data, not text (control characters)")
    return text


# ---------------------------------------------------------------- plain text


# A wide gap inside a line of plain text is a paragraph break that lost its newline (texts
# flattened by a scraper put "第一篇  指导原则     第一章 …" on one line).
_GAP = re.compile(r"(?<=\S)(?:[ \t]{3,}|\u3000{2,})(?=\S)")


def parse_text_blocks(text: str) -> list[Block]:
    """Plain text → one block per non-empty line (a wide run of spaces inside a line also splits)."""
    return make_blocks((part, None, None) for line in text.splitlines() for part in _GAP.split(line))


# ---------------------------------------------------------------- Markdown

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_YAML = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"^(#{1,6})(?!#)\s*(.*?)(?:\s+#+)?\s*$")
_RULE = re.compile(r"^(?:([-*_])\s*(?:\1\s*){2,}|=+)$")
_TABLE_SEP = re.compile(r"^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?$")
_QUOTE = re.compile(r"^(?:>\s?)+")
_BULLET = re.compile(r"^[-*+]\s+")
_FENCE = re.compile(r"^(```|~~~)")
_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # image → alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # link → its text
    (re.compile(r"\*\*(.+?)\*\*"), r"\1"),
    (re.compile(r"__(.+?)__"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    # Single-star emphasis; only ASCII word characters guard it, since CJK text hugs the stars.
    (re.compile(r"(?<![A-Za-z0-9*])\*(?=\S)(.+?)(?<=\S)\*(?![A-Za-z0-9*])"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"</?[A-Za-z][^<>]*>"), ""),  # stray inline HTML such as <br/> or <sup>
]
_META_LINE = re.compile(r"^([^:：]{1,8})\s*[:：]\s*(.+)$")


def _strip_inline(text: str) -> str:
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text


def parse_markdown(text: str) -> tuple[list[Block], DocMeta]:
    """Markdown → blocks (``#`` headings carry heading_level) and the header metadata: the first
    level-1 heading is the title, ``**发布机构**：…``-style lines before the body are fields."""
    fields: list[tuple[str, str]] = []
    yaml = _YAML.match(text)
    if yaml:
        fields.extend(_label_value(line) or ("", "") for line in yaml.group(1).splitlines())
        text = text[yaml.end():]
    text = _COMMENT.sub("\n", text)

    paragraphs: list[tuple[str, int | None, int | None]] = []
    title = None
    in_header = True  # header fields are only recognised before the first body paragraph
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _FENCE.match(line) or _RULE.match(line) or _TABLE_SEP.match(line):
            continue
        heading = _HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            content = _strip_inline(heading.group(2))
            if level == 1 and title is None and clean_paragraph(content):
                title = clean_paragraph(content)
            paragraphs.append((content, None, level))
            continue
        line = _BULLET.sub("", _QUOTE.sub("", line))
        if line.startswith("|") and line.endswith("|") and len(line) > 1:
            cells = [_strip_inline(cell) for cell in line[1:-1].split("|")]
            line = " | ".join(c.strip() for c in cells if c.strip())
        else:
            line = _strip_inline(line)
        pair = _label_value(line) if in_header else None
        if pair:
            fields.append(pair)
            continue
        if clean_paragraph(line):
            in_header = False
        paragraphs.append((line, None, None))
    meta = meta_from_fields(fields)
    if title and not meta.title:
        meta = DocMeta(title, meta.issuer, meta.doc_number, meta.date, meta.topic)
    return make_blocks(paragraphs), meta


def _label_value(line: str) -> tuple[str, str] | None:
    match = _META_LINE.match(line.strip())
    if match and normalise_label(match.group(1)) in META_LABELS:
        return match.group(1), match.group(2)
    return None
