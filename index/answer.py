"""Extractive answers to "how much / by when" questions from the targets of the top clauses."""

from __future__ import annotations

import re
from typing import Sequence

from plankb.records import Answer, Clause, Target

_QUANTITY = re.compile(
    r"多少|几[个家所次年项张套人岁名万亿倍]?|目标|比例|比重|占比|覆盖率|增长率|哪一年|何时|什么时候|百分之|数量|"
    r"标准|面积|指标|规模|达到|多大|多高|多长|几成|率是"
)
# Units a question asks for, by the measure word after 多少/几 or by the quantity it names.
_UNIT_AFTER_HOWMANY = re.compile(r"(?:多少|几)(个|家|所|次|张|套|人|名|岁|周岁|元|亩|项|条|天|年|倍|平方米|公里)")
_UNIT_BY_WORD: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"百分之|比例|比重|占比|率"), frozenset({"%"})),
    (re.compile(r"面积"), frozenset({"平方米", "亩", "公顷", "平方公里", "万平方米"})),
    (re.compile(r"床位"), frozenset({"张"})),
    (re.compile(r"住房|房源"), frozenset({"套", "间"})),
    (re.compile(r"就业|人数|人口"), frozenset({"人", "万人"})),
    (re.compile(r"年龄|岁"), frozenset({"岁", "周岁"})),
)
_YEAR = re.compile(r"(?:19|20)\d{2}")
# A question about a goal ("要达到", "目标", "到2025年") is answered by a commitment with a horizon,
# not by a figure reported for a past year.
_GOAL = re.compile(r"要达到|要求|目标|力争|计划|规划|将|到(?:19|20)\d{2}")
# "今年" in a question about a report or plan means the document's own year.
_THIS_YEAR = re.compile(r"今年|本年度|当年")
TOP_CLAUSES = 10


# Questions that ask for a number outright: without one, nothing has answered them.
_ASKS_NUMBER = re.compile(r"多少|几[个家所次年项张套人岁名万亿倍成]|百分之几|多大|多高|多长|哪一年|哪年|何时|什么时候")


def asks_for_number(query: str) -> bool:
    """Whether the question can only be answered by a figure or a date."""
    return bool(_ASKS_NUMBER.search(query))


def is_quantity_question(query: str) -> bool:
    """Whether a question asks for a number, a share or a date."""
    return bool(_QUANTITY.search(query))


def _wanted_units(query: str) -> set[str]:
    units = set(_UNIT_AFTER_HOWMANY.findall(query))
    for pattern, group in _UNIT_BY_WORD:
        if pattern.search(query):
            units |= group
    return units


def _overlap(terms: Sequence[str], text: str) -> float:
    return sum(min(len(t), 4) for t in terms if len(t) >= 2 and t in text)


def score_target(
    target: Target, clause: Clause, rank: int, terms: Sequence[str], units: set[str], years: set[str], goal: bool = False
) -> float:
    """How well a target answers the question: indicator overlap first, then unit, year and rank.

    ``years`` are the years the question asks about; a target matches one through its own target
    year or through the section it sits in ("二、2024年重点任务").
    """
    named = f"{target.qualifier or ''}{target.indicator}"
    score = 2.0 * _overlap(terms, named) + 1.0 * _overlap(terms, target.span) + 1.0 * _overlap(terms, clause.text)
    if units:
        score += 6.0 if target.unit in units or (target.value.endswith("%") and "%" in units) else -3.0
    if years:
        context = f"{target.year or ''} {' '.join(clause.section_path)}"
        score += 3.0 if any(y in context for y in years) else 0.0
    if goal and target.year:
        score += 6.0
    return score - 1.0 * rank


def pick_answer(
    query: str, terms: Sequence[str], ranked: Sequence[tuple[Clause, Sequence[Target], int | None]]
) -> Answer | None:
    """The best-supported target among the top clauses, or None when none fits the question.

    ``ranked`` holds each top clause with its targets and its document's year.
    """
    if not is_quantity_question(query):
        return None
    units = _wanted_units(query)
    asked_years = set(_YEAR.findall(query))
    this_year = bool(_THIS_YEAR.search(query))
    goal = bool(_GOAL.search(query))
    best: tuple[float, Target, Clause] | None = None
    for rank, (clause, targets, doc_year) in enumerate(ranked[:TOP_CLAUSES]):
        years = asked_years | ({str(doc_year)} if this_year and doc_year else set())
        for target in targets:
            score = score_target(target, clause, rank, terms, units, years, goal)
            if best is None or score > best[0]:
                best = (score, target, clause)
    if best is None or best[0] <= 0:
        return None
    _, target, clause = best
    return Answer(
        value=target.value,
        unit=target.unit,
        comparator=target.comparator,
        year=target.year,
        indicator=f"{target.qualifier or ''}{target.indicator}",
        clause_id=clause.id,
        span=target.span,
        start=target.start - clause.start,
        end=target.end - clause.start,
    )
