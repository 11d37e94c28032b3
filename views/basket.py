"""引用与备忘录: the citation basket in memo-ready form; remove items; export Markdown and Word."""

import streamlit as st

from index.citation import quoted
from plankb.memo import DEFAULT_TITLE, basket_docx, basket_markdown
from views import render, state
from views.data import sanitize_filename

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

render.inject_css()
st.title("引用与备忘录")
items = state.basket()
st.caption(f"引用篮中共 {len(items)} 条。在「问答检索」「文档浏览」「目标指标」「关联条款」中点击「加入引用」添加。")

if not items:
    st.info("引用篮是空的。检索或浏览文档时点击「加入引用」，引文和出处会收集在这里，可导出为 Markdown 或 Word。")
    st.page_link(state.SEARCH_PAGE, label="去检索", icon=":material/search:")
    st.stop()

st.session_state.setdefault("memo-title", DEFAULT_TITLE)
title = st.text_input("备忘录标题", key="memo-title") or DEFAULT_TITLE
col_md, col_docx, col_clear, _ = st.columns([1, 1, 1, 2])
col_md.download_button("导出 Markdown", basket_markdown(items, title), file_name=sanitize_filename(f"{title}.md"), mime="text/markdown", icon=":material/download:")
col_docx.download_button("导出 Word (DOCX)", basket_docx(items, title), file_name=sanitize_filename(f"{title}.docx"), mime=DOCX_MIME, icon=":material/download:")
col_clear.button("清空引用篮", icon=":material/delete:", on_click=state.clear_basket)

for number, item in enumerate(items, start=1):
    with st.container(border=True):
        st.html(f'<div class="pk-crumb">第 {number} 条</div>')
        st.html(render.text_html(f"“{item.quote}”"))
        render.show_citation(item.citation)
        with st.expander("复制引文（含出处）"):
            st.code(quoted(item.quote, item.citation), language=None, wrap_lines=True)
        cols = st.columns([1, 1, 3])
        cols[0].button("移除", key=f"remove-{item.clause_id}", icon=":material/close:", on_click=state.remove_from_basket, args=(item.clause_id,))
        cols[1].page_link(state.BROWSE_PAGE, label="在文档中查看", icon=":material/menu_book:", query_params={"doc": item.doc_id, "clause": item.clause_id})
