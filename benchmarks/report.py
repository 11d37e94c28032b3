"""Markdown tables from bench.py's results (pure: a dict in, text out)."""

from __future__ import annotations

import math

from measure import median


def _pp(summary: dict | None) -> str:
    """'p50 / p95' in ms."""
    if not summary or not summary.get("n"):
        return "–"
    return f"{_ms(summary['p50_ms'])} / {_ms(summary['p95_ms'])}"


def _ms(value: float) -> str:
    if value < 1:
        return f"{value:.2f}"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _s(value: float) -> str:
    if value < 0.01:
        return f"{value:.4f}"
    return f"{value:.3f}" if value < 1 else (f"{value:.2f}" if value < 10 else f"{value:.1f}")


def _rate(count: int, seconds: float) -> str:
    if seconds <= 0:
        return "–"
    rate = count / seconds
    return f"{rate:,.0f}" if rate >= 10 else f"{rate:.1f}"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _loads(entries: list[dict]) -> str:
    return "; ".join(f"{e['event']} {e['at']} {'/'.join(str(x) for x in e['load'])}" for e in entries)


def render(results: dict) -> str:
    m = results["machine"]
    out = [
        f"Command: `{results['command']}`  ",
        f"Date: {results['date']}; total wall time {results['total_wall_s'] / 60:.1f} min  ",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}, torch {m['torch']}, faiss-cpu {m['faiss-cpu']}, bm25s {m['bm25s']}, "
        f"sentence-transformers {m['sentence-transformers']}, jieba {m['jieba']}  ",
        f"Code: commit {results['code']['commit']} plus {len(results['code']['uncommitted'])} uncommitted paths "
        f"in the working tree  ",
        f"Load averages (1/5/15 min) around sections: {_loads(results['load'])}",
        "",
    ]
    if "latency" in results:
        out += _latency(results["latency"])
    if "ingest" in results:
        out += _ingest(results["ingest"])
    out += _memory(results)
    if "scale" in results:
        out += _scale(results["scale"], results["settings"])
    return "\n".join(out).rstrip() + "\n"


def _latency(r: dict) -> list[str]:
    bm25 = r["modes"].get("bm25", {}).get("total", {}).get("p50_ms")
    lines = [
        f"### Query latency, real model ({r['clauses']:,} clauses, dense {r['dense_kind']}, "
        f"{r['questions']} questions × {r['rounds']} rounds, top 10)",
        "",
        "ms, p50 / p95 over all questions and rounds. Embedding = the question through the model; "
        "retrieval = `Searcher.search` given that vector (tokenise, BM25, FAISS, fuse, SQLite fetch, answer).",
        "",
        "| mode | query embedding | retrieval | total | total p50 ÷ bm25 p50 | embedding share of p50 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for mode, parts in r["modes"].items():
        total = parts["total"]["p50_ms"]
        ratio = f"{total / bm25:.1f}×" if bm25 else "–"
        share = f"{100 * parts['embed']['p50_ms'] / total:.0f}%" if mode != "bm25" else "–"
        embed = _pp(parts["embed"]) if mode != "bm25" else "–"
        lines.append(f"| {mode} | {embed} | {_pp(parts['retrieval'])} | {_pp(parts['total'])} | {ratio} | {share} |")
    lines += ["", f"Model load (import torch, load, first call): {r['model_load_s']:.1f} s; "
              f"opening the index: {r['index_open_s']:.2f} s.", ""]
    threads = r.get("threads")
    if threads:
        lines += [
            "Thread pools: the same process with torch/faiss at their default threads vs one thread each "
            "(one round; `OMP_NUM_THREADS=1` gives the second row):",
            "",
            "| torch / faiss threads | query embedding ms | hybrid retrieval ms | passage embedding clauses/s | load 1/5/15 |",
            "|---|---:|---:|---:|---|",
        ]
        for name, t in threads.items():
            lines.append(
                f"| {name.replace('torch ', '').replace(' / faiss ', ' / ')} | {_pp(t['query_embedding'])} | "
                f"{_pp(t['hybrid_retrieval'])} | {t['passages_per_s']:.1f} (n={t['passages']}) | "
                f"{'/'.join(map(str, t['load']['load']))} |"
            )
        lines.append("")
    return lines


def _ingest(r: dict) -> list[str]:
    n = r["clauses"]
    parse, store = median(r["parse_s"]), median(r["store_s"])
    derive = r["first_build_s"] - r["embed_s"]
    total = parse + store + r["first_build_s"]
    k = r["rounds"]
    rows = [
        ("parse: read + structure + targets (`ingest_files`)", k, parse),
        ("&nbsp;&nbsp;of which format readers", k, median(r["read_s"])),
        ("&nbsp;&nbsp;of which structure + targets", k, median(r["structure_targets_s"])),
        ("store: SQLite `write_batch`, one transaction", k, store),
        ("embed: real model, every clause new", 1, r["embed_s"]),
        ("derive: tokenise + BM25 + FAISS flat + save", 1, derive),
        ("**first ingest total** (parse + store + `build_indexes`)", 1, total),
        ("re-ingest of the unchanged corpus (read + hash, no parse, no rebuild)", len(r["reingest_s"]), median(r["reingest_s"])),
        ("rebuild with all embeddings cached (`build_indexes`)", len(r["cached_rebuild_s"]), median(r["cached_rebuild_s"])),
    ]
    rows += [(f"&nbsp;&nbsp;component: {name}", k, sec) for name, sec in r["components_s"].items()]
    lines = [
        f"### Ingest and index throughput ({r['files']} files, {r['documents']} documents, {n:,} clauses, fresh temp index)",
        "",
        "| stage | runs | median s | clauses/s | share of first ingest |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, runs, sec in rows:
        share = f"{100 * sec / total:.0f}%" if not name.startswith(("re-", "rebuild", "&nbsp;&nbsp;component")) else ""
        lines.append(f"| {name} | {runs} | {_s(sec)} | {_rate(n, sec)} | {share} |")
    lines += ["", f"Model load before the first build (once per process, not in the total): {r['model_load_s']:.1f} s. "
              f"Failed files: {', '.join(r['failed_files']) or 'none'}.", ""]
    return lines


def _memory(results: dict) -> list[str]:
    rows = []
    lat = results.get("latency")
    if lat:
        p, k = lat["memory"]["rss_mib"], lat["memory"]["peak_mib"]
        rows += [
            ("query process: Python + numpy + project imports", p["imports"], None),
            ("… + real model loaded (torch, e5-small)", p["after model load"], k["model load"]),
            (f"… + index loaded ({lat['clauses']:,} clauses)", p["after index open"], k["index open"]),
            ("… while answering the latency questions", p["after queries"], k["queries"]),
        ]
    ing = results.get("ingest")
    if ing:
        p, k = ing["memory"]["rss_mib"], ing["memory"]["peak_mib"]
        rows += [
            ("ingest process: parse the corpus", p["after parse"], k["parse"]),
            ("… store it", p["after store"], k["store"]),
            ("… load the model", p["after model load"], k["model load"]),
            ("… first build (embedding + BM25 + FAISS)", p["after first build"], k["first build"]),
            ("… rebuild with cached embeddings", p["after cached rebuild"], k["cached rebuild"]),
        ]
    if not rows:
        return []
    lines = ["### Memory (RSS, MiB)", "", "| process state | RSS after | peak during |", "|---|---:|---:|"]
    lines += [f"| {name} | {rss:,.0f} | {'' if peak is None else f'{peak:,.0f}'} |" for name, rss, peak in rows]
    return lines + [""]


def _scale(scales: list[dict], settings: dict) -> list[str]:
    base = scales[0]["build"]["base_clauses"]
    lines = [
        f"### Growth with corpus size (real clauses ×, their real vectors + noise σ={settings['noise']}/dim; "
        f"{base:,} base clauses)",
        "",
        "Components alone, one query per call, depth 100 (the searcher's `candidates`); ms p50 / p95; "
        "BM25 scores() = the score array the searcher reads, search() = top 100 after sorting every match; "
        "HNSW M=32, efConstruction=200, efSearch=256, recall@10 against flat on the same vectors.",
        "",
        "| clauses | BM25 build s | BM25 scores() | BM25 search() | flat build s | flat query | flat query, 1 thread "
        "| HNSW build s | HNSW query | HNSW query, 1 thread | HNSW recall@10 | flat ÷ HNSW p50 (1 thread) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scales:
        b = s["build"]
        if "hnsw_query" in b:
            hnsw = (
                f"{_s(median(b['hnsw_build_s']))} | {_pp(b['hnsw_query'])} | {_pp(b['hnsw_query_1thread'])} | "
                f"{b['hnsw_recall@10']:.3f} | {b['flat_query']['p50_ms'] / b['hnsw_query']['p50_ms']:.0f}× "
                f"({b['flat_query_1thread']['p50_ms'] / b['hnsw_query_1thread']['p50_ms']:.0f}×)"
            )
        else:
            hnsw = "not built | – | – | – | –"
        lines.append(
            f"| {s['n']:,} | {_s(median(b['bm25_build_s']))} | {_pp(b['bm25_scores'])} | {_pp(b['bm25_query'])} | "
            f"{_s(median(b['flat_build_s']))} | {_pp(b['flat_query'])} | {_pp(b['flat_query_1thread'])} | {hnsw} |"
        )
    lines += [
        "",
        "End to end: a synthetic index directory (replicated documents through `Store.write_batch`, then "
        "`build_indexes` with the replicated vectors and token lists substituted for embedding and jieba), "
        "opened by `Searcher` and asked `search(q, 10, mode, query_vector=…)` with the real model's question "
        "vectors: add the latency table's query embedding time. Searcher RSS = after opening minus before.",
        "",
        "| clauses | dense | store write clauses/s | `build_indexes` s | open s | hybrid ms | hybrid ms, faiss 1 thread "
        "| bm25 ms | dense ms | searcher RSS MiB | index on disk MiB | peak RSS in `build_indexes` MiB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scales:
        b = s["build"]
        for kind, r in s["search"].items():
            d = s["derived"][kind]
            rss = r["memory"]["rss_mib"]
            grown = rss["after open"] - rss["imports"]
            peak = (d if kind != "flat" else b)["memory"]["peak_mib"]["build_indexes"]
            lines.append(
                f"| {s['n']:,} | {d['built_kind']} | {_rate(s['n'], b['store_write_s'])} | {_s(d['build_indexes_s'])} | "
                f"{_s(r['open_s'])} | {_pp(r.get('hybrid'))} | {_pp(r.get('hybrid_1thread'))} | {_pp(r.get('bm25'))} | "
                f"{_pp(r.get('dense'))} | {grown:,.0f} | {d['disk_mib']:,.0f} | {peak:,.0f} |"
            )
    lines += [""] + _growth(scales) + _extrapolation(scales) + [
        "Load averages per scale (start → end of the build process): "
        + "; ".join(
            f"{s['n']:,}: {'/'.join(map(str, s['build']['load']['start']['load']))} → "
            f"{'/'.join(map(str, s['build']['load']['end']['load']))}"
            for s in scales
        ),
        "",
    ]
    return lines


def _growth(scales: list[dict]) -> list[str]:
    if len(scales) < 2:
        return []
    metrics = {
        "BM25 scores() p50": lambda s: s["build"]["bm25_scores"]["p50_ms"],
        "BM25 search() p50": lambda s: s["build"]["bm25_query"]["p50_ms"],
        "flat query p50": lambda s: s["build"]["flat_query"]["p50_ms"],
        "flat query p50, 1 thread": lambda s: s["build"]["flat_query_1thread"]["p50_ms"],
        "hybrid end-to-end p50 (flat)": lambda s: s["search"]["flat"]["hybrid"]["p50_ms"],
        "hybrid end-to-end p50 (flat, 1 thread)": lambda s: s["search"]["flat"]["hybrid_1thread"]["p50_ms"],
        "searcher RSS": lambda s: s["search"]["flat"]["memory"]["rss_mib"]["after open"]
        - s["search"]["flat"]["memory"]["rss_mib"]["imports"],
        "BM25 build": lambda s: median(s["build"]["bm25_build_s"]),
    }
    header = " | ".join(f"{a['n']:,} → {b['n']:,}" for a, b in zip(scales, scales[1:]))
    factors = " / ".join(f"{b['n'] / a['n']:.0f}×" for a, b in zip(scales, scales[1:]))
    lines = [f"Growth ratios (× per step; clauses grow {factors}):", "",
             f"| metric | {header} |", "|---|" + "---:|" * (len(scales) - 1)]
    for name, get in metrics.items():
        steps = []
        for a, b in zip(scales, scales[1:]):
            lo, hi = get(a), get(b)
            steps.append(f"{hi / lo:.1f}×" if lo > 0 else "–")
        lines.append(f"| {name} | {' | '.join(steps)} |")
    return lines + [""]


def _extrapolation(scales: list[dict]) -> list[str]:
    built = [s for s in scales if "hnsw_build_s" in s["build"]]
    missing = [s for s in scales if "hnsw_build_s" not in s["build"]]
    if not built or not missing:
        return []
    ref = built[-1]
    n0, t0 = ref["n"], median(ref["build"]["hnsw_build_s"])
    lines = []
    for s in missing:
        n = s["n"]
        # HNSW insertion costs ~log n per vector, so build time ~ n log n.
        estimate = t0 * (n / n0) * (math.log(n) / math.log(n0))
        vectors_mib = n * 384 * 4 / 2**20
        links_mib = n * (2 * 32 * 4 + 32 * 4 * 0.07) / 2**20  # level 0 has 2M links; ~1/M of nodes reach level 1+
        lines.append(
            f"EXTRAPOLATED, not measured: HNSW at {n:,} clauses would take ≈{_duration(estimate)} to build on this machine "
            f"(the {n0:,} build time {t0:.0f} s × n log n) and hold ≈{vectors_mib + links_mib:,.0f} MiB "
            f"({vectors_mib:,.0f} MiB of vectors + ≈{links_mib:,.0f} MiB of graph links)."
        )
    return lines + [""]
