"""Numerals and quantities as Chinese plans write them: "4.5个", "3.8万个", "百分之九十", "6000亿元".

``parse_number`` normalises one numeral; ``find_quantities`` finds number + unit pairs in text and
leaves out what only looks like a figure: years, dates, ordinals, document numbers, codes,
phone-like digit runs, names in quotes ("“33条”") and ranges ("0~12个月"); ``measured_by`` names
what a unit measures. Pure functions only.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import cn2an

# Characters of a Chinese numeral (cn2an's vocabulary, minus the rarely used financial forms).
CN_NUMERAL_CHARS = "零〇一二三四五六七八九十百千万亿两"
# A multiplier that may follow an Arabic mantissa: "3.8万", "1.2亿", "4.4万亿".
MULTIPLIERS = {"万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "万": Decimal(10) ** 4}

# Units after a number, matched longest first. Money keeps its multiplier (亿元 is the unit of
# plan indicator tables); for every other unit a 万/亿 multiplier stays with the value.
UNITS = (
    "%", "％", "‰", "个百分点", "百分点",
    "万亿元", "亿元", "万元", "元", "亿美元", "万美元", "美元",
    "平方公里", "平方米", "立方米", "公顷", "亩", "公里", "千米", "米",
    "吨标准煤", "吨", "公斤", "千克", "斤", "微克/立方米", "毫克/升", "千瓦时", "千瓦", "兆瓦", "标准箱",
    "人次", "场次", "架次", "辆次", "艘次", "户次", "台套", "列", "人", "名", "位", "户",
    "个月", "个工作日", "工作日", "个", "家", "所", "张", "套", "间", "处", "座", "条", "项", "件",
    "台", "辆", "艘", "架", "种", "类", "支", "场", "次", "批次", "批", "部", "床",
    "周岁", "岁", "年", "天", "小时", "分钟", "倍", "村", "镇", "乡", "县", "园", "校", "宗", "笔",
    "份", "栋", "幢",
)
_MONEY_UNITS = ("元", "美元")
# What a unit measures, matched on the unit's end (亿元 → 金额) in this order (平方米 before 米).
_MEASURED_BY = (
    (("%", "‰"), "比例"), (("百分点",), "变化幅度"), (("岁", "周岁"), "年龄"), (("倍",), "倍数"),
    (("平方米", "平方公里", "公顷", "亩"), "面积"), (("立方米",), "体积"), (("公里", "千米", "米"), "长度"),
    (("元", "美元"), "金额"), (("吨", "公斤", "千克", "斤"), "重量"), (("人", "名", "位"), "人数"),
    (("户",), "户数"), (("年", "个月", "天", "小时", "分钟", "工作日"), "时长"),
)

# cn2an signals malformed numerals with ValueError, and a few with KeyError ("百两十8").
_CN2AN_ERRORS = (ValueError, ArithmeticError, KeyError, IndexError)

_ARABIC = r"[0-9０-９]+(?:[.．][0-9０-９]+)?"
_ARABIC_WITH_MULTIPLIER = re.compile(rf"({_ARABIC})(万亿|亿|万)?")
_PERCENT_WORD = "百分之"
_NUMERAL_RE = re.compile(
    rf"(?P<pct>百分之[{CN_NUMERAL_CHARS}]+(?:点[{CN_NUMERAL_CHARS}]+)?)"
    rf"|(?P<ar>{_ARABIC})"
    # a Chinese numeral starts with a digit or 十: 千万/万亿 alone are words ("千万不能")
    rf"|(?P<cn>[零〇一二三四五六七八九十两][{CN_NUMERAL_CHARS}]*(?:点[{CN_NUMERAL_CHARS}]+)?)"
)
_UNIT_RE = re.compile(
    r"[ \t\u3000]*(万亿|亿|万)?(余|多)?(" + "|".join(sorted(UNITS, key=len, reverse=True)) + ")"
    r"(/(?:日|天|周|月|年|小时|人|户|平方米|千人|百户))?"  # rates: 30万吨/日, 元/平方米
)
_RANGE_SEP = re.compile(rf"[ \t]*[~～〜—–－\-至到][ \t]*(?=[0-9０-９{CN_NUMERAL_CHARS}])")
_TIME_UNITS = ("年", "个月", "天", "小时", "分钟")
# "到2005年，" with a digit lost in extraction ("到2 0 0年"): a point in time, not a duration.
_HORIZON_BEFORE = re.compile(r"(?:^|[，,；;。：:！？\s])(?:到|至|截至|截止)$")
_HORIZON_AFTER = re.compile(r"(?:底|末|前)?(?:[，,；;。：:！？]|$)")
# "分别提高3个和4个百分点": the first figure shares the unit of the second.
_SHARED_POINTS = re.compile(
    rf"[ \t]*(个)?[ \t]*[和与及或、][ \t]*(?:{_ARABIC}|[{CN_NUMERAL_CHARS}]+)[ \t]*个?百分点")
_YEAR = re.compile(r"[12][0-9]{3}")
_YEAR_AFTER = re.compile(r"[ \t]*(?:年|届|[~～〜—–－\-至][ \t]*[12][0-9]{3})")
# Codes and names: PM2.5, 5G, 4+1, 23·7, 1/10, 〔2019〕3号, “33条”, 第三, 七届十一次全会.
_NAME_BEFORE = re.compile(r"[A-Za-z+/·.．\-－〔\[【#＃“‘\"《第届]$")
_NAME_AFTER = re.compile(r"^[A-Za-z+/·〕\]】]")


@dataclass(frozen=True)
class Quantity:
    """A number with its unit, as offsets into the scanned text."""

    start: int  # the numeral, including a 万/亿 multiplier that belongs to the value
    end: int
    unit_end: int  # end of the unit
    value: str  # as written, whitespace removed: "4.5", "90%", "3.8万", "百分之九十"
    number: float
    unit: str
    more_than: bool  # 余/多 between number and unit: "3000余人"


def measured_by(unit: str) -> str:
    """What a unit measures, to name a figure the text leaves unnamed: 平方米 → 面积, 个 → 数量."""
    base = unit.split("/")[0]  # 30万吨/日 measures 重量 per day
    return next((name for units, name in _MEASURED_BY if base.endswith(units)), "数量")


def parse_number(s: str) -> float:
    """Normalise a numeral to a float: "3.8万" → 38000, "两" → 2, "百分之九十"/"90%" → 90.0.

    Raises ValueError for anything that is not a single number.
    """
    if not isinstance(s, str):
        raise ValueError(f"expected a numeral string, got {type(s).__name__}")
    text = "".join(unicodedata.normalize("NFKC", s).split())
    if text.startswith(_PERCENT_WORD):
        text = text[len(_PERCENT_WORD):]
    elif text.endswith("%"):
        text = text[:-1]
    if not text or text.endswith("点"):  # "三点": an unfinished decimal (or a time of day)
        raise ValueError(f"not a number: {s!r}")

    arabic = _ARABIC_WITH_MULTIPLIER.fullmatch(text)
    if arabic:
        # cn2an's smart mode truncates "1.23456万" to an int, so an Arabic mantissa with a
        # multiplier is multiplied exactly here; everything Chinese goes through cn2an.
        mantissa, multiplier = arabic.groups()
        return _finite(float(Decimal(mantissa) * MULTIPLIERS.get(multiplier or "", Decimal(1))), s)
    try:
        return _finite(float(cn2an.cn2an(text, "smart")), s)
    except _CN2AN_ERRORS:
        pass
    # cn2an rejects a decimal Chinese mantissa before a multiplier ("一点五万"); peel it off.
    for suffix, factor in MULTIPLIERS.items():
        if text.endswith(suffix) and len(text) > len(suffix):
            try:
                mantissa_value = cn2an.cn2an(text[: -len(suffix)], "smart")
            except _CN2AN_ERRORS:
                break
            return _finite(float(Decimal(str(mantissa_value)) * factor), s)
    raise ValueError(f"not a number: {s!r}")


def find_quantities(text: str) -> tuple[list[Quantity], list[int]]:
    """Number + unit pairs in text, and the ends of ranges (which are not single figures)."""
    quantities: list[Quantity] = []
    range_ends: list[int] = []
    in_range_until = -1
    for match in _NUMERAL_RE.finditer(text):
        start, end = match.span()
        raw = match.group()
        before, after = text[max(0, start - 2):start], text[end:end + 12]
        if match.group("ar") and _YEAR.fullmatch(raw) and _YEAR_AFTER.match(after):
            continue  # 2025年, 2024—2027年
        if match.group("cn") and (len(raw) < 2 or raw.endswith("点")):
            continue  # 一批, 三位一体: a lone Chinese digit is a word, not a figure
        if _NAME_BEFORE.search(before) or _NAME_AFTER.match(after) or _in_book_title(text, start):
            continue
        if match.group("ar") and _looks_like_code(raw):
            continue
        unit_match = None if match.group("pct") else _UNIT_RE.match(text, end)
        shared = _shared_points(match, unit_match)
        unit_end = (shared.end(1) if shared.group(1) else end) if shared else (
            unit_match.end() if unit_match else end)
        range_sep = _RANGE_SEP.match(text, end) or (unit_match and _RANGE_SEP.match(text, unit_end))
        if start < in_range_until or range_sep:
            # both ends of "0~12个月" / "5%—6%": a span, not a single figure
            if range_sep:
                following = _NUMERAL_RE.match(text, range_sep.end())
                in_range_until = following.end() if following else range_sep.end()
            range_ends.append(unit_end)
            continue
        if match.group("pct"):
            multiplier, more, unit = None, None, "%"
        elif shared:
            multiplier, more, unit = None, None, "百分点"
        elif unit_match is None or _not_a_figure(text, unit_end, unit_match.group(3), match):
            continue
        else:
            multiplier, more, unit, per = unit_match.groups()
            unit += per or ""
            if multiplier and unit in ("%", "％"):
                continue  # "0亿%" is no percentage anyone writes; the value could not be quoted as written
        value, unit = _value_and_unit(raw, multiplier, unit)
        try:
            number = parse_number(value)
        except ValueError:
            continue  # 十四五, 一一: numeral characters that do not form a number
        num_end = unit_match.end(1) if multiplier and value.endswith(multiplier) else end
        quantities.append(Quantity(start, num_end, unit_end, value, number, unit, bool(more)))
    return quantities, range_ends


def _shared_points(match: re.Match, unit_match: re.Match | None) -> re.Match | None:
    """"3个和4个百分点", "3、4个百分点": a bare figure (or one in 个) before a 百分点 figure."""
    if match.group("pct") or (unit_match and (unit_match.group(3) != "个" or unit_match.group(1))):
        return None
    return _SHARED_POINTS.match(match.string, match.end())


def _not_a_figure(text: str, unit_end: int, unit: str, match: re.Match) -> bool:
    """A class "30万吨级", a name "“科创15条”", a time "3年前", a period "三十年", a decade
    "70年代", a horizon whose year lost a digit "到200年，"."""
    if text.startswith(("级", "”", "’"), unit_end):
        return True
    if unit in _TIME_UNITS and (text.startswith("前", unit_end) or match.group("cn")):
        return True
    if unit == "年" and text.startswith("代", unit_end):
        return True
    start = match.start()
    return unit == "年" and bool(
        _HORIZON_BEFORE.search(text, max(0, start - 3), start) and _HORIZON_AFTER.match(text, unit_end))


def _value_and_unit(raw: str, multiplier: str | None, unit: str) -> tuple[str, str]:
    value = "".join(raw.split())
    if value.startswith(_PERCENT_WORD):
        return value, "%"
    if unit in ("%", "％"):
        return value + "%", "%"
    if unit == "个百分点":  # one unit however it is written
        return value, "百分点"
    if multiplier:
        if unit in _MONEY_UNITS or multiplier + unit in UNITS:  # 6000亿元, 3万多亿元 → 万亿元
            return value, multiplier + unit
        return value + multiplier, unit
    return value, unit


def _in_book_title(text: str, pos: int) -> bool:
    """Inside 《…》: "《关于修改〈…〉等十一部法律的决定》" names a document, not a figure."""
    return text.rfind("《", 0, pos) > text.rfind("》", 0, pos)


def _looks_like_code(raw: str) -> bool:
    """Phone numbers, serials and zero-padded codes: long digit runs or a leading zero."""
    digits = re.split(r"[.．]", raw)[0]
    return len(digits) >= 7 or (len(digits) > 1 and digits[0] in "0０")


def _finite(value: float, original: str) -> float:
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {original!r}")
    return value
