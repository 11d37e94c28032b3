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
    rrf_k: int = 60
    keyword_weight: float = 0.5  # share of the keyword channel; dense gets the rest
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


def named_documents(terms: Sequence[str], documents: Iterable[Document], boost: float | None = None) -> dict[str, float]:
    """Documents whose title or header the question names (a place, a law), with their boost.

    A title term counts only if it is rare among the corpus's titles, so "规划" or "报告" in a
    question prefers no document while "北京" or "学前教育法" does.
    """
    docs = list(documents)
    if not docs or not terms:
        return {}
    boost = FusionParams().doc_boost if boost is None else boost
    title_terms = {
        d.id: {t for t in tokenize(" ".join(x for x in (d.title, d.issuer or "", d.doc_number or "") if x)) if len(t) >= 2}
        - _GENERIC_TITLE_TERMS
        for d in docs
    }
    df: dict[str, int] = {}
    for names in title_terms.values():
        for t in names:
            df[t] = df.get(t, 0) + 1
    rare_limit = max(1, int(0.3 * len(docs)))
    # Years and other numbers are facets (the year filter), not names: "江苏2024年…" names Jiangsu,
    # not every document with 2024 in its title.
    asked = {t for t in terms if len(t) >= 2 and not any(ch.isdigit() for ch in t)}
    named: dict[str, float] = {}
    for doc_id, names in title_terms.items():
        hits = [t for t in asked & names if df[t] <= rare_limit]
        if hits:
            named[doc_id] = boost
    return named
