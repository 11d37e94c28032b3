"""Shared rendering: escaped highlighting, clause and hit cards, answer card, action buttons.

Document text is untrusted (web scrapes carry injected markup), so it reaches the page only
through ``highlight``/``text_html`` (``html.escape`` on every segment, then our own ``<mark>``
tags) rendered with ``st.html``, or through widgets that show plain text (dataframes, code).
Never interpolate document text into Markdown or HTML any other way.
"""

from __future__ import annotations

import html
import math
import re
from typing import Iterable, Sequence

import streamlit as st

from plankb.records import Answer, Clause, Document, Hit
from views import state

COMPARATOR_LABELS = {"≥": "不低于", "≤": "不高于", "≈": "约", "=": "达到"}

CSS = """
<style>
.pk-clause { line-height: 1.9; font-size: 1.02rem; padding: .15rem 0; }
.pk-clause mark { background: #fff1a8; padding: 0 .1em; border-radius: 3px; }
.pk-clause mark.pk-ans { background: #ffd2a6; font-weight: 700; border-bottom: 2px solid #e8590c; }
.pk-focus { border-left: 4px solid #e8590c; background: #fff8f1; padding: .4rem .8rem; border-radius: 4px; }
.pk-muted { color: #6b7280; }
.pk-crumb { color: #4b5563; font-size: .88rem; }
.pk-crumb b { color: #1f2937; }
.pk-cite { color: #4b5563; font-size: .85rem; margin-top: .2rem; }
.pk-answer { border: 1px solid #f5c08a; background: #fffaf3; border-radius: 10px; padding: 1rem 1.2rem; margin: .4rem 0 1rem; }
.pk-answer.pk-unsure { border-color: #d1d5db; background: #f9fafb; }
.pk-answer-label { font-size: .85rem; color: #9a3412; font-weight: 600; letter-spacing: .05em; }
.pk-unsure .pk-answer-label { color: #6b7280; }
.pk-answer-main { margin: .2rem 0 .3rem; }
.pk-value { font-size: 2.6rem; font-weight: 700; color: #c2410c; line-height: 1.1; }
.pk-unsure .pk-value { color: #4b5563; }
.pk-unit { font-size: 1.3rem; margin-left: .15rem; }
.pk-cmp { font-size: 1.1rem; margin-right: .4rem; color: #374151; }
.pk-answer-meta { color: #374151; font-size: .92rem; margin-bottom: .4rem; }
.pk-outline { line-height: 1.8; font-size: .95rem; }
div[class*="st-key-sec-"] { margin-bottom: -.85rem; }
div[class*="st-key-sec-"] button { min-height: 1.6rem; padding: 0; text-align: left; justify-content: flex-start; }
div[class*="st-key-sec-"] button p { text-align: left; }
</style>
"""


def inject_css() -> None:
    """Page styles for the classes below (a style-only st.html takes no space)."""
    st.html(CSS)


# ----------------------------------------------------------------------------- escaping


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def md_escape(text: str | None) -> str:
    """Document text for widget labels, which Streamlit reads as Markdown: every markup character escaped."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", (text or "").replace("\n", " "))


def highlight(text: str, terms: Iterable[str] = (), spans: Sequence[tuple[int, int]] = ()) -> str:
    """``text`` as escaped HTML with query terms in <mark> and answer spans in <mark class="pk-ans">.

    Matching runs on the raw text and every segment is escaped on its own, so entities can
    never be split or matched; line breaks become <br>.
    """
    marks = [""] * len(text)
    for term in sorted({t for t in terms if t and (len(t) >= 2 or t.isdigit())}, key=len, reverse=True):
        start = text.find(term)
        while start >= 0:
            for i in range(start, start + len(term)):
                marks[i] = marks[i] or "term"
            start = text.find(term, start + len(term))
    for start, end in spans:
        for i in range(max(start, 0), min(end, len(text))):
            marks[i] = "ans"
    out: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        segment = esc(text[i:j]).replace("\n", "<br>")
        if marks[i] == "ans":
            out.append(f'<mark class="pk-ans">{segment}</mark>')
        elif marks[i] == "term":
            out.append(f"<mark>{segment}</mark>")
        else:
            out.append(segment)
        i = j
    return "".join(out)


def text_html(text: str, terms: Iterable[str] = (), spans: Sequence[tuple[int, int]] = (), css: str = "") -> str:
    return f'<div class="pk-clause {css}">{highlight(text, terms, spans)}</div>'


def breadcrumb_html(doc_title: str | None, path: Sequence[str]) -> str:
    """《title》 › heading › sub-heading (the title left out under a document heading)."""
    parts = ([f"<b>《{esc(doc_title)}》</b>"] if doc_title else []) + [esc(p) for p in path]
    if not parts:
        parts = ["（文档开头）"]
    return f'<div class="pk-crumb">{" › ".join(parts)}</div>'


def show_clause(clause: Clause, terms: Iterable[str] = (), spans: Sequence[tuple[int, int]] = (), focus: bool = False) -> None:
    st.html(text_html(clause.text, terms, spans, "pk-focus" if focus else ""))


def show_breadcrumb(doc_title: str | None, path: Sequence[str]) -> None:
    st.html(breadcrumb_html(doc_title, path))


def show_heading(text: str, level: int = 3) -> None:
    """A heading made of document text (titles may hold markup; st.header would read Markdown)."""
    st.html(f"<h{level}>{esc(text)}</h{level}>")


def cite_clause(doc: Document, clause: Clause) -> str:
    from index.citation import cite

    return cite(doc, clause)


def show_citation(citation: str) -> None:
    st.html(f'<div class="pk-cite">出处：{esc(citation)}</div>')


# ----------------------------------------------------------------------------- numbers


def value_with_unit(value: str, unit: str) -> str:
    return value if value.endswith("%") or value.endswith(unit) else f"{value}{unit}"


def year_label(year: str | None) -> str:
    if not year:
        return "未注明"
    if year.isdigit():
        return f"{year}年"
    if year[0].isdigit():
        return f"{year}年"
    return f"“{year}”期间"


def answer_html(answer: Answer, clause: Clause, doc: Document, terms: Sequence[str], confident: bool) -> str:
    label = "答案" if confident else "候选数字（未确认，请核对原文）"
    comparator = COMPARATOR_LABELS.get(answer.comparator, answer.comparator)
    unit = "" if answer.value.endswith("%") else answer.unit
    return (
        f'<div class="pk-answer{"" if confident else " pk-unsure"}">'
        f'<div class="pk-answer-label">{esc(label)}</div>'
        f'<div class="pk-answer-main"><span class="pk-cmp">{esc(comparator)}</span>'
        f'<span class="pk-value">{esc(answer.value)}</span><span class="pk-unit">{esc(unit)}</span></div>'
        f'<div class="pk-answer-meta">指标：{esc(answer.indicator)} · 目标年份：{esc(year_label(answer.year))}</div>'
        f"{breadcrumb_html(doc.title, clause.section_path)}"
        f"{text_html(clause.text, terms, [(answer.start, answer.end)])}"
        f'<div class="pk-cite">出处：{esc(cite_clause(doc, clause))}</div>'
        "</div>"
    )


# ----------------------------------------------------------------------------- actions and cards


def clause_actions(doc: Document, clause: Clause, key: str, browse: bool = True, related: bool = True) -> None:
    """加入引用 / 在文档中查看 / 关联条款 for one clause, side by side."""
    count = 1 + browse + related
    columns = iter(st.columns([1.1] * count + [5 - count], gap="small"))
    added = state.in_basket(clause.id)
    next(columns).button(
        "已在引用篮" if added else "加入引用",
        key=f"{key}-add-{clause.id}",
        icon=":material/push_pin:",
        disabled=added,
        on_click=state.add_to_basket,
        args=(state.citation_item(doc, clause),),
    )
    if browse:
        next(columns).page_link(
            state.BROWSE_PAGE, label="在文档中查看", icon=":material/menu_book:", query_params={"doc": doc.id, "clause": clause.id}
        )
    if related:
        next(columns).page_link(state.RELATED_PAGE, label="关联条款", icon=":material/link:", query_params={"clause": clause.id})


def format_score(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—（未进入该通道候选）"
    return f"{value:.4f}"


def hit_card(hit: Hit, doc: Document, terms: Sequence[str], searcher, key: str) -> None:
    """One search hit: highlighted text, actions, and scores / neighbours on demand."""
    with st.container(border=True):
        page = f" · 第{hit.clause.page}页" if hit.clause.page else ""
        st.html(f'<div class="pk-crumb">第 {hit.rank} 名{page}</div>')
        show_clause(hit.clause, terms)
        clause_actions(doc, hit.clause, key)
        with st.expander("得分明细"):
            lines = [f"融合得分：{hit.score:.6f}"]
            labels = {"bm25": "关键词（BM25）", "dense": "语义向量（余弦）"}
            lines += [f"{labels.get(name, name)}：{format_score(value)}" for name, value in hit.scores.items()]
            st.text("\n".join(lines))
        with st.expander("上下文（前后条款）"):
            show_context(searcher, hit.clause, terms, before=1, after=1)


def show_context(searcher_or_store, clause: Clause, terms: Sequence[str] = (), before: int = 2, after: int = 2) -> None:
    """A clause between its neighbours, the clause itself marked."""
    store = getattr(searcher_or_store, "store", searcher_or_store)
    around = store.clauses_in_range(clause.doc_id, clause.ordinal - before, clause.ordinal + after)
    shown_path = clause.section_path  # the caller shows the clause's own breadcrumb
    for other in around:
        if other.section_path != shown_path:
            show_breadcrumb(None, other.section_path)
            shown_path = other.section_path
        if other.id == clause.id:
            show_clause(other, terms, focus=True)
        else:
            st.html(text_html(other.text, css="pk-muted"))


def group_hits(hits: Sequence[Hit]) -> list[tuple[str, list[tuple[tuple[str, ...], list[Hit]]]]]:
    """Hits grouped by document, then by section path, both in order of their best hit."""
    grouped: dict[str, dict[tuple[str, ...], list[Hit]]] = {}
    for hit in hits:
        grouped.setdefault(hit.clause.doc_id, {}).setdefault(tuple(hit.clause.section_path), []).append(hit)
    return [(doc_id, list(sections.items())) for doc_id, sections in grouped.items()]


def basket_badge() -> None:
    """A sidebar line with the basket size and a link to it, shown by every view."""
    count = len(state.basket())
    st.sidebar.page_link(state.BASKET_PAGE, label=f"引用篮：{count} 条", icon=":material/push_pin:")
