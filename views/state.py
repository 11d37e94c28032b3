"""Cached resources (embedder, store, searcher) and per-session helpers shared by the views.

Resources are loaded once per process with ``st.cache_resource`` and never mutated: a searcher is
keyed by the store generation, so after an upload or a removal the next run simply gets a new
one. Writes go through a separate ``Store`` under a process-wide lock.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import streamlit as st

from plankb.config import default_index_dir
from plankb.memo import CitationItem
from plankb.records import Clause, Document

# Page files as registered in app.py; views link to each other through these.
SEARCH_PAGE = "views/search.py"
BROWSE_PAGE = "views/browse.py"
TARGETS_PAGE = "views/targets.py"
RELATED_PAGE = "views/related.py"
BASKET_PAGE = "views/basket.py"
MANAGE_PAGE = "views/manage.py"

BASKET_KEY = "citation_basket"


def index_dir() -> Path:
    """``streamlit run app.py -- --index DIR``, else $PLANKB_INDEX, else ``.index``."""
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == "--index" and i + 1 < len(argv):
            return Path(argv[i + 1])
        if arg.startswith("--index="):
            return Path(arg.split("=", 1)[1])
    return default_index_dir()


def model_spec(directory: Path) -> str:
    """$PLANKB_MODEL, else the model recorded in the index manifest (index.embedder.model_spec)."""
    from index.embedder import model_spec as spec_for

    return spec_for(None, directory)


@st.cache_resource(show_spinner="正在加载语义模型…")
def load_embedder(spec: str):
    """The embedder, loaded once per process (the real model takes seconds)."""
    from index.embedder import load_embedder as load

    return load(spec)


@st.cache_resource
def load_store(directory: str):
    """A read connection to the index database (its reads always see the latest committed data)."""
    from index.store import Store

    return Store(directory)


@st.cache_resource(max_entries=4, show_spinner="正在加载索引…")
def load_searcher(directory: str, generation: int, spec: str):
    """The searcher for one store generation; a new generation gets a new searcher."""
    from index.searcher import Searcher

    return Searcher(directory, load_embedder(spec))


@st.cache_resource
def write_lock() -> threading.Lock:
    """Serialises uploads, removals and rebuilds across sessions of this process."""
    return threading.Lock()


@st.cache_resource(max_entries=4)
def _documents(directory: str, generation: int) -> tuple[Document, ...]:
    return tuple(load_store(directory).documents())


def store():
    return load_store(str(index_dir()))


def generation() -> int:
    return store().generation


def documents() -> tuple[Document, ...]:
    """All stored documents (title order), cached per store generation."""
    return _documents(str(index_dir()), generation())


def document_map() -> dict[str, Document]:
    return {d.id: d for d in documents()}


def searcher_or_reason():
    """(searcher, None) when the indexes are usable, else (None, a Chinese explanation)."""
    from index.builder import index_is_current

    directory = index_dir()
    current = store()
    if not documents():
        return None, "empty"
    if not index_is_current(current):
        return None, "检索索引与文档库不一致（可能上次更新中断），请在「文档管理」中重建索引。"
    try:
        return load_searcher(str(directory), current.generation, model_spec(directory)), None
    except ValueError as exc:
        return None, f"无法打开检索索引：{exc}"


def require_documents() -> tuple[Document, ...]:
    """The stored documents; renders the empty state and stops the page when there are none."""
    docs = documents()
    if not docs:
        show_empty_state()
        st.stop()
    return docs


def require_searcher():
    """The searcher; renders why it is unavailable and stops the page otherwise."""
    searcher, reason = searcher_or_reason()
    if searcher is None:
        if reason == "empty":
            show_empty_state()
        else:
            st.warning(reason)
            st.page_link(MANAGE_PAGE, label="前往「文档管理」", icon=":material/folder_open:")
        st.stop()
    return searcher


def show_empty_state() -> None:
    st.info("还没有文档，请在「文档管理」上传。")
    st.page_link(MANAGE_PAGE, label="前往「文档管理」", icon=":material/folder_open:")


# ----------------------------------------------------------------------------- the basket


def basket() -> list[CitationItem]:
    return list(st.session_state.get(BASKET_KEY, []))


def citation_item(doc: Document, clause: Clause) -> CitationItem:
    from index.citation import cite

    return CitationItem(quote=clause.text, citation=cite(doc, clause), doc_id=doc.id, clause_id=clause.id)


def add_to_basket(item: CitationItem) -> None:
    """Add a quote once; a callback for the 加入引用 buttons."""
    items = basket()
    if all(existing.clause_id != item.clause_id for existing in items):
        st.session_state[BASKET_KEY] = items + [item]
        st.toast("已加入引用篮")
    else:
        st.toast("引用篮中已有这一条")


def remove_from_basket(clause_id: str) -> None:
    st.session_state[BASKET_KEY] = [i for i in basket() if i.clause_id != clause_id]


def clear_basket() -> None:
    st.session_state[BASKET_KEY] = []


def in_basket(clause_id: str) -> bool:
    return any(i.clause_id == clause_id for i in basket())


def query_param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value or None
