"""Chinese tokenisation for the keyword index: jieba with a plan-vocabulary dictionary, numbers kept whole.

Default jieba splits 每千人口4.5个托位数 into 每千人/口/4.5/个托/位数, so neither 托位数 nor
每千人口 can be found. This module fixes that in three ways:

- its OWN ``jieba.Tokenizer`` (the global ``jieba`` is never touched), loaded once and lazily,
  plus ``data/domain_dict.txt``: a few hundred plan/policy terms (托位数, 普惠性, 幼小衔接, 十四五 …)
  gathered from the corpus where default jieba split badly. The file is plain jieba user-dict
  format (``word freq tag``); every entry has freq 20000 (enough to beat its neighbours without
  swallowing them — checked by segmenting the whole development corpus before and after);
- number spans (4.5, 90%, 3.8万, 143.02万, 2025年, 1,234) are cut out with a regex before jieba
  sees the text, so they stay whole; the bare number is emitted too (3.8万 → 3.8, 3.8万);
- search-mode sub-words: a long word also yields the dictionary words inside it (普惠性幼儿园覆盖率
  → … 覆盖率, 覆盖 …), so a query for the short word finds the long one and vice versa.

``tokenize`` is for documents, ``query_terms`` for questions (it also drops question words such as
多少/哪一年). Both normalise with NFKC (full-width digits and ％ become ASCII) and lowercase Latin.
``dictionary_hash`` names the exact tokenisation, for index manifests: an index built under another
hash must be rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:  # pragma: no cover
    import jieba

DATA_DIR = Path(__file__).parent / "data"
DOMAIN_DICT_PATH = DATA_DIR / "domain_dict.txt"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"

# Bump when the code's tokenisation changes (regex, sub-word rule, normalisation): it is part of
# dictionary_hash, so indexes built by an older tokenizer are recognised as stale.
TOKENIZER_VERSION = "1"

# A number: an integer with optional thousands separators or plain digits, optional decimals, then
# an optional unit that belongs to the number (%, ‰, 万/亿/万亿); or an integer year with 年.
# PDFs put blanks before units ("28.1 万人"); they are allowed there and removed from the token.
# Atomic groups keep "4.5g" from matching as "4"; the look-arounds leave PM2.5 and 5G to jieba.
_NUMBER_RE = re.compile(
    r"(?<![A-Za-z0-9._])"
    r"(?:(?P<year>\d+)年"
    r"|(?P<num>(?>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?))(?:[ \t]*(?P<unit>%|‰|万亿|亿|万))?"
    r"(?![A-Za-z0-9]))"
)
_HAN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff〇]")

_lock = threading.Lock()
_tokenizer: "jieba.Tokenizer | None" = None


def tokenize(text: str) -> list[str]:
    """Tokens of a document text for indexing: domain-aware jieba, numbers whole, search-mode sub-words."""
    stop = _stopword_sets()[0]
    return list(_tokens(text, stop))


def query_terms(text: str) -> list[str]:
    """Distinct tokens of a question, in order: tokenize's rules minus question words (多少, 哪一年 …)."""
    stop, question = _stopword_sets()
    return list(dict.fromkeys(_tokens(text, stop | question)))


def dictionary_hash() -> str:
    """sha256 over the domain dictionary, the stopword list, and the tokenizer/jieba versions."""
    import jieba

    digest = hashlib.sha256()
    digest.update(f"plankb-tokenize {TOKENIZER_VERSION} jieba {jieba.__version__}\n".encode())
    for path in (DOMAIN_DICT_PATH, STOPWORDS_PATH):
        data = path.read_bytes()
        digest.update(f"{path.name} {len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def warm_up() -> None:
    """Load the jieba dictionary now (about a second) instead of on the first tokenize call."""
    _get_tokenizer()


# --- internals ---------------------------------------------------------------------------------


def _tokens(text: str, drop: frozenset[str]) -> Iterator[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    tk = _get_tokenizer()
    pos = 0
    for match in _NUMBER_RE.finditer(text):
        if match.start() > pos:
            yield from _word_tokens(tk, text[pos : match.start()], drop)
        yield from _number_tokens(match)
        pos = match.end()
    if pos < len(text):
        yield from _word_tokens(tk, text[pos:], drop)


def _number_tokens(match: re.Match[str]) -> Iterator[str]:
    if match.group("year"):
        number, unit = match.group("year"), "年"
    else:
        number, unit = match.group("num").replace(",", ""), match.group("unit")
    yield number
    if unit:
        yield number + unit


def _word_tokens(tk: "jieba.Tokenizer", text: str, drop: frozenset[str]) -> Iterator[str]:
    freq = tk.FREQ
    for word in tk.cut(text, HMM=True):
        for token in word.split():  # jieba yields runs of blanks as words; never let one through
            if token in drop or not any(ch.isalnum() for ch in token):
                continue
            # Search mode, like jieba.cut_for_search but every length, not just 2 and 3: the
            # dictionary words inside a long word, shortest first, then the word itself.
            if len(token) > 2 and _HAN_RE.search(token):
                seen = set()
                for size in range(2, len(token)):
                    for start in range(len(token) - size + 1):
                        sub = token[start : start + size]
                        if freq.get(sub) and sub not in drop and sub not in seen:
                            seen.add(sub)
                            yield sub
            yield token


def _get_tokenizer() -> "jieba.Tokenizer":
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                _tokenizer = _load_tokenizer()
    return _tokenizer


def _load_tokenizer() -> "jieba.Tokenizer":
    import jieba

    # jieba logs "Building prefix dict…" at DEBUG to stderr through its module logger.
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    for word, freq, tag in _read_domain_dict():
        tk.add_word(word, freq, tag)
    return tk


def _read_domain_dict() -> list[tuple[str, int, str | None]]:
    entries = []
    for lineno, line in enumerate(DOMAIN_DICT_PATH.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) > 3 or (len(parts) > 1 and not parts[1].isdigit()):
            raise ValueError(f"{DOMAIN_DICT_PATH}:{lineno}: expected 'word freq tag', got {line!r}")
        word = parts[0]
        freq = int(parts[1]) if len(parts) > 1 else None
        tag = parts[2] if len(parts) > 2 else None
        entries.append((word, freq, tag))
    return entries


@lru_cache(maxsize=1)
def _stopword_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(stopwords, question words) from stopwords.txt."""
    sections: dict[str, set[str]] = {"stopwords": set(), "question": set()}
    current = None
    for lineno, raw in enumerate(STOPWORDS_PATH.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            if current not in sections:
                raise ValueError(
                    f"{STOPWORDS_PATH}:{lineno}: unknown section {line}; allowed: [stopwords], [question]"
                )
            continue
        if current is None:
            raise ValueError(f"{STOPWORDS_PATH}:{lineno}: word {line!r} before any section header")
        sections[current].add(unicodedata.normalize("NFKC", line).lower())
    return frozenset(sections["stopwords"]), frozenset(sections["question"])
