"""Combining keyword and dense rankings into one ranking (pure numeric code)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


FUSION_METHODS = ("rrf", "weighted")


@dataclass(frozen=True)
class FusionParams:
    """Chosen by measurement (scripts/tune_fusion.py on the dev questions and STARD; BENCHMARKS.md)."""

    method: str = "rrf"
    rrf_k: int = 30
    keyword_weight: float = 0.7  # share of the keyword channel; dense gets the rest
    # With a floor, the keyword share moves between floor and keyword_weight with how much of the
    # question the best keyword hit covers (Searcher._params_for); None keeps it fixed.
    keyword_weight_floor: float | None = 0.0
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
