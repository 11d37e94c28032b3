"""Document-level metadata: title, type and year, from header fields, the text or the file name."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from plankb.records import Block, DocMeta

METADATA_FILE = "metadata.json"
TITLE_MAX_CHARS = 60

_DOC_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("报告", re.compile(r"工作报告|报告$")),
    ("规划", re.compile(r"规划|纲要|计划")),
    ("法规", re.compile(r"法(?:（|\(|$)|条例|办法|规定|细则|解释|法典")),
    ("政策文件", re.compile(r"通知|意见|方案|决定|批复|函")),
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_SUFFIX_NOISE = re.compile(r"\s*[（(][^（）()]*(?:GB18030|GBK|UTF-?8|\d{4}-\d{2}-\d{2})[^（）()]*[）)]\s*$", re.I)


def doc_type_of(title: str) -> str:
    """Classify a document by its title: 报告, 规划, 法规, 政策文件 or 其他."""
    for name, pattern in _DOC_TYPES:
        if pattern.search(title):
            return name
    return "其他"


def year_of(meta: DocMeta, title: str) -> int | None:
    """The document's year: from its date, else the first year in its title."""
    for source in (meta.date or "", title):
        m = _YEAR.search(source)
        if m:
            return int(m.group(1))
    return None


def title_from_filename(source: str) -> str:
    """The file name without suffix and without encoding/date annotations such as "(GB18030)"."""
    stem = Path(source).stem
    return _SUFFIX_NOISE.sub("", stem) or stem


def find_title_block(blocks: Sequence[Block], meta_title: str | None) -> int | None:
    """Index of the block that is the document's own title line, if the text starts with one."""
    for index, block in enumerate(blocks[:3]):
        if meta_title and _squash(block.text) == _squash(meta_title):
            return index
    if blocks:
        first = blocks[0]
        looks_like_title = (
            len(first.text) <= TITLE_MAX_CHARS
            and not re.search(r"[。；;，,：:]$", first.text)
            and (first.heading_level == 1 or doc_type_of(first.text) != "其他")
        )
        if looks_like_title and not re.match(r"^[（(一二三四五六七八九十\d第]", first.text):
            return 0
    return None


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def resolve_meta(meta: DocMeta, blocks: Sequence[Block], source: str, sidecar: DocMeta | None) -> tuple[DocMeta, int | None]:
    """Merge sidecar, header and text evidence into final metadata; also return the title block."""
    if sidecar:
        meta = DocMeta(
            title=sidecar.title or meta.title,
            issuer=sidecar.issuer or meta.issuer,
            doc_number=sidecar.doc_number or meta.doc_number,
            date=sidecar.date or meta.date,
            topic=sidecar.topic or meta.topic,
        )
    title_block = find_title_block(blocks, meta.title)
    if not meta.title:
        title = blocks[title_block].text if title_block is not None else title_from_filename(source)
        meta = replace(meta, title=title)
    return meta, title_block


def load_sidecar(directory: Path) -> dict[str, DocMeta]:
    """Read ``metadata.json`` (file name → title/issuer/doc_number/date/topic) from a directory."""
    path = directory / METADATA_FILE
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not valid JSON metadata ({exc})") from exc
    allowed = set(DocMeta.__dataclass_fields__)
    result: dict[str, DocMeta] = {}
    for name, fields in raw.items():
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"{path}: {name}: unknown fields {sorted(unknown)}; allowed: {sorted(allowed)}")
        result[name] = DocMeta(**fields)
    return result
