"""Speed and memory of plankb: query latency, ingest throughput, RSS, and growth to 1M clauses.

    .venv/bin/python benchmarks/bench.py [--quick] [--scales 10000,100000,1000000] [--out FILE.json]

Sections (``--sections``, default all):
  latency  query latency with the real model on a snapshot of --index (default .eval-index):
           query embedding vs retrieval vs total, per mode
  ingest   a fresh temporary index of --corpus (plans, history, reports, laws, policies; not bad/):
           parse, store, embed (real model), BM25+FAISS, re-ingest unchanged, cached rebuild
  scale    replicated real clauses, token lists and real vectors at each --scales size:
           BM25 / FAISS flat / HNSW build and query, end-to-end Searcher, RSS (see scale.py)

Every measurement runs in a worker process of its own, so its RSS starts clean. Timings are
medians (and p95) of repeated runs; nothing passes or fails. The machine may be shared: the
1/5/15-minute load averages are recorded around each section. Tables go to stdout (Markdown),
progress to stderr, everything to --out as JSON. Nothing outside a temporary directory is written.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from measure import load_average, machine  # noqa: E402

SECTIONS = ("latency", "ingest", "scale")
MODES = ("hybrid", "bm25", "dense")
WORKERS = ("latency", "ingest", "query-vectors", "scale-build", "scale-reindex", "scale-search")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a ~3-minute smoke run: 10 questions, 1 round, 10k only, policies/ only")
    parser.add_argument("--scales", help="comma-separated clause counts (default 10000,100000,1000000; quick: 10000)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {', '.join(SECTIONS)}")
    parser.add_argument("--rounds", type=int, help="repeats of each timing (default 3; quick: 1)")
    parser.add_argument("--hnsw-max", type=int, help="largest scale at which HNSW is built (default 100000; quick: 10000)")
    parser.add_argument("--searcher-hnsw-max", type=int, default=100_000,
                        help="largest scale at which the end-to-end searcher is also timed on HNSW (a second HNSW build)")
    parser.add_argument("--noise", type=float, default=0.01, help="per-dimension std of the noise added to replicated vectors")
    parser.add_argument("--index", type=Path, default=ROOT / ".eval-index", help="built index of the corpus (read, never written)")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--out", type=Path, help="write all results as JSON here")
    parser.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    parser.add_argument("--params", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; allowed: {', '.join(SECTIONS)}")
    args.sections = sections
    scales = args.scales or ("10000" if args.quick else "10000,100000,1000000")
    try:
        args.scales = [int(s.replace("_", "")) for s in scales.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--scales takes comma-separated integers, got {scales!r}")
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.hnsw_max = args.hnsw_max if args.hnsw_max is not None else (10_000 if args.quick else 100_000)
    args.questions = 10 if args.quick else 30
    return args


# --------------------------------------------------------------------------- worker side


def _run_worker(name: str, params_path: Path, result_path: Path) -> None:
    params = json.loads(params_path.read_text(encoding="utf-8"))
    if name == "latency":
        from real_corpus import latency_worker as worker
    elif name == "ingest":
        from real_corpus import ingest_worker as worker
    elif name == "query-vectors":
        from real_corpus import query_vectors_worker as worker
    elif name == "scale-build":
        from scale import scale_build_worker as worker
    elif name == "scale-reindex":
        from scale import scale_reindex_worker as worker
    else:
        from scale import scale_search_worker as worker
    result = worker(params)
    result_path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


# --------------------------------------------------------------------------- orchestration


def log(message: str) -> None:
    load = " ".join(f"{x:.2f}" for x in load_average()["load"])
    print(f"[{time.strftime('%H:%M:%S')} load {load}] {message}", file=sys.stderr, flush=True)


class Runner:
    """Starts one worker process per measurement and collects its JSON result."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.count = 0

    def __call__(self, name: str, params: dict) -> dict:
        self.count += 1
        params_path = self.workdir / f"params-{self.count}.json"
        result_path = self.workdir / f"result-{self.count}.json"
        params_path.write_text(json.dumps(params, ensure_ascii=False), encoding="utf-8")
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", name,
                   "--params", str(params_path), "--result", str(result_path)]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=sys.stderr)
        result = json.loads(result_path.read_text(encoding="utf-8"))
        result["worker_wall_s"] = time.perf_counter() - start
        return result


def _code_version() -> dict:
    """Commit and uncommitted files of the checkout measured (read-only git calls)."""
    def git(*argv: str) -> str:
        done = subprocess.run(["git", "--no-optional-locks", *argv], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    changed = [line[3:] for line in git("status", "--porcelain").splitlines()]
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted": changed}


def run(args: argparse.Namespace) -> dict:
    from real_corpus import CORPUS_FOLDERS, snapshot_index

    results: dict = {
        "command": " ".join(["python", "benchmarks/bench.py", *sys.argv[1:]]),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine(),
        "code": _code_version(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                     if k not in ("worker", "params", "result", "out")},
        "load": [{"event": "start", **load_average()}],
    }
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="plankb-bench-"))
    runner = Runner(tmp)
    try:
        reference = None
        if args.index.is_dir():
            reference = snapshot_index(args.index, tmp / "reference")
        folders = ["policies"] if args.quick else list(CORPUS_FOLDERS)
        vectors = tmp / "query_vectors.npy"
        order = [s for s in SECTIONS if s in args.sections]
        if reference is None and "ingest" in order:
            order.remove("ingest")
            order.insert(0, "ingest")  # its fresh index stands in for the missing reference
        for section in order:
            results["load"].append({"event": f"{section} start", **load_average()})
            if reference is None and section != "ingest":
                raise SystemExit(f"no built index at {args.index}; add the ingest section or pass --index")
            if section == "latency":
                log(f"latency: {args.questions} questions x {args.rounds} rounds on {args.index}")
                results["latency"] = runner("latency", {
                    "index": str(reference), "questions": args.questions, "rounds": args.rounds,
                    "modes": list(MODES), "query_vectors": str(vectors),
                })
            if section == "ingest":
                log(f"ingest: {', '.join(folders)} of {args.corpus} into a fresh index (real model)")
                results["ingest"] = runner("ingest", {
                    "folders": [str(args.corpus / f) for f in folders], "workdir": str(tmp / "ingest"),
                    "rounds": args.rounds,
                })
                if reference is None:
                    reference = Path(results["ingest"]["index_dir"])
            if section == "scale":
                if not vectors.exists():
                    log("scale: embedding the questions with the real model")
                    runner("query-vectors", {"questions": args.questions, "query_vectors": str(vectors)})
                results["scale"] = [_scale(runner, args, reference, vectors, n, tmp) for n in args.scales]
            results["load"].append({"event": f"{section} end", **load_average()})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["total_wall_s"] = time.perf_counter() - started
    return results


def _scale(runner: Runner, args: argparse.Namespace, reference: Path, vectors: Path, n: int, tmp: Path) -> dict:
    index_dir = tmp / f"scale-{n}"
    hnsw = n <= args.hnsw_max
    log(f"scale {n:,}: components ({'flat + HNSW' if hnsw else 'flat only'}) and synthetic index")
    build = runner("scale-build", {
        "n": n, "base_index": str(reference), "query_vectors": str(vectors), "index_dir": str(index_dir),
        "rounds": args.rounds, "build_rounds": args.rounds if n <= 100_000 else 1, "hnsw": hnsw,
        "noise": args.noise,
    })
    search_params = {"index_dir": str(index_dir), "query_vectors": str(vectors), "rounds": args.rounds, "modes": list(MODES)}
    log(f"scale {n:,}: Searcher end to end, dense flat")
    searches = {"flat": runner("scale-search", search_params)}
    derived = {"flat": {k: build[k] for k in ("build_indexes_s", "built_kind", "disk_mib")}}
    if hnsw and n <= args.searcher_hnsw_max:
        log(f"scale {n:,}: build_indexes with HNSW, then Searcher end to end")
        derived["hnsw"] = runner("scale-reindex", {
            "index_dir": str(index_dir), "base_index": str(reference), "kind": "hnsw", "noise": args.noise,
        })
        searches["hnsw"] = runner("scale-search", search_params)
    shutil.rmtree(index_dir, ignore_errors=True)
    return {"n": n, "build": build, "derived": derived, "search": searches}


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.worker:
        _run_worker(args.worker, args.params, args.result)
        return 0
    from report import render

    results = run(args)
    text = render(results)
    results["markdown"] = text
    print(text)
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        log(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
