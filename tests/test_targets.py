"""Quantified targets: the Rugao seed against a reviewed golden file, real reports, properties."""

from __future__ import annotations

import json
import math
import os
import re
from decimal import Decimal
from pathlib import Path

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.numbers import parse_number
from ingest.targets import extract_targets, target_id
from plankb.records import Clause

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SEED = CORPUS / "plans" / "如皋市十四五公共服务规划(节选).txt"
GOLDEN = Path(__file__).parent / "golden" / "rugao_targets.json"
GOLDEN_FIELDS = (
    "indicator", "comparator", "value", "number", "unit", "year", "qualifier", "span", "start", "end",
)

_HEADING = re.compile(r"\s*(?:[(（][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、|专栏\s*\d+)")
_SENTENCE = re.compile(r"[^。！？；;!?\n]+[。！？；;!?]*")
_SENTENCE_ACROSS_LINES = re.compile(r"[^。！？；;!?]+[。！？；;!?]*")

needs_corpus = pytest.mark.skipif(not SEED.exists(), reason="shared corpus not present")


def split_clauses(text: str, doc_id: str = "doc", lines_are_paragraphs: bool = True) -> list[Clause]:
    """Stand-in for the structure parser: one clause per sentence, a section per heading line.

    PDF text wraps lines mid-sentence, so there a line break does not end a sentence.
    """
    clauses: list[Clause] = []
    section = 0
    for m in (_SENTENCE if lines_are_paragraphs else _SENTENCE_ACROSS_LINES).finditer(text):
        start, end = m.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            continue
        if _HEADING.match(text, start) and (start == 0 or text[start - 1] in " \t\u3000\n"):
            section += 1
        clauses.append(Clause(
            id=f"{doc_id}-c{len(clauses)}", doc_id=doc_id, section_id=f"s{section}",
            section_path=(), ordinal=len(clauses), text=text[start:end], start=start, end=end,
        ))
    return clauses


def extract(text: str, doc_id: str = "doc"):
    return extract_targets(split_clauses(text, doc_id), text)


def as_row(target) -> dict:
    return {name: getattr(target, name) for name in GOLDEN_FIELDS}


@pytest.fixture(scope="module")
def seed_targets():
    text = SEED.read_text(encoding="utf-8")
    return text, extract(text, "rugao")


# ---- the seed document ----------------------------------------------------------------------


@needs_corpus
def test_seed_matches_reviewed_golden_file(seed_targets):
    _, targets = seed_targets
    rows = [as_row(t) for t in targets]
    if os.environ.get("PLANKB_UPDATE_GOLDEN"):  # regenerate, then review every entry by hand
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert rows == json.loads(GOLDEN.read_text(encoding="utf-8"))


@needs_corpus
def test_seed_must_have_targets(seed_targets):
    """The seed's commitments, stated independently of the golden file."""
    _, targets = seed_targets

    def find(value: str, unit: str, comparator: str, indicator_part: str):
        hits = [t for t in targets if t.value == value and t.unit == unit and indicator_part in t.indicator]
        assert len(hits) >= 1, f"missing {value}{unit} {indicator_part}"
        assert all(t.comparator == comparator for t in hits), [t.comparator for t in hits]
        return hits

    [nursery] = find("4.5", "个", "≥", "托位")
    assert (nursery.qualifier, nursery.year, nursery.number) == ("每千人口", "2025", 4.5)
    assert find("10", "家", "≥", "普惠性")[0].year == "2025"
    assert find("2", "家", "=", "示范机构")[0].year == "2025"
    assert find("20", "所", "≥", "幼儿园")[0].year == "十四五"
    places = find("3000", "个", "≈", "学位")[0]
    assert (places.number, places.year) == (3000.0, "十四五")
    coverage = find("90%", "%", "≥", "覆盖率")
    assert len(coverage) == 2 and {t.number for t in coverage} == {90.0}
    assert any("普惠性" in t.indicator for t in coverage) and any("优质" in t.indicator for t in coverage)
    assert find("75%", "%", "≥", "公办园")[0].number == 75.0
    per_households = {t.value: t for t in targets if t.unit == "平方米"}
    assert set(per_households) == {"20", "15"}
    assert all(t.comparator == "≥" and t.qualifier == "每百户" for t in per_households.values())
    assert all("婴幼儿照护服务设施" in t.indicator for t in per_households.values())
    [kindergarten] = find("1", "所", "≈", "幼儿园")
    assert kindergarten.qualifier == "每1万左右常住人口"
    [guidance] = find("2", "次", "=", "指导服务")
    assert guidance.qualifier == "一年"
    [age] = find("16", "周岁", "≤", "流动儿童")
    assert age.year is None
    assert len(targets) == 13


@needs_corpus
def test_seed_has_no_years_ordinals_or_boilerplate(seed_targets):
    text, targets = seed_targets
    values = [t.value for t in targets]
    assert "2025" not in values and "8724" not in values  # "2025年创成", "/guihua/huadong/8724.html"
    assert not any(t.start >= text.index("本文仅代表作者观点") for t in targets)


@needs_corpus
def test_spans_are_verbatim_and_ids_stable(seed_targets):
    text, targets = seed_targets
    clauses = {c.id: c for c in split_clauses(text, "rugao")}
    for t in targets:
        clause = clauses[t.clause_id]
        assert text[t.start:t.end] == t.span
        assert clause.start <= t.start < t.end <= clause.end
        assert t.doc_id == "rugao"
        assert t.id == target_id(t.clause_id, t.start - clause.start, t.value)
    assert len({t.id for t in targets}) == len(targets)
    assert [t.id for t in extract(text, "rugao")] == [t.id for t in targets]


# ---- rules, one at a time -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("城镇调查失业率控制在5.5%以内。", ("≤", "5.5%", "%", "城镇调查失业率")),
        ("地区生产总值增长5%左右。", ("≈", "5%", "%", "地区生产总值增长")),
        ("全市常住人口约143.02万人。", ("≈", "143.02万", "人", "常住人口")),
        ("普惠性幼儿园覆盖率达到百分之九十。", ("≥", "百分之九十", "%", "普惠性幼儿园覆盖率")),
        ("筹集保障性租赁住房不超过1.2亿套。", ("≤", "1.2亿", "套", "筹集保障性租赁住房")),
        ("一般公共预算收入突破6000亿元。", ("≥", "6000", "亿元", "一般公共预算收入")),
        ("新建养老床位3000余张。", ("≥", "3000", "张", "新建养老床位")),
        ("建成二十所幼儿园。", ("=", "二十", "所", "幼儿园")),
    ],
)
def test_comparator_value_unit_indicator(text, expected):
    [t] = extract(text)
    assert (t.comparator, t.value, t.unit, t.indicator) == expected
    assert t.number == parse_number(t.value)


@pytest.mark.parametrize(
    "text",
    [
        "力争2025年创成全国义务教育优质均衡发展县。",  # a year
        "2024年1月19日在江苏省第十四届人民代表大会第三次会议上作报告。",  # dates, ordinals
        "根据国办发〔2019〕3号文件要求，联系电话0513-87654321。",  # document number, phone
        "确保核心指标居南通第一，推进“十四五”规划，落实“33条”政策。",  # ordinal, names
        "1.加强学前教育（二）完善托育服务",  # section numbers
        "PM2.5浓度下降，5G基站建设。",  # codes
        "对0~12个月婴幼儿家长开展指导，连续7年保持Ⅱ类，建设30万吨级航道。",  # range, streak, class
        "省委七届十一次全会通过《关于修改〈教育法〉等十一部法律的决定》。",  # session, book title
    ],
)
def test_not_targets(text):
    assert extract(text) == ()


def test_pdf_spacing_and_line_wraps_keep_verbatim_spans():
    text = "城镇新增就业不\n少于 26 万人，竣工各类保障性住房\n8 万套。"
    first, second = extract_targets(split_clauses(text, lines_are_paragraphs=False), text)
    assert (first.comparator, first.value, first.unit, first.indicator) == ("≥", "26万", "人", "城镇新增就业")
    assert first.span == "城镇新增就业不\n少于 26 万人"
    assert (second.value, second.indicator, second.span) == ("8万", "竣工各类保障性住房", "竣工各类保障性住房\n8 万套")
    assert all(text[t.start:t.end] == t.span for t in (first, second))


def test_full_width_figures():
    [t] = extract("到２０２５年，普惠性幼儿园覆盖率达到９０％以上。")
    assert (t.value, t.number, t.year, t.span) == ("90%", 90.0, "2025", "普惠性幼儿园覆盖率达到９０％以上")


def test_baseline_is_skipped_and_target_named():
    [low, high] = extract("补贴标准分别从每人每月202元、270元提高到209元、280元。")
    assert (low.value, low.comparator, low.indicator) == ("209", "≥", "补贴标准")
    assert (high.value, high.indicator) == ("280", "补贴标准")
    [rate] = extract("城镇化率由2020年的60%提高到70%。")
    assert (rate.value, rate.comparator, rate.indicator) == ("70%", "≥", "城镇化率")


def test_elliptical_figures_share_their_subject():
    growth, level = extract("全市地区生产总值增长5.2%、约4.4万亿元。")
    assert (growth.indicator, level.indicator, level.comparator) == ("地区生产总值增长", "地区生产总值", "≈")
    first, second = extract("死亡人数分别比2019年下降4.8%和1.8%。")
    assert first.indicator == second.indicator == "死亡人数下降"


def test_year_horizons_and_inheritance():
    text = (
        "到2025年，婴幼儿照护服务体系基本形成。新增托位2000个。\n"
        "建成示范机构5家。\n"
        "“十四五”期间，新增学位3000个。2024—2027年，建设高标准农田100万亩。"
    )
    places, institutions, degrees, farmland = extract(text)
    assert places.year == "2025"  # inherited within the paragraph
    assert institutions.year is None  # a new paragraph starts without a horizon
    assert (degrees.year, farmland.year) == ("十四五", "2024-2027")


def test_year_not_inherited_across_sections():
    text = "到2025年，基本形成体系。新增托位2000个。"
    clauses = split_clauses(text)
    clauses[1] = Clause(**{**clauses[1].__dict__, "section_id": "other"})
    [t] = extract_targets(clauses, text)
    assert t.year is None


@pytest.mark.parametrize(
    ("text", "indicator", "qualifier"),
    [
        ("每千人口托位数达到4.5个。", "托位数", "每千人口"),
        ("每万人口高价值发明专利拥有量提高到57.9件。", "高价值发明专利拥有量", "每万人口"),
        ("每千名老年人养老床位数达到40张。", "养老床位数", "每千名老年人"),
        ("每1万左右常住人口配备1所幼儿园。", "幼儿园", "每1万左右常住人口"),
        ("每百户不少于20平方米。", "面积", "每百户"),  # nothing names it: what the unit measures
    ],
)
def test_qualifier_is_only_the_per_unit_base(text, indicator, qualifier):
    [t] = extract(text)
    assert (t.indicator, t.qualifier) == (indicator, qualifier)


def test_percentage_points_are_one_unit_shared_by_a_list():
    first, second = extract("两项比重分别提高3个和4个百分点。")
    assert [(t.value, t.number, t.unit) for t in (first, second)] == [("3", 3.0, "百分点"), ("4", 4.0, "百分点")]
    first, second = extract("两项比重分别提高3、4个百分点。")
    assert (first.unit, second.unit) == ("百分点", "百分点")
    [t] = extract("城镇居民收入增速高2.4个百分点。")
    assert t.unit == "百分点"
    nurseries, _ = extract("新建幼儿园3个和托育机构4家。")  # 个 before anything else stays 个
    assert (nurseries.value, nurseries.unit) == ("3", "个")


def test_more_than_keeps_the_numeral_as_written_and_unit_opening_a_noun():
    [t] = extract("13亿多人口的大国实现了比较充分就业。")
    assert (t.value, t.number, t.unit, t.comparator) == ("13亿", 1.3e9, "人", "≥")  # 多 → ≥, like 余
    assert (t.indicator, t.span) == ("人口", "13亿多人口")
    [t] = extract("食品抽检量超每千人6.5批次。")
    assert (t.unit, t.indicator, t.qualifier) == ("批次", "食品抽检量", "每千人")


@pytest.mark.parametrize(
    ("text", "indicator", "span"),
    [
        ("110家医院实现医保移动支付。", "医院", "110家医院"),
        ("2800余个村庄基本完成美丽乡村建设。", "村庄", "2800余个村庄"),
        ("344项“三年全面提升”项目开工建设。", "“三年全面提升”项目", "344项“三年全面提升”项目"),
        ("230个计划新开工项目9月底前全部开工。", "计划新开工项目", "230个计划新开工项目"),
        ("建成150个以上优质资源牵头的幼儿园共同体。", "幼儿园共同体", "150个以上优质资源牵头的幼儿园共同体"),
        ("71%的煤电机组实现超低排放。", "煤电机组实现超低排放", "71%的煤电机组实现超低排放"),  # a share
    ],
)
def test_counted_noun_ends_where_its_predicate_starts(text, indicator, span):
    [t] = extract(text)
    assert (t.indicator, t.span) == (indicator, span)


def test_predicate_of_a_counted_noun_names_the_next_figure():
    count, amount = extract("1299个重大项目完成投资1.4万亿元。")
    assert (count.indicator, amount.indicator, amount.span) == ("重大项目", "重大项目完成投资", "完成投资1.4万亿元")


def test_stacked_figures_share_the_noun_after_them():
    kinds, items = extract("12类55件民生实事保质保量完成。")
    assert (kinds.indicator, kinds.span, items.indicator) == ("民生实事", "12类", "民生实事")
    low, high = extract("拒不改正的，处一万元以上十万元以下罚款。")
    assert (low.indicator, low.comparator, high.indicator, high.comparator) == ("罚款", "≥", "罚款", "≤")
    people = extract("为超2.5万名65岁及以上失能老年人提供上门服务。")[0]
    assert (people.value, people.indicator) == ("2.5万", "失能老年人")


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("2万平方公里，基本遏制生态环境恶化趋势。", "面积"),  # a clause cut off from its subject
        ("全省共增加2702亿元，2023年达到13.09万亿元。", "金额"),
    ],
)
def test_indicator_is_never_empty(text, indicator):
    assert extract(text)[-1].indicator == indicator


@pytest.mark.parametrize("text", ["20世纪70年代建成的住宅小区。", "到2 0 0年 , 公路通车总里程达到1 1万公里左右。"])
def test_decades_and_garbled_horizons_are_not_figures(text):
    assert all(t.unit != "年" for t in extract(text))


def test_mismatched_clause_is_a_caller_error():
    text = "新增托位2000个。"
    clause = split_clauses(text)[0]
    with pytest.raises(ValueError, match="doc_text"):
        extract_targets([clause], "另一段文字。" + text)


# ---- real reports: precise on DOCX and PDF text -----------------------------------------------


def _report_text(name: str) -> str:
    path = CORPUS / "reports" / name
    if not path.exists():
        pytest.skip(f"{name} not in the shared corpus")
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    from docx import Document as DocxDocument

    return "\n".join(p.text for p in DocxDocument(path).paragraphs)


def _check_report(text: str, expected: list[tuple[str, str, str]]):
    """Each expected (indicator, value, unit) is found; nothing looks like a year, date or junk."""
    targets = extract_targets(split_clauses(text, "report", lines_are_paragraphs=False), text)
    found = {(t.indicator, t.value, t.unit) for t in targets}
    for item in expected:
        assert item in found, item
    for t in targets:
        assert text[t.start:t.end] == t.span
        assert t.indicator, t
        assert not (re.fullmatch(r"(19|20)\d\d", t.value) and t.unit == "年"), t
        assert t.unit not in ("月", "日", "号")
    named = sum(1 for t in targets if len(t.indicator) >= 2)
    assert named / len(targets) > 0.97
    return targets


@needs_corpus
def test_beijing_2024_pdf():
    targets = _check_report(_report_text("2024年北京市政府工作报告.pdf"), [
        ("新建各类养老护理床位", "6232", "张"),
        ("建设筹集保障性租赁住房", "7万", "套"),
        ("城镇新增就业", "28.1万", "人"),
        ("普惠性幼儿园覆盖率", "93%", "%"),
        ("新增中小学学位", "3.8万", "个"),
        ("城镇调查失业率", "5%", "%"),
    ])
    assert len(targets) > 100


@needs_corpus
def test_jiangsu_2025_docx():
    targets = _check_report(_report_text("2025年江苏省政府工作报告.docx"), [
        ("城镇新增就业", "143.02万", "人"),
        ("保障性租赁住房", "18.11万", "套"),
        ("地区生产总值增长", "5%", "%"),
    ])
    by_value = {t.value: t for t in targets}
    assert by_value["13.7"].unit == "万亿元" and by_value["13.7"].year == "2024"
    assert not any(t.value == "2007" or t.year == "2007" for t in targets)  # "达到2007年以来"


@needs_corpus
def test_shanghai_2025_docx():
    _check_report(_report_text("2025年上海市政府工作报告.docx"), [
        ("建设筹措保障性租赁住房", "7.2万", "套"),
        ("新增养老床位", "4385", "张"),
    ])


# ---- properties ---------------------------------------------------------------------------------

_PLAN_ALPHABET = (
    "0123456789.%％０１２３４５６７８９一二三四五六七八九十百千万亿两点第每年月日周岁个家所张套人元"
    "以上下内左右约近达到不低于少超过控制在保持提高由从至~—-，。；、（）()“”《》 \n\t"
    "普惠幼儿园覆盖率托位数学位新增建成到期间十四五PMG"
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet=_PLAN_ALPHABET, max_size=120), st.text(max_size=80)))
def test_extract_never_crashes_and_spans_are_exact(text):
    clauses = split_clauses(text)
    targets = extract_targets(clauses, text)
    ends = {c.id: (c.start, c.end) for c in clauses}
    for t in targets:
        assert text[t.start:t.end] == t.span
        assert ends[t.clause_id][0] <= t.start < t.end <= ends[t.clause_id][1]
        assert t.comparator in ("≥", "≤", "≈", "=")
        assert t.indicator
        assert math.isfinite(t.number) and t.number == parse_number(t.value)
        assert t.value in "".join(t.span.split()).translate(_FULL_WIDTH_FIGURES)
    assert len({t.id for t in targets}) == len(targets)


_FULL_WIDTH_FIGURES = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
_MULTIPLIERS = {"": 1, "万": 10**4, "亿": 10**8, "万亿": 10**12}


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(sorted(_MULTIPLIERS)))
def test_parse_number_integers_with_multipliers(n, multiplier):
    assert parse_number(f"{n}{multiplier}") == float(n * _MULTIPLIERS[multiplier])


@given(
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from(sorted(_MULTIPLIERS)),
)
def test_parse_number_decimals_with_multipliers(d, multiplier):
    written = f"{d:f}"
    assert parse_number(written + multiplier) == float(Decimal(written) * _MULTIPLIERS[multiplier])


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_parse_number_reads_chinese_numerals(n):
    chinese = cn2an.an2cn(n)
    assert parse_number(chinese) == n
    assert parse_number("百分之" + chinese) == n


@given(st.text(max_size=12))
def test_parse_number_returns_a_number_or_raises_value_error(s):
    try:
        value = parse_number(s)
    except ValueError:
        return
    assert math.isfinite(value)


@pytest.mark.parametrize(
    ("written", "number"),
    [("4.5", 4.5), ("3.8万", 38000), ("一万", 10000), ("1万", 10000), ("两", 2), ("百分之九十", 90),
     ("90%", 90), ("143.02万", 1430200), ("1.2亿", 1.2e8), ("一点五万", 15000), ("４.５", 4.5)],
)
def test_parse_number_examples(written, number):
    assert parse_number(written) == number


@pytest.mark.parametrize("junk", ["", "万", "abc", "4.5.6", "1/10", "十四五", "%", "三点"])
def test_parse_number_rejects_junk(junk):
    with pytest.raises(ValueError):
        parse_number(junk)


def test_multiplier_before_percent_is_not_a_figure():
    text = "指标为0亿%。"
    clause = Clause("c", "d", None, (), 0, text, 0, len(text))
    assert all(t.value in text for t in extract_targets([clause], text))
