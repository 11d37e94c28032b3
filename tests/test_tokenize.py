"""index.tokenize: numbers kept whole, plan vocabulary kept whole, question words dropped, own jieba."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index import tokenize as tok
from index.tokenize import dictionary_hash, query_terms, tokenize

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
RUGAO = CORPUS / "plans" / "如皋市十四五公共服务规划(节选).txt"


@pytest.mark.parametrize(
    "text, whole",
    [
        ("到2025年,实现不低于每千人口4.5个托位数的目标", ["4.5", "2025年"]),
        ("普惠性幼儿园覆盖率达90%以上", ["90%"]),
        ("新增城镇就业3.8万人", ["3.8万"]),
        ("常住人口143.02万", ["143.02万"]),
        ("全市GDP 1,234.5亿元", ["1234.5亿"]),
        ("比上年增长28.1 万人", ["28.1万"]),  # PDF text puts a blank before the unit
        ("２０２５年覆盖率９０％", ["2025年", "90%"]),  # full-width digits and percent sign
    ],
)
def test_numbers_stay_whole(text: str, whole: list[str]) -> None:
    tokens = tokenize(text)
    for number in whole:
        assert number in tokens
    # nothing like 4 / . / 5 or a lone % survives
    assert not any(t in {".", "%", ","} for t in tokens)


def test_number_with_unit_also_yields_bare_number() -> None:
    assert tokenize("3.8万") == ["3.8", "3.8万"]
    assert tokenize("2025年") == ["2025", "2025年"]
    assert "4" not in tokenize("4.5个") and "5" not in tokenize("4.5个")


def test_latin_number_mixtures_are_left_to_jieba() -> None:
    tokens = tokenize("PM2.5浓度和5G基站")
    assert "pm2.5" in tokens and "5g" in tokens


def test_headline_example_domain_words() -> None:
    tokens = tokenize("每千人口4.5个托位数")
    for expected in ("每千人口", "4.5", "托位数", "托位"):
        assert expected in tokens
    # default jieba's broken pieces are gone
    for broken in ("个托", "口"):
        assert broken not in tokens


@pytest.mark.parametrize(
    "text, expected",
    [
        ("普惠性幼儿园覆盖率", ["普惠性", "幼儿园", "覆盖率", "覆盖"]),  # search-mode sub-words
        ("科学实施幼小衔接", ["幼小衔接"]),
        ("落实全国“双减”试点要求", ["双减"]),
        ("“十四五”期间", ["十四五"]),
        ("养老护理床位", ["养老护理床位", "护理床位", "床位"]),
        ("保障性租赁住房", ["保障性租赁住房", "租赁", "住房"]),
        ("公办园在园幼儿占比", ["公办园", "在园幼儿", "占比"]),
    ],
)
def test_plan_vocabulary(text: str, expected: list[str]) -> None:
    tokens = tokenize(text)
    for word in expected:
        assert word in tokens


def test_latin_lowercased_and_punctuation_and_stopwords_dropped() -> None:
    tokens = tokenize("GDP增长、的和 —— “托育”！")
    assert tokens == ["gdp", "增长", "托育"]


def test_question_words_dropped_from_query_terms_only() -> None:
    question = "到2025年每千人口托位数目标是多少?"
    terms = query_terms(question)
    assert {"2025年", "每千人口", "托位数", "目标"} <= set(terms)
    assert not {"多少", "是", "到", "?"} & set(terms)
    assert "多少" in tokenize(question)  # documents keep it
    for q in ("哪一年普惠性幼儿园覆盖率达到90%?", "有没有关于幼小衔接的规定", "双减要如何落实呢"):
        terms = query_terms(q)
        assert not {"哪一年", "一年", "有没有", "没有", "如何", "呢", "要", "规定"} & set(terms), terms


def test_query_terms_are_distinct_in_order() -> None:
    terms = query_terms("托育 托育服务 托育")
    assert len(terms) == len(set(terms))
    assert terms[0] == "托育"


def test_uses_its_own_jieba_instance() -> None:
    import jieba

    tokenize("每千人口4.5个托位数")
    assert tok._tokenizer is not None and tok._tokenizer is not jieba.dt
    # the global dictionary never learned the domain words
    assert "托位数" not in jieba.dt.FREQ
    assert jieba.lcut("每千人口4.5个托位数") == ["每千人", "口", "4.5", "个托", "位数"]


def test_dictionary_hash_is_stable_hex() -> None:
    h = dictionary_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", h)
    assert h == dictionary_hash()


def test_domain_dictionary_is_plain_jieba_format() -> None:
    lines = tok.DOMAIN_DICT_PATH.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 300
    words = [line.split()[0] for line in lines]
    assert len(words) == len(set(words))
    for line in lines:
        word, freq, tag = line.split(" ")
        assert freq.isdigit() and tag.isalpha() and not re.search(r"\d", word)


@pytest.mark.skipif(not RUGAO.exists(), reason="shared corpus not available")
def test_rugao_excerpt_tokens() -> None:
    tokens = set(tokenize(RUGAO.read_text(encoding="utf-8")))
    for word in ("每千人口", "4.5", "托位数", "90%", "普惠性", "幼小衔接", "双减", "婴幼儿照护", "课后服务"):
        assert word in tokens


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_crashes_never_yields_blank_tokens(text: str) -> None:
    for fn in (tokenize, query_terms):
        for token in fn(text):
            assert token and token.strip() == token
            assert not any(ch.isspace() for ch in token)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="每千人口托位数普惠性幼儿园覆盖率0123456789.,%％万亿年 \n，。、GDPpm", max_size=80))
def test_domain_alphabet_never_crashes(text: str) -> None:
    for token in tokenize(text):
        assert token and not any(ch.isspace() for ch in token)
