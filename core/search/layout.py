"""Where the index keeps its entries, so that a query reads only what is about its words.

FerretDB 1.24 on SQLite scans a collection for every filter but `_id` equality and for every
`_id` range (about 20 µs a row), and even an `_id` lookup scans up to the row (about 2 µs a
row); only `find().limit(n)` without a sort stops early (SERVERS.md, BENCHMARKS.md). One
collection of postings would make every query cost the whole index. So the postings of a word
live in a collection of their own (`search_w_<word>`): reading a word reads that word's
postings, however many documents the province has. Words with digits (numbers, years, codes:
as many as documents) share 64 collections by hash, as do words that are not plain a–z.

On MongoDB every read is an `_id` range or an `_id` lookup, answered by the `_id` index.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

PLAIN_WORD = re.compile(r"^[a-z]{1,40}$")
BUCKETS = 64
SEPARATOR = "|"
END = "|\x7f"  # just past every key that starts with `<term>|`


def postings_collection(term: str) -> str:
    if PLAIN_WORD.match(term):
        return f"search_w_{term}"
    kind = "n" if any(ch.isdigit() for ch in term) else "h"
    return f"search_{kind}_{_bucket(term):02d}"


def vocabulary_collection(term: str) -> str:
    """Every word indexed, by its first two characters: prefixes (`quy*`) are found here."""
    head = term[:2]
    return f"search_v_{head}" if PLAIN_WORD.match(head) else f"search_v_x{_bucket(head):02d}"


def manifest_collection(key: str) -> str:
    """What each document or record was indexed under, so that a change removes the old words."""
    return f"search_m_{_bucket(key):02d}"


def posting_key(term: str, item_key: str) -> str:
    return f"{term}{SEPARATOR}{item_key}"


def item_key(kind: str, item_id: Any) -> str:
    return f"{kind}{SEPARATOR}{item_id}"


def term_range(term: str) -> dict[str, str]:
    return {"$gte": f"{term}{SEPARATOR}", "$lt": f"{term}{END}"}


def _bucket(text: str) -> int:
    return zlib.crc32(text.encode()) % BUCKETS
