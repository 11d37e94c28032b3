"""Memo-ready citations: 《title》（文号）section path，第N页."""

from __future__ import annotations

from plankb.records import Clause, Document

PATH_SEPARATOR = " "


def section_label(path: tuple[str, ...] | list[str]) -> str:
    return PATH_SEPARATOR.join(path)


def cite(doc: Document, clause: Clause | None = None) -> str:
    """The citation line for a clause (or a whole document) in the form staff paste into memos."""
    parts = [f"《{doc.title}》"]
    if doc.doc_number:
        parts.append(f"（{doc.doc_number}）")
    if clause is not None:
        if clause.section_path:
            parts.append(section_label(clause.section_path))
        if clause.page is not None:
            parts.append(f"，第{clause.page}页")
    return "".join(parts)


def quoted(quote: str, citation: str) -> str:
    """A verbatim quote followed by its source, ready to paste: “…”（《title》…）."""
    return f"“{quote}”（{citation}）"
