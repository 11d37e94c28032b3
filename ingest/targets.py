"""Quantified targets from clauses: "普惠性幼儿园覆盖率达90%以上" → Target(indicator, ≥, "90%", …).

Each quantity (``numbers.find_quantities``) is read inside its comma-delimited segment of the
clause: the words before it give the comparator (不低于, 约, 保持在 …), a per-unit qualifier
(每千人口) and, when the number comes last, the indicator; the words after it give a trailing
comparator (以上, 以下, 左右) and, when the number comes first, the indicator: the counted noun,
up to its predicate ("110家医院实现…" → 医院). An indicator is never empty; failing all else it
is what the unit measures (平方米 → 面积). The clause is read with whitespace removed, so PDF
line wraps and "28.1 万人" spacing do not matter; spans are mapped back to the verbatim text.
Baselines ("由X提高到Y") are skipped: Target has no field for them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from plankb.records import Clause, Target

from ingest.numbers import Quantity, find_quantities, measured_by
from ingest.target_words import (
    _BEFORE_WORDS,
    _AFTER,
    _AFTER_RE,
    _AVERAGE,
    _LINK_WORDS,
    _OBJECT_VERBS,
    _LEAD_WORDS,
    _ELLIPTICAL,
    _GENERIC,
    _TAIL_VERBS,
    _AGE_UNITS,
    _POPULATION,
    _FRAMES,
    _PER_BASE,
    _PREDICATE,
    _UNIT_NOUNS,
    _FREQUENCY,
    _DELIMS,
    _CLAUSE_DELIMS,
    _UNIT_NOTE,
    _BASELINE_PHRASE,
    _BASELINE_AFTER,
    _COMPARED,
)

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")

# Horizons: "到2025年", "2025年底前", "2024—2027年", "“十四五”期间".
_YEAR_SPAN = re.compile(r"([12]\d{3})[~～〜—–－\-至到]([12]\d{3})年")
_YEAR_HORIZON = re.compile(  # not 达到2007年以来: a comparison, not a horizon
    r"(?:(?<![达提增升降扩延])(?:到|至)|截至|截止|于)([12]\d{3})年(?!以来|来|的)"
    r"|([12]\d{3})年(?:底前|年底|底|末|前|以前)"
)
_PERIOD = re.compile(r"“?(十[一二三四五六七八九十]五)”?(?:期间|时期|期末|末|规划期)")
_BARE_YEAR = re.compile(r"(?<![比较与同由从])([12]\d{3})年(?![的以度同])")
_LEADING_TIME = re.compile(r"^(?:(?:到|至|在)?[12]\d{3}年(?:底前|底|末|前)?|“?十[一二三四五六七八九十]五”?(?:期间|时期|末)?)")


def extract_targets(clauses: Sequence[Clause], doc_text: str) -> tuple[Target, ...]:
    """Every quantified figure in the clauses, in document order, with offsets into doc_text."""
    targets: list[Target] = []
    horizon: str | None = None
    previous: Clause | None = None
    for clause in clauses:
        if doc_text[clause.start:clause.end] != clause.text:
            raise ValueError(f"clause {clause.id}: text != doc_text[{clause.start}:{clause.end}]")
        if previous is None or _new_paragraph(previous, clause, doc_text):
            horizon = None  # a 到2025年 horizon carries over only within one paragraph of a section
        reading = _ClauseReading(clause.text)
        targets.extend(reading.targets(clause, horizon))
        if reading.horizons:
            horizon = reading.horizons[-1][1]
        previous = clause
    return tuple(targets)


def target_id(clause_id: str, start_in_clause: int, value: str) -> str:
    """Stable short id of a target: the same clause, offset and value always give the same id."""
    return hashlib.sha1(f"{clause_id}\x1f{start_in_clause}\x1f{value}".encode()).hexdigest()[:16]


def _new_paragraph(previous: Clause, clause: Clause, doc_text: str) -> bool:
    gap = doc_text[min(previous.end, clause.start):clause.start]
    return clause.section_id != previous.section_id or "\n" in gap


class _ClauseReading:
    """One clause read without whitespace; ``where[i]`` is the verbatim offset of compact char i."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.where = [i for i, ch in enumerate(text) if not ch.isspace()]
        # full-width figures (２０２５年, ４．５％) folded one character for one, so offsets still map
        self.compact = "".join(text[i] for i in self.where).translate(_FULL_WIDTH)
        self.horizons = _horizons(self.compact)

    def verbatim(self, start: int, end: int) -> tuple[int, int]:
        return self.where[start], self.where[end - 1] + 1

    def targets(self, clause: Clause, inherited_horizon: str | None) -> list[Target]:
        s = self.compact
        quantities, range_ends = find_quantities(s)
        found: list[Target] = []
        breaks = list(range_ends)
        previous: tuple[str, str, int] | None = None  # (indicator, unit, end) of the last target
        for q in quantities:
            after = _AFTER_RE.match(s, q.unit_end)
            after_end = after.end() if after else q.unit_end
            paren = _UNIT_NOTE.match(s, after_end)  # 14.2万台（套）, 7万套（间）
            after_end = paren.end() if paren else after_end
            seg_start = max([_last_delim(s, q.start)] + [b for b in breaks if b <= q.start])
            breaks.append(after_end)  # moved to the end of the span once it is read
            role = _role(s, q, quantities, s[seg_start:q.start], after, after_end)
            if role == "modifier":
                # it belongs to the next figure's indicator ("每千人口拥有3岁以下托位数不少于5.5个");
                # a 、 before it still separates a listed item ("站点设置、50米内换乘比例提高到86%")
                breaks[-1] = s.rfind("、", seg_start, q.start) + 1
            elif role in ("baseline", "base"):
                breaks.pop()  # "从每月202元、270元提高到209元", "每10万人45台": the next head reads past it
            if role != "figure":
                continue
            read = _read_quantity(s, seg_start, q, after, after_end, previous, quantities)
            if read is None:
                continue
            indicator, comparator, qualifier, span_start, span_end = read
            breaks[-1] = max(span_end, after_end)
            previous = (indicator, q.unit, breaks[-1])
            start, end = self.verbatim(span_start, span_end)
            year = (_year_for(q.start, self.horizons) or _bare_year(s[:q.start])
                    or inherited_horizon)
            found.append(Target(
                id=target_id(clause.id, start, q.value), doc_id=clause.doc_id, clause_id=clause.id,
                indicator=indicator, comparator=comparator, value=q.value, number=q.number,
                unit=q.unit, year=year, span=self.text[start:end],
                start=clause.start + start, end=clause.start + end, qualifier=qualifier,
            ))
        return found


def _role(s: str, q: Quantity, quantities: list[Quantity], before: str, after, after_end: int) -> str:
    """What a quantity is: "figure" (a target), "modifier" (opens the next figure's indicator),
    "base" (of a 每… qualifier), "baseline" (of 由X提高到Y) or "skip" (a streak of years)."""
    segment_end = min([i for i in (s.find(d, after_end) for d in _CLAUSE_DELIMS) if i != -1] + [len(s)])
    next_in_segment = any(after_end < other.start < segment_end for other in quantities)
    if s.startswith("内", q.unit_end) and q.unit_end + 1 < len(s) and s[q.unit_end + 1] not in _DELIMS:
        return "modifier"  # 50米内换乘比例
    if q.unit in _AGE_UNITS and after and after.group() != "左右" and next_in_segment:
        return "modifier"  # 每千人口拥有3岁以下托位数不少于5.5个: an age band, not a figure
    if q.unit in ("年", "个月", "天") and (before.endswith(("连续", "近")) or s.startswith("来", after_end)):
        return "skip"  # "连续7年保持Ⅱ类", "近50年", "30年来首次": a streak
    if before.endswith("每"):
        return "base"  # the base of a 每… qualifier: 每10万人45台
    if _BASELINE_AFTER.match(s, after_end) or (
            re.search(r"(?:由|从)[^，,；;。]*$", before) and _BASELINE_AFTER.search(s[after_end:segment_end])):
        return "baseline"  # the starting point of "由X提高到Y": Target has no baseline field
    return "figure"


def _last_delim(s: str, pos: int) -> int:
    # 、 does not end a segment: "新建、改扩建幼儿园20所" names one indicator
    return max((s.rfind(d, 0, pos) + 1 for d in _CLAUSE_DELIMS), default=0)


def _read_quantity(s, seg_start, q: Quantity, after, after_end, previous, quantities):
    """(indicator, comparator, qualifier, span_start, span_end) for one quantity, or None."""
    head = s[seg_start:q.start]
    baseline = _BASELINE_PHRASE.search(head)
    if baseline:  # "标准分别从每人每月202元、270元提高到" → "标准提高到"
        head = head[: baseline.start()] + head[baseline.end():]
    qualifier, q_start, q_end = _qualifier(head)
    before, between = (head[:q_start], head[q_end:]) if qualifier else (head, "")

    # the comparator sits between qualifier and number (每百户不少于20) or before both (不低于每千人口4.5)
    between_core, _, cmp_between = _strip_right(between)
    before_core, cmp_at, cmp_before = _strip_right(before)
    comparator = cmp_between or cmp_before
    if qualifier and ("左右" in qualifier or "约" in qualifier):
        comparator = "≈"  # "每1万左右常住人口配备1所": the ratio itself is approximate
    if after:
        comparator = _AFTER[after.group()]  # 以上/以下 dominate: "保持75%以上" is ≥
    elif q.more_than:
        comparator = "≥"
    comparator = comparator or "="

    object_part = _strip_left(between_core, _OBJECT_VERBS)  # 每千人口拥有托位数4.5个
    if object_part:
        offset = seg_start + q_end + len(between_core) - len(object_part)
        head_indicator, head_start = _clean_head(object_part, offset)
    else:
        head_indicator, head_start = _clean_head(before_core, seg_start)
    tail_indicator, tail_end = _tail_after(s, q, after_end, quantities)
    framed = before_core.endswith(_FRAMES)

    span_start, span_end = q.start, after_end
    if qualifier:
        span_start = seg_start + q_start
    if baseline:
        cmp_at += baseline.end() - baseline.start() if cmp_at >= baseline.start() else 0
    if cmp_before and not cmp_between:
        span_start = min(span_start, seg_start + cmp_at)
    if tail_indicator.startswith("方面"):
        return None  # "十一个方面工作": a count of topics, not a figure
    if tail_indicator and tail_indicator not in _GENERIC:
        indicator, span_end = tail_indicator, tail_end
    elif previous and previous[2] == seg_start and _PREDICATE.match(head_indicator):
        # the predicate of the figure just read: "1299个重大项目完成投资1.4万亿元"
        indicator = previous[0] + head_indicator
        span_start = min(span_start, head_start)
    elif head_indicator and head_indicator not in _ELLIPTICAL and not framed:
        indicator = head_indicator
        span_start = min(span_start, head_start)
    elif previous and not framed:
        # elliptical: "分别下降4.8%和1.8%" repeats the indicator; a new unit or comparator names
        # a level of the same subject: "增长5.8%、约4.4万亿元", "净增98万户、突破1900万户"
        last_indicator, last_unit, _ = previous
        same = last_unit == q.unit and not (cmp_before or cmp_between)
        indicator = last_indicator if same else _subject(last_indicator)
        if head_indicator:
            indicator = _subject(indicator) + head_indicator
            span_start = min(span_start, head_start)
    else:
        indicator = _object_after(s, after_end) or tail_indicator or head_indicator
    # never nameless: the nearest noun phrase before the number, else what the unit measures
    indicator = indicator or _clean_head(before_core, seg_start)[0] or measured_by(q.unit)
    return indicator, comparator, qualifier, span_start, span_end


def _qualifier(head: str) -> tuple[str | None, int, int]:
    """A per-unit base before the number: 每千人口, 每百户, 每1万左右常住人口, 一年."""
    per = head.rfind("每")
    if per != -1 and not head[:per].endswith(("“", '"')):  # “每月一题”: a name
        # the base alone: "每千人口托位数达到4.5个" → 每千人口, and 托位数 stays the indicator
        base = re.match(_FREQUENCY, head[per:]) or _PER_BASE.match(head[per:])
        cut = base.end() if base else _qualifier_end(head[per:])
        if 1 < cut <= 10:
            return head[per:per + cut], per, per + cut
    frequency = re.search(_FREQUENCY + "$", head)
    if frequency:
        return frequency.group(), frequency.start(), frequency.end()
    return None, 0, 0


def _qualifier_end(text: str) -> int:
    """Where a 每… qualifier ends: at the first comparator or verb after its opening words."""
    positions = [text.find(w, 2) for w, _ in _BEFORE_WORDS] + [text.find(v, 2) for v in _OBJECT_VERBS]
    return min([p for p in positions if p != -1] + [len(text)])


def _strip_right(part: str) -> tuple[str, int, str | None]:
    """Drop comparator and link words from the end of part; (rest, comparator offset, comparator)."""
    s, comparator, at = part, None, len(part)
    while s:
        word = next((w for w, _ in _BEFORE_WORDS if s.endswith(w)), None)
        if word:
            comparator = comparator or dict(_BEFORE_WORDS)[word]
            s = s[: -len(word)]
            at = len(s)
            continue
        link = next((w for w in _LINK_WORDS if s.endswith(w) and len(s) > len(w)
                     and not s[:-len(w)].endswith(_AVERAGE)), None)
        if link is None:
            break
        s = s[: -len(link)]
    return s, at, comparator


def _strip_left(s: str, words: Sequence[str]) -> str:
    word = next((w for w in words if s.startswith(w)), "")
    return s[len(word):]


def _clean_head(head: str, offset: int) -> tuple[str, int]:
    """The indicator named before a number, framing words trimmed; and its offset."""
    s = head
    while True:
        trimmed = _LEADING_TIME.sub("", s, count=1)
        trimmed = _strip_left(_lstrip_marks(trimmed), _LEAD_WORDS)
        trimmed = _lstrip_marks(trimmed)
        if trimmed == s:
            break
        s = trimmed
    connector = re.match(r"(?:以及|和|及|与|或)", s)  # "和30家", "和累计" but not "和美乡村"
    if connector and s[connector.end():] in ("",) + _ELLIPTICAL:
        s = s[connector.end():]
    offset += len(head) - len(s)
    # "分别比2019年下降" → "下降": a comparison year is context, not part of the name
    return _COMPARED.sub("", s).rstrip("、的"), offset


def _lstrip_marks(s: str) -> str:
    """Drop a leading 、 and an unmatched quote mark (“三公”经费 keeps its quotes)."""
    s = s.lstrip("、")
    if s[:1] in "“\"" and "”" not in s[1:] and "\"" not in s[1:]:
        s = s[1:]
    return s.lstrip("、”")


def _tail_after(s: str, q: Quantity, pos: int, quantities: list[Quantity]) -> tuple[str, int]:
    """The noun after a number-first phrase; a figure stacked on the next one shares its noun:
    "12类55件民生实事", "处一万元以上三万元以下的罚款"."""
    following = [o for o in quantities if o.start >= pos]
    noun, end = _tail_noun(s, q, pos, following[0].start if following else len(s))
    if not noun and following and following[0].start == pos:
        stacked = following[0]
        after = _AFTER_RE.match(s, stacked.unit_end)
        noun, _ = _tail_after(s, stacked, after.end() if after else stacked.unit_end, quantities)
    return noun, end


def _tail_noun(s: str, q: Quantity, pos: int, next_start: int) -> tuple[str, int]:
    """The noun right after a number-first phrase ("10家以上普惠性…机构"), up to 的 or a delimiter.

    After an age ("16周岁以下流动儿童登记管理制度") it is the population the age bounds; a
    counted noun ends where a predicate starts ("110家医院实现医保移动支付" → 医院).
    """
    if pos == q.unit_end:
        fused = next((w for w in _UNIT_NOUNS if w.startswith(q.unit) and len(w) > len(q.unit)
                      and s.startswith(w[len(q.unit):], pos)), None)
        if fused:  # "13亿多人口的大国": the noun is 人口, whatever follows
            return fused, pos + len(fused) - len(q.unit)
    age = q.unit in _AGE_UNITS
    end = pos
    while end < len(s) and s[end] not in _DELIMS:
        end += 1
    following = next_start < end
    if following:  # "93%的村庄和96%的农户": stop at the next figure
        end = next_start
    phrase = s[pos:end]
    if following:  # drop what belongs to the next figure: "…项目约700个", "村庄和96%"
        phrase = _strip_right(phrase)[0]
        while phrase.endswith(("和", "与", "及")):
            phrase = phrase[:-1]
    population = _POPULATION.search(phrase) if age else None
    if population:
        return phrase[: population.end()].lstrip("的"), pos + population.end()
    # the head noun of "X的Y" is Y ("170余项新的试点举措"), unless Y is a yardstick ("托位数的目标")
    parts = phrase.split("的")
    if len(parts) > 1 and parts[-1] in _GENERIC and parts[-2]:
        noun = parts[-2]
    else:
        noun = parts[-1]
    if not noun or noun.startswith(_TAIL_VERBS) or noun[0] in "（(）)":
        return "", pos
    noun_start = pos + phrase.rfind(noun) if noun != parts[-1] else pos + len(phrase) - len(noun)
    if q.unit not in ("%", "‰", "百分点"):  # "71%的煤电机组实现超低排放": the share is of the whole
        noun = noun[: _predicate_start(noun)]
    return noun, noun_start + len(noun)


def _predicate_start(noun: str) -> int:
    """Where a predicate starts after a counted noun, outside quotes; len(noun) if none."""
    for m in _PREDICATE.finditer(noun):
        quoted = noun.count("“", 0, m.start()) > noun.count("”", 0, m.start())
        if m.start() >= 1 and not quoted:
            return m.start()
    return len(noun)


def _object_after(s: str, pos: int) -> str:
    """The object of the next verb phrase in the clause ("…的标准, 在新建小区规范配置X")."""
    for segment in re.split(f"[{_CLAUSE_DELIMS}]", s[pos:])[1:]:
        ends = [m.end() for verb in _OBJECT_VERBS for m in re.finditer(verb, segment)
                if not segment[: m.start()].endswith("已")]  # 已建成居住区: an attribute
        if ends and segment[max(ends):]:
            return segment[max(ends):]
    return ""


def _subject(indicator: str) -> str:
    """"老旧小区综合整治新开工" → "老旧小区综合整治": the indicator without its closing verb."""
    if "分别" in indicator[1:]:
        return indicator[: indicator.index("分别", 1)]  # "甲、乙分别新认定" → "甲、乙"
    verb = next((v for v in _ELLIPTICAL if indicator.endswith(v) and len(indicator) > len(v)), "")
    subject = indicator[: len(indicator) - len(verb)]
    while subject.endswith(_LINK_WORDS):  # "共增加" leaves no subject, not "共"
        subject = subject[: -len(next(w for w in _LINK_WORDS if subject.endswith(w)))]
    return subject


def _horizons(s: str) -> list[tuple[int, str]]:
    """Target horizons in a clause, by position: "到2025年" → "2025", "2024—2027年" → "2024-2027"."""
    found = [(m.start(), f"{m.group(1)}-{m.group(2)}") for m in _YEAR_SPAN.finditer(s)]
    found += [(m.start(), m.group(1) or m.group(2)) for m in _YEAR_HORIZON.finditer(s)]
    found += [(m.start(), m.group(1)) for m in _PERIOD.finditer(s)]
    return sorted(found)


def _year_for(pos: int, horizons: list[tuple[int, str]]) -> str | None:
    """The nearest horizon before the number, else the clause's first one."""
    before = [year for at, year in horizons if at < pos]
    return before[-1] if before else (horizons[0][1] if horizons else None)


def _bare_year(before: str) -> str | None:
    """A plain "2024年" before the number: the year a reported figure refers to."""
    years = _BARE_YEAR.findall(before)
    return years[-1] if years else None
