"""Where the index keeps its entries, so that a query reads only what is about its words.

FerretDB 1.24 on SQLite scans a collection for every filter but `_id` equality and for every
`_id` range (about 20 µs a row), and even an `_id` lookup scans up to the row (about 2 µs a
row); only `find().limit(n)` without a sort stops early (SERVERS.md, BENCHMARKS.md). One
collection of postings would make every query cost the whole index. So the postings of a word
live in a collection of their own (`search_w_<word>`): reading a word reads that word's
postings, however many documents the province has. Numbers of up to four digits (a register's
numbers, years, days: at most 11,110 of them) have a collection each too; longer numbers and
words with digits and letters (codes, amounts: as many as documents) and words that are not
plain a–z share 1,024 collections by hash, so that each holds a thousandth of them.

A posting's key is `<word>|<kind>|<scope>|<item>`. The scope is the unit that holds the item,
so that a caller who reads a few units reads the postings of those units; the postings of a
document's fields are also written under `<word>|i|<party>|<item>` for each person or unit
handling it or asked for an opinion (`user:<name>`, `unit:<code>`), who may read it from another
unit (words of its file text only are not: see `index.scopes_of_term`).

On MongoDB every read is an `_id` range or an `_id` lookup, answered by the `_id` index.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

PLAIN_WORD = re.compile(r"^[a-z]{1,40}$")
SHORT_NUMBER = re.compile(r"^[0-9]{1,4}$")
BUCKETS = 1024
SEPARATOR = "|"
AFTER_SEPARATOR = "}"  # the character after `|`: `a|b|` ≤ every key that starts so < `a|b}`
INVOLVED = "i"  # the kind of the postings written for those involved in a document


def postings_collection(term: str) -> str:
    if PLAIN_WORD.match(term) or SHORT_NUMBER.match(term):
        return f"search_w_{term}"
    return f"search_h_{_bucket(term, BUCKETS):04d}"


def vocabulary_collection(term: str) -> str:
    """Every word indexed, by its first two characters: prefixes (`quy*`) are found here."""
    head = term[:2]
    return f"search_v_{head}" if PLAIN_WORD.match(head) else f"search_v_x{_bucket(head, 64):02d}"


def card_collection(key: str) -> str:
    """Each item's card (its filters, who may read it, what a hit shows), by hash of its key in
    1,024 collections: a page of hits reads 25 cards by `_id`, each among a thousandth of them."""
    return f"search_c_{_bucket(key, BUCKETS):04d}"


def manifest_collection(key: str) -> str:
    """What each document or record was indexed under, so that a change removes the old words."""
    return f"search_m_{_bucket(key, 64):02d}"


def is_index_collection(name: str) -> bool:
    return name.startswith(
        ("search_w_", "search_h_", "search_n_", "search_v_", "search_m_", "search_c_")
    )


def item_key(kind: str, item_id: Any) -> str:
    return f"{kind}{SEPARATOR}{item_id}"


def scope_prefix(term: str, kind: str, scope: str) -> str:
    """Where the postings of `term` for items of `kind` in `scope` begin."""
    return f"{term}{SEPARATOR}{kind}{SEPARATOR}{scope}{SEPARATOR}"


def posting_key(term: str, kind: str, scope: str, item_id: Any) -> str:
    return f"{scope_prefix(term, kind, scope)}{item_id}"


def prefix_range(prefix: str) -> dict[str, str]:
    """The keys that start with `prefix` (which ends with the separator), whatever follows:
    a code may begin with `Đ`, past any ASCII bound."""
    assert prefix.endswith(SEPARATOR)
    return {"$gte": prefix, "$lt": prefix[:-1] + AFTER_SEPARATOR}


def _bucket(text: str, buckets: int) -> int:
    return zlib.crc32(text.encode()) % buckets
