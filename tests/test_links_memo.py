"""Linked clauses (index/links.py) and the memo exports (plankb/memo.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from index.links import (
    LINK_KINDS,
    Link,
    box_number,
    group_by_kind,
    indicator_key,
    linked_clauses,
    normalise_title,
    resolve_title,
    same_indicator,
)
from plankb.memo import CitationItem, basket_docx, basket_markdown, escape_markdown
from plankb.records import DocMeta, Document, Target

PLAN = """一、发展目标

到2025年，每千人口托位数达到4.5个，重点项目见专栏1。

贯彻落实《乙省学前教育条例》，执行（国办发〔2019〕3号）要求，参照《丙市托育服务白皮书》。

加强托育机构质量评估。

专栏1 托育服务重点工程

普惠托育扩容工程。新建普惠性托育机构10家。
"""
LAW = """第一章 总则

第一条 为了发展学前教育，制定本条例。

第二条 托育机构应当符合安全标准。
"""
NOTICE = """一、工作目标

到2020年，城镇小区配套幼儿园治理工作全面完成。
"""
REPORT = """一、民生实事

新增托位数超3万个，建成托育综合服务中心20个。

养老机构护理型床位占比达到65%。
"""


def _parse(text: str, name: str, **meta):
    from index.update import parse_upload

    return parse_upload(text.encode("utf-8"), name, DocMeta(**meta))


@pytest.fixture(scope="module")
def link_index(tmp_path_factory, fake_index_builder) -> Path:
    parsed = [
        _parse(PLAN, "甲市托育服务发展规划.txt", title="甲市托育服务发展规划"),
        _parse(LAW, "乙省学前教育条例.md", title="乙省学前教育条例（2021年修订）"),
        _parse(NOTICE, "通知.txt", title="国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知", doc_number="国办发〔2019〕3号"),
        _parse(REPORT, "丁省政府工作报告.txt", title="2025年丁省政府工作报告"),
    ]
    return fake_index_builder(tmp_path_factory.mktemp("link-index"), parsed=parsed)


@pytest.fixture(scope="module")
def searcher(link_index):
    from index.embedder import FakeEmbedder
    from index.searcher import Searcher

    return Searcher(link_index, FakeEmbedder())


def _clause(searcher, needle: str):
    return next(c for c in searcher.store.clauses() if needle in c.text)


def _by_kind(links: list[Link]) -> dict[str, list[Link]]:
    return group_by_kind(links)


# ----------------------------------------------------------------------------- helpers


def test_normalise_and_resolve_titles():
    def doc(title: str) -> Document:
        return Document(title, title, "txt", title, None, None, None, None, "其他", None, "", "")

    docs = [
        doc("中华人民共和国学前教育法"),
        doc("如皋市“十四五”公共服务规划（节选）"),
        doc("国务院关于印发国家职业教育改革实施方案的通知"),
        doc("北京市学前教育条例"),
        doc("山东省学前教育条例"),
    ]
    assert normalise_title("中华人民共和国学前教育法") == "学前教育法"
    assert normalise_title("如皋市“十四五”公共服务规划（节选）") == "如皋市十四五公共服务规划"
    assert [d.title for d in resolve_title("中华人民共和国学前教育法", docs)] == ["中华人民共和国学前教育法"]
    assert [d.title for d in resolve_title("如皋市十四五公共服务规划", docs)] == ["如皋市“十四五”公共服务规划（节选）"]
    # a plan published inside its 印发 notice is found by a unique containment
    assert [d.title for d in resolve_title("国家职业教育改革实施方案", docs)] == ["国务院关于印发国家职业教育改革实施方案的通知"]
    # an ambiguous or short containment resolves to nothing rather than to a guess
    assert resolve_title("学前教育条例", docs) == []
    assert resolve_title("条例", docs) == []
    assert resolve_title("南通市义务教育优质均衡发展条例", docs) == []


def test_box_numbers():
    assert box_number("专栏1 幼有善育重点工程") == 1
    assert box_number("专栏１２") == 12
    assert box_number("专栏三 重大工程") == 3
    assert box_number("专栏十二") == 12
    assert box_number("见专栏 4。") == 4
    assert box_number("第一章") is None


def _target(indicator: str, value: str, unit: str, qualifier: str | None = None) -> Target:
    return Target("t", "d", "c", indicator, "≥", value, 0.0, unit, None, value, 0, 1, qualifier)


def test_same_indicator():
    assert indicator_key("新增普惠性托位") == "托位"
    assert indicator_key("托位数") == "托位"
    assert indicator_key("新增托位数超") == "托位"
    seed = _target("托位数", "4.5", "个", "每千人口")
    assert same_indicator(seed, _target("新增托位数超", "3万", "万个"))
    assert same_indicator(seed, _target("新增普惠托位", "1万", "个"))
    # same words, different measure: a count is not a share, a number of places is not an age
    assert not same_indicator(_target("幼儿园", "20", "所"), _target("普惠性幼儿园覆盖率", "90%", "%"))
    assert not same_indicator(_target("普惠性婴幼儿照护服务机构", "10", "家"), _target("婴幼儿", "3", "周岁"))


# ----------------------------------------------------------------------------- linked_clauses


def test_explicit_references_resolve_to_documents(searcher):
    links = linked_clauses(searcher, _clause(searcher, "贯彻落实").id)
    references = _by_kind(links)["reference"]
    titles = {link.doc_title for link in references}
    assert titles == {"乙省学前教育条例（2021年修订）", "国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知"}
    reasons = " ".join(link.reason for link in references)
    assert "引用《乙省学前教育条例》" in reasons and "引用文号 国办发〔2019〕3号" in reasons
    # 《丙市托育服务白皮书》 is not in the corpus: no link, no guess
    assert "白皮书" not in reasons
    assert all(link.citation.startswith(f"《{link.doc_title}》") for link in references)


def test_box_reference_resolves_inside_the_same_document(searcher):
    mention = _clause(searcher, "重点项目见专栏1")
    box_links = _by_kind(linked_clauses(searcher, mention.id))["box"]
    assert [link.clause.text for link in box_links] == ["新建普惠性托育机构10家。"]
    assert "专栏1" in box_links[0].reason and box_links[0].clause.doc_id == mention.doc_id
    # and back: the box's clause links to the text that mentions it
    back = _by_kind(linked_clauses(searcher, box_links[0].clause.id))["box"]
    assert [link.clause.id for link in back] == [mention.id]
    assert "正文提及本专栏" in back[0].reason


def test_same_indicator_in_other_documents(searcher):
    links = _by_kind(linked_clauses(searcher, _clause(searcher, "4.5个").id))
    indicator = links["indicator"]
    assert indicator[0].doc_title == "2025年丁省政府工作报告"
    assert "新增托位数超3万个" in indicator[0].clause.text
    assert indicator[0].reason.startswith("同一指标「")


def test_siblings_and_semantic_neighbours(searcher):
    clause = _clause(searcher, "4.5个")
    links = linked_clauses(searcher, clause.id, k=2)
    grouped = _by_kind(links)
    siblings = grouped["sibling"]
    assert 1 <= len(siblings) <= 2
    assert all(link.clause.section_id == clause.section_id for link in siblings)
    assert siblings[0].reason == "同属「一、发展目标」"
    semantic = grouped["semantic"]
    assert 1 <= len(semantic) <= 2 and all(link.clause.doc_id != clause.doc_id for link in semantic)
    assert all(link.reason.startswith("语义相近") for link in semantic)
    # never the clause itself, never one clause twice, kinds in a fixed order
    ids = [link.clause.id for link in links]
    assert clause.id not in ids and len(ids) == len(set(ids))
    order = [LINK_KINDS.index(link.kind) for link in links]
    assert order == sorted(order)


def test_links_without_an_embedder_skip_the_semantic_kind(link_index):
    from index.searcher import Searcher

    bare = Searcher(link_index)
    clause = next(c for c in bare.store.clauses() if "贯彻落实" in c.text)
    links = linked_clauses(bare, clause.id)
    kinds = {link.kind for link in links}
    assert "semantic" not in kinds and "reference" in kinds


def test_linked_clauses_rejects_bad_arguments(searcher):
    with pytest.raises(ValueError, match="no clause"):
        linked_clauses(searcher, "nope")
    with pytest.raises(ValueError, match="k must be"):
        linked_clauses(searcher, _clause(searcher, "4.5个").id, k=0)


def test_link_is_frozen(searcher):
    link = linked_clauses(searcher, _clause(searcher, "4.5个").id)[0]
    with pytest.raises(AttributeError):
        link.kind = "other"  # type: ignore[misc]


# ----------------------------------------------------------------------------- memo

ITEMS = [
    CitationItem(
        quote="到2025年,实现不低于每千人口4.5个托位数的目标,建成10家以上普惠性婴幼儿照护服务机构。",
        citation="《如皋市“十四五”公共服务规划（节选）》(四)扩大普惠性托育服务供给",
        doc_id="d1",
        clause_id="c1",
    ),
    CitationItem(quote="含有*星号*与<b>标签</b>和\x07控制符", citation="《甲》（国办发〔2019〕3号）一、总则，第3页", doc_id="d2", clause_id="c2"),
]


def test_markdown_export():
    text = basket_markdown(ITEMS)
    assert text.startswith("# 引用摘录\n")
    assert "> 1. “到2025年,实现不低于每千人口4.5个托位数的目标" in text
    assert "> ——《如皋市“十四五”公共服务规划（节选）》(四)扩大普惠性托育服务供给" in text
    # markup in a quote is shown literally, not interpreted; control characters are dropped
    assert r"\*星号\*与\<b\>标签\</b\>" in text and "\x07" not in text
    assert basket_markdown([], "备忘") == "# 备忘\n\n（引用篮为空）\n"
    assert escape_markdown("a_b#c") == r"a\_b\#c"


def test_docx_export_reads_back():
    from docx import Document as WordDocument
    from docx.oxml.ns import qn

    data = basket_docx(ITEMS, title="托育政策摘录")
    assert data[:2] == b"PK"
    memo = WordDocument(io.BytesIO(data))
    paragraphs = [p.text for p in memo.paragraphs]
    assert paragraphs[0] == "托育政策摘录"
    assert paragraphs[1] == f"“{ITEMS[0].quote}”"
    assert paragraphs[2] == f"——{ITEMS[0].citation}"
    assert paragraphs[3] == "“含有*星号*与<b>标签</b>和控制符”"
    assert paragraphs[4] == f"——{ITEMS[1].citation}"
    fonts = memo.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    assert [p.text for p in WordDocument(io.BytesIO(basket_docx([]))).paragraphs] == ["引用摘录", "（引用篮为空）"]


def test_citation_item_is_frozen():
    with pytest.raises(AttributeError):
        ITEMS[0].quote = "x"  # type: ignore[misc]
