"""Section tree and clause splitting: numbering schemes, 专栏 boxes, law articles, offsets."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.numbering import match_numbering
from ingest.structure import parse_structure, split_sentences
from plankb.records import Block


def _parse(lines, levels=None):
    blocks = [Block(t, heading_level=(levels or {}).get(i)) for i, t in enumerate(lines)]
    return parse_structure("doc", blocks)


def test_numbering_ranks_follow_the_scheme_not_frequency():
    # Many 1. items must not push 一、 or （一） headings out of the hierarchy.
    lines = ["一、总体要求", "（一）指导思想", "1.坚持党的领导", "2.坚持人民至上", "3.坚持系统观念", "4.坚持改革", "（二）主要目标", "二、重点任务"]
    _, sections, _ = _parse(lines)
    paths = [s.path for s in sections]
    assert ("一、总体要求", "（一）指导思想", "3.坚持系统观念") in paths
    assert ("一、总体要求", "（二）主要目标") in paths
    assert ("二、重点任务",) in paths


def test_fragment_starting_mid_document_keeps_paths():
    lines = ["(二)加强健康管理", "为婴幼儿提供服务。", "专栏1 重点工程", "妇幼健康设施提升工程。提升服务能级。", "四、打造样板", "(一)推进均衡发展", "坚持免试就近入学。"]
    text, sections, clauses = _parse(lines)
    by_text = {c.text: c.section_path for c in clauses}
    assert by_text["为婴幼儿提供服务。"] == ("(二)加强健康管理",)
    assert by_text["提升服务能级。"] == ("专栏1 重点工程", "妇幼健康设施提升工程")
    assert by_text["坚持免试就近入学。"] == ("四、打造样板", "(一)推进均衡发展")
    kinds = {s.title: s.kind for s in sections}
    assert kinds["专栏1 重点工程"] == "box" and kinds["妇幼健康设施提升工程"] == "box_item"


def test_run_in_heading_splits_title_from_body():
    _, sections, clauses = _parse(["（一）明确治理范围。各地要对小区配套幼儿园进行摸底。到2019年完成整改。"])
    assert sections[0].title == "（一）明确治理范围"
    assert [c.text for c in clauses] == ["各地要对小区配套幼儿园进行摸底。", "到2019年完成整改。"]


def test_law_articles_and_their_enumerations():
    lines = ["第一章 总 则", "第一条 为了保障适龄儿童接受学前教育，制定本法。", "第二条 有下列情形之一的，依法处理：", "（一）未经批准擅自设立幼儿园的；", "（二）其他违法行为。", "第二章 学前儿童"]
    _, sections, clauses = _parse(lines)
    assert [s.path for s in sections] == [
        ("第一章 总 则",),
        ("第一章 总 则", "第一条"),
        ("第一章 总 则", "第二条"),
        ("第二章 学前儿童",),
    ]
    item = next(c for c in clauses if c.text.startswith("（一）"))
    assert item.section_path == ("第一章 总 则", "第二条")


def test_markdown_headings_nest_by_level_when_unnumbered():
    _, sections, _ = _parse(["附录", "说明", "正文。"], levels={0: 2, 1: 3})
    assert sections[1].path == ("附录", "说明")


def test_section_ends_cover_their_subsections():
    text, sections, _ = _parse(["一、甲", "（一）乙", "内容。", "二、丙", "更多。"])
    first = sections[0]
    assert text[first.start : first.end].startswith("一、甲") and "二、丙" not in text[first.start : first.end]
    assert sections[-1].end == len(text)


def test_clause_ids_are_stable_and_distinct():
    lines = ["一、甲", "重复的句子。重复的句子。"]
    _, _, a = _parse(lines)
    _, _, b = _parse(lines)
    assert [c.id for c in a] == [c.id for c in b]
    assert len({c.id for c in a}) == len(a)


def test_numbers_are_not_headings():
    assert match_numbering("1.5万人参加培训") is None
    assert match_numbering("2025年完成") is None
    assert match_numbering("两、三个") is None
    assert match_numbering("一、总体要求").scheme == "一、"
    assert match_numbering("一、2023年工作回顾").scheme == "一、"
    assert match_numbering("（十二）其他").scheme == "（一）"
    assert match_numbering("第十二条 规定").scheme == "条"


def test_split_sentences_keeps_closing_quotes():
    text = "建成“如皋方案”。推进“双减”！其他；"
    assert [text[s:e] for s, e in split_sentences(text)] == ["建成“如皋方案”。", "推进“双减”！", "其他；"]


_paragraph = st.text(
    alphabet=st.sampled_from(list("一二三四五六七八九十（）()、.。；！？：第章节条篇专栏工程行动 \t12345abc托位幼儿园”“")),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_paragraph, max_size=25), st.lists(st.one_of(st.none(), st.integers(1, 6)), max_size=25))
def test_any_blocks_parse_and_offsets_map_back(texts, levels):
    blocks = [Block(t.strip() or "x", heading_level=levels[i] if i < len(levels) else None) for i, t in enumerate(texts)]
    text, sections, clauses = parse_structure("doc", blocks)
    for clause in clauses:
        assert text[clause.start : clause.end] == clause.text
        assert clause.text.strip() == clause.text and clause.text
    for section in sections:
        assert 0 <= section.start <= section.end <= len(text)
        assert section.path and all(section.path)
    assert [c.ordinal for c in clauses] == list(range(len(clauses)))


def test_table_of_contents_lines_are_skipped():
    lines = ["第一篇总论第一章指导思想第二章发展目标", "第一篇总论", "第一章指导思想", "坚持发展。"]
    _, sections, clauses = _parse(lines)
    assert [s.path for s in sections] == [("第一篇 总论",), ("第一篇 总论", "第一章 指导思想")]
    assert [c.text for c in clauses] == ["坚持发展。"]


def test_chapter_headings_repeated_later_are_contents_entries():
    lines = ["第一章 总则", "第二章 目标", "第一章 总则", "正文。", "第二章 目标", "更多。"]
    _, sections, clauses = _parse(lines)
    assert [s.path for s in sections] == [("第一章 总则",), ("第二章 目标",)]
    assert clauses[0].section_path == ("第一章 总则",)


def test_unnumbered_markup_headings_nest_under_numbered_ones():
    # "## 一、总体要求" then "### 工作原则": the unnumbered subheading belongs to 一、, and the next
    # numbered "## 二、" closes it.
    lines = ["一、总体要求", "工作原则", "坚持。", "主要目标", "到2027年。", "二、优化布局", "（一）统筹"]
    _, sections, clauses = _parse(lines, levels={0: 2, 1: 3, 3: 3, 5: 2, 6: 3})
    assert [s.path for s in sections] == [
        ("一、总体要求",),
        ("一、总体要求", "工作原则"),
        ("一、总体要求", "主要目标"),
        ("二、优化布局",),
        ("二、优化布局", "（一）统筹"),
    ]


def test_chapter_label_is_spaced_from_its_title():
    _, sections, _ = _parse(["第四章教职工", "第三十七条 担任幼儿园教师应当取得幼儿园教师资格。", "第五章 附则"])
    assert [s.title for s in sections] == ["第四章 教职工", "第三十七条", "第五章 附则"]
