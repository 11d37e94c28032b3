"""index.keyword and index.dense: scores against reference implementations, save/load, bad input."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from index import dense as dense_mod
from index.dense import DenseIndex
from index.keyword import KeywordIndex
from index.tokenize import query_terms, tokenize

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
RUGAO = CORPUS / "plans" / "如皋市十四五公共服务规划(节选).txt"

DOCS = [
    "到2025年,实现不低于每千人口4.5个托位数的目标,建成10家以上普惠性婴幼儿照护服务机构。",
    "普惠性幼儿园覆盖率达90%以上,公办园在园幼儿占比保持75%以上。",
    "科学实施幼小衔接,健全保教质量评估体系,提升幼儿园保教质量。",
    "落实全国“双减”试点要求,做好义务教育学校课后服务工作。",
    "养老护理床位占比达到60%,发展普惠养老服务。",
    "",
]


def reference_bm25(docs: list[list[str]], query: list[str], k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    """BM25 as bm25s's default "lucene" method defines it (Kamphuis et al., ECIR 2020).

    idf = ln(1 + (N - df + 0.5) / (df + 0.5)); term part = tf / (tf + k1 * (1 - b + b * |d| / avgdl));
    each query token counts once per occurrence in the query.
    """
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n
    df = Counter(t for d in docs for t in set(d))
    scores = np.zeros(n)
    for i, doc in enumerate(docs):
        tf = Counter(doc)
        for t in query:
            if tf[t]:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                scores[i] += idf * tf[t] / (tf[t] + k1 * (1 - b + b * len(doc) / avgdl))
    return scores


@pytest.fixture(scope="module")
def docs_tokens() -> list[list[str]]:
    return [tokenize(d) for d in DOCS]


@pytest.fixture(scope="module")
def keyword_index(docs_tokens: list[list[str]]) -> KeywordIndex:
    return KeywordIndex.build(docs_tokens)


# --- keyword -------------------------------------------------------------------------------------


def test_keyword_ranking_sanity(keyword_index: KeywordIndex) -> None:
    assert len(keyword_index) == len(DOCS)
    hits = keyword_index.search(query_terms("到2025年每千人口托位数目标是多少?"), k=3)
    assert hits[0][0] == 0
    hits = keyword_index.search(query_terms("普惠性幼儿园覆盖率"), k=10)
    assert hits[0][0] == 1
    assert all(score > 0 for _, score in hits)
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)
    assert keyword_index.search(query_terms("双减课后服务"), k=1)[0][0] == 3


@pytest.mark.parametrize("k1, b", [(1.5, 0.75), (1.2, 0.5)])
def test_keyword_scores_match_reference_bm25(k1: float, b: float) -> None:
    if RUGAO.exists():
        paragraphs = [p for p in RUGAO.read_text(encoding="utf-8").split("\n") if p.strip()]
    else:  # pragma: no cover - corpus lives beside the checkout
        paragraphs = DOCS
    docs = [tokenize(p) for p in paragraphs]
    index = KeywordIndex.build(docs, k1=k1, b=b)
    for question in ("每千人口托位数", "普惠性幼儿园覆盖率", "婴幼儿照护服务机构", "义务教育优质均衡", "托育 托育"):
        query = query_terms(question) if question != "托育 托育" else ["托育", "托育"]
        expected = reference_bm25(docs, query, k1=k1, b=b)
        np.testing.assert_allclose(index.scores(query), expected, rtol=1e-5, atol=1e-6)


def test_keyword_edge_cases(keyword_index: KeywordIndex) -> None:
    n = len(keyword_index)
    assert keyword_index.search(["从未出现的词"], k=5) == []
    assert keyword_index.search([], k=5) == []
    assert keyword_index.search(query_terms("托位数"), k=0) == []
    assert len(keyword_index.search(["以上"], k=100)) <= n  # k > n
    assert keyword_index.scores(["从未出现的词"]).shape == (n,)
    assert not keyword_index.scores([]).any()
    with pytest.raises(ValueError):
        keyword_index.search(["托位"], k=-1)
    with pytest.raises(ValueError):
        keyword_index.scores("托位数")  # a str, not a token list
    with pytest.raises(ValueError):
        KeywordIndex.build(["每千人口4.5个托位数"])  # raw text instead of tokens
    with pytest.raises(ValueError, match="lucene"):
        KeywordIndex.build([["a"]], method="bm26")


def test_keyword_ties_break_by_row() -> None:
    index = KeywordIndex.build([["托育"], ["养老"], ["托育"], ["托育"]])
    assert [row for row, _ in index.search(["托育"], k=10)] == [0, 2, 3]


def test_keyword_save_load_round_trip(keyword_index: KeywordIndex, tmp_path: Path) -> None:
    keyword_index.save(tmp_path / "kw")
    loaded = KeywordIndex.load(tmp_path / "kw")
    assert len(loaded) == len(keyword_index)
    for question in ("每千人口托位数", "幼小衔接", "90%", "不存在"):
        q = query_terms(question)
        np.testing.assert_array_equal(loaded.scores(q), keyword_index.scores(q))
        assert loaded.search(q, 3) == keyword_index.search(q, 3)
    # plain files: arrays load without pickle, JSON is readable UTF-8
    for npy in (tmp_path / "kw").glob("*.npy"):
        np.load(npy, allow_pickle=False)
    assert "托位数" in (tmp_path / "kw" / "vocab.index.json").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "kw" / "keyword.json").read_text(encoding="utf-8"))["n_rows"] == len(DOCS)


def test_keyword_saved_files_are_deterministic(docs_tokens: list[list[str]], tmp_path: Path) -> None:
    for name in ("a", "b"):
        KeywordIndex.build(docs_tokens).save(tmp_path / name)
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_keyword_without_any_token(tmp_path: Path) -> None:
    index = KeywordIndex.build([[], []])
    assert len(index) == 2 and index.search(["托位"], 5) == []
    index.save(tmp_path / "empty")
    assert len(KeywordIndex.load(tmp_path / "empty")) == 2
    assert len(KeywordIndex.build([])) == 0


def test_keyword_load_refuses_missing_or_foreign(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        KeywordIndex.load(tmp_path)
    (tmp_path / "keyword.json").write_text('{"format": "other", "version": 9}', encoding="utf-8")
    with pytest.raises(ValueError):
        KeywordIndex.load(tmp_path)


# --- dense ---------------------------------------------------------------------------------------


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def embedding_like(n: int, dim: int, seed: int) -> np.ndarray:
    """Vectors with a low-dimensional signal plus noise, like text embeddings (see bench_dense)."""
    rng = np.random.default_rng(seed)
    signal = rng.standard_normal((n, 32)) @ rng.standard_normal((32, dim)) / np.sqrt(32)
    return (signal + 0.5 * rng.standard_normal((n, dim))).astype(np.float32)


def test_dense_flat_matches_numpy_brute_force() -> None:
    rng = np.random.default_rng(0)
    base = rng.standard_normal((1000, 64)).astype(np.float32) * 3  # not normalised on purpose
    queries = rng.standard_normal((20, 64)).astype(np.float32)
    index = DenseIndex.build(base, kind="flat")
    assert (index.kind, index.dim, len(index)) == ("flat", 64, 1000)
    scores, ids = index.search(queries, 10)
    exact = unit(queries.astype(np.float64)) @ unit(base.astype(np.float64)).T
    expected_ids = np.argsort(-exact, axis=1)[:, :10]
    np.testing.assert_array_equal(ids, expected_ids)
    np.testing.assert_allclose(scores, np.take_along_axis(exact, expected_ids, axis=1), atol=1e-5)


def test_dense_hnsw_recall_on_5k() -> None:
    base = embedding_like(5000, 128, seed=1)
    queries = embedding_like(100, 128, seed=2)
    flat = DenseIndex.build(base, kind="flat")
    hnsw = DenseIndex.build(base, kind="hnsw")
    assert hnsw.kind == "hnsw"
    _, exact = flat.search(queries, 10)
    scores, approx = hnsw.search(queries, 10)
    recall = np.mean([len(set(e) & set(a)) / 10 for e, a in zip(exact, approx)])
    assert recall >= 0.95
    # the metric is inner product on unit vectors: scores are cosines, best first
    cos = np.einsum("ij,ij->i", unit(queries), unit(base)[approx[:, 0]])
    np.testing.assert_allclose(scores[:, 0], cos, atol=1e-5)
    assert (np.diff(scores, axis=1) <= 1e-6).all()


def test_dense_auto_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    base = embedding_like(300, 16, seed=3)
    assert DenseIndex.build(base).kind == "flat"
    monkeypatch.setattr(dense_mod, "APPROX_THRESHOLD", 200)
    assert DenseIndex.build(base).kind == "hnsw"


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_dense_save_load_round_trip(kind: str, tmp_path: Path) -> None:
    base = embedding_like(500, 32, seed=4)
    queries = embedding_like(10, 32, seed=5)
    index = DenseIndex.build(base, kind=kind)
    index.save(tmp_path / "d")
    loaded = DenseIndex.load(tmp_path / "d")
    assert (loaded.kind, loaded.dim, len(loaded)) == (kind, 32, 500)
    for a, b in zip(index.search(queries, 7), loaded.search(queries, 7)):
        np.testing.assert_array_equal(a, b)
    manifest = json.loads((tmp_path / "d" / "dense.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == kind and manifest["dim"] == 32 and manifest["count"] == 500
    assert (tmp_path / "d" / "dense.faiss").is_file()


def test_dense_rejects_bad_input() -> None:
    index = DenseIndex.build(embedding_like(50, 8, seed=6))
    with pytest.raises(ValueError, match="dimension"):
        index.search(np.ones((2, 9), dtype=np.float32), 3)
    with pytest.raises(ValueError, match="dimension"):
        index.search(np.ones(7, dtype=np.float32), 3)
    with pytest.raises(ValueError):
        index.search(np.ones(8, dtype=np.float32), -1)
    with pytest.raises(ValueError, match="flat"):
        DenseIndex.build(np.ones((3, 8)), kind="ivf")
    with pytest.raises(ValueError):
        DenseIndex.build(np.ones(8))  # 1-D: one vector or eight?
    with pytest.raises(ValueError, match="NaN"):
        DenseIndex.build(np.full((2, 8), np.nan))


def test_dense_small_and_empty() -> None:
    index = DenseIndex.build(embedding_like(3, 8, seed=7))
    scores, ids = index.search(np.ones(8, dtype=np.float32), 10)  # 1-D query, k > n
    assert scores.shape == ids.shape == (1, 3)
    assert sorted(ids[0].tolist()) == [0, 1, 2]
    assert index.search(np.ones(8, dtype=np.float32), 0)[1].shape == (1, 0)
    empty = DenseIndex.build(np.zeros((0, 8), dtype=np.float32))
    scores, ids = empty.search(np.ones((2, 8), dtype=np.float32), 5)
    assert scores.shape == ids.shape == (2, 0) and len(empty) == 0


def test_dense_module_import_is_light() -> None:
    import subprocess
    import sys

    code = "import sys, index.dense, index.keyword; print('faiss' in sys.modules, 'bm25s' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
