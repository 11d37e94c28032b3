"""Workers measuring the real corpus: query latency with the real model, and ingest throughput.

Each worker runs in its own process (see bench.py) so its RSS figures start from a clean slate.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import numpy as np

from measure import MemoryLog, load_average, median, repeat, summarise

CORPUS_FOLDERS = ("plans", "history", "reports", "laws", "policies")  # not bad/: those files fail on purpose


def snapshot_index(source: Path, target: Path, attempts: int = 3) -> Path:
    """Copy an index directory (SQLite via its backup API, then the current derived files) without writing to it.

    Someone may rebuild the index meanwhile (its old derived directory then disappears): retry.
    """
    for attempt in range(attempts):
        try:
            return _snapshot(source, target)
        except (FileNotFoundError, shutil.Error):
            shutil.rmtree(target, ignore_errors=True)
            if attempt == attempts - 1:
                raise
            time.sleep(5)
    return target


def _snapshot(source: Path, target: Path) -> Path:
    from index.manifest import read_manifest
    from index.store import DB_NAME

    manifest = read_manifest(source)
    if manifest is None:
        raise ValueError(f"{source} holds no built index (no manifest.json); build one with plankb ingest")
    target.mkdir(parents=True)
    src = sqlite3.connect(f"file:{source / DB_NAME}?mode=ro", uri=True)
    dst = sqlite3.connect(target / DB_NAME)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    shutil.copytree(source / manifest.derived_dir, target / manifest.derived_dir)
    shutil.copy2(source / "manifest.json", target / "manifest.json")
    return target


# --------------------------------------------------------------------------- latency


def latency_worker(params: dict) -> dict:
    """Query latency per mode, split into query embedding and retrieval, with the real model loaded."""
    mem = MemoryLog()
    from index.embedder import load_embedder
    from index.searcher import Searcher
    from questions import QUESTIONS

    questions = list(QUESTIONS)[: params["questions"]]
    mem.mark("imports")
    with mem.phase("model load"):
        start = time.perf_counter()
        embedder = load_embedder("default")
        embedder.warm_up()
        embedder.embed_queries(["预热"])  # first call builds torch's kernels
        model_load_s = time.perf_counter() - start
    with mem.phase("index open"):
        start = time.perf_counter()
        searcher = Searcher(params["index"], embedder)
        index_open_s = time.perf_counter() - start

    vectors = embedder.embed_queries(questions)
    np.save(params["query_vectors"], vectors, allow_pickle=False)

    for q in questions[:3]:  # warm jieba, faiss threads and SQLite pages
        for mode in params["modes"]:
            searcher.search(q, 10, mode)

    samples: dict[str, dict[str, list[float]]] = {
        m: {"embed": [], "retrieval": [], "total": []} for m in params["modes"]
    }
    with mem.phase("queries"):
        for _ in range(params["rounds"]):
            for q in questions:
                for mode in params["modes"]:
                    start = time.perf_counter()
                    vector = embedder.embed_queries([q]) if mode != "bm25" else None
                    embedded = time.perf_counter()
                    searcher.search(q, 10, mode, query_vector=vector)
                    done = time.perf_counter()
                    samples[mode]["embed"].append(embedded - start)
                    samples[mode]["retrieval"].append(done - embedded)
                    samples[mode]["total"].append(done - start)
    threads = _thread_sensitivity(embedder, searcher, questions)
    return {
        "threads": threads,
        "clauses": len(searcher.rows),
        "questions": len(questions),
        "rounds": params["rounds"],
        "model_id": embedder.model_id,
        "dense_kind": searcher.manifest.dense_kind,
        "model_load_s": model_load_s,
        "index_open_s": index_open_s,
        "modes": {m: {part: summarise(v) for part, v in parts.items()} for m, parts in samples.items()},
        "memory": mem.as_dict(),
    }


def query_vectors_worker(params: dict) -> dict:
    """Embed the benchmark questions with the real model (for the scale section's searches)."""
    from index.embedder import load_embedder
    from questions import QUESTIONS

    vectors = load_embedder("default").embed_queries(list(QUESTIONS)[: params["questions"]])
    np.save(params["query_vectors"], vectors, allow_pickle=False)
    return {"questions": len(vectors)}


def _thread_sensitivity(embedder, searcher, questions: list[str]) -> dict:
    """Query embedding, passage embedding and hybrid retrieval with the default thread pools vs one thread.

    On a shared 2-core machine a second OpenMP thread often waits for a core at every parallel
    region; this shows what that costs (OMP_NUM_THREADS=1 selects the single-thread setting).
    """
    import faiss
    import torch

    from index.builder import dense_text

    docs = searcher.documents
    clauses = list(searcher.store.clauses_by_ids(searcher.rows[:: max(1, len(searcher.rows) // 128)]).values())[:128]
    passages = [dense_text(c, docs[c.doc_id]) for c in clauses]
    vectors = embedder.embed_queries(questions)
    default = (torch.get_num_threads(), faiss.omp_get_max_threads())
    out = {}
    for torch_threads, faiss_threads in (default, (1, 1)):
        torch.set_num_threads(torch_threads)
        faiss.omp_set_num_threads(faiss_threads)
        embed, retrieval = [], []
        for q, v in zip(questions, vectors):
            start = time.perf_counter()
            embedder.embed_queries([q])
            embed.append(time.perf_counter() - start)
            start = time.perf_counter()
            searcher.search(q, 10, "hybrid", query_vector=v)
            retrieval.append(time.perf_counter() - start)
        start = time.perf_counter()
        embedder.embed_passages(passages)
        out[f"torch {torch_threads} / faiss {faiss_threads}"] = {
            "query_embedding": summarise(embed),
            "hybrid_retrieval": summarise(retrieval),
            "passages_per_s": len(passages) / (time.perf_counter() - start),
            "passages": len(passages),
            "load": load_average(),
        }
    torch.set_num_threads(default[0])
    faiss.omp_set_num_threads(default[1])
    return out


# --------------------------------------------------------------------------- ingest


def _parse_split(files: list[Path]) -> tuple[float, float]:
    """(read seconds, structure+targets seconds) over the files, mirroring index.update.parse_upload."""
    from ingest.metadata import load_sidecar
    from ingest.pipeline import content_hash, parse_document
    from ingest.readers import ReadError, read_bytes

    read_s = parse_s = 0.0
    sidecars: dict[Path, dict] = {}
    for path in files:
        start = time.perf_counter()
        data = path.read_bytes()
        try:
            raw = read_bytes(data, path.name)
        except ReadError:
            continue
        if path.parent not in sidecars:
            sidecars[path.parent] = load_sidecar(path.parent)
        middle = time.perf_counter()
        parse_document(raw, content_hash(data), sidecars[path.parent].get(path.name))
        read_s += middle - start
        parse_s += time.perf_counter() - middle
    return read_s, parse_s


def ingest_worker(params: dict) -> dict:
    """Ingest + index throughput on a fresh temporary index, stage by stage, with the real model."""
    mem = MemoryLog()
    from index.builder import build_indexes, dense_text, embed_clauses, index_is_current, keyword_tokens, text_hash
    from index.dense import DenseIndex
    from index.embedder import load_embedder
    from index.keyword import KeywordIndex
    from index.store import Store
    from index.tokenize import warm_up
    from index.update import collect_files, ingest_files, ingest_paths

    rounds = params["rounds"]
    work = Path(params["workdir"])
    folders = [Path(p) for p in params["folders"]]
    files, problems = collect_files(folders)
    warm_up()  # jieba's dictionary (~1 s) is a one-off, not parsing cost
    mem.mark("imports")
    load = {"start": load_average()}

    # Parsing: ingest_files on an empty store parses every file (read + structure + targets).
    stores = [Store(work / f"parse-{i}") for i in range(rounds)]
    parse_times, parsed = [], []
    with mem.phase("parse"):
        for store in stores:
            start = time.perf_counter()
            parsed, results = ingest_files(files, store)
            parse_times.append(time.perf_counter() - start)
    split = [_parse_split(files) for _ in range(rounds)]
    n_clauses = sum(len(p.clauses) for p in parsed)

    # Storing: one write_batch transaction into a fresh store (what ingest_paths does after parsing).
    store_times = []
    with mem.phase("store"):
        for store in stores:
            start = time.perf_counter()
            store.write_batch(parsed)
            store_times.append(time.perf_counter() - start)
    store = stores[-1]
    for other in stores[:-1]:
        other.close()
    load["after parse+store"] = load_average()

    with mem.phase("model load"):
        start = time.perf_counter()
        embedder = load_embedder("default")
        embedder.warm_up()
        embedder.embed_passages(["预热"])
        model_load_s = time.perf_counter() - start

    # First build: build_indexes itself; its progress callback marks the end of the embedding.
    marks: list[float] = []
    with mem.phase("first build"):
        start = time.perf_counter()
        manifest = build_indexes(store, embedder, progress=lambda done, total: marks.append(time.perf_counter()))
        first_build_s = time.perf_counter() - start
    embed_s = marks[-1] - start if marks else 0.0
    load["after first build"] = load_average()

    # Rebuild with every vector cached (what `plankb reindex` or a dictionary change costs).
    with mem.phase("cached rebuild"):
        rebuild_times, _ = repeat(lambda: build_indexes(store, embedder), rounds)

    # Components of that rebuild, timed alone.
    docs = {d.id: d for d in store.documents()}
    clauses = store.clauses()
    texts = [dense_text(c, docs[c.doc_id]) for c in clauses]
    component_fns = {
        "load clauses from SQLite": lambda: store.clauses(),
        "cached vector lookup": lambda: embed_clauses(store, embedder, texts),
        "tokenise (jieba)": lambda: [keyword_tokens(c, docs[c.doc_id]) for c in clauses],
    }
    components = {name: median(repeat(fn, rounds)[0]) for name, fn in component_fns.items()}
    tokens = [keyword_tokens(c, docs[c.doc_id]) for c in clauses]
    vectors = embed_clauses(store, embedder, texts)
    components["BM25 build"] = median(repeat(lambda: KeywordIndex.build(tokens), rounds)[0])
    components["FAISS flat build"] = median(repeat(lambda: DenseIndex.build(vectors, kind="flat"), rounds)[0])
    components["text hashes"] = median(repeat(lambda: [text_hash(t) for t in texts], rounds)[0])

    # Re-ingest of the unchanged corpus: every file is read and hashed, none parsed, no rebuild.
    def reingest() -> None:
        report = ingest_paths(folders, store)
        if report.changed or not index_is_current(store):
            raise RuntimeError("re-ingest of an unchanged corpus found changes")

    reingest_times, _ = repeat(reingest, max(rounds, 5))
    load["end"] = load_average()
    return {
        "index_dir": str(store.index_dir),
        "files": len(files),
        "failed_files": [r.source for r in results if r.status == "failed"] + [p.source for p in problems],
        "documents": len(parsed),
        "clauses": n_clauses,
        "index_clauses": manifest.clause_count,
        "rounds": rounds,
        "parse_s": parse_times,
        "read_s": [r for r, _ in split],
        "structure_targets_s": [p for _, p in split],
        "store_s": store_times,
        "model_load_s": model_load_s,
        "first_build_s": first_build_s,
        "embed_s": embed_s,
        "cached_rebuild_s": rebuild_times,
        "components_s": components,
        "reingest_s": reingest_times,
        "memory": mem.as_dict(),
        "load": load,
    }
