"""Which documents a question names: places and laws in their titles, or shortened titles."""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from index.tokenize import tokenize
from plankb.records import Document

# Words that occur in many titles and so name no particular document.
_GENERIC_TITLE_TERMS = frozenset(
    "中华人民共和国 人民政府 政府 工作 报告 规划 计划 纲要 关于 通知 意见 方案 条例 办法 实施 国民经济 社会 发展 "
    "五年 年 国务院 办公厅 省 市 全国 人民代表大会 常务委员会".split()
)


def naming_terms(documents: Iterable[Document]) -> dict[str, frozenset[str]]:
    """Title and header terms that name documents: term → ids of the documents it names.

    A term names a document when it is in its title (or issuer, 文号) and most of the term's
    mentions across the corpus are inside the documents it names: "江苏" or "学前教育法" do,
    "教育" or "规划" (spread over many documents) do not. Years and numbers never name.
    """
    docs = list(documents)
    titled: dict[str, set[str]] = {}
    for d in docs:
        header = " ".join(x for x in (d.title, d.issuer or "", d.doc_number or "") if x)
        for term in tokenize(header):
            if len(term) >= 2 and term not in _GENERIC_TITLE_TERMS and not any(ch.isdigit() for ch in term):
                titled.setdefault(term, set()).add(d.id)
    names: dict[str, frozenset[str]] = {}
    for term, owners in titled.items():
        if len(owners) > max(1, len(docs) // 8):
            continue
        inside = sum(d.text.count(term) + 1 for d in docs if d.id in owners)
        total = sum(d.text.count(term) for d in docs) + len(owners)
        if inside / total >= NAMING_CONCENTRATION:
            names[term] = frozenset(owners)
    return names


# Place names sit at 0.9+ (北京 0.95, 江苏 0.96); topic words shared by many documents at 0.5-0.7
# (职业 0.69, 教育 0.63), measured on ../shared/corpus.
NAMING_CONCENTRATION = 0.8


# A question refers to a document by a shortened title ending in its kind: "乡村振兴规划" for
# 乡村全面振兴规划（2024—2027年）, "学前教育法" for 中华人民共和国学前教育法.
_KIND_WORD = re.compile(r"规划|纲要|计划|报告|条例|办法|规定|细则|意见|通知|方案|决定|法")
_SHORT_REFERENCE = 4  # shorter references ("规划", "工作报告") name no particular document
_LONGEST_REFERENCE = 16


def _is_subsequence(needle: str, haystack: str) -> bool:
    chars = iter(haystack)
    return all(ch in chars for ch in needle)


def referenced_documents(query: str, documents: Iterable[Document]) -> set[str]:
    """Documents whose title contains, in order, a phrase of the question that ends in a kind word."""
    docs = list(documents)
    found: set[str] = set()
    for m in _KIND_WORD.finditer(query):
        end = m.end()
        for start in range(max(0, end - _LONGEST_REFERENCE), end - _SHORT_REFERENCE + 1):
            phrase = query[start:end]
            if not all("\u4e00" <= ch <= "\u9fff" for ch in phrase):
                continue
            matches = {d.id for d in docs if phrase[0] in d.title and _is_subsequence(phrase, d.title)}
            if matches:
                found |= matches
                break  # the longest phrase that matches wins
    return found


def named_documents(
    query: str, terms: Sequence[str], names: dict[str, frozenset[str]], documents: Iterable[Document], boost: float
) -> dict[str, float]:
    """Boost for each document the question names: by a naming term (a place, a law) or a title."""
    named = {doc_id: boost for term in terms for doc_id in names.get(term, ())}
    named.update({doc_id: boost for doc_id in referenced_documents(query, documents)})
    return named
