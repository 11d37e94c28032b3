"""文档浏览: a document's outline and text; a clause opened in its context.

The URL is the state: ?doc=<doc_id>&section=<section_id> opens a section, ?doc=…&clause=<clause_id>
opens a clause among its neighbours, so every view can deep-link here and a link can be shared.
"""

import streamlit as st

from views import render, state

render.inject_css()
render.basket_badge()
st.title("文档浏览")
docs = state.require_documents()
by_id = {d.id: d for d in docs}
store = state.store()


def open_document() -> None:
    st.query_params.from_dict({"doc": st.session_state["browse-doc"]})


def open_section(doc_id: str, section_id: str) -> None:
    st.query_params.from_dict({"doc": doc_id, "section": section_id})


def open_clause(doc_id: str, clause_id: str) -> None:
    st.query_params.from_dict({"doc": doc_id, "clause": clause_id})


clause_id = state.query_param("clause")
focus = store.clause(clause_id) if clause_id else None
if clause_id and focus is None:
    st.warning("链接中的条款已不在索引中（文档可能已更新或删除），显示文档开头。")
doc_id = focus.doc_id if focus else state.query_param("doc")
if doc_id not in by_id:
    doc_id = docs[0].id
doc = by_id[doc_id]
st.session_state["browse-doc"] = doc_id  # the URL wins over the widget's last value
st.selectbox("文档", list(by_id), key="browse-doc", format_func=lambda d: by_id[d].title, on_change=open_document)

meta = [
    ("发文机关", doc.issuer),
    ("发文字号", doc.doc_number),
    ("成文日期", doc.date),
    ("类型", doc.doc_type),
    ("年份", str(doc.year) if doc.year else None),
    ("来源文件", doc.source),
    ("页数", str(doc.page_count) if doc.page_count else None),
]
st.html('<div class="pk-crumb">' + " · ".join(f"{k}：{render.esc(v)}" for k, v in meta if v) + "</div>")

sections = store.sections(doc_id)
clauses = store.clauses(doc_id)
section_id = state.query_param("section")
current = next((s for s in sections if s.id == section_id), None)
if current is None and focus is not None:
    current = next((s for s in sections if s.id == focus.section_id), None)

outline_col, text_col = st.columns([2, 5], gap="large")
with outline_col:
    st.subheader("目录")
    if not sections:
        st.caption("这份文档没有识别出章节标题。")
    for section in sections:
        depth = len(section.path) - 1
        title = render.md_escape(section.title)
        label = "　" * depth + (f"**{title}**" if current is not None and section.id == current.id else title)
        st.button(label, key=f"sec-{section.id}", type="tertiary", on_click=open_section, args=(doc_id, section.id))

with text_col:
    if focus is not None:
        st.subheader("条款上下文")
        render.show_breadcrumb(doc.title, focus.section_path)
        render.show_context(store, focus, before=2, after=2)
        render.show_citation(render.cite_clause(doc, focus))
        render.clause_actions(doc, focus, key="focus", browse=False)
        st.divider()

    if current is not None:
        shown = [c for c in clauses if c.section_path[: len(current.path)] == current.path]
        st.subheader("本节内容" if focus is None else "所在章节全文")
        render.show_breadcrumb(doc.title, current.path)
    elif focus is None:
        # Nothing chosen yet: the text before the first heading, else the first section.
        shown = [c for c in clauses if c.section_id is None] or (
            [c for c in clauses if c.section_path[:1] == sections[0].path[:1]] if sections else clauses
        )
        st.subheader("文档开头")
        st.caption("在左侧目录中选择章节；点击条款下的「定位」可在上下文中查看并生成可分享的链接。")
    else:
        shown = []

    if not clauses:
        st.info("这份文档没有可显示的条款（可能需要 OCR，见「文档管理」中的提示）。")
    previous_path = None
    for clause in shown:
        if clause.section_path != previous_path and current is not None and clause.section_path != current.path:
            render.show_breadcrumb(None, clause.section_path)
        previous_path = clause.section_path
        render.show_clause(clause, focus=focus is not None and clause.id == focus.id)
        cols = st.columns([1, 1, 1, 3])
        cols[0].button("定位", key=f"ctx-{clause.id}", icon=":material/my_location:", type="tertiary", on_click=open_clause, args=(doc_id, clause.id))
        in_basket = state.in_basket(clause.id)
        cols[1].button(
            "已在引用篮" if in_basket else "加入引用",
            key=f"add-{clause.id}",
            icon=":material/push_pin:",
            type="tertiary",
            disabled=in_basket,
            on_click=state.add_to_basket,
            args=(state.citation_item(doc, clause),),
        )
        cols[2].page_link(state.RELATED_PAGE, label="关联条款", icon=":material/link:", query_params={"clause": clause.id})
