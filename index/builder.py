"""Derive the dense (FAISS) and keyword (BM25) indexes from the store, reusing cached embeddings."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from index.manifest import FORMAT_VERSION, Manifest, read_manifest, write_json_atomic, write_manifest
from index.store import Store
from index.tokenize import dictionary_hash, tokenize
from plankb.records import Clause, Document

EMBED_BATCH = 64
ROWS_FILE = "rows.json"
# Elasticsearch's defaults; on the dev questions they beat bm25s's k1=1.5 (hybrid Hit@1 0.875 vs
# 0.833) and b=0.3/0.5 tied or lost (see BENCHMARKS.md, "Retrieval quality").
BM25_K1 = 1.2
BM25_B = 0.75


def dense_text(clause: Clause, doc: Document) -> str:
    """What the embedder sees for a clause: the clause alone.

    Prefixing the title and headings was measured to hurt: on the dev questions dense-only Hit@1
    was 0.625 with the clause text, 0.583 with its nearest heading prepended and lower with title
    and two headings (scripts/dense_variants.py). Headings and titles count through the keyword
    channel and the document-name boost instead.
    """
    return clause.text


def keyword_tokens(clause: Clause, doc: Document) -> list[str]:
    """BM25 terms of a clause: its own words plus its section headings and document title/metadata."""
    context = " ".join((doc.title, doc.issuer or "", *clause.section_path))
    return tokenize(clause.text) + list(_context_tokens(context))


@lru_cache(maxsize=4096)
def _context_tokens(context: str) -> tuple[str, ...]:
    # Every clause of a section shares its context: tokenise it once, not once per clause.
    return tuple(tokenize(context))


def keyword_settings_hash() -> str:
    """Tokenizer dictionary plus BM25 parameters: a change to either makes the keyword index stale."""
    return text_hash(f"{dictionary_hash()} k1={BM25_K1} b={BM25_B}")


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def embed_clauses(
    store: Store,
    embedder,
    texts: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Vectors for ``texts``; only texts never embedded with this model are sent to the model."""
    hashes = [text_hash(t) for t in texts]
    cached = store.cached_vectors(hashes, embedder.model_id, embedder.dim)
    missing = sorted({h: i for i, h in enumerate(hashes) if h not in cached}.items(), key=lambda kv: kv[1])
    done = 0
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        vectors = embedder.embed_passages([texts[i] for _, i in batch])
        items = [(h, v) for (h, _), v in zip(batch, vectors)]
        store.put_vectors(embedder.model_id, items)
        cached.update(items)
        done += len(batch)
        if progress:
            progress(done, len(missing))
    matrix = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for row, h in enumerate(hashes):
        matrix[row] = cached[h]
    return matrix


def build_indexes(
    store: Store,
    embedder,
    dense_kind: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> Manifest:
    """Rebuild the derived indexes for the store's current generation and publish them atomically."""
    from index.dense import DenseIndex
    from index.keyword import KeywordIndex

    generation = store.generation
    docs = {d.id: d for d in store.documents()}
    clauses = store.clauses()
    vectors = embed_clauses(store, embedder, [dense_text(c, docs[c.doc_id]) for c in clauses], progress)
    tokens = [keyword_tokens(c, docs[c.doc_id]) for c in clauses]

    index_dir = store.index_dir
    derived_name = f"derived-{generation}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{derived_name}"
    tmp.mkdir(parents=True)
    try:
        dense = DenseIndex.build(vectors, kind=dense_kind) if clauses else None
        if dense is not None:
            dense.save(tmp / "dense")
            KeywordIndex.build(tokens, k1=BM25_K1, b=BM25_B).save(tmp / "keyword")
        write_json_atomic(tmp / ROWS_FILE, [c.id for c in clauses])
        tmp.rename(index_dir / derived_name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        generation=generation,
        model_id=embedder.model_id,
        dim=embedder.dim,
        dense_kind=dense.kind if dense is not None else "flat",
        dictionary_hash=keyword_settings_hash(),
        clause_count=len(clauses),
        derived_dir=derived_name,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    write_manifest(index_dir, manifest)
    _remove_stale(index_dir, keep=derived_name)
    return manifest


def _remove_stale(index_dir: Path, keep: str) -> None:
    for path in index_dir.iterdir():
        if path.is_dir() and path.name != keep and (path.name.startswith("derived-") or path.name.startswith(".tmp-derived-")):
            shutil.rmtree(path, ignore_errors=True)


def index_is_current(store: Store) -> bool:
    manifest = read_manifest(store.index_dir)
    return (
        manifest is not None
        and manifest.generation == store.generation
        and manifest.dictionary_hash == keyword_settings_hash()
        and (store.index_dir / manifest.derived_dir).is_dir()
    )


def load_rows(index_dir: Path, manifest: Manifest) -> list[str]:
    return json.loads((Path(index_dir) / manifest.derived_dir / ROWS_FILE).read_text(encoding="utf-8"))
