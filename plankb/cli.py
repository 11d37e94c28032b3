"""The ``plankb`` command line. Handlers import their heavy modules inside, so ``--help`` is instant."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from plankb.config import default_index_dir, offline


def _add_index(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", type=Path, default=None, help="index directory (default: $PLANKB_INDEX or ./.index)")


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        default=None,
        help="embedding model: 'default' (bundled multilingual-e5-small), 'fake' (tests), or a local "
        "sentence-transformers folder (default: $PLANKB_MODEL or the model the index was built with)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plankb", description="Search Chinese plan documents offline.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="read, parse and index files or directories")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--force", action="store_true", help="re-parse files even if unchanged")
    _add_index(p)
    _add_model(p)

    p = sub.add_parser("reindex", help="rebuild the search indexes from the stored clauses (e.g. for another model)")
    _add_index(p)
    _add_model(p)

    p = sub.add_parser("remove", help="remove documents (by file name or id) from the index")
    p.add_argument("docs", nargs="+")
    _add_index(p)
    _add_model(p)

    p = sub.add_parser("docs", help="list the indexed documents")
    p.add_argument("--json", action="store_true")
    _add_index(p)

    p = sub.add_parser("outline", help="print a document's section tree")
    p.add_argument("doc", help="document id, file name, or a unique part of its title")
    p.add_argument("--clauses", action="store_true", help="also print each section's clauses")
    _add_index(p)

    p = sub.add_parser("targets", help="list extracted quantified targets")
    p.add_argument("--doc", default=None, help="only this document (id, file name or title part)")
    p.add_argument("--json", action="store_true")
    _add_index(p)

    p = sub.add_parser("search", help="answer a question with the exact clauses")
    p.add_argument("query", nargs="?", help="the question")
    p.add_argument("--batch", type=Path, help="JSONL file of {id, q} lines; writes one JSON line per question")
    p.add_argument("--top-k", type=int, default=10)
    p.add_argument("--mode", default="hybrid", help="hybrid | bm25 | dense")
    p.add_argument("--json", action="store_true")
    _add_index(p)
    _add_model(p)

    p = sub.add_parser("eval", help="score a question file (Hit@k, MRR, answer accuracy)")
    p.add_argument("questions", type=Path)
    p.add_argument("--stard", type=Path, default=None, help="STARD questions.jsonl (default: beside the question file)")
    p.add_argument("--stard-index", type=Path, default=None, help="index of the STARD laws (built if missing)")
    p.add_argument("--no-stard", action="store_true")
    p.add_argument("--json", action="store_true")
    _add_index(p)
    _add_model(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    offline()
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `plankb outline X | head` ends quietly
    args = build_parser().parse_args(argv)
    if getattr(args, "index", "missing") is None:
        args.index = default_index_dir()
    from plankb import commands

    handler = getattr(commands, f"cmd_{args.command}")
    try:
        return handler(args) or 0
    except (ValueError, FileNotFoundError) as exc:
        print(f"plankb: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("plankb: interrupted; the index is unchanged since its last complete write", file=sys.stderr)
        return 130


def print_json(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
