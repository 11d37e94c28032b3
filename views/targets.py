"""目标指标: every extracted target in a sortable, filterable table; one indicator across documents."""

import streamlit as st

from views import data, render, state

render.inject_css()
render.basket_badge()
st.title("目标指标")
state.require_documents()


@st.cache_data(max_entries=4, show_spinner=False)
def load_targets(directory: str, generation: int):
    return data.targets_frame(state.load_store(directory))


frame = load_targets(str(state.index_dir()), state.generation())
if frame.empty:
    st.info("还没有抽取到目标指标。上传含有量化目标的规划或报告后，这里会列出它们。")
    st.stop()

COLUMN_CONFIG = {
    "指标": st.column_config.TextColumn("指标", width="medium"),
    "规范值": st.column_config.NumberColumn("规范值", help="中文数字、万/亿已换算；百分数记为 90.0", format="%g"),
    "原文": st.column_config.TextColumn("原文", width="large"),
    "页码": st.column_config.NumberColumn("页码", format="%d"),
}
TABLE_COLUMNS = ["指标", "比较", "数值", "单位", "年份", "文档", "章节", "原文"]

tab_all, tab_compare = st.tabs(["全部指标", "同一指标跨文档对比"])

with tab_all:
    with st.form("targets-filter"):
        col_kw, col_doc, col_year = st.columns([2, 3, 1])
        keyword = col_kw.text_input("指标关键词", key="targets-kw", placeholder="例如：托位、覆盖率")
        doc_titles = col_doc.multiselect("文档", sorted(frame["文档"].unique()), key="targets-docs", placeholder="全部文档")
        years = col_year.multiselect("年份", sorted(y for y in frame["年份"].unique() if y), key="targets-years", placeholder="全部")
        st.form_submit_button("筛选", icon=":material/search:")
    shown = data.filter_targets(frame, keyword, doc_titles, years).reset_index(drop=True)
    st.caption(f"共 {len(shown)} 条（全部 {len(frame)} 条）。点击列标题可排序；选中一行可查看原文并加入引用。")
    event = st.dataframe(
        data.export_columns(shown),
        hide_index=True,
        column_config=COLUMN_CONFIG,
        on_select="rerun",
        selection_mode="single-row",
        key="targets-table",
    )
    col_csv, col_xlsx, _ = st.columns([1, 1, 3])
    col_csv.download_button("下载 CSV", data.csv_bytes(shown), file_name="目标指标.csv", mime="text/csv", icon=":material/download:")
    col_xlsx.download_button(
        "下载 Excel",
        data.excel_bytes(shown),
        file_name="目标指标.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )
    rows = event.selection.rows if event is not None else []
    if rows and rows[0] < len(shown):
        row = shown.iloc[rows[0]]
        clause = state.store().clause(row["clause_id"])
        doc = state.document_map().get(row["doc_id"])
        if clause is not None and doc is not None:
            with st.container(border=True):
                render.show_breadcrumb(doc.title, clause.section_path)
                start = clause.text.find(row["原文"])
                spans = [(start, start + len(row["原文"]))] if start >= 0 else []
                render.show_clause(clause, spans=spans)
                render.show_citation(render.cite_clause(doc, clause))
                render.clause_actions(doc, clause, key="target")

with tab_compare:
    with st.form("targets-compare"):
        st.session_state.setdefault("compare-kw", "托位")
        compare_kw = st.text_input("指标关键词", key="compare-kw", help="例如：托位、普惠性幼儿园覆盖率、养老床位")
        st.form_submit_button("对比", icon=":material/bar_chart:")
    groups = data.compare_indicator(frame, compare_kw)
    if not compare_kw.strip():
        st.caption("输入一个指标关键词，查看它在各文档中的目标值。")
    elif not groups:
        st.info(f"没有找到指标名称包含「{render.md_escape(compare_kw.strip())}」的目标。")
    else:
        total = sum(len(g) for _, g in groups)
        st.caption(f"「{render.md_escape(compare_kw.strip())}」：{len(groups)} 份文档，共 {total} 条目标。数值按原文列出，单位与口径可能不同，请结合原文比较。")
        for title, group in groups:
            render.show_heading(f"《{title}》（{len(group)} 条）", level=4)
            st.dataframe(group[["指标", "比较", "数值", "单位", "年份", "原文", "章节"]], hide_index=True, column_config=COLUMN_CONFIG)
