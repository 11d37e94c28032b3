"""Links from one clause to others, each with the reason it is linked (pure over a Searcher).

Deterministic links come first: explicit references (《title》 resolved to a document of the
corpus, 发文字号, 专栏N resolved to the box of the same document), then the same indicator in
other targets, then the clause's own section. Semantic neighbours from the dense index come last
and only from other documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from index.builder import dense_text
from index.citation import cite
from plankb.records import Clause, Document, Section, Target

KIND_LABELS = {
    "reference": "明确引用",
    "box": "专栏",
    "indicator": "同一指标",
    "sibling": "同节条款",
    "semantic": "语义相近",
}
LINK_KINDS = tuple(KIND_LABELS)

_TITLE_REF = re.compile(r"《([^《》\n]{2,80})》")
_DOC_NUMBER_REF = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\d+号")
_BOX_REF = re.compile(r"专栏\s*([0-9０-９]+|[一二三四五六七八九十]+)")
_BOX_TITLE = re.compile(r"^\s*专栏\s*([0-9０-９]+|[一二三四五六七八九十]+)")
_TITLE_NOISE = re.compile(r"\s+|[“”\"'‘’「」『』]")
_PARENTHETICAL = re.compile(r"[（(][^（）()]*[)）]")
# Words that qualify an indicator without changing what it counts (新增托位 vs 托位数).
_INDICATOR_PREFIX = re.compile(r"^(?:新增|增加|新建|建成|改扩建|累计|全市|全省|全区)+")
_INDICATOR_NOISE = re.compile(r"普惠性|普惠|新增")
_INDICATOR_SUFFIX = re.compile(r"(?:总数|数量|总量|数|超过|超|以上|左右)+$")
_CHINESE_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")}
# A containment match between two document titles must be at least this long to count.
MIN_CONTAINED_TITLE = 6


@dataclass(frozen=True)
class Link:
    """A clause linked to the one being viewed, and why."""

    kind: str  # one of LINK_KINDS
    reason: str  # Chinese, shown to the user
    clause: Clause
    doc_title: str
    citation: str


# ----------------------------------------------------------------------------- matching helpers


def normalise_title(title: str) -> str:
    """A document title without quotes, spaces, parenthetical notes and the 中华人民共和国 prefix."""
    text = _PARENTHETICAL.sub("", _TITLE_NOISE.sub("", title))
    return text.removeprefix("中华人民共和国")


def resolve_title(reference: str, documents: Iterable[Document]) -> list[Document]:
    """Documents a 《…》 reference names: equal normalised titles, else one unique long containment."""
    key = normalise_title(reference)
    if len(key) < 2:
        return []
    docs = list(documents)
    exact = [d for d in docs if normalise_title(d.title) == key]
    if exact or len(key) < MIN_CONTAINED_TITLE:
        return exact
    # 《国家职业教育改革实施方案》 is published as 国务院关于印发国家职业教育改革实施方案的通知.
    contained = [d for d in docs if key in normalise_title(d.title)]
    return contained if len(contained) == 1 else []


def _normalise_doc_number(number: str) -> str:
    return re.sub(r"[\[［(（]", "〔", re.sub(r"[\]］)）]", "〕", number)).replace(" ", "")


def box_number(label: str) -> int | None:
    """The N of 专栏N (Arabic, full-width or Chinese numerals up to 十九), or None."""
    match = _BOX_TITLE.match(label) or _BOX_REF.search(label)
    if not match:
        return None
    raw = match.group(1).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if raw.isdigit():
        return int(raw)
    if raw.startswith("十"):
        return 10 + _CHINESE_DIGITS.get(raw[1:], 0) if len(raw) > 1 else 10
    return _CHINESE_DIGITS.get(raw)


def indicator_key(indicator: str) -> str:
    """The counted thing of an indicator: 新增普惠托位 → 托位, 托位数 → 托位."""
    key = _INDICATOR_NOISE.sub("", _INDICATOR_PREFIX.sub("", indicator.strip()))
    return _INDICATOR_SUFFIX.sub("", key) or key


def _base_unit(target: Target) -> str:
    if target.unit == "%" or target.value.endswith("%"):
        return "%"
    return target.unit.lstrip("万亿千百") or target.unit


def indicator_name(target: Target) -> str:
    """The full indicator as stated: qualifier and indicator (每千人口 + 托位数)."""
    return f"{target.qualifier or ''}{target.indicator}"


def same_indicator(a: Target, b: Target) -> bool:
    """Whether two targets measure the same thing: one key contains the other, in the same unit (个 = 万个)."""
    if _base_unit(a) != _base_unit(b):
        return False
    ka, kb = indicator_key(indicator_name(a)), indicator_key(indicator_name(b))
    shorter, longer = sorted((ka, kb), key=len)
    return len(shorter) >= 2 and shorter in longer


# ----------------------------------------------------------------------------- the links


class _Collector:
    """Accumulates links in order, never the same clause twice nor the clause itself."""

    def __init__(self, origin: Clause, documents: dict[str, Document]):
        self.documents = documents
        self.seen = {origin.id}
        self.links: list[Link] = []

    def add(self, kind: str, reason: str, clause: Clause) -> bool:
        doc = self.documents.get(clause.doc_id)
        if clause.id in self.seen or doc is None:
            return False
        self.seen.add(clause.id)
        self.links.append(Link(kind, reason, clause, doc.title, cite(doc, clause)))
        return True


def linked_clauses(searcher, clause_id: str, k: int = 5) -> list[Link]:
    """Clauses linked to ``clause_id``, at most ``k`` of each kind, explicit links first."""
    if k < 1:
        raise ValueError("k must be at least 1")
    store = searcher.store
    clause = store.clause(clause_id)
    if clause is None:
        raise ValueError(f"no clause {clause_id!r} in the index")
    out = _Collector(clause, searcher.documents)
    _reference_links(searcher, clause, out, k)
    _box_links(store, clause, out, k)
    _indicator_links(store, clause, out, k)
    _sibling_links(store, clause, out, k)
    _semantic_links(searcher, clause, out, k)
    return out.links


def _embedder_or_none(searcher):
    try:
        return searcher.embedder
    except ValueError:
        return None


def _closest_clause_in(searcher, doc_id: str, clause: Clause) -> Clause | None:
    """The clause of ``doc_id`` nearest in meaning to ``clause``; its first clause without an embedder."""
    embedder = _embedder_or_none(searcher)
    if embedder is not None:
        from index.searcher import Filters

        vector = embedder.embed_passages([dense_text(clause, searcher.documents[clause.doc_id])])
        result = searcher.search(clause.text, top_k=1, mode="dense", filters=Filters(doc_ids=frozenset({doc_id})), query_vector=vector)
        if result.hits:
            return result.hits[0].clause
    first = searcher.store.clauses_in_range(doc_id, 0, 0)
    return first[0] if first else None


def _reference_links(searcher, clause: Clause, out: _Collector, k: int) -> None:
    documents = [d for d in searcher.documents.values() if d.id != clause.doc_id]
    added = 0
    named: list[tuple[str, Document]] = []
    for reference in dict.fromkeys(_TITLE_REF.findall(clause.text)):
        named += [(f"引用《{reference}》", doc) for doc in resolve_title(reference, documents)]
    by_number = {_normalise_doc_number(d.doc_number): d for d in documents if d.doc_number}
    for number in dict.fromkeys(_DOC_NUMBER_REF.findall(clause.text)):
        doc = by_number.get(_normalise_doc_number(number))
        if doc is not None:
            named.append((f"引用文号 {number}", doc))
    for reason, doc in named:
        if added >= k:
            return
        target = _closest_clause_in(searcher, doc.id, clause)
        if target is not None and out.add("reference", f"{reason}：《{doc.title}》", target):
            added += 1


def _box_links(store, clause: Clause, out: _Collector, k: int) -> None:
    """专栏N mentioned in the text → that box's clauses; a clause inside a box → the text that mentions it."""
    boxes = [s for s in store.sections(clause.doc_id) if s.kind == "box" and box_number(s.title) is not None]
    if not boxes:
        return
    clauses = store.clauses(clause.doc_id)
    mentioned = {n for n in (box_number(m.group(0)) for m in _BOX_REF.finditer(clause.text)) if n is not None}
    added = 0
    for box in boxes:
        number = box_number(box.title)
        if _inside(clause, box):
            mentions = [c for c in clauses if not _inside(c, box) and number in _mentioned_boxes(c.text)]
            for other in mentions:
                if added < k and out.add("box", f"正文提及本专栏（{box.title}）", other):
                    added += 1
        elif number in mentioned:
            for other in [c for c in clauses if _inside(c, box)]:
                if added < k and out.add("box", f"提及专栏{number}：{box.title}", other):
                    added += 1


def _inside(clause: Clause, section: Section) -> bool:
    return clause.section_path[: len(section.path)] == section.path


def _mentioned_boxes(text: str) -> set[int | None]:
    return {box_number(m.group(0)) for m in _BOX_REF.finditer(text)}


def _format_target(t: Target) -> str:
    unit = "" if t.value.endswith("%") or t.value.endswith(t.unit) else t.unit
    year = f"（{t.year}）" if t.year else ""
    return f"{indicator_name(t)} {t.comparator} {t.value}{unit}{year}"


def _indicator_links(store, clause: Clause, out: _Collector, k: int) -> None:
    own = store.targets(clause_ids=[clause.id])
    if not own:
        return
    candidates: list[tuple[Target, Target]] = []
    for other in store.targets():
        if other.clause_id == clause.id:
            continue
        match = next((t for t in own if same_indicator(t, other)), None)
        if match is not None:
            candidates.append((match, other))
    # Other documents first (a plan against a province's report), then the closest wording.
    candidates.sort(
        key=lambda pair: (
            pair[1].doc_id == clause.doc_id,
            indicator_key(indicator_name(pair[0])) != indicator_key(indicator_name(pair[1])),
            pair[0].qualifier != pair[1].qualifier,
        )
    )
    found = store.clauses_by_ids(list(dict.fromkeys(o.clause_id for _, o in candidates)))
    added = 0
    for mine, other in candidates:
        target_clause = found.get(other.clause_id)
        if added >= k or target_clause is None:
            continue
        reason = f"同一指标「{indicator_name(mine)}」：{_format_target(other)}"
        if out.add("indicator", reason, target_clause):
            added += 1


def _sibling_links(store, clause: Clause, out: _Collector, k: int) -> None:
    window = store.clauses_in_range(clause.doc_id, clause.ordinal - 4 * k - 50, clause.ordinal + 4 * k + 50)
    siblings = [c for c in window if c.section_id == clause.section_id and c.id != clause.id]
    nearest = sorted(sorted(siblings, key=lambda c: abs(c.ordinal - clause.ordinal))[:k], key=lambda c: c.ordinal)
    where = f"同属「{clause.section_path[-1]}」" if clause.section_path else "同属文档开头（无标题部分）"
    for sibling in nearest:
        out.add("sibling", where, sibling)


def _semantic_links(searcher, clause: Clause, out: _Collector, k: int) -> None:
    embedder = _embedder_or_none(searcher)
    others = frozenset(d for d in searcher.documents if d != clause.doc_id)
    if embedder is None or not others or not clause.text.strip():
        return
    from index.searcher import Filters

    vector = embedder.embed_passages([dense_text(clause, searcher.documents[clause.doc_id])])
    # Ask for more than k: some may already be linked for a more explicit reason.
    result = searcher.search(clause.text, top_k=3 * k, mode="dense", filters=Filters(doc_ids=others), query_vector=vector)
    added = 0
    for hit in result.hits:
        similarity = hit.scores.get("dense", float("nan"))
        label = f"语义相近（相似度 {similarity:.2f}）" if similarity == similarity else "语义相近"
        if added < k and out.add("semantic", label, hit.clause):
            added += 1


def group_by_kind(links: Sequence[Link]) -> dict[str, list[Link]]:
    """Links grouped under their kind, in LINK_KINDS order, empty kinds left out."""
    grouped: dict[str, list[Link]] = {kind: [] for kind in LINK_KINDS}
    for link in links:
        grouped.setdefault(link.kind, []).append(link)
    return {kind: items for kind, items in grouped.items() if items}
