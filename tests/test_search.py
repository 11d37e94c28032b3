"""Search logic with the deterministic fake embedder: fusion, answers, citations, JSON, refusals."""

import json
import shutil

import numpy as np
import pytest

from index.builder import build_indexes
from index.embedder import FakeEmbedder
from index.fusion import FusionParams, fuse
from index.naming import named_documents, naming_terms, referenced_documents
from index.manifest import ModelMismatchError, read_manifest
from index.searcher import Filters, Searcher, result_to_json
from index.store import Store
from index.update import ingest_paths
from plankb.cli import main

QUESTION = "到2025年每千人口要有多少个托位？"


@pytest.fixture(scope="module")
def searcher(seed_index):
    return Searcher(seed_index, FakeEmbedder())


def test_quantity_question_gets_the_number(searcher):
    result = searcher.search(QUESTION)
    assert result.confident
    assert result.answer is not None
    assert (result.answer.value, result.answer.unit, result.answer.comparator, result.answer.year) == ("4.5", "个", "≥", "2025")
    clause = next(h.clause for h in result.hits if h.clause.id == result.answer.clause_id)
    assert clause.text[result.answer.start : result.answer.end] == result.answer.span
    assert "4.5" in result.answer.span


def test_hits_carry_provenance_and_citation(searcher):
    hit = searcher.search("增加幼儿园学位", mode="bm25").hits[0]
    assert "增加幼儿园学位约3000个" in hit.clause.text
    assert hit.clause.section_path == ("专栏1 幼有善育重点工程", "学前教育资源供给增量工程")
    assert hit.citation == "《如皋市“十四五”公共服务规划（节选）》专栏1 幼有善育重点工程 学前教育资源供给增量工程"
    assert set(hit.scores) == {"bm25"}


def test_modes_report_their_channels(searcher):
    hybrid = searcher.search("托育服务", mode="hybrid").hits[0]
    dense = searcher.search("托育服务", mode="dense").hits[0]
    assert set(hybrid.scores) == {"bm25", "dense"}
    assert set(dense.scores) == {"dense"}
    with pytest.raises(ValueError, match="hybrid, bm25, dense"):
        searcher.search("托育", mode="magic")


def test_question_words_do_not_drive_matching(searcher):
    plain = searcher.search("增加托位", mode="bm25")
    asked = searcher.search("如何增加托位？是否要增加？", mode="bm25")
    assert [h.clause.id for h in plain.hits[:3]] == [h.clause.id for h in asked.hits[:3]]


def test_unrelated_question_is_not_confident(searcher):
    result = searcher.search("如何申请出国留学奖学金")
    assert not result.confident


def test_filters_restrict_documents(searcher):
    doc_id = next(iter(searcher.documents))
    assert searcher.search("托位", filters=Filters(doc_ids=frozenset({doc_id}))).hits
    assert not searcher.search("托位", filters=Filters(doc_ids=frozenset({"nope"}))).hits


def test_json_contract(searcher):
    out = result_to_json(searcher.search(QUESTION, top_k=3), searcher, "q1")
    assert list(out)[:5] == ["id", "query", "mode", "confident", "answer"]
    assert set(out["answer"]) >= {"value", "unit", "comparator", "year", "indicator", "clause_id"}
    hit = out["hits"][0]
    assert set(hit) >= {"rank", "clause_id", "doc_id", "doc_title", "section_path", "page", "text", "score", "scores", "citation"}
    assert isinstance(hit["section_path"], list) and hit["rank"] == 1
    json.dumps(out, ensure_ascii=False)


def test_batch_cli_writes_one_line_per_question(seed_index, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLANKB_MODEL", "fake")
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": "a", "q": "托位"}\n{"id": "b", "q": "幼儿园学位"}\n', encoding="utf-8")
    assert main(["search", "--batch", str(batch), "--json", "--index", str(seed_index), "--top-k", "2"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert all(len(line["hits"]) == 2 for line in lines)


def test_model_mismatch_is_refused(seed_index):
    class Other(FakeEmbedder):
        model_id = "some-other-model"

    with pytest.raises(ModelMismatchError, match="plankb reindex"):
        Searcher(seed_index, Other())


def test_save_load_round_trip_gives_identical_results(seed_index, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(seed_index, copy)
    a = Searcher(seed_index, FakeEmbedder()).search(QUESTION)
    b = Searcher(copy, FakeEmbedder()).search(QUESTION)
    assert [(h.clause.id, h.score) for h in a.hits] == [(h.clause.id, h.score) for h in b.hits]


def test_incremental_update_embeds_only_new_clauses(tmp_path, seed_corpus):
    class Counting(FakeEmbedder):
        embedded = 0

        def embed_passages(self, texts):
            Counting.embedded += len(texts)
            return super().embed_passages(texts)

    folder = tmp_path / "docs"
    shutil.copytree(seed_corpus, folder)
    store = Store(tmp_path / "idx")
    ingest_paths([folder], store)
    build_indexes(store, Counting())
    first = Counting.embedded
    (folder / "extra.txt").write_text("一、新增章节\n新建托育机构5家。\n", encoding="utf-8")
    ingest_paths([folder], store)
    manifest = build_indexes(store, Counting())
    assert Counting.embedded == first + 1
    assert manifest.clause_count == read_manifest(tmp_path / "idx").clause_count
    assert Searcher(tmp_path / "idx", FakeEmbedder()).search("新建托育机构", mode="bm25").hits[0].clause.text == "新建托育机构5家。"


def test_stale_index_is_reported(tmp_path, seed_corpus):
    store = Store(tmp_path / "idx")
    ingest_paths([seed_corpus], store)
    with pytest.raises(ValueError, match="plankb reindex"):
        Searcher(tmp_path / "idx", FakeEmbedder())


def test_rrf_fusion_rewards_agreement():
    keyword = np.array([3.0, 2.0, 1.0, 0.0])
    dense = {0: 0.1, 1: 0.9, 3: 0.5}
    ranked = fuse(keyword, dense, np.array(["d"] * 4, dtype=object), {}, FusionParams(method="rrf"), 10)
    assert ranked[0][0] in (0, 1)
    assert {row for row, _ in ranked} == {0, 1, 2, 3}


def test_weighted_fusion_and_unknown_method():
    keyword = np.array([1.0, 0.0])
    dense = {0: 0.2, 1: 0.8}
    only_dense = fuse(keyword, dense, np.array(["d", "d"], dtype=object), {}, FusionParams(method="weighted", keyword_weight=0.0), 10)
    assert only_dense[0][0] == 1
    with pytest.raises(ValueError, match="rrf, weighted"):
        fuse(keyword, dense, np.array(["d", "d"], dtype=object), {}, FusionParams(method="max"), 10)


def test_named_documents_prefers_rare_title_terms(searcher):
    docs = searcher.documents.values()
    names = naming_terms(docs)
    assert named_documents("如皋", ["如皋"], names, docs, 0.3) == {next(iter(searcher.documents)): 0.3}
    assert not named_documents("规划 2025", ["规划", "2025"], names, docs, 0.3)


def test_shortened_titles_name_documents():
    from plankb.records import Document

    def doc(doc_id, title):
        return Document(doc_id, doc_id, "md", title, None, None, None, None, "其他", None, "", "")

    docs = [doc("a", "乡村全面振兴规划（2024—2027年）"), doc("b", "中华人民共和国学前教育法"), doc("c", "2025年江苏省政府工作报告")]
    assert referenced_documents("乡村振兴规划里的健康乡村建设", docs) == {"a"}
    assert referenced_documents("学前教育法对教师资格的规定", docs) == {"b"}
    assert referenced_documents("这个规划怎么样", docs) == set()
