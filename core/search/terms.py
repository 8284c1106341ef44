"""Words as the search index and the queries see them.

A word is a run of letters and digits; everything else separates words. Two forms of each:
folded (`core.text.fold`: no diacritics, `đ` = `d`, lower case) finds `Quyết`, `QUYET` and
`quyệt` alike; exact (lower case, NFC, diacritics kept) is what `exact_diacritics` compares.
A number and symbol such as `05/QĐ-UBND` is the words `05 qd ubnd` one after another, so
`QĐ-UBND` and `05/QĐ` find it as phrases do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.errors import InvalidInput
from core.text import drop_invisible, fold, nfc

WORD = re.compile(r"\w+")
# A term longer than this is cut: nobody types it, and it keeps index keys short.
MAX_TERM = 40
MAX_QUERY_CHARS = 500
MAX_CLAUSES = 12
MIN_PREFIX = 2


def exact_words(text: str) -> list[str]:
    """Words with their diacritics, lower case: `Quyết Định` → `["quyết", "định"]`."""
    # `_` splits words as in the folded form, so that both forms hold the same words in order.
    text = nfc(drop_invisible(text)).lower().replace("_", " ")
    return [word[:MAX_TERM] for word in WORD.findall(text)]


def folded_words(text: str) -> list[str]:
    """Words folded: `Quyết Định 05/QĐ` → `["quyet", "dinh", "05", "qd"]`."""
    return [word[:MAX_TERM] for word in WORD.findall(fold(text).replace("_", " "))]


@dataclass
class Clause:
    """One part of a query: a word, a word's beginning (`quy*`), or a phrase (`"quyết định"`,
    and any run of words joined by punctuation such as `05/QĐ-UBND`)."""

    folded: list[str]
    exact: list[str]
    prefix: bool = False

    @property
    def phrase(self) -> bool:
        return len(self.folded) > 1


@dataclass
class Query:
    clauses: list[Clause] = field(default_factory=list)


def parse_query(text: str) -> Query:
    """`quyết định "ủy ban" quy* 05/QĐ` → four clauses. Refuses (422) what cannot be searched."""
    if len(text) > MAX_QUERY_CHARS:
        raise _bad(f"The search text has {len(text):,} characters; at most {MAX_QUERY_CHARS}.")
    clauses: list[Clause] = []
    # Quoted parts are phrases; an unclosed quote runs to the end.
    for index, part in enumerate(text.split('"')):
        if index % 2 == 1:
            clause = _chunk_clause(part.strip())
            if clause is not None:
                clauses.append(clause)
            continue
        for chunk in part.split():
            clause = _chunk_clause(chunk)
            if clause is not None:
                clauses.append(clause)
    if not clauses:
        raise _bad("The search text has no word to look for: give at least one letter or digit.")
    if len(clauses) > MAX_CLAUSES:
        raise _bad(f"The search text has {len(clauses)} words or phrases; at most {MAX_CLAUSES}.")
    return Query(clauses)


def _chunk_clause(chunk: str) -> Clause | None:
    prefix = chunk.endswith("*")
    folded, exact = folded_words(chunk), exact_words(chunk)
    if not folded:
        return None
    if prefix and len(folded) == 1 and len(folded[0]) < MIN_PREFIX:
        raise _bad(
            f"'{chunk}': a word's beginning needs at least {MIN_PREFIX} letters before the *."
        )
    if len(folded) != len(exact):  # a letter that folds into two words: compare folded only
        exact = folded
    return Clause(folded, exact, prefix=prefix)


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": "q", "message": message}])


def contains_sequence(words: list[str], wanted: list[str], prefix: bool) -> bool:
    """Whether `wanted` occurs in `words` one after another (its last word as a beginning when
    `prefix`)."""
    size = len(wanted)
    if size == 0 or size > len(words):
        return False
    last = wanted[-1]
    for start in range(len(words) - size + 1):
        if words[start : start + size - 1] != wanted[:-1]:
            continue
        word = words[start + size - 1]
        if word == last or (prefix and word.startswith(last)):
            return True
    return False
