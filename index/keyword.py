"""BM25 keyword index over pre-tokenised rows (tokens from index.tokenize), backed by bm25s.

The scoring is bm25s's own (default: method "lucene", k1=1.5, b=0.75, i.e.
idf = ln(1 + (N - df + 0.5) / (df + 0.5)) and tf part = tf / (tf + k1 * (1 - b + b * len / avg_len))),
computed eagerly at build time into a sparse term × row matrix.

On disk an index is a directory of plain files: bm25s's own ``data/indices/indptr.csc.index.npy``
(written and read with ``allow_pickle=False``), ``vocab.index.json`` (UTF-8, ensure_ascii=False),
``params.index.json``, plus our ``keyword.json`` manifest (format, version, row count).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from index.manifest import read_part_manifest, write_part_manifest

if TYPE_CHECKING:  # pragma: no cover
    import bm25s

MANIFEST_NAME = "keyword.json"
FORMAT_NAME = "plankb-keyword"
FORMAT_VERSION = 1
METHODS = ("robertson", "lucene", "atire", "bm25l", "bm25+")


class KeywordIndex:
    """Rows of tokens scored with BM25; row i is the i-th list given to build()."""

    def __init__(self, bm25: "bm25s.BM25 | None", n_rows: int) -> None:
        # bm25 is None when no row has a token: bm25s cannot build on an empty vocabulary,
        # and every score is 0 anyway.
        self._bm25 = bm25
        self._n_rows = n_rows

    @classmethod
    def build(
        cls,
        docs_tokens: Sequence[Sequence[str]],
        *,
        k1: float = 1.5,
        b: float = 0.75,
        method: str = "lucene",
    ) -> "KeywordIndex":
        """Index one token list per row (defaults are bm25s's: lucene, k1=1.5, b=0.75)."""
        if method not in METHODS:
            raise ValueError(f"unknown BM25 method {method!r}; allowed: {', '.join(METHODS)}")
        rows = []
        for i, tokens in enumerate(docs_tokens):
            if isinstance(tokens, str) or not all(isinstance(t, str) for t in tokens):
                raise ValueError(
                    f"row {i}: expected a list of token strings (see index.tokenize.tokenize), "
                    f"got {type(tokens).__name__}"
                )
            rows.append(list(tokens))
        if not any(rows):
            return cls(None, len(rows))

        import bm25s

        # Hand bm25s token ids with a first-seen vocabulary (its own path builds the vocabulary from
        # a set, whose order changes with PYTHONHASHSEED): the same rows always give the same files.
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in tokens] for tokens in rows]
        bm25 = bm25s.BM25(k1=k1, b=b, method=method)
        bm25.index((ids, vocab), show_progress=False)
        return cls(bm25, len(rows))

    def __len__(self) -> int:
        return self._n_rows

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for the query (float32, length len(self)); unknown tokens add 0."""
        if isinstance(query_tokens, str):
            raise ValueError("query_tokens must be a list of tokens (see index.tokenize.query_terms), not a str")
        if self._bm25 is None:
            return np.zeros(self._n_rows, dtype=np.float32)
        # A token the corpus never saw has no column; "" is bm25s's own padding token.
        ids = self._bm25.get_tokens_ids([t for t in query_tokens if t])
        if not ids:
            return np.zeros(self._n_rows, dtype=np.float32)
        return self._bm25.get_scores_from_ids(ids)

    def search(self, query_tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        """Top k (row, score) pairs with score > 0, best first; ties go to the lower row."""
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        scores = self.scores(query_tokens)
        rows = np.flatnonzero(scores > 0)
        if k == 0 or rows.size == 0:
            return []
        # lexsort: last key is primary → by score descending, then row ascending (deterministic).
        order = rows[np.lexsort((rows, -scores[rows]))][:k]
        return [(int(r), float(scores[r])) for r in order]

    def save(self, directory: str | Path) -> None:
        """Write the index as plain files (.npy without pickle, UTF-8 JSON) into directory."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        manifest = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "n_rows": self._n_rows,
            "empty_vocabulary": self._bm25 is None,
        }
        if self._bm25 is not None:
            self._bm25.save(directory, allow_pickle=False, show_progress=False)
        # The manifest goes last: a directory without it is an incomplete save.
        write_part_manifest(directory, MANIFEST_NAME, manifest)

    @classmethod
    def load(cls, directory: str | Path) -> "KeywordIndex":
        """Read an index written by save()."""
        directory = Path(directory)
        manifest = read_part_manifest(directory, MANIFEST_NAME, FORMAT_NAME, FORMAT_VERSION, "keyword index")
        n_rows = int(manifest["n_rows"])
        if manifest["empty_vocabulary"]:
            return cls(None, n_rows)

        import bm25s

        bm25 = bm25s.BM25.load(directory, allow_pickle=False, mmap=False, load_corpus=False)
        if bm25.scores["num_docs"] != n_rows:
            raise ValueError(
                f"{directory}: bm25s files hold {bm25.scores['num_docs']} rows, manifest says {n_rows}"
            )
        return cls(bm25, n_rows)
