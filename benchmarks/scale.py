"""Workers measuring growth to 10k-1M clauses by replicating the real corpus (no re-embedding).

Embedding a million clauses with the real model would take hours on two CPUs (the ingest section
measures ~20-40 clauses/s), so each scale reuses the corpus's real clauses, token lists and real
vectors (read back from the reference index's FAISS file): copy ``c`` of base clause ``b`` gets the
ids ``<id>~c``, the same text, title and tokens, and the vector of ``b`` plus small Gaussian noise,
re-normalised, so that copies do not tie.

Components (KeywordIndex, DenseIndex flat and HNSW) are timed alone on those arrays. The searcher
is timed on a real index directory: the replicated documents go through ``Store.write_batch``,
then ``index.builder.build_indexes`` derives the indexes with two inputs substituted (see
``derive``), and ``Searcher`` opens the result like any other index.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import numpy as np

from measure import MemoryLog, load_average, repeat, summarise

DEPTH = 100  # how deep the searcher reads each channel (FusionParams.candidates)


class PrecomputedQueries:
    """Embedder stand-in for a Searcher that is always handed query vectors; never embeds."""

    def __init__(self, model_id: str, dim: int) -> None:
        self.model_id = model_id
        self.dim = dim

    def embed_queries(self, texts):
        raise RuntimeError("the scale benchmark passes query_vector to every search")

    embed_passages = embed_queries


def load_base(index_dir: Path):
    """(documents by id, clauses in row order, their token lists, their real vectors, sections+targets, manifest).

    The vectors are read back from the index's own FAISS file, so they are exactly what that
    index serves, whatever text the current ``dense_text`` would embed.
    """
    import faiss

    from index.builder import keyword_tokens, load_rows
    from index.manifest import read_manifest
    from index.store import Store

    manifest = read_manifest(index_dir)
    store = Store(index_dir)
    docs = {d.id: d for d in store.documents()}
    rows = load_rows(index_dir, manifest)
    by_id = store.clauses_by_ids(rows)
    clauses = [by_id[r] for r in rows]
    stored = faiss.read_index(str(index_dir / manifest.derived_dir / "dense" / "dense.faiss"))
    vectors = stored.reconstruct_n(0, stored.ntotal).astype(np.float32)
    if len(vectors) != len(clauses):
        raise ValueError(f"{index_dir}: {len(vectors)} vectors for {len(clauses)} rows")
    # Store order (document, then ordinal), so that replicated documents list their rows contiguously.
    order = sorted(range(len(clauses)), key=lambda i: (clauses[i].doc_id, clauses[i].ordinal))
    clauses, vectors = [clauses[i] for i in order], vectors[order]
    tokens = [keyword_tokens(c, docs[c.doc_id]) for c in clauses]
    parsed = {d: (store.sections(d), store.targets(doc_id=d)) for d in docs}
    store.close()
    return docs, clauses, tokens, vectors, parsed, manifest


def replicate_vectors(base: np.ndarray, n: int, noise: float, seed: int = 0) -> np.ndarray:
    """Row i = base[i % len(base)] + N(0, noise²) per dimension, L2-normalised (float32)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        rows = base[np.arange(start, stop) % len(base)]
        rows = rows + np.float32(noise) * rng.standard_normal(rows.shape, dtype=np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        out[start:stop] = rows
    return out


def synthetic_documents(docs, clauses, parsed, n: int) -> Iterator[list]:
    """ParsedDocuments holding the first n replicated clauses, one list per copy of the corpus."""
    from plankb.records import ParsedDocument

    per_doc: dict[str, list] = {}
    for c in clauses:
        per_doc.setdefault(c.doc_id, []).append(c)
    remaining, copy = n, 0
    while remaining > 0:
        batch = []
        tag = f"~{copy}"
        for doc_id, doc_clauses in per_doc.items():
            if remaining <= 0:
                break
            take = doc_clauses[:remaining]
            remaining -= len(take)
            kept = {c.id for c in take}
            sections, targets = parsed[doc_id]
            doc = docs[doc_id]
            batch.append(
                ParsedDocument(
                    # Same title as the original, so a copy's BM25 tokens equal the original's.
                    document=replace(doc, id=doc.id + tag, source=f"{doc.source}{tag}"),
                    sections=tuple(
                        replace(s, id=s.id + tag, doc_id=s.doc_id + tag, parent_id=s.parent_id and s.parent_id + tag)
                        for s in sections
                    ),
                    clauses=tuple(
                        replace(c, id=c.id + tag, doc_id=c.doc_id + tag, section_id=c.section_id and c.section_id + tag)
                        for c in take
                    ),
                    targets=tuple(
                        replace(t, id=t.id + tag, doc_id=t.doc_id + tag, clause_id=t.clause_id + tag)
                        for t in targets
                        if t.clause_id in kept
                    ),
                )
            )
        yield batch
        copy += 1


def _time_queries(search, queries, rounds: int) -> dict[str, float]:
    for q in queries[:3]:
        search(q)
    samples = []
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            search(q)
            samples.append(time.perf_counter() - start)
    return summarise(samples)


def scale_build_worker(params: dict) -> dict:
    """Component build and query times at one scale, then the synthetic index directory for the searcher."""
    mem = MemoryLog()
    from index.dense import DenseIndex
    from index.keyword import KeywordIndex
    from index.store import Store
    from index.tokenize import query_terms
    from questions import QUESTIONS

    n, rounds = params["n"], params["rounds"]
    build_rounds = params["build_rounds"]
    docs, clauses, tokens, base_vectors, parsed, manifest = load_base(Path(params["base_index"]))
    query_vectors = np.load(params["query_vectors"], allow_pickle=False)
    terms = [query_terms(q) for q in QUESTIONS[: len(query_vectors)]]
    mem.mark("base loaded")
    out: dict = {"n": n, "base_clauses": len(clauses), "noise": params["noise"], "load": {"start": load_average()}}

    rep_tokens = [tokens[i % len(tokens)] for i in range(n)]
    with mem.phase("BM25 build"):
        times, keyword = repeat(lambda: KeywordIndex.build(rep_tokens), build_rounds)
    out["bm25_build_s"] = times
    # scores() is what Searcher reads (then takes the top rows with argpartition); search() also
    # sorts every matching row, which grows with the number of matches.
    out["bm25_scores"] = _time_queries(keyword.scores, terms, rounds)
    out["bm25_query"] = _time_queries(lambda t: keyword.search(t, DEPTH), terms, rounds)
    del rep_tokens

    vectors = replicate_vectors(base_vectors, n, params["noise"])
    mem.mark("vectors")
    with mem.phase("flat build"):
        times, flat = repeat(lambda: DenseIndex.build(vectors, kind="flat"), build_rounds)
    out["flat_build_s"] = times
    out["flat_query"] = _time_queries(lambda v: flat.search(v, DEPTH), list(query_vectors), rounds)
    with single_thread_faiss():
        out["flat_query_1thread"] = _time_queries(lambda v: flat.search(v, DEPTH), list(query_vectors), rounds)
    if params["hnsw"]:
        with mem.phase("HNSW build"):
            times, hnsw = repeat(lambda: DenseIndex.build(vectors, kind="hnsw"), 1)
        out["hnsw_build_s"] = times
        out["hnsw_query"] = _time_queries(lambda v: hnsw.search(v, DEPTH), list(query_vectors), rounds)
        with single_thread_faiss():
            out["hnsw_query_1thread"] = _time_queries(lambda v: hnsw.search(v, DEPTH), list(query_vectors), rounds)
        exact = flat.search(query_vectors, 10)[1]
        approx = hnsw.search(query_vectors, 10)[1]
        out["hnsw_recall@10"] = float(np.mean([len(set(e) & set(a)) / 10 for e, a in zip(exact, approx)]))
        del hnsw
    del vectors, flat, keyword
    out["load"]["after components"] = load_average()

    # The synthetic index directory: a real store, then build_indexes with substituted inputs.
    index_dir = Path(params["index_dir"])
    store = Store(index_dir)
    with mem.phase("store write"):
        start = time.perf_counter()
        rows: list[str] = []
        for batch in synthetic_documents(docs, clauses, parsed, n):
            store.write_batch(batch)
            rows.extend(c.id for item in batch for c in item.clauses)
        out["store_write_s"] = time.perf_counter() - start
    m = len(clauses)
    if len(rows) != n or any(r != f"{clauses[i % m].id}~{i // m}" for i, r in enumerate(rows)):
        raise AssertionError("synthetic store rows are out of step with the replicated index rows")
    store.close()
    out["load"]["after store"] = load_average()
    with mem.phase("build_indexes"):
        out.update(derive(index_dir, clauses, tokens, base_vectors, manifest, "flat", params["noise"]))
    out["memory"] = mem.as_dict()
    out["load"]["end"] = load_average()
    return out


def derive(index_dir: Path, clauses, tokens, base_vectors, manifest, kind: str, noise: float) -> dict:
    """Run index.builder.build_indexes on the synthetic store, handing it the replicated vectors and tokens.

    Two of its inputs are substituted for the length of the call: ``embed_clauses`` (its content-hash
    cache would give every copy of a clause the same vector) and ``keyword_tokens`` (copies of the real
    token lists instead of a million jieba calls). Everything else (loading the store, BM25 with the
    builder's parameters, FAISS, rows.json, the manifest, the atomic publish) is the builder's own.
    """
    from index import builder
    from index.store import Store

    store = Store(index_dir)
    n, m = store.counts()["clauses"], len(clauses)
    # build_indexes reads clauses in store order (document id, ordinal); row i of the replica is
    # copy i // m of base clause i % m, so list the rows in that order.
    order = sorted(range(n), key=lambda i: (f"{clauses[i % m].doc_id}~{i // m}", clauses[i % m].ordinal))
    vectors = replicate_vectors(base_vectors, n, noise)[order]
    by_base = {c.id: t for c, t in zip(clauses, tokens)}

    def replicated_vectors(_store, _embedder, texts, progress=None):
        # Each text the builder would embed must contain the clause whose vector stands in for it.
        if len(texts) != n or any(clauses[i % m].text not in t for i, t in zip(order, texts)):
            raise AssertionError("build_indexes asked for other texts than the replica's, or in another order")
        return vectors

    def replicated_tokens(clause, _doc):
        return by_base[clause.id.rsplit("~", 1)[0]]

    saved = builder.embed_clauses, builder.keyword_tokens
    builder.embed_clauses, builder.keyword_tokens = replicated_vectors, replicated_tokens
    try:
        start = time.perf_counter()
        built = builder.build_indexes(store, PrecomputedQueries(manifest.model_id, manifest.dim), dense_kind=kind)
        seconds = time.perf_counter() - start
    finally:
        builder.embed_clauses, builder.keyword_tokens = saved
        store.close()
    sizes = {p.name: p.stat().st_size for p in index_dir.rglob("*") if p.is_file()}
    return {
        "build_indexes_s": seconds,
        "built_kind": built.dense_kind,
        "disk_mib": sum(sizes.values()) / 2**20,
    }


def scale_reindex_worker(params: dict) -> dict:
    """build_indexes again on an existing synthetic store with another dense kind (e.g. HNSW)."""
    mem = MemoryLog()
    docs, clauses, tokens, base_vectors, parsed, manifest = load_base(Path(params["base_index"]))
    with mem.phase("build_indexes"):
        out = derive(Path(params["index_dir"]), clauses, tokens, base_vectors, manifest, params["kind"], params["noise"])
    out["memory"] = mem.as_dict()
    return out


@contextmanager
def single_thread_faiss() -> Iterator[None]:
    """FAISS with one OpenMP thread inside the block (what OMP_NUM_THREADS=1 gives)."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def scale_search_worker(params: dict) -> dict:
    """Open a Searcher over the synthetic directory (one dense variant) and time end-to-end queries."""
    mem = MemoryLog()
    from index.manifest import read_manifest
    from index.searcher import Searcher
    from index.tokenize import warm_up
    from questions import QUESTIONS

    warm_up()
    index_dir = Path(params["index_dir"])
    manifest = read_manifest(index_dir)
    query_vectors = np.load(params["query_vectors"], allow_pickle=False)
    questions = list(QUESTIONS[: len(query_vectors)])
    mem.mark("imports")
    with mem.phase("open"):
        start = time.perf_counter()
        searcher = Searcher(index_dir, PrecomputedQueries(manifest.model_id, manifest.dim))
        open_s = time.perf_counter() - start
    out: dict = {"kind": manifest.dense_kind, "open_s": open_s, "load": {"start": load_average()}}
    pairs = list(zip(questions, query_vectors))
    with mem.phase("queries"):
        for mode in params["modes"]:
            out[mode] = _time_queries(
                lambda qv: searcher.search(qv[0], 10, mode, query_vector=qv[1] if mode != "bm25" else None),
                pairs,
                params["rounds"],
            )
        # Sanity: the synthetic index answers (a question with no hit would make its timing meaningless).
        out["questions_with_hits"] = sum(bool(searcher.search(q, 10, "hybrid", query_vector=v).hits) for q, v in pairs)
        with single_thread_faiss():
            out["hybrid_1thread"] = _time_queries(
                lambda qv: searcher.search(qv[0], 10, "hybrid", query_vector=qv[1]), pairs, params["rounds"]
            )
    out["memory"] = mem.as_dict()
    out["load"]["end"] = load_average()
    return out

