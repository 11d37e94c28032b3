"""关联条款: one clause and the clauses linked to it, each labelled with why (see index/links.py)."""

import streamlit as st

from index.links import KIND_LABELS, group_by_kind, linked_clauses
from views import render, state

LINKS_PER_KIND = 5
KIND_HELP = {
    "reference": "正文中的《文件名》或发文字号，在文档库中找到了对应文件",
    "box": "正文提到的专栏，或提到本专栏的正文",
    "indicator": "其他条款中同一指标的量化目标",
    "sibling": "同一章节中的其他条款",
    "semantic": "其他文档中语义最接近的条款（向量检索）",
}

render.inject_css()
render.basket_badge()
st.title("关联条款")
searcher = state.require_searcher()
docs = searcher.documents
store = searcher.store


@st.cache_data(max_entries=64, show_spinner="正在查找关联条款…")
def load_links(directory: str, generation: int, clause_id: str, k: int):
    return linked_clauses(state.load_searcher(directory, generation, state.model_spec(state.index_dir())), clause_id, k)


def pick_document() -> None:
    st.query_params.from_dict({"doc": st.session_state["related-doc"]})


def pick_clause() -> None:
    st.query_params.from_dict({"clause": st.session_state["related-clause"]})


clause_id = state.query_param("clause")
clause = store.clause(clause_id) if clause_id else None
if clause_id and clause is None:
    st.warning("链接中的条款已不在索引中（文档可能已更新或删除）。")
doc_ids = [d for d in sorted(docs, key=lambda d: docs[d].title) if store.clauses_in_range(d, 0, 0)]
doc_id = clause.doc_id if clause else state.query_param("doc")
if doc_id not in docs or doc_id not in doc_ids:
    doc_id = doc_ids[0]
doc_clauses = {c.id: c for c in store.clauses(doc_id)}
if clause is None:
    clause = next(iter(doc_clauses.values()))

st.session_state["related-doc"] = doc_id
st.session_state["related-clause"] = clause.id
col_doc, col_clause = st.columns([2, 3])
col_doc.selectbox("文档", doc_ids, key="related-doc", format_func=lambda d: docs[d].title, on_change=pick_document)
col_clause.selectbox(
    "条款",
    list(doc_clauses),
    key="related-clause",
    format_func=lambda c: f"{doc_clauses[c].ordinal + 1}. {doc_clauses[c].text[:48]}",
    on_change=pick_clause,
)

doc = docs[doc_id]
with st.container(border=True):
    render.show_breadcrumb(doc.title, clause.section_path)
    render.show_clause(clause, focus=True)
    render.show_citation(render.cite_clause(doc, clause))
    render.clause_actions(doc, clause, key="origin", related=False)

links = load_links(str(state.index_dir()), state.generation(), clause.id, LINKS_PER_KIND)
if not links:
    st.info("没有找到关联条款。")
for kind, items in group_by_kind(links).items():
    st.subheader(f"{KIND_LABELS.get(kind, kind)}（{len(items)}）", help=KIND_HELP.get(kind))
    for number, link in enumerate(items):
        with st.container(border=True):
            st.html(f'<div class="pk-crumb"><b>{render.esc(link.reason)}</b></div>')
            render.show_breadcrumb(link.doc_title, link.clause.section_path)
            render.show_clause(link.clause)
            render.clause_actions(docs[link.clause.doc_id], link.clause, key=f"link-{kind}-{number}")
