"""Integration with the real bundled e5 model on the seed corpus (slow: marked `model`)."""

import pytest

from index.builder import build_indexes
from index.searcher import Searcher
from index.store import Store
from index.update import ingest_paths

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def real_searcher(tmp_path_factory, real_embedder, seed_corpus):
    index_dir = tmp_path_factory.mktemp("real-seed")
    store = Store(index_dir)
    ingest_paths([seed_corpus], store)
    build_indexes(store, real_embedder)
    store.close()
    return Searcher(index_dir, real_embedder)


def _rank(result, fragment):
    return next((h.rank for h in result.hits if fragment in h.clause.text), None)


def test_quantity_answer_with_the_real_model(real_searcher):
    result = real_searcher.search("到2025年每千人口要有多少个托位？")
    assert result.confident
    assert (result.answer.value, result.answer.comparator, result.answer.year) == ("4.5", "≥", "2025")
    assert "4.5个托位数" in result.hits[0].clause.text


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        ("孤儿弃婴的领养手续", "依法依规开展收养登记"),
        ("残障孩子的早期发现和医治", "优化残疾儿童筛查、诊断、治疗"),
    ],
)
def test_paraphrase_that_keyword_search_misses(real_searcher, question, gold):
    assert _rank(real_searcher.search(question, top_k=3, mode="bm25"), gold) is None
    assert _rank(real_searcher.search(question, top_k=3, mode="dense"), gold) is not None
    assert _rank(real_searcher.search(question, top_k=5, mode="hybrid"), gold) is not None


def test_offtopic_question_is_flagged(real_searcher):
    assert not real_searcher.search("如何申请出国留学奖学金").confident
