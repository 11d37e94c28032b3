"""Combining keyword and dense rankings, and preferring documents a question names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from index.tokenize import tokenize
from plankb.records import Document

FUSION_METHODS = ("rrf", "weighted")


@dataclass(frozen=True)
class FusionParams:
    """Chosen by measurement on the dev questions (see BENCHMARKS.md), not by taste."""

    method: str = "rrf"
    rrf_k: int = 10
    keyword_weight: float = 0.6  # share of the keyword channel; dense gets the rest
    candidates: int = 100  # how deep each channel is read before fusing
    doc_boost: float = 0.3  # extra weight for clauses of a document the question names
    min_coverage: float = 0.5  # share of question terms a top hit must cover to be "confident"
    confidence_depth: int = 3  # how many top hits may supply that evidence


def _ranks(scores: dict[int, float]) -> dict[int, int]:
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return {row: rank for rank, (row, _) in enumerate(ordered)}


def _top_keyword(keyword: np.ndarray, depth: int) -> dict[int, float]:
    if keyword.size == 0:
        return {}
    depth = min(depth, keyword.size)
    top = np.argpartition(-keyword, depth - 1)[:depth]
    return {int(r): float(keyword[r]) for r in top if keyword[r] > 0}


def _minmax(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    span = hi - lo
    return {r: (s - lo) / span if span > 0 else 1.0 for r, s in scores.items()}


def fuse(
    keyword: np.ndarray | None,
    dense: dict[int, float] | None,
    row_doc: np.ndarray,
    boosts: dict[str, float],
    params: FusionParams,
    depth: int,
) -> list[tuple[int, float]]:
    """Rows ranked by fused score (highest first). Either channel may be absent (single-channel modes)."""
    if params.method not in FUSION_METHODS:
        raise ValueError(f"unknown fusion method {params.method!r}; allowed: {', '.join(FUSION_METHODS)}")
    kw = _top_keyword(keyword, depth) if keyword is not None else {}
    dn = dict(sorted(dense.items(), key=lambda kv: -kv[1])[:depth]) if dense is not None else {}
    wk = params.keyword_weight if keyword is not None and dense is not None else (1.0 if keyword is not None else 0.0)
    wd = 1.0 - wk
    fused: dict[int, float] = {}
    if params.method == "rrf":
        for weight, ranks in ((wk, _ranks(kw)), (wd, _ranks(dn))):
            for row, rank in ranks.items():
                fused[row] = fused.get(row, 0.0) + weight / (params.rrf_k + rank + 1)
    else:
        for weight, normalised in ((wk, _minmax(kw)), (wd, _minmax(dn))):
            for row, value in normalised.items():
                fused[row] = fused.get(row, 0.0) + weight * value
    if boosts:
        for row in fused:
            fused[row] *= 1.0 + boosts.get(row_doc[row], 0.0)
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


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


def named_documents(terms: Sequence[str], names: dict[str, frozenset[str]], boost: float) -> dict[str, float]:
    """Boost for each document the question names (a place, a law, a 文号)."""
    named: dict[str, float] = {}
    for term in terms:
        for doc_id in names.get(term, ()):
            named[doc_id] = boost
    return named
