"""Retrieval quality on gold question sets: Hit@k, MRR@10, answer and no-answer accuracy, STARD recall."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from index.searcher import MODES, SearchResult, Searcher

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFKC with all whitespace removed: how gold strings and clause texts are compared."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def first_gold_rank(result: SearchResult, gold: Sequence[str], k: int = 10) -> int | None:
    """1-based rank of the first hit containing any gold substring, within the top k."""
    wanted = [normalise(g) for g in gold]
    for hit in result.hits[:k]:
        text = normalise(hit.clause.text)
        if any(w in text for w in wanted):
            return hit.rank
    return None


def answer_matches(result: SearchResult, expected: str) -> bool:
    """Whether the extracted answer's value is the expected one (as written, or numerically)."""
    if result.answer is None:
        return False
    got, want = normalise(result.answer.value), normalise(expected)
    if got == want:
        return True
    from ingest.numbers import parse_number

    try:
        return abs(parse_number(got) - parse_number(want)) < 1e-9
    except ValueError:
        return False


@dataclass
class Tally:
    n: int = 0
    hit1: int = 0
    hit5: int = 0
    rr: float = 0.0
    numeric: int = 0
    answered: int = 0
    unanswerable: int = 0
    flagged: int = 0
    answerable: int = 0
    confident_answerable: int = 0

    def add(self, item: dict, result: SearchResult) -> None:
        if item["kind"] == "unanswerable" or not item.get("gold"):
            self.unanswerable += 1
            self.flagged += not result.confident
            return
        self.n += 1
        self.answerable += 1
        self.confident_answerable += result.confident
        rank = first_gold_rank(result, item["gold"])
        if rank is not None:
            self.hit1 += rank == 1
            self.hit5 += rank <= 5
            self.rr += 1.0 / rank
        if item.get("answer"):
            self.numeric += 1
            self.answered += answer_matches(result, item["answer"])

    def row(self) -> dict[str, float | int | None]:
        def ratio(a: float, b: int) -> float | None:
            return round(a / b, 3) if b else None

        return {
            "n": self.n + self.unanswerable,
            "hit@1": ratio(self.hit1, self.n),
            "hit@5": ratio(self.hit5, self.n),
            "mrr@10": ratio(self.rr, self.n),
            "answer_acc": ratio(self.answered, self.numeric),
            "no_answer_acc": ratio(self.flagged, self.unanswerable),
            "confident_on_answerable": ratio(self.confident_answerable, self.answerable),
        }


def evaluate_dev(searcher: Searcher, questions: Sequence[dict], modes: Iterable[str] = MODES) -> dict[str, dict]:
    """Scores per mode, overall and per question kind."""
    modes = list(modes)
    vectors = _query_vectors(searcher, [q["q"] for q in questions], modes)
    report: dict[str, dict] = {}
    for mode in modes:
        overall, by_kind = Tally(), {}
        for i, item in enumerate(questions):
            result = searcher.search(item["q"], 10, mode, query_vector=None if vectors is None else vectors[i])
            overall.add(item, result)
            by_kind.setdefault(item["kind"], Tally()).add(item, result)
        report[mode] = {"overall": overall.row(), **{k: t.row() for k, t in sorted(by_kind.items())}}
    return report


def _query_vectors(searcher: Searcher, queries: Sequence[str], modes: Sequence[str]):
    if not any(m in ("hybrid", "dense") for m in modes):
        return None
    return searcher.embedder.embed_queries(list(queries))


def stard_hit(clause_text: str, gold_articles: Sequence[dict]) -> int | None:
    """Index of the gold article a clause belongs to (inside its text, or holding its opening)."""
    text = normalise(clause_text)
    for i, article in enumerate(gold_articles):
        gold = normalise(article["text"])
        if text and (text in gold or gold[:20] in text):
            return i
    return None


def evaluate_stard(searcher: Searcher, questions: Sequence[dict], modes: Iterable[str] = MODES, k: int = 10) -> dict[str, dict]:
    """Recall@k (share of gold articles found) and MRR@k per mode."""
    modes = list(modes)
    vectors = _query_vectors(searcher, [q["q"] for q in questions], modes)
    report = {}
    for mode in modes:
        recall = rr = 0.0
        for i, item in enumerate(questions):
            gold = item["gold_articles"]
            result = searcher.search(item["q"], k, mode, query_vector=None if vectors is None else vectors[i])
            found: set[int] = set()
            first = None
            for hit in result.hits:
                g = stard_hit(hit.clause.text, gold)
                if g is not None:
                    found.add(g)
                    first = first or hit.rank
            recall += len(found) / len(gold) if gold else 0.0
            rr += 1.0 / first if first else 0.0
        n = max(len(questions), 1)
        report[mode] = {"overall": {"n": len(questions), f"recall@{k}": round(recall / n, 3), f"mrr@{k}": round(rr / n, 3)}}
    return report


def format_table(title: str, report: dict[str, dict[str, dict]]) -> str:
    """Modes side by side: one block per question group, one row per metric."""
    modes = list(report)
    lines = [title, f"  {'':<24}" + "".join(f"{m:>10}" for m in modes)]
    for group, row0 in report[modes[0]].items():
        lines.append(f"[{group}] n={row0['n']}")
        for metric in (k for k in row0 if k != "n"):
            values = [report[m][group][metric] for m in modes]
            if any(v is not None for v in values):
                lines.append(f"  {metric:<24}" + "".join(f"{_fmt(v):>10}" for v in values))
    return "\n".join(lines)


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def run_eval_command(args) -> int:
    from index.searcher import open_searcher

    questions = read_jsonl(args.questions)
    searcher = open_searcher(args.index, args.model)
    dev = evaluate_dev(searcher, questions)
    output: dict = {"dev": dev}
    if not args.json:
        print(format_table(f"dev questions: {args.questions} (index {args.index})", dev))
    stard_path = args.stard or args.questions.parent / "stard" / "questions.jsonl"
    if not args.no_stard and stard_path.is_file():
        stard_index = args.stard_index or args.index.parent / (args.index.name + "-stard")
        stard_searcher = _stard_searcher(stard_index, stard_path.parent / "laws", args.model)
        stard = evaluate_stard(stard_searcher, read_jsonl(stard_path))
        output["stard"] = stard
        if not args.json:
            print()
            print(format_table(f"STARD: {stard_path} (index {stard_index})", stard))
    if args.json:
        print(json.dumps(output, ensure_ascii=False, indent=2))
    return 0


def _stard_searcher(index_dir: Path, laws_dir: Path, model: str | None) -> Searcher:
    """Open the STARD laws index, building or refreshing it from the laws folder first."""
    from index.builder import build_indexes, index_is_current
    from index.embedder import load_embedder
    from index.searcher import open_searcher
    from index.store import Store
    from index.update import ingest_paths
    from index.embedder import model_spec

    store = Store(index_dir)
    report = ingest_paths([laws_dir], store)
    if report.changed or not index_is_current(store):
        build_indexes(store, load_embedder(model_spec(model, index_dir)))
    store.close()
    return open_searcher(index_dir, model)
