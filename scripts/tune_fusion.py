"""Grid-search the fusion parameters on a question file; prints the best settings by Hit@1, then MRR.

Usage: python scripts/tune_fusion.py ../shared/eval/dev_questions.jsonl --index .eval-index
The chosen values are written into index/fusion.py FusionParams by hand, with the table in BENCHMARKS.md.
"""

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

from index.evaluate import Tally, read_jsonl
from index.searcher import open_searcher


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--model", default=None)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    questions = read_jsonl(args.questions)
    searcher = open_searcher(args.index, args.model)
    vectors = searcher.embedder.embed_queries([q["q"] for q in questions])
    base = searcher.params
    rows = []
    grid = itertools.product(("rrf", "weighted"), (0.3, 0.4, 0.5, 0.6, 0.7, 0.8), (10, 30, 60), (0.0, 0.1, 0.2, 0.4))
    for method, weight, rrf_k, boost in grid:
        if method == "weighted" and rrf_k != 60:
            continue
        searcher.params = replace(base, method=method, keyword_weight=weight, rrf_k=rrf_k, doc_boost=boost)
        tally = Tally()
        for item, vector in zip(questions, vectors):
            tally.add(item, searcher.search(item["q"], 10, "hybrid", query_vector=vector))
        row = tally.row()
        rows.append((row["hit@1"], row["mrr@10"], row["hit@5"], row["answer_acc"], row["no_answer_acc"], method, weight, rrf_k, boost))
    rows.sort(reverse=True)
    print(f"{'hit@1':>6} {'mrr':>6} {'hit@5':>6} {'ans':>6} {'noans':>6}  method weight k boost")
    for r in rows[: args.top]:
        print(f"{r[0]:>6} {r[1]:>6} {r[2]:>6} {r[3]:>6} {r[4]:>6}  {r[5]} {r[6]} {r[7]} {r[8]}")
    current = [r for r in rows if (r[5], r[6], r[7], r[8]) == (base.method, base.keyword_weight, base.rrf_k, base.doc_boost)]
    print("current defaults:", current[0] if current else "not in grid")


if __name__ == "__main__":
    main()
