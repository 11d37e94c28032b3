"""The embedded SQLite store: documents, sections, clauses, targets and cached embeddings.

The database is the source of truth; the FAISS and BM25 files beside it are derived from it and
can always be rebuilt. Every batch of writes is one transaction, so a crash or Ctrl-C mid-ingest
leaves the previous contents intact.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import astuple, fields
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from plankb.records import Clause, Document, ParsedDocument, Section, Target

DB_NAME = "plankb.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, source TEXT UNIQUE NOT NULL, fmt TEXT NOT NULL, title TEXT NOT NULL,
    issuer TEXT, doc_number TEXT, date TEXT, topic TEXT, doc_type TEXT NOT NULL, year INTEGER,
    text TEXT NOT NULL, content_hash TEXT NOT NULL, page_count INTEGER,
    warnings TEXT NOT NULL DEFAULT '[]', ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS sections (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    parent_id TEXT, path TEXT NOT NULL, kind TEXT NOT NULL, rank INTEGER NOT NULL,
    ordinal INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, page INTEGER
);
CREATE TABLE IF NOT EXISTS clauses (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    section_id TEXT, section_path TEXT NOT NULL, ordinal INTEGER NOT NULL, text TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, page INTEGER
);
CREATE TABLE IF NOT EXISTS targets (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    clause_id TEXT NOT NULL, indicator TEXT NOT NULL, comparator TEXT NOT NULL, value TEXT NOT NULL,
    number REAL NOT NULL, unit TEXT NOT NULL, year TEXT, span TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, qualifier TEXT
);
CREATE TABLE IF NOT EXISTS embeddings (
    content_hash TEXT NOT NULL, model_id TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (content_hash, model_id)
);
CREATE INDEX IF NOT EXISTS clauses_doc ON clauses(doc_id, ordinal);
CREATE INDEX IF NOT EXISTS sections_doc ON sections(doc_id, ordinal);
CREATE INDEX IF NOT EXISTS targets_doc ON targets(doc_id);
CREATE INDEX IF NOT EXISTS targets_clause ON targets(clause_id);
"""

_JSON_TUPLES = {"path", "section_path"}


def _columns(record_type: type) -> list[str]:
    return [f.name for f in fields(record_type)]


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _to_row(record: object) -> tuple:
    values = []
    for f, value in zip(fields(record), astuple(record)):  # type: ignore[arg-type]
        values.append(json.dumps(list(value), ensure_ascii=False) if f.name in _JSON_TUPLES else value)
    return tuple(values)


def _from_row(record_type: type, row: sqlite3.Row) -> object:
    kwargs = {}
    for name in _columns(record_type):
        value = row[name]
        kwargs[name] = tuple(json.loads(value)) if name in _JSON_TUPLES else value
    return record_type(**kwargs)


class Store:
    """One index directory's database."""

    def __init__(self, index_dir: str | Path):
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.index_dir / DB_NAME
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        version = self.get_meta("schema_version")
        if version is None:
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif int(version) != SCHEMA_VERSION:
            raise ValueError(
                f"{self.path}: index schema version {version}, this plankb reads {SCHEMA_VERSION}; "
                "rebuild the index with `plankb ingest --rebuild`"
            )

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- meta ------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        """Bumped by every write; derived indexes record the generation they were built from."""
        return int(self.get_meta("generation") or 0)

    # -- writes ----------------------------------------------------------------------------
    def source_hashes(self) -> dict[str, str]:
        """File name → content hash of every stored document."""
        return {r[0]: r[1] for r in self._db.execute("SELECT source, content_hash FROM documents")}

    def write_batch(self, parsed: Sequence[ParsedDocument], remove_ids: Sequence[str] = ()) -> int:
        """Replace or add documents and remove others in one transaction; return the new generation."""
        with self.transaction() as db:
            for doc_id in remove_ids:
                self._delete(db, doc_id)
            for item in parsed:
                self._delete(db, item.document.id)
                self._insert(db, item)
            generation = self.generation + 1
            self.set_meta("generation", str(generation))
        return generation

    def _delete(self, db: sqlite3.Connection, doc_id: str) -> None:
        for table in ("targets", "clauses", "sections"):
            db.execute(f"DELETE FROM {table} WHERE doc_id=?", (doc_id,))
        db.execute("DELETE FROM documents WHERE id=?", (doc_id,))

    def _insert(self, db: sqlite3.Connection, item: ParsedDocument) -> None:
        doc_cols = _columns(Document)
        db.execute(
            f"INSERT INTO documents({_quoted(doc_cols)}, warnings) VALUES ({', '.join('?' * (len(doc_cols) + 1))})",
            _to_row(item.document) + (json.dumps(list(item.warnings), ensure_ascii=False),),
        )
        for table, record_type, records in (
            ("sections", Section, item.sections),
            ("clauses", Clause, item.clauses),
            ("targets", Target, item.targets),
        ):
            cols = _columns(record_type)
            db.executemany(
                f"INSERT INTO {table}({_quoted(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [_to_row(r) for r in records],
            )

    # -- reads -----------------------------------------------------------------------------
    def documents(self) -> list[Document]:
        rows = self._db.execute("SELECT * FROM documents ORDER BY title")
        return [_from_row(Document, r) for r in rows]  # type: ignore[misc]

    def document(self, doc_id: str) -> Document | None:
        row = self._db.execute("SELECT * FROM documents WHERE id=?", (doc_id,)).fetchone()
        return _from_row(Document, row) if row else None  # type: ignore[return-value]

    def document_warnings(self) -> dict[str, list[str]]:
        return {r[0]: json.loads(r[1]) for r in self._db.execute("SELECT id, warnings FROM documents")}

    def sections(self, doc_id: str) -> list[Section]:
        rows = self._db.execute("SELECT * FROM sections WHERE doc_id=? ORDER BY ordinal", (doc_id,))
        return [_from_row(Section, r) for r in rows]  # type: ignore[misc]

    def clauses(self, doc_id: str | None = None) -> list[Clause]:
        """Clauses of one document, or of all documents, in a stable order."""
        if doc_id is None:
            rows = self._db.execute("SELECT * FROM clauses ORDER BY doc_id, ordinal")
        else:
            rows = self._db.execute("SELECT * FROM clauses WHERE doc_id=? ORDER BY ordinal", (doc_id,))
        return [_from_row(Clause, r) for r in rows]  # type: ignore[misc]

    def clause(self, clause_id: str) -> Clause | None:
        row = self._db.execute("SELECT * FROM clauses WHERE id=?", (clause_id,)).fetchone()
        return _from_row(Clause, row) if row else None  # type: ignore[return-value]

    def clauses_in_range(self, doc_id: str, first: int, last: int) -> list[Clause]:
        """Clauses of a document with ordinal in [first, last]."""
        rows = self._db.execute(
            "SELECT * FROM clauses WHERE doc_id=? AND ordinal BETWEEN ? AND ? ORDER BY ordinal",
            (doc_id, first, last),
        )
        return [_from_row(Clause, r) for r in rows]  # type: ignore[misc]

    def clauses_by_ids(self, clause_ids: Sequence[str]) -> dict[str, Clause]:
        found: dict[str, Clause] = {}
        for i in range(0, len(clause_ids), 500):
            chunk = list(clause_ids[i : i + 500])
            rows = self._db.execute(f"SELECT * FROM clauses WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
            for r in rows:
                found[r["id"]] = _from_row(Clause, r)  # type: ignore[assignment]
        return found

    def clause_doc_pairs(self) -> list[tuple[str, str]]:
        """(clause id, document id) of every clause, without loading texts."""
        return [(r[0], r[1]) for r in self._db.execute("SELECT id, doc_id FROM clauses")]

    def targets_by_clause(self, clause_ids: Sequence[str]) -> dict[str, list[Target]]:
        grouped: dict[str, list[Target]] = {}
        for t in self.targets(clause_ids=clause_ids):
            grouped.setdefault(t.clause_id, []).append(t)
        return grouped

    def targets(self, doc_id: str | None = None, clause_ids: Sequence[str] | None = None) -> list[Target]:
        if clause_ids is not None:
            if not clause_ids:
                return []
            marks = ", ".join("?" * len(clause_ids))
            rows = self._db.execute(f"SELECT * FROM targets WHERE clause_id IN ({marks}) ORDER BY start", list(clause_ids))
        elif doc_id is not None:
            rows = self._db.execute("SELECT * FROM targets WHERE doc_id=? ORDER BY start", (doc_id,))
        else:
            rows = self._db.execute("SELECT * FROM targets ORDER BY doc_id, start")
        return [_from_row(Target, r) for r in rows]  # type: ignore[misc]

    def document_counts(self, table: str) -> dict[str, int]:
        """Rows per document in ``clauses``, ``sections`` or ``targets``, counted in SQL."""
        if table not in ("clauses", "sections", "targets"):
            raise ValueError(f"unknown table {table!r}; allowed: clauses, sections, targets")
        return dict(self._db.execute(f"SELECT doc_id, count(*) FROM {table} GROUP BY doc_id").fetchall())

    def counts(self) -> dict[str, int]:
        return {
            table: self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("documents", "sections", "clauses", "targets")
        }

    # -- embedding cache -------------------------------------------------------------------
    def cached_vectors(self, content_hashes: Sequence[str], model_id: str, dim: int) -> dict[str, np.ndarray]:
        """Vectors already computed for these content hashes with this model."""
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(content_hashes), 500):
            chunk = list(content_hashes[i : i + 500])
            marks = ", ".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT content_hash, vector FROM embeddings WHERE model_id=? AND content_hash IN ({marks})",
                [model_id, *chunk],
            )
            for content_hash, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape[0] == dim:
                    found[content_hash] = vector
        return found

    def put_vectors(self, model_id: str, items: Sequence[tuple[str, np.ndarray]]) -> None:
        """Cache vectors; committed at once so an interrupted embedding run keeps its work."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings(content_hash, model_id, vector) VALUES (?, ?, ?)",
                [(h, model_id, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items],
            )
