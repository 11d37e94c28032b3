"""Workers measuring growth to 10k-1M clauses by replicating the real corpus (no re-embedding).

Embedding a million clauses with the real model would take hours on two CPUs (the ingest section
measures ~30-60 clauses/s), so each scale reuses the corpus's real clauses, token lists and cached
real vectors: copy ``c`` of base clause ``b`` gets the ids ``<id>~c``, the same text and tokens,
and the vector of ``b`` plus small Gaussian noise, re-normalised, so that copies do not tie.

The synthetic index directory is real where search reads it: documents, sections, clauses and
targets go through ``Store.write_batch``; the derived files are the project's own ``KeywordIndex``
and ``DenseIndex`` saved with their ``save()``, with ``rows.json`` and ``manifest.json`` laid out as
``index.builder.build_indexes`` lays them out. ``build_indexes`` itself is not used at scale: it
keys cached vectors by text hash, so every copy of a clause would get one identical vector, and it
re-tokenises every clause with jieba (timed on the real corpus in the ingest section instead).
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
    from index.builder import ROWS_FILE
    from index.dense import DenseIndex
    from index.keyword import KeywordIndex
    from index.manifest import Manifest, write_json_atomic
    from index.store import Store
    from index.tokenize import dictionary_hash, query_terms
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
    out["bm25_query"] = _time_queries(lambda t: keyword.search(t, DEPTH), terms, rounds)
    del rep_tokens

    vectors = replicate_vectors(base_vectors, n, params["noise"])
    mem.mark("vectors")
    with mem.phase("flat build"):
        times, flat = repeat(lambda: DenseIndex.build(vectors, kind="flat"), build_rounds)
    out["flat_build_s"] = times
    out["flat_query"] = _time_queries(lambda v: flat.search(v, DEPTH), list(query_vectors), rounds)
    dense = {"flat": flat}
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
        dense["hnsw"] = hnsw
    del vectors
    out["load"]["after components"] = load_average()

    # The synthetic index directory, written as build_indexes would lay it out.
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
    # The derived rows were built in base order per copy; rows.json lists ids in that same order.
    start = time.perf_counter()
    for kind, index in dense.items():
        derived = index_dir / f"derived-{store.generation}-{kind}"
        index.save(derived / "dense")
        keyword.save(derived / "keyword")
        write_json_atomic(derived / ROWS_FILE, rows)
    out["save_s"] = time.perf_counter() - start
    out["variants"] = {
        kind: Manifest(
            format_version=1,
            generation=store.generation,
            model_id=manifest.model_id,
            dim=manifest.dim,
            dense_kind=kind,
            dictionary_hash=dictionary_hash(),
            clause_count=n,
            derived_dir=f"derived-{store.generation}-{kind}",
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
        ).__dict__
        for kind in dense
    }
    store.close()
    out["disk_mib"] = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) / 2**20
    out["memory"] = mem.as_dict()
    out["load"]["end"] = load_average()
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
    from index.manifest import Manifest, write_manifest
    from index.searcher import Searcher
    from index.tokenize import warm_up
    from questions import QUESTIONS

    warm_up()
    manifest = Manifest(**params["manifest"])
    index_dir = Path(params["index_dir"])
    write_manifest(index_dir, manifest)
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
        with single_thread_faiss():
            out["hybrid_1thread"] = _time_queries(
                lambda qv: searcher.search(qv[0], 10, "hybrid", query_vector=qv[1]), pairs, params["rounds"]
            )
    out["memory"] = mem.as_dict()
    out["load"]["end"] = load_average()
    return out

