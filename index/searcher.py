"""Hybrid retrieval over one index directory: BM25 + FAISS, fused, with answers and citations."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from index.answer import asks_for_number, pick_answer
from index.builder import index_is_current, load_rows
from index.citation import cite
from index.fusion import FusionParams, fuse
from index.naming import named_documents, naming_terms
from index.manifest import check_model, read_manifest
from index.store import Store
from index.tokenize import query_terms, tokenize
from plankb.records import Answer, Clause, Document, Hit

MODES = ("hybrid", "bm25", "dense")


@dataclass(frozen=True)
class Filters:
    doc_ids: frozenset[str] = frozenset()
    doc_types: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.doc_ids or self.doc_types or self.years)


@dataclass(frozen=True)
class SearchResult:
    query: str
    mode: str
    confident: bool
    answer: Answer | None
    hits: tuple[Hit, ...]
    terms: tuple[str, ...] = field(default_factory=tuple)


class Searcher:
    """Loaded indexes of one directory; read-only after construction, safe to share."""

    def __init__(self, index_dir: str | Path, embedder=None, params: FusionParams | None = None):
        self.index_dir = Path(index_dir)
        self.store = Store(self.index_dir)
        self.params = params or FusionParams()
        self.manifest = read_manifest(self.index_dir)
        if self.manifest is None or not index_is_current(self.store):
            raise ValueError(
                f"the search indexes in {self.index_dir} are missing or older than the stored documents; "
                f"run: plankb reindex --index {self.index_dir}"
            )
        self._embedder = embedder
        if embedder is not None:
            check_model(self.manifest, embedder.model_id, embedder.dim, self.index_dir)
        self.rows: list[str] = load_rows(self.index_dir, self.manifest)
        self.documents: dict[str, Document] = {d.id: d for d in self.store.documents()}
        self.names = naming_terms(self.documents.values())
        row_of = {cid: i for i, cid in enumerate(self.rows)}
        self.row_doc = np.empty(len(self.rows), dtype=object)
        for clause_id, doc_id in self.store.clause_doc_pairs():
            if clause_id in row_of:
                self.row_doc[row_of[clause_id]] = doc_id
        self._keyword = None
        self._dense = None
        derived = self.index_dir / self.manifest.derived_dir
        if self.rows:
            from index.dense import DenseIndex
            from index.keyword import KeywordIndex

            self._keyword = KeywordIndex.load(derived / "keyword")
            self._dense = DenseIndex.load(derived / "dense")

    @property
    def embedder(self):
        if self._embedder is None:
            raise ValueError("dense search needs an embedder; open the Searcher with one or use --mode bm25")
        return self._embedder

    # -- retrieval -------------------------------------------------------------------------
    def _mask(self, filters: Filters) -> np.ndarray | None:
        if not filters:
            return None
        allowed = {
            d.id
            for d in self.documents.values()
            if (not filters.doc_ids or d.id in filters.doc_ids)
            and (not filters.doc_types or d.doc_type in filters.doc_types)
            and (not filters.years or d.year in filters.years)
        }
        return np.array([doc in allowed for doc in self.row_doc], dtype=bool)

    def _keyword_scores(self, terms: Sequence[str]) -> np.ndarray:
        return self._keyword.scores(list(terms)) if self._keyword and terms else np.zeros(len(self.rows), dtype=np.float32)

    def _dense_scores(self, query: str, mask: np.ndarray | None, depth: int, vector: np.ndarray | None) -> dict[int, float]:
        if vector is None:
            vector = self.embedder.embed_queries([query])
        vector = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        k = len(self.rows) if mask is not None and self.manifest.dense_kind == "flat" else min(len(self.rows), depth)
        scores, ids = self._dense.search(vector, k)
        return {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0 and (mask is None or mask[i])}

    def search(
        self,
        query: str,
        top_k: int = 10,
        mode: str = "hybrid",
        filters: Filters = Filters(),
        query_vector: np.ndarray | None = None,
    ) -> SearchResult:
        """Rank clauses for a question, extract a quantity answer, and judge confidence.

        ``query_vector`` lets a caller that embedded many questions at once skip the embedder.
        """
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; allowed: {', '.join(MODES)}")
        if top_k < 1:
            raise ValueError("top_k must be at least 1")
        query = query.strip()
        terms = tuple(query_terms(query))
        if not self.rows or not query:
            return SearchResult(query, mode, False, None, (), terms)
        mask = self._mask(filters)
        depth = max(self.params.candidates, top_k)
        keyword = self._keyword_scores(terms) if mode in ("hybrid", "bm25") else None
        if keyword is not None and mask is not None:
            keyword = np.where(mask, keyword, 0.0)
        dense = self._dense_scores(query, mask, depth, query_vector) if mode in ("hybrid", "dense") else None
        boosts = named_documents(query, terms, self.names, self.documents.values(), self.params.doc_boost)
        fused = fuse(keyword, dense, self.row_doc, boosts, self._params_for(terms, keyword, dense), depth)
        ranked_rows = [row for row, _ in fused[:top_k]]
        clauses = self.store.clauses_by_ids([self.rows[r] for r in ranked_rows])
        targets = self.store.targets_by_clause([c.id for c in clauses.values()])
        ranked: list[tuple[Clause, float, dict[str, float]]] = []
        for row, score in fused[:top_k]:
            clause = clauses[self.rows[row]]
            channel = {}
            if keyword is not None:
                channel["bm25"] = round(float(keyword[row]), 4)
            if dense is not None:
                channel["dense"] = round(dense.get(row, float("nan")), 4)
            ranked.append((clause, score, channel))
        answer = pick_answer(
            query, terms, [(c, targets.get(c.id, []), self.documents[c.doc_id].year) for c, _, _ in ranked]
        )
        if answer is not None:
            # The clause that states the answer leads the list: it is what the user came for.
            ranked.sort(key=lambda item: item[0].id != answer.clause_id)
        hits = tuple(
            Hit(
                rank=i + 1,
                clause=clause,
                doc_title=self.documents[clause.doc_id].title,
                doc_number=self.documents[clause.doc_id].doc_number,
                score=round(score, 6),
                scores=channel,
                citation=cite(self.documents[clause.doc_id], clause),
            )
            for i, (clause, score, channel) in enumerate(ranked)
        )
        confident = self._confident(terms, hits) and (answer is not None or not asks_for_number(query))
        return SearchResult(query, mode, confident, answer, hits, terms)

    def _params_for(self, terms: Sequence[str], keyword: np.ndarray | None, dense) -> FusionParams:
        """Trust the keyword channel as far as its best hit holds the question's rarer words.

        Questions phrased in the documents' own vocabulary (托位, 覆盖率) are best served by BM25;
        lay questions whose words the text never uses are left mostly to the dense channel.
        """
        floor = self.params.keyword_weight_floor
        if floor is None or keyword is None or dense is None or not keyword.any():
            return self.params
        share = self._keyword_share(terms, int(np.argmax(keyword)))
        return replace(self.params, keyword_weight=floor + (self.params.keyword_weight - floor) * share)

    def _keyword_share(self, terms: Sequence[str], row: int) -> float:
        """IDF-like share of the question's terms present in one row (a term's weight is its best BM25 score)."""
        per_term = [self._keyword.scores([t]) for t in terms]
        weights = [float(s.max()) for s in per_term]
        rare = max(weights, default=0.0)
        # A word the corpus never uses is as telling as its rarest word: it asks for something else.
        weights = [w if w > 0 else rare for w in weights]
        total = sum(weights)
        return sum(w for s, w in zip(per_term, weights) if s[row] > 0) / total if total else 0.0

    def _confident(self, terms: Sequence[str], hits: Sequence[Hit]) -> bool:
        """Whether a top hit really addresses the question, judged by how much of the question it covers."""
        best = max(
            (coverage(terms, h.clause, self.documents[h.clause.doc_id]) for h in hits[: self.params.confidence_depth]),
            default=0.0,
        )
        return best >= self.params.min_coverage

    def neighbours(self, clause: Clause, before: int = 1, after: int = 1) -> tuple[list[Clause], list[Clause]]:
        """Clauses just before and after a clause in its document."""
        around = self.store.clauses_in_range(clause.doc_id, clause.ordinal - before, clause.ordinal + after)
        return [c for c in around if c.ordinal < clause.ordinal], [c for c in around if c.ordinal > clause.ordinal]


def coverage(terms: Sequence[str], clause: Clause, doc: Document) -> float:
    """Share of the question's content terms (longer terms weigh more) found in a clause or its context."""
    content = [t for t in terms if len(t) >= 2 or t.isdigit()]
    if not content:
        return 0.0
    tokens = set(tokenize(clause.text)) | set(tokenize(" ".join((doc.title, *clause.section_path))))
    text = clause.text
    total = sum(math.log1p(len(t)) for t in content)
    found = sum(math.log1p(len(t)) for t in content if t in tokens or t in text)
    return found / total


def result_to_json(result: SearchResult, searcher: Searcher, query_id: str | None = None, context: int = 1) -> dict:
    """The JSON object of the CLI contract (one per question)."""
    out: dict = {}
    if query_id is not None:
        out["id"] = query_id
    out["query"] = result.query
    out["mode"] = result.mode
    out["confident"] = result.confident
    a = result.answer
    out["answer"] = (
        None
        if a is None
        else {
            "value": a.value,
            "unit": a.unit,
            "comparator": a.comparator,
            "year": a.year,
            "indicator": a.indicator,
            "clause_id": a.clause_id,
            "span": a.span,
        }
    )
    hits = []
    for hit in result.hits:
        before, after = searcher.neighbours(hit.clause, context, context)
        hits.append(
            {
                "rank": hit.rank,
                "clause_id": hit.clause.id,
                "doc_id": hit.clause.doc_id,
                "doc_title": hit.doc_title,
                "section_path": list(hit.clause.section_path),
                "page": hit.clause.page,
                "text": hit.clause.text,
                "score": hit.score,
                "scores": {k: (None if v != v else v) for k, v in hit.scores.items()},
                "citation": hit.citation,
                "context": {"before": [c.text for c in before], "after": [c.text for c in after]},
            }
        )
    out["hits"] = hits
    return out


def open_searcher(index_dir: Path, model: str | None, mode: str = "hybrid") -> Searcher:
    """A Searcher with the embedder the index was built with (none needed for bm25-only)."""
    from index.embedder import load_embedder
    from index.embedder import model_spec

    embedder = None if mode == "bm25" else load_embedder(model_spec(model, index_dir))
    return Searcher(index_dir, embedder)


def run_search_command(args) -> int:
    import json
    import sys

    if bool(args.query) == bool(args.batch):
        raise ValueError("give either a question or --batch FILE")
    searcher = open_searcher(args.index, args.model, args.mode)
    if args.batch:
        for line in args.batch.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            result = searcher.search(item["q"], args.top_k, args.mode)
            print(json.dumps(result_to_json(result, searcher, str(item["id"])), ensure_ascii=False))
            sys.stdout.flush()
        return 0
    result = searcher.search(args.query, args.top_k, args.mode)
    if args.json:
        print(json.dumps(result_to_json(result, searcher), ensure_ascii=False, indent=2))
        return 0
    print_result(result)
    return 0


def print_result(result: SearchResult) -> None:
    if not result.confident:
        print("未找到可靠答案（confident: false）；以下为最接近的条款，仅供参考。")
    if result.answer:
        a = result.answer
        year = f"，{a.year}年" if a.year and a.year.isdigit() else (f"，{a.year}" if a.year else "")
        print(f"答案：{a.value}{'' if a.value.endswith('%') else a.unit}（{a.comparator}{year}）  指标：{a.indicator}")
    for hit in result.hits:
        channel = " ".join(f"{k}={v:.3f}" for k, v in hit.scores.items() if v == v)
        print(f"\n[{hit.rank}] {hit.score:.4f} ({channel})  {hit.citation}")
        print(f"    {hit.clause.text}")

