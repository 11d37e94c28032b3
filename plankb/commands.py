"""Handlers of the ``plankb`` subcommands: thin I/O around ingest, index and search."""

from __future__ import annotations

import sys
from pathlib import Path

from index.embedder import model_spec
from plankb.cli import print_json
from plankb.records import Document


def _open_store(index_dir: Path, must_exist: bool = True):
    from index.store import DB_NAME, Store

    if must_exist and not (index_dir / DB_NAME).is_file():
        raise FileNotFoundError(f"no index in {index_dir}; create one with: plankb ingest PATH --index {index_dir}")
    return Store(index_dir)


def _rebuild(store, spec: str) -> None:
    from tqdm import tqdm

    from index.builder import build_indexes
    from index.embedder import load_embedder

    embedder = load_embedder(spec)
    with tqdm(total=0, unit="clause", desc="embedding", disable=None) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        manifest = build_indexes(store, embedder, progress=progress)
    print(
        f"index: {manifest.clause_count} clauses, model {manifest.model_id} (dim {manifest.dim}), "
        f"dense {manifest.dense_kind}, generation {manifest.generation}"
    )


def cmd_ingest(args) -> int:
    from tqdm import tqdm

    from index.builder import index_is_current
    from index.update import collect_files, ingest_paths

    store = _open_store(args.index, must_exist=False)
    files, _ = collect_files(args.paths)
    with tqdm(total=len(files), unit="file", desc="parsing", disable=None) as bar:

        def progress(name: str) -> None:
            bar.set_postfix_str(name[:30])
            bar.update(1)

        report = ingest_paths(args.paths, store, progress, force=args.force)
    _print_report(report)
    spec = model_spec(args.model, args.index)
    if report.changed or not index_is_current(store) or args.model:
        _rebuild(store, spec)
    failed = report.count("failed")
    return 1 if failed and failed == len(report.files) else 0


def _print_report(report) -> None:
    print(f"{'status':<9} {'sections':>8} {'clauses':>8} {'targets':>8}  file")
    for f in report.files:
        print(f"{f.status:<9} {f.sections:>8} {f.clauses:>8} {f.targets:>8}  {f.source}")
        for warning in f.warnings:
            print(f"{'':<9} warning: {warning}")
    totals = {k: sum(getattr(f, k) for f in report.files) for k in ("sections", "clauses", "targets")}
    statuses = ", ".join(f"{s} {report.count(s)}" for s in ("added", "updated", "unchanged", "failed") if report.count(s))
    n_warn = sum(len(f.warnings) for f in report.files)
    print(
        f"summary: {len(report.files)} files ({statuses}); parsed {totals['sections']} sections, "
        f"{totals['clauses']} clauses, {totals['targets']} targets; {n_warn} warnings"
    )


def cmd_reindex(args) -> int:
    store = _open_store(args.index)
    _rebuild(store, model_spec(args.model, args.index))
    return 0


def cmd_remove(args) -> int:
    from index.update import remove_documents

    store = _open_store(args.index)
    removed = remove_documents(store, args.docs)
    print(f"removed {len(removed)} document(s)")
    _rebuild(store, model_spec(args.model, args.index))
    return 0


def resolve_document(store, ref: str) -> Document:
    """Find a document by id, file name, or a unique part of its title."""
    docs = store.documents()
    for doc in docs:
        if ref in (doc.id, doc.source):
            return doc
    matches = [d for d in docs if ref in d.title or ref in d.source]
    if len(matches) == 1:
        return matches[0]
    known = "; ".join(f"{d.id} {d.title}" for d in docs)
    reason = "is ambiguous" if matches else "matches no document"
    raise ValueError(f"{ref!r} {reason}; documents: {known}")


def cmd_docs(args) -> int:
    store = _open_store(args.index)
    counts = store.document_counts("clauses")
    rows = [
        {
            "id": d.id,
            "title": d.title,
            "source": d.source,
            "type": d.doc_type,
            "issuer": d.issuer,
            "doc_number": d.doc_number,
            "date": d.date,
            "clauses": counts.get(d.id, 0),
        }
        for d in store.documents()
    ]
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        extra = " ".join(x for x in (r["issuer"], r["doc_number"], r["date"]) if x)
        print(f"{r['id']}  {r['type']:<4} {r['clauses']:>5} clauses  {r['title']}  {extra}")
    return 0


def cmd_outline(args) -> int:
    store = _open_store(args.index)
    doc = resolve_document(store, args.doc)
    print(f"《{doc.title}》" + (f"（{doc.doc_number}）" if doc.doc_number else ""))
    clauses_by_section: dict[str | None, list] = {}
    if args.clauses:
        for c in store.clauses(doc.id):
            clauses_by_section.setdefault(c.section_id, []).append(c)
        for c in clauses_by_section.get(None, []):
            print(f"  · {c.text}")
    for section in store.sections(doc.id):
        indent = "  " * len(section.path)
        page = f"  (p.{section.page})" if section.page else ""
        print(f"{indent}{section.title}{page}")
        for c in clauses_by_section.get(section.id, []):
            print(f"{indent}  · {c.text}")
    return 0


def cmd_targets(args) -> int:
    store = _open_store(args.index)
    doc_id = resolve_document(store, args.doc).id if args.doc else None
    docs = {d.id: d for d in store.documents()}
    clauses = {c.id: c for c in store.clauses(doc_id)}
    rows = []
    for t in store.targets(doc_id=doc_id):
        clause = clauses.get(t.clause_id)
        rows.append(
            {
                "doc_title": docs[t.doc_id].title,
                "section_path": list(clause.section_path) if clause else [],
                "indicator": t.indicator,
                "qualifier": t.qualifier,
                "comparator": t.comparator,
                "value": t.value,
                "number": t.number,
                "unit": t.unit,
                "year": t.year,
                "span": t.span,
                "clause_id": t.clause_id,
                "page": clause.page if clause else None,
            }
        )
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        year = r["year"] or "-"
        per = f"{r['qualifier']} " if r["qualifier"] else ""
        print(f"{r['indicator']:<24} {r['comparator']} {per}{r['value']}{'' if r['value'].endswith('%') else r['unit']:<6} {year:<6} 《{r['doc_title']}》")
    print(f"{len(rows)} targets", file=sys.stderr)
    return 0


def cmd_search(args) -> int:
    from index.searcher import run_search_command

    return run_search_command(args)


def cmd_eval(args) -> int:
    from index.evaluate import run_eval_command

    return run_eval_command(args)

