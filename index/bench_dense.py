"""Measure flat vs HNSW dense search: single-query latency, build time and HNSW recall@10.

    .venv/bin/python -m index.bench_dense [sizes…] [--dim 384] [--queries 200] [--data clustered|gaussian]

The vectors are synthetic: "clustered" (default) draws each vector around one of n/100 random
centres, so near neighbours are much closer than random pairs, like text embeddings; "gaussian"
is isotropic noise, the worst case for a graph index. Recall@10 is measured against the flat
index's exact answer. The numbers set index.dense.APPROX_THRESHOLD.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from index.dense import DenseIndex


def make_vectors(n: int, dim: int, rng: np.random.Generator, data: str, centres: np.ndarray | None) -> np.ndarray:
    """n synthetic vectors (not yet normalised; DenseIndex normalises)."""
    if data == "gaussian":
        return rng.standard_normal((n, dim), dtype=np.float32)
    assign = rng.integers(0, len(centres), size=n)
    return centres[assign] + 0.8 * rng.standard_normal((n, dim), dtype=np.float32)


def measure(n: int, dim: int, n_queries: int, data: str, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(n // 100, 10), dim), dtype=np.float32)
    base = make_vectors(n, dim, rng, data, centres)
    queries = make_vectors(n_queries, dim, rng, data, centres)

    row: dict[str, float] = {"n": n}
    results = {}
    for kind in ("flat", "hnsw"):
        start = time.perf_counter()
        index = DenseIndex.build(base, kind=kind)
        row[f"{kind}_build_s"] = time.perf_counter() - start
        index.search(queries[:5], 10)  # warm caches and thread pools
        latencies = []
        ids = []
        for q in queries:  # one question at a time, as the app asks them
            start = time.perf_counter()
            _, found = index.search(q, 10)
            latencies.append(time.perf_counter() - start)
            ids.append(found[0])
        row[f"{kind}_ms_p50"] = 1000 * float(np.median(latencies))
        row[f"{kind}_ms_p95"] = 1000 * float(np.percentile(latencies, 95))
        results[kind] = np.stack(ids)
    hits = [len(set(e) & set(a)) for e, a in zip(results["flat"], results["hnsw"])]
    row["hnsw_recall@10"] = float(np.mean(hits)) / 10
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[2_000, 5_000, 10_000, 50_000, 100_000])
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--data", choices=("clustered", "gaussian"), default="clustered")
    args = parser.parse_args(argv)

    import faiss

    print(
        f"# dim={args.dim} queries={args.queries} data={args.data} cpus={os.cpu_count()} "
        f"faiss={faiss.__version__} omp_threads={faiss.omp_get_max_threads()}"
    )
    header = "| n | flat p50 ms | flat p95 ms | hnsw p50 ms | hnsw p95 ms | hnsw recall@10 | flat build s | hnsw build s |"
    print(header)
    print("|---:" * 8 + "|")
    for n in args.sizes:
        r = measure(n, args.dim, args.queries, args.data)
        print(
            f"| {n:,} | {r['flat_ms_p50']:.2f} | {r['flat_ms_p95']:.2f} | {r['hnsw_ms_p50']:.2f} | "
            f"{r['hnsw_ms_p95']:.2f} | {r['hnsw_recall@10']:.3f} | {r['flat_build_s']:.2f} | {r['hnsw_build_s']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
