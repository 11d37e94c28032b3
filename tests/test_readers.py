"""Format readers on the real corpus (../shared/corpus), bad files, and parser properties."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.boilerplate import strip_boilerplate
from ingest.read_pdf import PAGE_MARK, Line, drop_running_lines, join_lines, text_layer_is_garbage
from ingest.read_text import clean_paragraph, parse_cn_date, parse_markdown, parse_text_blocks
from ingest.readers import SUPPORTED_SUFFIXES, ReadError, read_bytes, read_file
from plankb.records import Block, RawDocument


def corpus(relative: str = "") -> Path:
    """A path in the shared corpus, which sits beside the checkout here and in CI."""
    return Path(__file__).resolve().parents[2] / "shared" / "corpus" / relative


pytestmark = pytest.mark.skipif(not corpus().is_dir(), reason="shared corpus not present beside the checkout")


def texts(raw: RawDocument) -> list[str]:
    return [block.text for block in raw.blocks]


def assert_clean_blocks(raw: RawDocument) -> None:
    for block in raw.blocks:
        assert block.text and block.text == block.text.strip() and "\n" not in block.text


@pytest.fixture(scope="module")
def beijing_pdf() -> RawDocument:
    return read_file(corpus("reports/2024年北京市政府工作报告.pdf"))


# ---------------------------------------------------------------- contract


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == {".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf"}


def test_read_bytes_matches_read_file_and_uses_base_name():
    path = corpus("policies/国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知(国办发〔2019〕3号).html")
    from_disk = read_file(path)
    uploaded = read_bytes(path.read_bytes(), f"uploads/{path.name}")
    assert uploaded == from_disk
    assert from_disk.source == path.name


# ---------------------------------------------------------------- PDF


def test_beijing_pdf_pages_and_wrapped_sentences(beijing_pdf):
    assert beijing_pdf.fmt == "pdf" and beijing_pdf.page_count == 13
    assert beijing_pdf.warnings == ()
    assert_clean_blocks(beijing_pdf)
    assert {block.page for block in beijing_pdf.blocks} == set(range(1, 14))
    all_text = texts(beijing_pdf)
    # Wrapped after "提出" on page 1: the two lines are one paragraph again.
    assert "现在，我代表北京市人民政府，向大会报告政府工作，请予审议，并请市政协委员提出意见。" in all_text
    assert "一、2023年工作回顾" in all_text  # a heading line is not glued to its paragraph
    joined = "\n".join(all_text)
    assert "28.1万人" in joined and "28.1 万人" not in joined
    assert "增长5.2%" in joined


def test_beijing_pdf_paragraph_crossing_a_page_keeps_its_first_page(beijing_pdf):
    # "…有序处置重点" ends page 3 and "企业风险…" starts page 4.
    block = next(b for b in beijing_pdf.blocks if "有序处置重点企业风险" in b.text)
    assert block.page == 3


def test_beijing_pdf_has_no_page_number_blocks(beijing_pdf):
    page_number = re.compile(r"^[-—–\s]*\d{1,3}[-—–\s]*$|^第\d+页$")
    assert not [b.text for b in beijing_pdf.blocks if page_number.match(b.text)]


def test_pdf_line_joining_rules():
    full = "一二三四五六七八九十一二三四五六七八九十"
    lines = [
        Line(full, 1, 2, 40),
        Line("继续的句子。", 1, 0, 12),
        Line("（一）标题行", 1, 2, 12),
        Line("Latin words wrap", 1, 0, 40),
        Line("here.", 2, 0, 5),
    ]
    paragraphs = join_lines(lines)
    # The page change inside the last paragraph is marked; pdf_content moves it into page_breaks.
    assert [text for text, _ in paragraphs] == [full + "继续的句子。", "（一）标题行", f"Latin words wrap {PAGE_MARK}here."]
    assert [page for _, page in paragraphs] == [1, 1, 1]


def test_running_headers_and_page_numbers_are_dropped():
    body = ["甲", "乙", "丙", "丁", "戊"]
    pages = [
        [Line("某市政府工作报告", n, 0, 16), Line(f"{body[n - 1]}页正文。", n, 0, 30), Line(f"— {n} —", n, 0, 6)]
        for n in range(1, 6)
    ]
    kept = drop_running_lines(pages)
    assert [[line.text for line in lines] for lines in kept] == [[f"{b}页正文。"] for b in body]


def test_garbage_text_layer_measures():
    assert text_layer_is_garbage("国务院关于开展城镇小区配套幼儿园治理工作的通知".encode("gbk").decode("latin-1"))
    assert text_layer_is_garbage("ᄉଲസݓ\u0af6ބ࠶ࣜഠؿ߶ᅚֻ\u0d45۱\u0ef4୍۔߃࠹ေ" * 2)
    assert not text_layer_is_garbage("国务院关于开展城镇小区配套幼儿园治理工作的通知，2019年1月9日。")
    assert not text_layer_is_garbage("An ordinary English sentence with numbers 1, 2 and 3.")


# ---------------------------------------------------------------- bad PDFs


@pytest.mark.parametrize(
    ("name", "warning"),
    [
        ("scanned_image_only.pdf", "scanned_image_only.pdf: pages 1-2 have no text layer (needs OCR)"),
        ("garbled_gbk_text_layer.pdf", "garbled_gbk_text_layer.pdf: page 1 has an unreadable text layer"),
        ("云南省十五计划纲要(文字层乱码).pdf", "云南省十五计划纲要(文字层乱码).pdf: pages 1-28 have an unreadable text layer"),
    ],
)
def test_bad_pdfs_warn_and_yield_no_blocks(name, warning):
    raw = read_file(corpus(f"bad/{name}"))
    assert raw.blocks == ()
    assert warning in raw.warnings
    assert any("no readable text" in w for w in raw.warnings)


def test_admin_doc_has_a_real_text_layer_and_a_table():
    raw = read_file(corpus("bad/admin_doc_with_table.pdf"))
    assert raw.warnings == () and raw.page_count == 1
    assert_clean_blocks(raw)
    all_text = texts(raw)
    assert "第十七条职工代表大会工作机构的任务是：" in all_text
    # A hanging-indent item wrapped over two lines is one block.
    assert "(一) 应由女性工会主席或副主席担任，若企业无女性工会主席或副主席的，由符合相应条件的女性工会委员担任。" in all_text
    assert "职位 | 人数 | 工作职责" in all_text and "工会主席 | 1 | 全面负责工会工作" in all_text
    assert "4" not in all_text  # the page number


# ---------------------------------------------------------------- DOCX, HTML


def test_jiangsu_docx():
    raw = read_file(corpus("reports/2025年江苏省政府工作报告.docx"))
    assert raw.fmt == "docx" and raw.warnings == ()
    assert_clean_blocks(raw)
    all_text = texts(raw)
    assert all_text[0] == "2025年江苏省政府工作报告"
    assert "一、2024年工作回顾" in all_text
    assert all(block.page is None and block.heading_level is None for block in raw.blocks)  # no styles
    assert raw.meta.title is None  # the core-properties title is empty
    assert not any(t.startswith("来源：") for t in all_text)  # news-site source line


def test_gov_cn_html_metadata_and_body():
    raw = read_file(corpus("policies/国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知(国办发〔2019〕3号).html"))
    assert raw.meta.issuer == "国务院办公厅"
    assert raw.meta.doc_number == "国办发〔2019〕3号"
    assert raw.meta.date == "2019-01-09"
    assert raw.meta.title == "国务院办公厅关于开展城镇小区配套幼儿园治理工作的通知"
    assert raw.meta.topic == "科技、教育\\教育"
    assert_clean_blocks(raw)
    all_text = texts(raw)
    assert all_text[0] == raw.meta.title  # the title set over two centred lines is one block
    assert "一、总体要求" in all_text and all_text[-1] == "（此件公开发布）"
    assert not any("索引号" in t or "发文机关" in t for t in all_text)  # header table is metadata only


def test_docx_styles_tables_and_content_controls():
    import io

    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    document.core_properties.title = "某市托育服务专项规划"
    document.add_heading("某市托育服务专项规划", 0)
    document.add_heading("第一章 总体要求", 1)
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ["指标", "2020年", "2025年"]):
        cell.text = text
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "托位数"
    table.cell(1, 2).text = "4.5"
    wrapped = document.add_paragraph("在内容控件中的段落。")
    sdt = document.element.body.makeelement(qn("w:sdt"), {})
    content = sdt.makeelement(qn("w:sdtContent"), {})
    wrapped._p.addprevious(sdt)
    content.append(wrapped._p)
    sdt.append(content)
    document.add_heading("（一）小标题", 2)
    buffer = io.BytesIO()
    document.save(buffer)

    raw = read_bytes(buffer.getvalue(), "plan.docx")
    assert raw.meta.title == "某市托育服务专项规划"
    assert [(b.text, b.heading_level) for b in raw.blocks] == [
        ("某市托育服务专项规划", 1),
        ("第一章总体要求", 1),
        ("指标 | 2020年 | 2025年", None),
        ("托位数 | 4.5", None),  # the merged cell appears once
        ("在内容控件中的段落。", None),
        ("（一）小标题", 2),
    ]


def test_html_without_content_cell_and_in_gbk():
    page = """<html><head><meta charset="gbk"><title>页面标题</title><script>var x = "不要";</script></head>
    <body><nav>首页 | 政策</nav><h1>某县托育规划</h1><div><span>发文机关：</span>某县人民政府</div>
    <h2>一、目标</h2><p>到2025年，<b>托位数</b>达到<br>4.5个。</p>
    <table><tr><th>指标</th><th>目标</th></tr><tr><td>托位</td><td>4.5</td></tr></table>
    <p style="display:none">隐藏</p><footer>版权所有</footer></body></html>"""
    raw = read_bytes(page.encode("gbk"), "page.htm")
    assert raw.meta.title == "页面标题" and raw.meta.issuer == "某县人民政府"
    assert [(b.text, b.heading_level) for b in raw.blocks] == [
        ("某县托育规划", 1),
        ("发文机关：某县人民政府", None),
        ("一、目标", 2),
        ("到2025年，托位数达到", None),
        ("4.5个。", None),
        ("指标 | 目标", None),
        ("托位 | 4.5", None),
    ]


# ---------------------------------------------------------------- text and Markdown


def test_gb18030_text_decodes_without_web_clutter():
    raw = read_file(corpus("history/2018年国务院政府工作报告(GB18030).txt"))
    assert_clean_blocks(raw)
    joined = "\n".join(texts(raw))
    assert "政府工作报告" in joined and "各位代表：" in texts(raw)
    assert "新华社记者" not in joined and "新华社北京3月22日电" not in joined


def test_markdown_front_matter_becomes_metadata():
    raw = read_file(corpus("plans/乡村全面振兴规划(2024—2027年).md"))
    assert raw.meta.title == "乡村全面振兴规划（2024—2027年）"
    assert raw.meta.issuer == "中共中央、国务院" and raw.meta.date == "2025-01-22"
    assert raw.blocks[0] == Block("乡村全面振兴规划（2024—2027年）", None, 1)
    assert Block("一、总体要求", None, 2) in raw.blocks
    joined = "\n".join(texts(raw))
    for junk in ("发布机构", "发布时间", "来源", "https://", "**", "---", "> "):
        assert junk not in joined


def test_markdown_law_drops_html_comments():
    raw = read_file(corpus("laws/学前教育法(2024-11-08).md"))
    assert raw.meta.title == "中华人民共和国学前教育法"
    assert not any("INFO END" in t or "<!--" in t for t in texts(raw))


def test_markdown_inline_markup():
    blocks, meta = parse_markdown("## 二、**重点** 任务 ##\n\n> 引用的*一句*话\n\n- [链接](http://x) 项\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert [b.text for b in blocks] == ["二、重点任务", "引用的一句话", "链接项", "a | b", "1 | 2"]
    assert blocks[0].heading_level == 2 and meta.title is None


def test_plain_text_splits_flattened_paragraph_gaps():
    assert [b.text for b in parse_text_blocks("第一篇  指导原则     第一章  关键时期\n\n正文")] == ["第一篇指导原则", "第一章关键时期", "正文"]


def test_clean_paragraph_spacing():
    assert clean_paragraph("  28.1 万人\u3000\u3000就业 \u200b增长 ") == "28.1 万人就业增长"
    assert clean_paragraph("28.1 万人 就业", join_numbers=True) == "28.1万人就业"
    assert clean_paragraph("GB 50180 and PM2.5 标准", join_numbers=True) == "GB 50180 and PM2.5标准"
    assert clean_paragraph("专栏1 幼有善育重点工程") == "专栏1 幼有善育重点工程"
    assert parse_cn_date("成文日期：2019年01月09日") == "2019-01-09" and parse_cn_date("2019年13月1日") is None


# ---------------------------------------------------------------- boilerplate


def test_seed_footer_and_spam_removed():
    raw = read_file(corpus("plans/如皋市十四五公共服务规划(节选).txt"))
    joined = "\n".join(texts(raw))
    for junk in ("九游会", "j9", "本文仅代表作者观点", "本文地址", "留言与评论", "验证码", "网站地图"):
        assert junk not in joined
    assert raw.blocks[-1].text.endswith("培育军事航空航天后备人才。")
    assert raw.blocks[0].text == "(二)加强婴幼儿健康管理"


def test_strip_boilerplate_general_rules():
    content = Block("对违反规定发布转载不良或有害信息、破坏网络传播秩序的，要严肃追责问责。" * 2)
    blocks = [
        Block("来源：某某日报"),
        content,
        Block("上一篇：关于做好冬季供暖工作的通知"),
        Block("澳门赌场官网线上娱乐"),  # spam inside the footer
        Block("下一篇：关于开展安全检查的通知"),
        Block("责任编辑：王五"),
        Block("Copyright © 2024 某某网 版权所有 京ICP备12345678号"),
    ]
    kept, removed = strip_boilerplate(blocks)
    assert kept == (content,) and removed == 6


def test_strip_boilerplate_keeps_text_ending_in_content():
    blocks = [Block("第一条 为了规范网站转载行为，制定本办法。"), Block("国务院办公厅"), Block("2019年1月9日")]
    assert strip_boilerplate(blocks) == (tuple(blocks), 0)


# ---------------------------------------------------------------- unreadable files


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    pdf = corpus("reports/2024年北京市政府工作报告.pdf").read_bytes()
    docx = corpus("reports/2025年江苏省政府工作报告.docx").read_bytes()
    contents = {
        "empty.txt": b"",
        "blank.md": b"  \n\n",
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "truncated.pdf": pdf[: len(pdf) // 2],
        "notapdf.pdf": b"<html>not a pdf</html>",
        "truncated.docx": docx[: len(docx) // 2],
        "unsupported.xlsx": b"PK\x03\x04",
    }
    paths = {}
    for name, data in contents.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    return paths


def test_unreadable_files_raise_read_error_naming_the_file(tmp_path):
    for name, path in _bad_files(tmp_path).items():
        with pytest.raises(ReadError) as info:
            read_file(path)
        message = str(info.value)
        assert message.startswith(f"{name}: ") and "\n" not in message, message


def test_read_error_messages_say_why(tmp_path):
    paths = _bad_files(tmp_path)
    reasons = {name: str(pytest.raises(ReadError, read_file, path).value) for name, path in paths.items()}
    assert reasons["empty.txt"] == "empty.txt: file is empty"
    assert "binary" in reasons["binary.txt"]
    assert reasons["truncated.pdf"] == "truncated.pdf: not a valid PDF (truncated or corrupt)"
    assert reasons["truncated.docx"] == "truncated.docx: not a valid DOCX (truncated or corrupt)"
    assert "unsupported file type" in reasons["unsupported.xlsx"]


def test_missing_file_raises_read_error(tmp_path):
    with pytest.raises(ReadError, match="nothere.txt"):
        read_file(tmp_path / "nothere.txt")


# ---------------------------------------------------------------- properties

_texty = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("#>*_-|`[]()!:：\n\r\t \u3000\u200b一二三、（）。第章条专栏本站转载验证码网站地图上一篇0123456789")),
    ),
    max_size=300,
)


def _valid(blocks) -> bool:
    return all(b.text and b.text == b.text.strip() and "\n" not in b.text and "\r" not in b.text for b in blocks)


@settings(max_examples=150, deadline=None)
@given(_texty)
def test_text_parser_never_crashes_or_yields_bad_blocks(text):
    blocks = parse_text_blocks(text)
    assert _valid(blocks) and all(b.heading_level is None for b in blocks)


@settings(max_examples=150, deadline=None)
@given(_texty)
def test_markdown_parser_never_crashes_or_yields_bad_blocks(text):
    blocks, _meta = parse_markdown(text)
    assert _valid(blocks) and all(b.heading_level in (None, 1, 2, 3, 4, 5, 6) for b in blocks)


@settings(max_examples=150, deadline=None)
@given(_texty)
def test_strip_boilerplate_only_removes(text):
    blocks = parse_text_blocks(text)
    kept, removed = strip_boilerplate(blocks)
    assert _valid(kept) and removed == len(blocks) - len(kept) >= 0
    remaining = iter(blocks)
    assert all(any(block is other for other in remaining) for block in kept)  # an ordered subsequence


@settings(max_examples=150, deadline=None)
@given(_texty)
def test_clean_paragraph_is_idempotent(text):
    for join_numbers in (False, True):
        once = clean_paragraph(text, join_numbers)
        assert clean_paragraph(once, join_numbers) == once and "\n" not in once


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_texty, st.integers(1, 3), st.integers(0, 8)), max_size=30))
def test_pdf_line_joining_never_crashes(rows):
    lines = [Line(" ".join(t.split()), page, indent, len(t)) for t, page, indent in rows if t.split()]
    lines.sort(key=lambda line: line.page)
    paragraphs = join_lines(lines)
    assert all("\n" not in text for text, _ in paragraphs)
    assert len(paragraphs) <= len(lines)
