"""问答检索: a question form with filters, the answer card, and hits grouped by document and section."""

import streamlit as st

from index.citation import cite
from index.searcher import MODES, Filters
from views import render, state

MODE_LABELS = {"hybrid": "混合（关键词＋语义）", "bm25": "仅关键词", "dense": "仅语义"}
EXAMPLE = "到2025年每千人口要有多少个托位？"
SAVED = "search_saved"  # the last submitted search, restored when the user comes back to the page

render.inject_css()
render.basket_badge()
st.title("问答检索")
searcher = state.require_searcher()
docs = searcher.documents

# Seed the form from the last search or from a ?q= link (widget keys are dropped on page change).
saved = dict(st.session_state.get(SAVED, {}))
linked_query = state.query_param("q")
if linked_query and linked_query != saved.get("query"):
    saved["query"] = linked_query
    st.session_state["search-q"] = linked_query
doc_options = sorted(docs, key=lambda d: docs[d].title)
type_options = sorted({d.doc_type for d in docs.values()})
year_options = sorted({d.year for d in docs.values() if d.year}, reverse=True)
defaults = {
    "search-q": saved.get("query", ""),
    "search-docs": [d for d in saved.get("doc_ids", []) if d in docs],
    "search-types": [t for t in saved.get("doc_types", []) if t in type_options],
    "search-years": [y for y in saved.get("years", []) if y in year_options],
    "search-mode": saved.get("mode", "hybrid"),
    "search-k": saved.get("top_k", 10),
}
for key, value in defaults.items():
    st.session_state.setdefault(key, value)

with st.form("search-form"):
    query = st.text_input("问题或关键词", key="search-q", placeholder=f"例如：{EXAMPLE}")
    with st.expander("筛选与选项"):
        col_doc, col_type, col_year = st.columns([3, 1, 1])
        doc_ids = col_doc.multiselect("文档", doc_options, key="search-docs", format_func=lambda d: docs[d].title, placeholder="全部文档")
        doc_types = col_type.multiselect("文档类型", type_options, key="search-types", placeholder="全部类型")
        years = col_year.multiselect("年份", year_options, key="search-years", placeholder="全部年份")
        col_mode, col_k = st.columns([3, 2])
        mode = col_mode.radio("检索方式", MODES, key="search-mode", format_func=lambda m: MODE_LABELS.get(m, m), horizontal=True)
        top_k = col_k.slider("结果数", 3, 30, key="search-k")
    submitted = st.form_submit_button("检索", type="primary", icon=":material/search:")

query = (query or "").strip()
st.session_state[SAVED] = {"query": query, "doc_ids": doc_ids, "doc_types": doc_types, "years": years, "mode": mode, "top_k": top_k}
if submitted and query:
    st.query_params["q"] = query

if not query:
    st.caption(f"输入问题后点击「检索」，例如：{EXAMPLE}")
    st.stop()

filters = Filters(doc_ids=frozenset(doc_ids), doc_types=frozenset(doc_types), years=frozenset(years))
result = searcher.search(query, top_k=top_k, mode=mode, filters=filters)

if not result.hits:
    st.info("没有找到结果。可以换个说法，或放宽筛选条件。")
    st.stop()

if not result.confident:
    st.warning("未找到可靠答案：没有条款充分对应这个问题。下面是最接近的条款，仅供参考，请核对原文。", icon=":material/warning:")

if result.answer is not None:
    answer = result.answer
    answer_clause = next((h.clause for h in result.hits if h.clause.id == answer.clause_id), None) or searcher.store.clause(answer.clause_id)
    answer_doc = docs[answer_clause.doc_id]
    st.html(render.answer_html(answer, answer_clause, answer_doc, result.terms, result.confident))
    render.clause_actions(answer_doc, answer_clause, key="answer")

st.subheader("相关条款" if result.confident else "最接近的条款（未确认）")
if result.terms:
    st.html(f'<div class="pk-crumb">检索词：{render.esc("、".join(result.terms))}</div>')
for doc_id, sections in render.group_hits(result.hits):
    doc = docs[doc_id]
    render.show_heading(cite(doc), level=4)
    for path, hits in sections:
        render.show_breadcrumb(None, path)
        for hit in hits:
            render.hit_card(hit, doc, result.terms, searcher, key=f"hit{hit.rank}")
