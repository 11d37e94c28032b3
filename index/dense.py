"""Dense vector index: FAISS inner product over L2-normalised float32 vectors (= cosine similarity).

Two kinds, chosen like txtai: an exact ``IndexFlatIP`` for small collections and an approximate
``IndexHNSWFlat`` (inner-product metric) above ``APPROX_THRESHOLD`` vectors. faiss is imported
inside the functions that need it, so importing this module is cheap.

On disk: ``dense.faiss`` (faiss.write_index) and a ``dense.json`` manifest (UTF-8).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.manifest import read_part_manifest, write_part_manifest

if TYPE_CHECKING:  # pragma: no cover
    import faiss

# "auto" builds an exact flat index below this many vectors and HNSW at or above it.
# Measured with index/bench_dense.py (384-d, embedding-like "lowrank" data, 2-core dev machine,
# one query per call): HNSW's latency beats flat's from ~10k vectors, but flat stays exact and under
# ~3 ms at 50k and ~7 ms (p95 ~11 ms) at 100k, less than embedding the question costs, while HNSW
# costs 1-1.5 min to build at 50k-100k on 2 cores and loses ~0.5-1% of recall@10 (far more on
# unstructured data). So exact search is kept up to 100k; re-run the benchmark on new hardware.
APPROX_THRESHOLD = 100_000

KINDS = ("auto", "flat", "hnsw")
HNSW_M = 32  # graph degree: recall/memory trade-off; 32 is the usual choice for 384-768-d text embeddings
HNSW_EF_CONSTRUCTION = 200  # build-time beam; higher = better graph, slower build
HNSW_EF_SEARCH = 256  # query-time beam: recall@10 0.993 at 100k (lowrank), ~1.2 ms; 128 gave ~0.98 at 50k

INDEX_NAME = "dense.faiss"
MANIFEST_NAME = "dense.json"
FORMAT_NAME = "plankb-dense"
FORMAT_VERSION = 1


class DenseIndex:
    """Vectors in row order; search returns cosine scores and row ids."""

    def __init__(self, index: "faiss.Index", kind: str, dim: int) -> None:
        self._index = index
        self._kind = kind
        self._dim = dim

    @classmethod
    def build(cls, vectors: Any, kind: str = "auto") -> "DenseIndex":
        """Index rows of a (n, dim) array; rows are L2-normalised (copied) before adding."""
        import faiss

        if kind not in KINDS:
            raise ValueError(f"unknown dense index kind {kind!r}; allowed: {', '.join(KINDS)}")
        matrix = _unit_rows(vectors, dim=None, what="vectors")
        n, dim = matrix.shape
        if kind == "auto":
            kind = "hnsw" if n >= APPROX_THRESHOLD else "flat"
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        else:
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        if n:
            index.add(matrix)
        return cls(index, kind, dim)

    @property
    def kind(self) -> str:
        """"flat" or "hnsw" (never "auto")."""
        return self._kind

    @property
    def dim(self) -> int:
        """Vector dimension the index was built with."""
        return self._dim

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def search(self, query_vectors: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, row_ids), each (n_queries, min(k, len)), best first; a 1-D query counts as one row.

        Queries are L2-normalised, so scores are cosine similarities. HNSW may leave a slot
        empty (row id -1) when its graph search finds fewer than k vectors.
        """
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        queries = _unit_rows(query_vectors, dim=self._dim, what="query vectors")
        k = min(k, len(self))
        if k == 0:
            empty = np.empty((queries.shape[0], 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        if queries.shape[0] > 1:
            return self._index.search(queries, k)
        import faiss

        # One question at a time: a second OpenMP thread only adds start-up stalls (BENCHMARKS.md:
        # a 10k flat query takes 0.23 ms on one thread, ~16 ms on two under load).
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            return self._index.search(queries, k)
        finally:
            faiss.omp_set_num_threads(threads)

    def save(self, directory: str | Path) -> None:
        """Write dense.faiss and the dense.json manifest into directory."""
        import faiss

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(directory / INDEX_NAME))
        manifest: dict[str, Any] = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "kind": self._kind,
            "dim": self._dim,
            "count": len(self),
            "metric": "inner_product",
            "normalized": True,
        }
        if self._kind == "hnsw":
            hnsw = self._index.hnsw
            manifest["hnsw"] = {
                "M": HNSW_M,
                "efConstruction": int(hnsw.efConstruction),
                "efSearch": int(hnsw.efSearch),
            }
        write_part_manifest(directory, MANIFEST_NAME, manifest)

    @classmethod
    def load(cls, directory: str | Path) -> "DenseIndex":
        """Read an index written by save(), checking it against its manifest."""
        import faiss

        directory = Path(directory)
        manifest = read_part_manifest(directory, MANIFEST_NAME, FORMAT_NAME, FORMAT_VERSION, "dense index")
        kind, dim, count = manifest["kind"], int(manifest["dim"]), int(manifest["count"])
        if kind not in ("flat", "hnsw"):
            raise ValueError(f"{directory / MANIFEST_NAME}: unknown kind {kind!r}; allowed: flat, hnsw")
        index = faiss.read_index(str(directory / INDEX_NAME))
        if index.d != dim or index.ntotal != count:
            raise ValueError(
                f"{directory / INDEX_NAME}: holds {index.ntotal} vectors of dim {index.d}, "
                f"manifest says {count} of dim {dim}"
            )
        if kind == "hnsw":
            index.hnsw.efSearch = int(manifest["hnsw"]["efSearch"])
        return cls(index, kind, dim)


def _unit_rows(vectors: Any, dim: int | None, what: str) -> np.ndarray:
    """A C-contiguous float32 (n, dim) copy with each non-zero row scaled to unit length."""
    matrix = np.array(vectors, dtype=np.float32, copy=True)
    if matrix.ndim == 1 and dim is not None:
        matrix = matrix.reshape(1, -1)
    if matrix.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array (n, dim), got shape {matrix.shape}")
    if dim is not None and matrix.shape[1] != dim:
        raise ValueError(f"{what} have dimension {matrix.shape[1]}, the index has dimension {dim}")
    if matrix.shape[1] == 0:
        raise ValueError(f"{what} have dimension 0")
    if not np.isfinite(matrix).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    # A zero vector has no direction; it stays zero and scores 0 against everything.
    np.divide(matrix, norms, out=matrix, where=norms > 0)
    return np.ascontiguousarray(matrix)
