"""文档管理: the documents with their metadata and warnings; upload, remove, rebuild the indexes.

A write is parse → one store transaction → index rebuild; a file that cannot be read is reported
and never reaches the store, so the rest of the index stays as it was. Cached searchers are keyed
by the store generation, so every view picks up the change on its next run without a restart.
"""

import streamlit as st

from index.builder import index_is_current
from views import data, render, state

REPORT = "manage-report"  # the outcome of the last upload, shown after the rerun

render.inject_css()
render.basket_badge()
st.title("文档管理")
directory = state.index_dir()


def embedder():
    return state.load_embedder(state.model_spec(directory))


def rebuild(writer, progress) -> None:
    """Rebuild FAISS + BM25 for the writer's store, reporting embedding progress."""
    from index.builder import build_indexes

    progress.progress(0.5, text="正在更新检索索引…")

    def step(done: int, total: int) -> None:
        progress.progress(0.5 + 0.5 * done / max(total, 1), text=f"正在生成向量：{done}/{total}")

    build_indexes(writer, embedder(), progress=step)
    progress.progress(1.0, text="索引已更新")


def write(parsed=(), remove_ids=()) -> str | None:
    """Store a batch and rebuild the indexes under the process-wide lock; an error message or None."""
    from index.store import Store

    progress = st.progress(0.4, text="正在写入文档库…")
    with state.write_lock():
        writer = Store(directory)
        try:
            writer.write_batch(list(parsed), remove_ids=list(remove_ids))
            rebuild(writer, progress)
        except Exception as exc:  # reported in the page; the store transaction already rolled back or committed
            return f"更新失败：{exc}"
        finally:
            writer.close()
    return None


def ingest(files) -> list[dict]:
    """Parse uploads (bad ones are reported, not stored), then store the good ones in one batch."""
    from ingest.pipeline import content_hash
    from ingest.readers import ReadError
    from index.update import parse_upload

    known = state.store().source_hashes()
    progress = st.progress(0.0, text="正在解析…")
    report, parsed = [], []
    for number, upload in enumerate(files):
        name = data.sanitize_filename(upload.name)
        progress.progress(0.4 * number / len(files), text=f"正在解析 {name}")
        problem = data.upload_problem(name, upload.size)
        if problem:
            report.append({"file": name, "status": "失败", "messages": [problem]})
            continue
        content = upload.getvalue()
        if known.get(name) == content_hash(content):
            report.append({"file": name, "status": "未变化", "messages": []})
            continue
        try:
            item = parse_upload(content, name)
        except (ReadError, ValueError) as exc:
            report.append({"file": name, "status": "失败", "messages": [str(exc)]})
            continue
        parsed.append(item)
        status = "更新" if name in known else "新增"
        summary = f"{len(item.sections)} 个章节，{len(item.clauses)} 条条款，{len(item.targets)} 个目标"
        report.append({"file": name, "status": status, "summary": summary, "messages": list(item.warnings)})
    progress.empty()
    if parsed:
        error = write(parsed)
        if error:
            for entry in report:
                if entry["status"] in ("新增", "更新"):
                    entry["status"], entry["messages"] = "失败", [error, *entry["messages"]]
    return report


def show_report(report: list[dict]) -> None:
    for entry in report:
        name = render.md_escape(entry["file"])
        if entry["status"] == "失败":
            reasons = "；".join(render.md_escape(data.friendly_message(m, entry["file"])) for m in entry["messages"])
            st.error(f"{name}：未入库。{reasons}", icon=":material/error:")
            continue
        if entry["status"] == "未变化":
            st.info(f"{name}：与已入库版本相同，未重复处理。")
            continue
        if entry["status"] == "已删除":
            st.success(f"{name}：已删除，检索索引已更新。", icon=":material/delete:")
            continue
        st.success(f"{name}：已{entry['status']}（{entry.get('summary', '')}）", icon=":material/check_circle:")
        for message in entry["messages"]:
            st.warning(f"{name}：{render.md_escape(data.friendly_message(message, entry['file']))}", icon=":material/warning:")


# ----------------------------------------------------------------------------- upload

with st.form("upload-form", clear_on_submit=True):
    files = st.file_uploader(
        f"上传文档（{'、'.join(data.UPLOAD_TYPES)}；单个文件不超过 {data.MAX_UPLOAD_MB} MB）",
        type=data.UPLOAD_TYPES,
        accept_multiple_files=True,
        max_upload_size=data.MAX_UPLOAD_MB,
        key="upload-files",
    )
    submitted = st.form_submit_button("解析并入库", type="primary", icon=":material/upload_file:")
if submitted and files:
    st.session_state[REPORT] = ingest(files)
elif submitted:
    st.warning("请先选择文件。")
if st.session_state.get(REPORT):
    show_report(st.session_state[REPORT])

# ----------------------------------------------------------------------------- status

store = state.store()
counts = store.counts()
st.caption(
    f"索引目录：{render.md_escape(str(directory))} · 文档 {counts['documents']} 份 · 章节 {counts['sections']} 个 · "
    f"条款 {counts['clauses']} 条 · 目标 {counts['targets']} 个 · 版本 {store.generation}"
)
if counts["documents"] and not index_is_current(store):
    st.warning("检索索引与文档库不一致（可能上次更新中断，或分词词典已更新）。", icon=":material/warning:")
    if st.button("重建索引", icon=":material/refresh:"):
        error = write()
        if error:
            st.error(error)
        else:
            st.rerun()

docs = state.documents()
if not docs:
    st.info("还没有文档，请在上方上传 PDF、Word、网页或文本文件。")
    st.stop()

# ----------------------------------------------------------------------------- the documents

warnings = store.document_warnings()
clause_counts = store.document_counts("clauses")
target_counts = store.document_counts("targets")
rows = [
    {
        "标题": d.title,
        "类型": d.doc_type,
        "年份": str(d.year) if d.year else "",
        "发文机关": d.issuer or "",
        "发文字号": d.doc_number or "",
        "成文日期": d.date or "",
        "条款": clause_counts.get(d.id, 0),
        "目标": target_counts.get(d.id, 0),
        "格式": d.fmt,
        "来源文件": d.source,
        "提示": "；".join(data.friendly_message(w, d.source) for w in warnings.get(d.id, [])),
    }
    for d in docs
]
st.subheader(f"已入库文档（{len(docs)}）")
st.dataframe(rows, hide_index=True)

flagged = [d for d in docs if warnings.get(d.id)]
if flagged:
    with st.expander(f"需要注意的文件（{len(flagged)}）", expanded=True):
        for d in flagged:
            notes = "；".join(render.md_escape(data.friendly_message(w, d.source)) for w in warnings[d.id])
            st.warning(f"{render.md_escape(d.source)}：{notes}", icon=":material/warning:")

# ----------------------------------------------------------------------------- removal

with st.form("remove-form"):
    st.subheader("删除文档")
    by_id = {d.id: d for d in docs}
    doomed = st.selectbox("文档", list(by_id), format_func=lambda d: f"{by_id[d].title}（{by_id[d].source}）")
    confirmed = st.checkbox("确认删除：同时从检索索引中移除")
    remove = st.form_submit_button("删除", icon=":material/delete:")
if remove:
    if not confirmed:
        st.warning("请先勾选「确认删除」。")
    else:
        error = write(remove_ids=[doomed])
        if error:
            st.error(error)
        else:
            st.session_state[REPORT] = [{"file": by_id[doomed].source, "status": "已删除", "messages": []}]
            st.rerun()
