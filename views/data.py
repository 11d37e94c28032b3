"""Pure data helpers behind the views (no Streamlit): target tables, exports, upload checks."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

import pandas as pd

from ingest.readers import SUPPORTED_SUFFIXES

MAX_UPLOAD_MB = 20
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
UPLOAD_TYPES = sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
MAX_NAME_CHARS = 120

TARGET_COLUMNS = ["指标", "比较", "数值", "单位", "规范值", "年份", "文档", "章节", "原文", "页码", "doc_id", "clause_id"]
COMPARATOR_WORDS = {"≥": "≥ 不低于", "≤": "≤ 不高于", "≈": "≈ 约", "=": "= 达到"}

_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def targets_frame(store) -> pd.DataFrame:
    """Every extracted target with its document and section, one row each."""
    docs = {d.id: d for d in store.documents()}
    targets = store.targets()
    clauses = store.clauses_by_ids(list(dict.fromkeys(t.clause_id for t in targets)))
    rows = []
    for t in targets:
        clause = clauses.get(t.clause_id)
        doc = docs.get(t.doc_id)
        rows.append(
            {
                "指标": f"{t.qualifier or ''}{t.indicator}",
                "比较": COMPARATOR_WORDS.get(t.comparator, t.comparator),
                "数值": t.value,
                "单位": "" if t.value.endswith("%") else t.unit,
                "规范值": t.number,
                "年份": t.year or "",
                "文档": doc.title if doc else t.doc_id,
                "章节": " › ".join(clause.section_path) if clause else "",
                "原文": t.span,
                "页码": clause.page if clause and clause.page is not None else None,
                "doc_id": t.doc_id,
                "clause_id": t.clause_id,
            }
        )
    frame = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    frame["页码"] = frame["页码"].astype("Int64")
    return frame


def filter_targets(frame: pd.DataFrame, keyword: str = "", doc_titles=(), years=()) -> pd.DataFrame:
    """Rows whose indicator or source text contains ``keyword``, in the chosen documents and years."""
    keep = pd.Series(True, index=frame.index)
    keyword = keyword.strip()
    if keyword:
        keep &= frame["指标"].str.contains(keyword, regex=False) | frame["原文"].str.contains(keyword, regex=False)
    if doc_titles:
        keep &= frame["文档"].isin(list(doc_titles))
    if years:
        keep &= frame["年份"].isin(list(years))
    return frame[keep]


def compare_indicator(frame: pd.DataFrame, keyword: str) -> list[tuple[str, pd.DataFrame]]:
    """Targets whose indicator names ``keyword``, grouped by document (documents with most matches first)."""
    keyword = keyword.strip()
    if not keyword:
        return []
    matching = frame[frame["指标"].str.contains(keyword, regex=False)]
    groups = [(title, group) for title, group in matching.groupby("文档", sort=False)]
    return sorted(groups, key=lambda item: (-len(item[1]), item[0]))


def export_columns(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["doc_id", "clause_id"])


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a BOM, so Excel on Windows opens the Chinese text correctly."""
    return export_columns(frame).to_csv(index=False).encode("utf-8-sig")


def excel_bytes(frame: pd.DataFrame, sheet: str = "目标指标") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        export_columns(frame).to_excel(writer, index=False, sheet_name=sheet)
        columns = writer.sheets[sheet].column_dimensions
        for letter, width in zip("ABCDEFGHIJ", (28, 10, 10, 8, 10, 10, 30, 36, 60, 6)):
            columns[letter].width = width
    return buffer.getvalue()


def sanitize_filename(name: str) -> str:
    """A safe file name: no directories, control or reserved characters, at most 120 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = PureWindowsPath(PurePosixPath(name).name).name  # drop both kinds of directory parts
    name = _UNSAFE_NAME_CHARS.sub("_", name).strip().strip(".")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    suffix = suffix.lower()
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1] or "upload"
    return f"{stem}.{suffix}" if suffix else stem


def upload_problem(name: str, size: int) -> str | None:
    """Why an upload cannot be ingested (type or size), or None."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return f"{name}：不支持的文件类型（支持：{'、'.join(UPLOAD_TYPES)}）"
    if size > MAX_UPLOAD_BYTES:
        return f"{name}：文件过大（{size / 1024 / 1024:.1f} MB，上限 {MAX_UPLOAD_MB} MB）"
    if size == 0:
        return f"{name}：文件为空"
    return None


# Reader messages are English one-liners; staff read Chinese. Unknown messages pass through as they are.
_MESSAGE_TRANSLATIONS = (
    (re.compile(r"^pages? ([\d\-–, ]+) ha(?:ve|s) no text layer \(needs OCR\)$"), r"第 \1 页没有文字层（扫描件，需要 OCR 识别）"),
    (re.compile(r"^pages? ([\d\-–, ]+) ha(?:ve|s) an unreadable text layer$"), r"第 \1 页的文字层无法识别（乱码）"),
    (re.compile(r"^no readable text on any page; nothing to index$"), "没有可读取的文字，未建立索引"),
    (re.compile(r"^no text (?:could be extracted|found); nothing (?:indexed|to index)$"), "没有提取到文字，未建立索引"),
    (re.compile(r"^not a valid (PDF|DOCX) \(.+\)$"), r"不是有效的 \1 文件（已损坏或不完整）"),
    (re.compile(r"^file is empty$"), "文件为空"),
    (re.compile(r"^binary data or unknown text encoding.*$"), "无法识别的编码或二进制内容（支持 UTF-8、GB18030）"),
)


def friendly_message(message: str, file_name: str | None = None) -> str:
    """A reader warning or error in Chinese, without the repeated ``file name:`` prefix."""
    text = message.strip()
    for prefix in (f"{file_name}: ", f"{file_name}："):
        if file_name and text.startswith(prefix):
            text = text[len(prefix) :]
    for pattern, replacement in _MESSAGE_TRANSLATIONS:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text
