"""Recognise the official heading numbering schemes of Chinese plan, report and law texts.

Each scheme has a fixed rank in the hierarchy (GB/T 9704-2012 and plan conventions), so the
level of a heading follows from its own numbering and never from how often a scheme occurs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = "零〇一二三四五六七八九十百千两"
_CN = f"[{CN_DIGITS}]+"
_NUM = rf"(?:{_CN}|\d+)"

# Ranks: smaller is outer. Markup-only headings (Markdown/DOCX styles without numbering) use
# MARKUP_RANK_BASE + level so they nest by their own levels.
RANK_PIAN = 1
RANK_ZHANG = 2
RANK_JIE = 3
RANK_CN_ENUM = 4  # 一、
RANK_CN_PAREN = 5  # （一）
RANK_BOX = RANK_CN_PAREN  # 专栏 sits beside the （一） items of the chapter it illustrates
RANK_ARABIC = 6  # 1.
RANK_BOX_ITEM = RANK_ARABIC
RANK_ARABIC_PAREN = 7  # （1）
RANK_ARTICLE = 8  # 第X条


@dataclass(frozen=True)
class Numbering:
    scheme: str  # 篇 | 章 | 节 | 一、 | （一） | 1. | （1） | 条 | 专栏
    rank: int
    label_end: int  # offset in the paragraph where the number label ends


_SCHEMES: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    ("篇", RANK_PIAN, re.compile(rf"^第\s*{_NUM}\s*篇(?=\s|$|[^\w]|[\u4e00-\u9fff])")),
    ("章", RANK_ZHANG, re.compile(rf"^第\s*{_NUM}\s*章")),
    ("节", RANK_JIE, re.compile(rf"^第\s*{_NUM}\s*节")),
    ("条", RANK_ARTICLE, re.compile(rf"^第\s*{_NUM}\s*条(?:之{_CN})?")),
    ("专栏", RANK_BOX, re.compile(r"^专栏\s*[\d一二三四五六七八九十]+")),
    ("一、", RANK_CN_ENUM, re.compile(rf"^{_CN}\s*(?:、|[．.](?!\d))")),
    ("（一）", RANK_CN_PAREN, re.compile(rf"^[（(]\s*{_CN}\s*[）)]")),
    ("（1）", RANK_ARABIC_PAREN, re.compile(r"^[（(]\s*\d{1,2}\s*[）)]")),
    ("1.", RANK_ARABIC, re.compile(r"^\d{1,2}\s*(?:[．.](?!\d)|、)")),
)


def match_numbering(text: str) -> Numbering | None:
    """Return the numbering scheme a paragraph starts with, or None."""
    for scheme, rank, pattern in _SCHEMES:
        m = pattern.match(text)
        if m:
            if scheme == "一、" and not _is_small_cn_number(m.group(0)):
                continue
            return Numbering(scheme, rank, m.end())
    return None


_CHAPTER_LABEL = re.compile(rf"第\s*{_NUM}\s*[篇章节]")
_DOT_LEADER = re.compile(r"(?:\.{4,}|…{2,}|·{4,})\s*\d+\s*$")


def is_table_of_contents_line(text: str) -> bool:
    """A contents line lists several chapter labels, or ends in a dot leader and a page number."""
    return len(_CHAPTER_LABEL.findall(text)) >= 2 or bool(_DOT_LEADER.search(text))


def _is_small_cn_number(label: str) -> bool:
    # "十" 、 or "三十" 、 are headings; "百" or a lone "两" is prose ("两、三个…")
    digits = label.rstrip("、．. ")
    return bool(digits) and "百" not in digits and "千" not in digits and digits != "两" and len(digits) <= 3


_BOX_ITEM = re.compile(r"^([^\s。，,；;：:]{2,24}?(?:工程|行动|计划|项目|专项|示范区|体系|中心))[。：:]")


def match_box_item(text: str) -> int | None:
    """Inside a 专栏 box, the end offset of a named 工程/行动 item title, or None."""
    m = _BOX_ITEM.match(text)
    return m.end(1) if m else None
