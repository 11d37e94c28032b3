"""Grid-search the fusion parameters on the dev questions and, optionally, STARD at the same time.

Usage:
    python scripts/tune_fusion.py ../shared/eval/dev_questions.jsonl --index .eval-index \
        [--stard ../shared/eval/stard/questions.jsonl --stard-index .eval-index-stard]
Prints one row per setting (dev Hit@1, MRR, Hit@5, answer accuracy; STARD Recall@10, MRR@10),
best first. The chosen values go into index/fusion.py FusionParams, the table into BENCHMARKS.md.
"""

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from index.evaluate import Tally, evaluate_stard, read_jsonl
from index.searcher import open_searcher


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--stard", type=Path)
    parser.add_argument("--stard-index", type=Path)
    parser.add_argument("--model", default=None)
    parser.add_argument("--weights", default="0.3,0.4,0.5,0.6,0.7,0.8")
    parser.add_argument("--boosts", default="0.0,0.3")
    parser.add_argument("--rrf-k", default="60")
    parser.add_argument("--floors", default="none", help="keyword_weight_floor values; 'none' = fixed weight")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    questions = read_jsonl(args.questions)
    dev = open_searcher(args.index, args.model)
    vectors = dev.embedder.embed_queries([q["q"] for q in questions])
    stard = stard_questions = None
    if args.stard:
        stard = open_searcher(args.stard_index, args.model)
        stard_questions = read_jsonl(args.stard)
    base = dev.params
    rows = []
    grid = itertools.product(
        ("rrf", "weighted"),
        [float(w) for w in args.weights.split(",")],
        [int(k) for k in args.rrf_k.split(",")],
        [float(b) for b in args.boosts.split(",")],
        [None if f == "none" else float(f) for f in args.floors.split(",")],
    )
    for method, weight, rrf_k, boost, floor in grid:
        if floor is not None and floor >= weight:
            continue
        params = replace(base, method=method, keyword_weight=weight, rrf_k=rrf_k, doc_boost=boost, keyword_weight_floor=floor)
        dev.params = params
        tally = Tally()
        for item, vector in zip(questions, vectors):
            tally.add(item, dev.search(item["q"], 10, "hybrid", query_vector=vector))
        row = tally.row()
        recall = mrr = None
        if stard is not None:
            stard.params = params
            s = evaluate_stard(stard, stard_questions, modes=("hybrid",))["hybrid"]["overall"]
            recall, mrr = s["recall@10"], s["mrr@10"]
        rows.append((row["hit@1"], recall or 0, row["mrr@10"], row["hit@5"], row["answer_acc"], mrr, method, weight, rrf_k, boost, floor))
        print(rows[-1], flush=True)
    rows.sort(key=lambda r: (r[0], r[1], r[2]), reverse=True)
    print(f"{'hit@1':>6} {'S-R@10':>7} {'mrr':>6} {'hit@5':>6} {'ans':>6} {'S-mrr':>6}  method weight k boost floor")
    for r in rows[: args.top]:
        print(f"{r[0]:>6} {r[1]:>7} {r[2]:>6} {r[3]:>6} {r[4]:>6} {str(r[5]):>6}  {r[6]} {r[7]} {r[8]} {r[9]} {r[10]}")


if __name__ == "__main__":
    main()
