"""The Streamlit views, driven through AppTest on small fake-embedder indexes (see conftest.py).

Each test starts the app from its entry script, as `streamlit run app.py` would, and switches
to one page; query parameters stand in for deep links.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
SEED_QUESTION = "到2025年每千人口要有多少个托位？"
SEED_TITLE = "如皋市“十四五”公共服务规划（节选）"
TIMEOUT = 60


def open_page(page: str, query_params: dict | None = None, session: dict | None = None):
    """Run the app, switch to ``page`` (a views/*.py path) and run it with the given URL state."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(page)
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(markdown: str) -> str:
    """Markdown text as displayed: backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def html_of(at) -> str:
    return "\n".join(h.value for h in at.html)


def text_of(at) -> str:
    """The rendered HTML with our highlighting tags removed (entities stay escaped)."""
    return re.sub(r"</?mark[^>]*>", "", html_of(at))


def all_text(at) -> str:
    parts = [html_of(at)]
    for kind in ("markdown", "caption", "title", "subheader", "info", "warning", "error", "success", "text"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [plain(b.label) for b in at.button]
    return "\n".join(parts)


def seed_clause(index_dir: Path, needle: str = "4.5个托位"):
    from index.store import Store

    store = Store(index_dir)
    try:
        return next(c for c in store.clauses() if needle in c.text)
    finally:
        store.close()


def ask(at, question: str, mode: str | None = None):
    at.text_input(key="search-q").input(question)
    if mode:
        at.radio(key="search-mode").set_value(mode)
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ----------------------------------------------------------------------------- 问答检索


def test_search_shows_the_seed_answer(app_env):
    at = ask(open_page("views/search.py"), SEED_QUESTION)
    answer = next(h.value for h in at.html if "pk-answer" in h.value)
    assert '<span class="pk-value">4.5</span>' in answer
    assert "每千人口托位数" in answer and "2025年" in answer and "不低于" in answer
    # the number is highlighted inside its clause, and the citation names the document
    assert '<mark class="pk-ans">' in answer and "4.5" in answer.split('<mark class="pk-ans">', 1)[1]
    assert f"《{SEED_TITLE}》" in answer
    # hits grouped by document with section breadcrumbs; query terms highlighted
    page = html_of(at)
    assert "(四)扩大普惠性托育服务供给" in page
    assert "<mark>托位</mark>" in page
    assert any(b.label == "加入引用" for b in at.button)
    assert at.query_params.get("q") == SEED_QUESTION


def test_search_unconfident_result_is_marked(app_env):
    at = ask(open_page("views/search.py"), "婴幼儿照护服务体系的总体思路是什么", mode="bm25")
    if any("未找到可靠答案" in w.value for w in at.warning):
        assert any(s.value == "最接近的条款（未确认）" for s in at.subheader)
    else:
        assert any(s.value == "相关条款" for s in at.subheader)


def test_search_reads_a_q_link_and_marks_no_results(app_env):
    at = open_page("views/search.py", {"q": SEED_QUESTION})
    assert '<span class="pk-value">4.5</span>' in html_of(at)
    at = ask(open_page("views/search.py"), "qqqq zzzz", mode="bm25")
    assert any("没有找到结果" in i.value for i in at.info)


def test_search_filters_by_document(app_env, compare_index):
    app_env(compare_index)
    at = open_page("views/search.py")
    jiangsu = next(d for d in at.multiselect(key="search-docs").options if "江苏" in d)
    at.multiselect(key="search-docs").set_value([_doc_id_by_title(compare_index, jiangsu)])
    ask(at, "托位")
    headings = [h.value for h in at.html if h.value.startswith("<h4>")]
    assert headings and all("江苏" in h for h in headings)


def _doc_id_by_title(index_dir: Path, title: str) -> str:
    from index.store import Store

    store = Store(index_dir)
    try:
        return next(d.id for d in store.documents() if d.title == title)
    finally:
        store.close()


def test_add_to_basket_from_search(app_env):
    at = ask(open_page("views/search.py"), SEED_QUESTION)
    next(b for b in at.button if b.label == "加入引用").click().run()
    items = at.session_state["citation_basket"]
    assert len(items) == 1 and "4.5" in items[0].quote
    assert items[0].citation.startswith(f"《{SEED_TITLE}》")


# ----------------------------------------------------------------------------- 文档浏览


def test_browse_shows_the_outline(app_env):
    at = open_page("views/browse.py")
    labels = [plain(b.label) for b in at.button]
    assert any("专栏1" in label and "幼有善育重点工程" in label for label in labels)
    assert any("扩大普惠性托育服务供给" in label for label in labels)
    assert any("打造学有优教如皋样板" in label for label in labels)


def test_browse_deep_link_opens_the_clause_in_context(app_env, seed_index):
    clause = seed_clause(seed_index)
    at = open_page("views/browse.py", {"doc": clause.doc_id, "clause": clause.id})
    assert any(s.value == "条款上下文" for s in at.subheader)
    focused = [h.value for h in at.html if "pk-focus" in h.value]
    assert focused and "4.5个托位数" in focused[0]
    # the neighbours are there too
    assert "增设托班" in html_of(at) or "嵌入式儿童托育点" in html_of(at)


def test_browse_section_button_sets_the_url(app_env):
    at = open_page("views/browse.py")
    button = next(b for b in at.button if "幼有善育重点工程" in plain(b.label))
    button.click().run()
    assert at.query_params.get("section")
    assert "学前教育资源供给增量工程" in html_of(at)


# ----------------------------------------------------------------------------- 目标指标


def test_targets_table_lists_the_seed_targets(app_env, seed_index):
    from index.store import Store

    at = open_page("views/targets.py")
    table = at.dataframe[0].value
    store = Store(seed_index)
    try:
        assert len(table) == store.counts()["targets"]
    finally:
        store.close()
    rows = set(zip(table["指标"], table["数值"]))
    assert ("每千人口托位数", "4.5") in rows
    assert {"指标", "比较", "数值", "单位", "年份", "文档", "章节"} <= set(table.columns)
    assert set(table["文档"]) == {SEED_TITLE}
    assert {b.label for b in at.download_button} >= {"下载 CSV", "下载 Excel"}


def test_targets_filter_form(app_env):
    at = open_page("views/targets.py")
    at.text_input(key="targets-kw").input("覆盖率")
    at.form_submit_button[0].click().run()
    table = at.dataframe[0].value
    assert len(table) >= 1 and all("覆盖率" in i or "覆盖率" in s for i, s in zip(table["指标"], table["原文"]))


def test_targets_compares_one_indicator_across_documents(app_env, compare_index):
    app_env(compare_index)
    at = open_page("views/targets.py")
    headings = [h.value for h in at.html if h.value.startswith("<h4>")]
    assert any("如皋" in h for h in headings)
    assert any("北京" in h for h in headings)
    assert any("江苏" in h for h in headings)


# ----------------------------------------------------------------------------- 关联条款


def test_related_view_labels_each_link(app_env, compare_index):
    app_env(compare_index)
    clause = seed_clause(compare_index)
    at = open_page("views/related.py", {"clause": clause.id})
    kinds = {s.value.split("（")[0] for s in at.subheader}
    assert {"同一指标", "同节条款", "语义相近"} <= kinds
    reasons = html_of(at)
    assert "同一指标「每千人口托位数」" in reasons
    assert "同属「(四)扩大普惠性托育服务供给」" in reasons


def test_related_view_without_a_clause_uses_the_picker(app_env):
    at = open_page("views/related.py")
    assert at.selectbox(key="related-clause").value is not None
    assert any(s.value.startswith("同节条款") for s in at.subheader)


# ----------------------------------------------------------------------------- 引用与备忘录


def test_basket_exports_a_docx_that_word_can_read(app_env, seed_index, monkeypatch):
    from docx import Document
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    downloads: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        if filename:
            downloads[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)

    at = ask(open_page("views/search.py"), SEED_QUESTION)
    next(b for b in at.button if b.label == "加入引用").click().run()
    items = at.session_state["citation_basket"]
    at.switch_page("views/basket.py").run()
    assert not at.exception
    assert {b.label for b in at.download_button} == {"导出 Markdown", "导出 Word (DOCX)"}

    memo = Document(io.BytesIO(downloads["引用摘录.docx"]))
    paragraphs = [p.text for p in memo.paragraphs]
    assert paragraphs[0] == "引用摘录"
    assert any(items[0].quote in p for p in paragraphs)
    assert any(p == f"——{items[0].citation}" for p in paragraphs)
    markdown = downloads["引用摘录.md"].decode("utf-8")
    assert "4.5" in markdown and SEED_TITLE.replace("“", "").replace("”", "")[:3] in markdown


def test_basket_remove_and_empty_state(app_env, seed_index):
    from plankb.memo import CitationItem

    clause = seed_clause(seed_index)
    item = CitationItem(clause.text, f"《{SEED_TITLE}》", clause.doc_id, clause.id)
    at = open_page("views/basket.py", session={"citation_basket": [item]})
    assert "4.5个托位数" in html_of(at)
    next(b for b in at.button if b.label == "移除").click().run()
    assert at.session_state["citation_basket"] == []
    assert any("引用篮是空的" in i.value for i in at.info)


# ----------------------------------------------------------------------------- 文档管理


def _store_state(index_dir: Path):
    from index.store import Store

    store = Store(index_dir)
    try:
        return store.generation, store.counts()
    finally:
        store.close()


def test_manage_lists_documents(app_env):
    at = open_page("views/manage.py")
    table = at.dataframe[0].value
    assert list(table["标题"]) == [SEED_TITLE]
    assert table["条款"][0] > 0 and table["目标"][0] > 0


def test_bad_upload_is_reported_and_the_index_is_kept(app_env, seed_index):
    before = _store_state(seed_index)
    at = open_page("views/manage.py")
    at.file_uploader[0].set_value(("../坏文件.pdf", b"%PDF-1.4 this is not a pdf", "application/pdf"))
    at.form_submit_button[0].click().run()
    assert not at.exception
    errors = [plain(e.value) for e in at.error]
    assert errors and "坏文件.pdf" in errors[0] and "未入库" in errors[0]
    assert "../" not in errors[0]  # the name was sanitised
    assert _store_state(seed_index) == before
    # the other views still search the unchanged index
    at.switch_page("views/search.py").run()
    ask(at, SEED_QUESTION)
    assert '<span class="pk-value">4.5</span>' in html_of(at)


def test_scanned_pdf_upload_warns_that_it_needs_ocr(app_env, fresh_index):
    scanned = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "bad" / "scanned_image_only.pdf"
    if not scanned.is_file():
        pytest.skip(f"{scanned} not found")
    app_env(fresh_index)
    at = open_page("views/manage.py")
    at.file_uploader[0].set_value((scanned.name, scanned.read_bytes(), "application/pdf"))
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = [plain(w.value) for w in at.warning]
    assert any("scanned_image_only.pdf" in w and "需要 OCR" in w for w in warnings)
    table = at.dataframe[0].value
    assert any("需要 OCR" in note for note in table["提示"])


def test_upload_updates_the_index_without_a_restart(app_env, fresh_index):
    app_env(fresh_index)
    at = open_page("views/search.py")
    ask(at, "甲市养老床位", mode="bm25")
    assert "甲市养老床位达到3000张" not in text_of(at)

    at.switch_page("views/manage.py").run()
    text = "一、发展目标\n\n到2025年，甲市养老床位达到3000张。\n".encode("utf-8")
    at.file_uploader[0].set_value(("甲市养老服务规划.txt", text, "text/plain"))
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("甲市养老服务规划.txt" in plain(s.value) and "新增" in s.value for s in at.success)
    assert _store_state(fresh_index)[1]["documents"] == 2

    at.switch_page("views/search.py").run()
    ask(at, "甲市养老床位", mode="bm25")
    assert "甲市养老床位达到3000张" in text_of(at)


def test_remove_document_and_empty_state(app_env, fresh_index):
    app_env(fresh_index)
    at = open_page("views/manage.py")
    at.checkbox[0].check()
    next(b for b in at.form_submit_button if b.label == "删除").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _store_state(fresh_index)[1]["documents"] == 0
    at.switch_page("views/search.py").run()
    assert any("还没有文档，请在「文档管理」上传" in i.value for i in at.info)


def test_empty_index_shows_the_empty_state_everywhere(app_env, tmp_path):
    app_env(tmp_path / "empty")
    for page in ("views/search.py", "views/browse.py", "views/targets.py", "views/related.py"):
        at = open_page(page)
        assert any("还没有文档，请在「文档管理」上传" in i.value for i in at.info), page
    at = open_page("views/basket.py")
    assert any("引用篮是空的" in i.value for i in at.info)


# ----------------------------------------------------------------------------- escaping

HOSTILE_TITLE = '<img src=x onerror="alert(1)">恶意标题'
HOSTILE_TEXT = (
    "一、总体要求\n\n"
    "到2025年，托位数达到<script>alert('x')</script>5000个。\n\n"
    "二、保障措施\n\n"
    '加强托育<img src=x onerror="alert(2)">服务监管，**加粗**与:red[红字]不应生效。\n'
)


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory, fake_index_builder, seed_corpus) -> Path:
    from index.update import parse_upload
    from plankb.records import DocMeta

    parsed = parse_upload(HOSTILE_TEXT.encode("utf-8"), "hostile.txt", DocMeta(title=HOSTILE_TITLE))
    return fake_index_builder(tmp_path_factory.mktemp("hostile-index"), [seed_corpus], parsed=[parsed])


def _assert_escaped(at) -> None:
    for element in [*at.html, *at.markdown]:
        value = str(element.value)
        assert "<script" not in value and "<img" not in value, value[:300]


def test_document_markup_is_always_escaped(app_env, hostile_index):
    app_env(hostile_index)
    hostile = seed_clause(hostile_index, "<img")
    at = open_page("views/search.py")
    at.multiselect(key="search-docs").set_value([hostile.doc_id])
    ask(at, "托育服务监管 托位", mode="bm25")
    page = text_of(at)
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=" in page
    _assert_escaped(at)

    clause = hostile
    at = open_page("views/browse.py", {"doc": clause.doc_id, "clause": clause.id})
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in text_of(at)
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;恶意标题" in text_of(at)  # the title, escaped
    _assert_escaped(at)

    for page_path, params in (("views/related.py", {"clause": clause.id}), ("views/targets.py", {}), ("views/manage.py", {})):
        _assert_escaped(open_page(page_path, params))


# ----------------------------------------------------------------------------- pure helpers behind the views


def test_sanitize_filename_and_upload_checks():
    from views.data import MAX_UPLOAD_BYTES, sanitize_filename, upload_problem

    assert sanitize_filename("../../etc/passwd") == "passwd"
    assert sanitize_filename("C:\\Users\\x\\规划.PDF") == "规划.pdf"
    assert sanitize_filename('a<b>:"c|?.txt') == "a_b___c__.txt"
    assert sanitize_filename("\x00.txt") == "_.txt"
    assert len(sanitize_filename("长" * 500 + ".docx")) <= 120
    assert upload_problem("a.exe", 10) and "不支持" in upload_problem("a.exe", 10)
    assert "过大" in upload_problem("a.pdf", MAX_UPLOAD_BYTES + 1)
    assert upload_problem("a.pdf", 0) == "a.pdf：文件为空"
    assert upload_problem("规划.docx", 1000) is None


def test_reader_messages_are_shown_in_chinese():
    from views.data import friendly_message

    assert friendly_message("a.pdf: pages 1-2 have no text layer (needs OCR)", "a.pdf") == "第 1-2 页没有文字层（扫描件，需要 OCR 识别）"
    assert friendly_message("a.pdf: not a valid PDF (no %PDF header)", "a.pdf") == "不是有效的 PDF 文件（已损坏或不完整）"
    assert friendly_message("something new", "a.pdf") == "something new"


def test_target_exports_round_trip(seed_index):
    import pandas as pd

    from index.store import Store
    from views.data import compare_indicator, csv_bytes, excel_bytes, filter_targets, targets_frame

    store = Store(seed_index)
    try:
        frame = targets_frame(store)
    finally:
        store.close()
    assert ("每千人口托位数", "4.5") in set(zip(frame["指标"], frame["数值"]))
    csv = csv_bytes(frame)
    assert csv.startswith(b"\xef\xbb\xbf") and "每千人口托位数".encode() in csv
    excel = pd.read_excel(io.BytesIO(excel_bytes(frame)), dtype=str)
    assert len(excel) == len(frame) and "每千人口托位数" in set(excel["指标"])
    assert "doc_id" not in excel.columns
    assert len(filter_targets(frame, "托位")) >= 1
    assert filter_targets(frame, "不存在的指标").empty
    groups = compare_indicator(frame, "托位")
    assert [title for title, _ in groups] == [SEED_TITLE]


def test_highlight_escapes_every_segment():
    from views.render import highlight

    out = highlight("到2025年<b>托位</b>&达到4.5个", ["托位", "2025"], [(18, 21)])
    assert out.startswith("到<mark>2025</mark>年&lt;b&gt;<mark>托位</mark>&lt;/b&gt;&amp;")
    assert '<mark class="pk-ans">4.5</mark>' in out
    assert highlight("<script>", ["script"]) == "&lt;<mark>script</mark>&gt;"
