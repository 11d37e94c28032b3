"""Print, per dev question, where the gold clause ranks in each mode and what outranks it."""

import argparse
import json
import sys
from pathlib import Path

from index.evaluate import first_gold_rank, normalise, read_jsonl
from index.searcher import open_searcher


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--model", default=None)
    parser.add_argument("--modes", default="hybrid,bm25,dense")
    args = parser.parse_args()
    searcher = open_searcher(args.index, args.model)
    for item in read_jsonl(args.questions):
        line = [item["id"], item["kind"], item["q"]]
        for mode in args.modes.split(","):
            result = searcher.search(item["q"], 10, mode)
            rank = first_gold_rank(result, item["gold"]) if item["gold"] else None
            answer = result.answer.value if result.answer else None
            line.append(f"{mode}:{rank}{'' if result.confident else '?'}{'/' + answer if answer else ''}")
        print(" ".join(str(x) for x in line))
        result = searcher.search(item["q"], 3, args.modes.split(",")[0])
        if item["gold"] and first_gold_rank(result, item["gold"], 1) != 1:
            for hit in result.hits[:2]:
                print(f"      {hit.score:.4f} {hit.scores} {hit.doc_title[:12]} {hit.clause.text[:60]}")


if __name__ == "__main__":
    sys.exit(main())
