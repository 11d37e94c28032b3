"""Ingestion end to end on the real corpus: paths, pages, metadata, storage and the CLI."""

import json
import shutil
from pathlib import Path

import pytest

from index.store import Store
from index.update import ingest_paths, remove_documents
from ingest.pipeline import content_hash, parse_document
from ingest.readers import read_file
from plankb.cli import main

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SEED_DIR = ROOT / "corpus"
SEED = SEED_DIR / "如皋市十四五公共服务规划(节选).txt"


def parse(path: Path):
    return parse_document(read_file(path), content_hash(path.read_bytes()))


def clause_with(parsed, fragment: str):
    matches = [c for c in parsed.clauses if fragment in c.text]
    assert matches, f"no clause contains {fragment!r}"
    return matches[0]


def test_seed_clauses_have_full_section_paths():
    from ingest.metadata import load_sidecar

    parsed = parse_document(read_file(SEED), content_hash(SEED.read_bytes()), load_sidecar(SEED_DIR)[SEED.name])
    assert parsed.document.title == "如皋市“十四五”公共服务规划（节选）"
    assert parsed.document.issuer == "如皋市人民政府"
    assert clause_with(parsed, "每千人口4.5个托位数").section_path == ("(四)扩大普惠性托育服务供给",)
    assert clause_with(parsed, "增加幼儿园学位约3000个").section_path == ("专栏1 幼有善育重点工程", "学前教育资源供给增量工程")
    assert clause_with(parsed, "高考核心指标").section_path == ("四、打造学有优教如皋样板", "(二)强化普通高中优质特色发展")
    texts = " ".join(c.text for c in parsed.clauses)
    for junk in ("本文仅代表作者观点", "本文地址", "验证码", "网站地图", "九游会"):
        assert junk not in texts
    for c in parsed.clauses:
        assert parsed.document.text[c.start : c.end] == c.text


def test_beijing_pdf_pages_and_joined_lines():
    parsed = parse(CORPUS / "reports" / "2024年北京市政府工作报告.pdf")
    assert parsed.document.page_count == 13
    assert all(c.page is not None and 1 <= c.page <= 13 for c in parsed.clauses)
    clause = clause_with(parsed, "新增中小学学位3.8万个")
    assert "\n" not in clause.text
    assert clause.section_path and clause.section_path[0].startswith("一、")
    pages = {c.page for c in parsed.clauses}
    assert len(pages) >= 12
    assert not any(c.text.strip("—- ").isdigit() for c in parsed.clauses)


def test_jiangsu_docx_headings_without_styles():
    parsed = parse(CORPUS / "reports" / "2025年江苏省政府工作报告.docx")
    assert parsed.document.title == "2025年江苏省政府工作报告"
    assert parsed.document.doc_type == "报告"
    clause = clause_with(parsed, "城镇新增就业143.02万人")
    assert clause.section_path[0] == "一、2024年工作回顾"
    assert clause.section_path[1].startswith("（六）着力增进民生福祉")


def test_policy_html_header_metadata():
    parsed = parse(CORPUS / "policies" / "国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知(国办发〔2019〕3号).html")
    doc = parsed.document
    assert doc.title == "国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知"
    assert doc.issuer == "国务院办公厅"
    assert doc.doc_number == "国办发〔2019〕3号"
    assert doc.date == "2019-01-09"
    assert doc.doc_type == "政策文件" and doc.year == 2019
    assert any("城镇小区配套幼儿园" in c.text for c in parsed.clauses)


def test_law_articles():
    parsed = parse(CORPUS / "laws" / "学前教育法(2024-11-08).md")
    assert parsed.document.title == "中华人民共和国学前教育法"
    assert parsed.document.doc_type == "法规"
    clause = clause_with(parsed, "担任幼儿园教师应当取得幼儿园教师资格")
    assert clause.section_path[-1].startswith("第") and clause.section_path[-1].endswith("条")
    assert clause.section_path[0].startswith("第") and "章" in clause.section_path[0]
    articles = [s for s in parsed.sections if s.kind == "article"]
    assert len(articles) > 80


def test_gb18030_text():
    parsed = parse(CORPUS / "history" / "2018年国务院政府工作报告(GB18030).txt")
    assert "政府工作报告" in parsed.document.title
    assert len(parsed.clauses) > 100
    assert any("就业" in c.text for c in parsed.clauses)


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "bad").iterdir()))
def test_bad_files_warn_and_index_no_junk(name):
    path = CORPUS / "bad" / name
    raw = read_file(path)
    if name == "admin_doc_with_table.pdf" and not raw.warnings:
        return  # a real text layer: readable, nothing to warn about
    assert raw.warnings and all(name in w for w in raw.warnings)
    assert any(key in " ".join(raw.warnings) for key in ("needs OCR", "unreadable text layer"))
    parsed = parse_document(raw, "x")
    for clause in parsed.clauses:
        cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in clause.text)
        assert cjk >= len(clause.text) * 0.3, clause.text


def _fake_env(monkeypatch):
    monkeypatch.setenv("PLANKB_MODEL", "fake")


def test_cli_ingest_outline_targets(tmp_path, monkeypatch, capsys):
    _fake_env(monkeypatch)
    index = tmp_path / "idx"
    assert main(["ingest", str(SEED_DIR), "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert "summary: 1 files (added 1)" in out
    assert main(["outline", "如皋", "--index", str(index)]) == 0
    outline = capsys.readouterr().out
    assert "专栏1 幼有善育重点工程" in outline and "    学前教育资源供给增量工程" in outline
    assert main(["targets", "--json", "--index", str(index)]) == 0
    targets = json.loads(capsys.readouterr().out)
    assert any(t["value"] == "4.5" and t["comparator"] == "≥" and t["year"] == "2025" for t in targets)


def test_reingest_is_idempotent_and_changes_replace(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    doc = folder / "plan.txt"
    doc.write_text("一、总体要求\n到2025年，建成10家托育机构。\n", encoding="utf-8")
    store = Store(tmp_path / "idx")
    first = ingest_paths([folder], store)
    assert first.count("added") == 1
    generation = store.generation
    again = ingest_paths([folder], store)
    assert again.count("unchanged") == 1 and store.generation == generation
    doc.write_text("一、总体要求\n到2025年，建成20家托育机构。\n", encoding="utf-8")
    changed = ingest_paths([folder], store)
    assert changed.count("updated") == 1
    assert store.counts()["documents"] == 1
    assert [c.text for c in store.clauses()] == ["到2025年，建成20家托育机构。"]
    remove_documents(store, ["plan.txt"])
    assert store.counts() == {"documents": 0, "sections": 0, "clauses": 0, "targets": 0}


def test_bad_file_is_skipped_and_batch_goes_on(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj")
    (folder / "ok.md").write_text("# 标题\n\n一、总则\n\n内容。\n", encoding="utf-8")
    store = Store(tmp_path / "idx")
    report = ingest_paths([folder], store)
    status = {f.source: f.status for f in report.files}
    assert status == {"empty.txt": "failed", "broken.pdf": "failed", "ok.md": "added"}
    messages = {f.source: f.warnings[0] for f in report.files if f.status == "failed"}
    assert "empty.txt" in messages["empty.txt"] and "broken.pdf" in messages["broken.pdf"]


def test_crash_mid_write_keeps_previous_index(tmp_path, monkeypatch):
    folder = tmp_path / "docs"
    shutil.copytree(SEED_DIR, folder)
    store = Store(tmp_path / "idx")
    ingest_paths([folder], store)
    before = store.counts()
    (folder / "new.txt").write_text("一、新增\n新的内容。\n", encoding="utf-8")
    (folder / SEED.name).write_text("完全不同的文本。\n", encoding="utf-8")

    def explode(self, db, item):
        raise KeyboardInterrupt

    monkeypatch.setattr(Store, "_insert", explode)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([folder], store)
    monkeypatch.undo()
    reopened = Store(tmp_path / "idx")
    assert reopened.counts() == before
    assert any("4.5个托位数" in c.text for c in reopened.clauses())


def test_pdf_paragraph_across_pages_cites_each_sentence_on_its_own_page():
    raw = read_file(CORPUS / "reports" / "2024年北京市政府工作报告.pdf")
    crossing = [b for b in raw.blocks if b.page_breaks]
    assert crossing, "expected at least one paragraph that runs onto the next page"
    assert not any("\ue000" in b.text for b in raw.blocks)
    parsed = parse_document(raw, "x")
    block = crossing[0]
    offset, page = block.page_breaks[0]
    start = parsed.document.text.index(block.text)
    later = [c for c in parsed.clauses if start + offset <= c.start < start + len(block.text)]
    earlier = [c for c in parsed.clauses if start <= c.start < start + offset]
    assert later and all(c.page == page for c in later)
    assert earlier and all(c.page == block.page for c in earlier)


def test_block_page_at():
    from plankb.records import Block

    block = Block("甲乙丙丁", page=3, page_breaks=((2, 4),))
    assert [block.page_at(i) for i in range(4)] == [3, 3, 4, 4]
    assert Block("甲").page_at(0) is None


def test_document_counts_per_table(tmp_path, seed_corpus):
    store = Store(tmp_path / "idx")
    ingest_paths([seed_corpus], store)
    (doc,) = store.documents()
    assert store.document_counts("clauses") == {doc.id: len(store.clauses(doc.id))}
    assert store.document_counts("targets") == {doc.id: len(store.targets(doc.id))}
    with pytest.raises(ValueError, match="clauses, sections, targets"):
        store.document_counts("documents")
