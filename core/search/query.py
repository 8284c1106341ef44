"""Answering a search: which postings to read, which items match, in which order.

Plan: each clause of the query (word, phrase, word beginning) is looked up in its words'
postings, reading at most `CANDIDATES + 1` of them, in the scopes the caller reads: the units
asked for, or those the caller may read and the documents they are involved in (a caller who
reads every unit reads the word's postings whole). The clause with the fewest postings gives
the candidates; every other clause, the filters and the caller's rights are checked on the
posting itself (it carries the item's folded fields, its filters and who may read it; a thin
posting, of a word of file text only, is replaced by the item's card, which carries the same),
and only a word found in no field but the item's file text is looked up again, by `_id`, among
that word's postings. The page shown is checked once more on the items' cards, and shown from
them. The work per query is bounded: when every clause has more than `CANDIDATES` postings, the
answer says it is not complete (`complete: false`) and the matches are among the first
`CANDIDATES` postings of the rarest clause.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from core.errors import InvalidInput
from core.identity.policy import Principal
from core.identity.roles import Action
from core.search import layout
from core.search.entries import WEIGHTS
from core.search.terms import Clause, contains_sequence, parse_query

CANDIDATES = 2_000
# A source of this many postings or fewer is read and each checked, without looking further.
FEW = 50
# Word beginnings stand for at most this many words (the first in alphabetical order).
MAX_EXPANSION = 50
Kind = Literal["d", "r"]
SortOrder = Literal["relevance", "date", "newest"]


@dataclass
class Filters:
    units: list[str] | None = None
    type_code: str | None = None
    direction: str | None = None
    state: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    record_documents: set[str] | None = None  # ids of the documents filed in the record asked
    step: str | None = None
    year: int | None = None


@dataclass
class Hit:
    posting: dict[str, Any]
    score: int
    fields: list[str]
    card: dict[str, Any] = field(default_factory=dict)  # read for the page shown

    @property
    def item_id(self) -> str:
        return str(self.posting["i"])


@dataclass
class Result:
    hits: list[Hit] = field(default_factory=list)
    next_cursor: str | None = None
    complete: bool = True


async def search(
    db: Any,
    actor: Principal,
    *,
    kind: Kind,
    text: str,
    exact: bool,
    filters: Filters,
    sort: SortOrder,
    cursor: str | None,
    limit: int,
) -> Result:
    query = parse_query(text)
    after = decode_cursor(cursor) if cursor else None
    scopes = _scopes(actor, kind, filters)
    if scopes == []:
        return Result()  # nothing the caller may read
    complete = True
    expansions: list[list[str]] = []
    sources: list[list[str]] = []
    for clause in query.clauses:
        terms = await _terms_of(db, clause) if clause.prefix else [clause.folded[-1]]
        if len(terms) > MAX_EXPANSION:
            complete = False  # more words begin so than a query reads
            terms = terms[:MAX_EXPANSION]
        expansions.append(terms)
        sources += [source for source in _sources(clause, terms) if source not in sources]
    smallest, read_all = await _fewest(db, sources, kind, scopes)
    complete = complete and read_all
    if not smallest:
        return Result(complete=complete)  # none among what was read (a cut `quy*` read less)
    smallest = await _filled(db, kind, smallest)
    matches: dict[str, Hit] = {}
    for posting in smallest:
        if posting["i"] in matches or not _passes(actor, posting, filters):
            continue
        hit = await _match(db, posting, query.clauses, expansions, exact)
        if hit is not None:
            matches[posting["i"]] = hit
    ordered = sorted(matches.values(), key=lambda hit: sort_key(hit, sort))
    if after is not None:
        try:
            ordered = [hit for hit in ordered if sort_key(hit, sort) > after]
        except TypeError:  # a cursor of another order
            raise decode_error() from None
    page = ordered[:limit]
    next_cursor = encode_cursor(sort_key(page[-1], sort)) if len(ordered) > limit else None
    if page:
        page = await _as_carded(db, actor, kind, page, filters)
    return Result(page, next_cursor, complete)


# A caller who reads more scopes than this reads a word's postings whole, then filters them.
MAX_SCOPES = 100


def _scopes(actor: Principal, kind: Kind, filters: Filters) -> list[tuple[str, str]] | None:
    """The (kind, scope) ranges of a word's postings to read; None for all of them."""
    if filters.units is not None:
        if len(set(filters.units)) >= len(actor.policy.units):  # known units, all of them
            return None
        scopes = [(kind, unit) for unit in sorted(filters.units)]
    else:
        action = Action.READ_RECORDS if kind == "r" else Action.READ_DOCUMENTS
        if actor.sees_every_unit(action):
            return None
        scopes = [(kind, unit) for unit in sorted(actor.units_for(action))]
        if kind == "d":  # documents of other units, read as one handling them
            scopes += [(layout.INVOLVED, key) for key in actor.involvement_keys]
    return scopes if len(scopes) <= MAX_SCOPES else None


async def _card(db: Any, kind: Kind, item_id: str) -> dict[str, Any] | None:
    key = layout.item_key(kind, item_id)
    return await db[layout.card_collection(key)].find_one({"_id": key})


async def _filled(db: Any, kind: Kind, postings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Thin postings (words of file text only) replaced by their items' cards, which carry what
    the other postings do; an item without a card is gone."""
    thin = [posting["i"] for posting in postings if "x" not in posting]
    if not thin:
        return postings
    cards: dict[str, dict[str, Any] | None] = {}
    for start in range(0, len(thin), 100):
        chunk = thin[start : start + 100]
        found = await asyncio.gather(*(_card(db, kind, item_id) for item_id in chunk))
        cards.update(zip(chunk, found, strict=True))
    filled = []
    for posting in postings:
        if "x" in posting:
            filled.append(posting)
        elif (card := cards.get(posting["i"])) is not None:
            filled.append(card)
    return filled


async def _as_carded(
    db: Any, actor: Principal, kind: Kind, page: list[Hit], filters: Filters
) -> list[Hit]:
    """The page's items checked once more on their cards, and shown from them. A posting
    carries who could read the item and its state when it was indexed, and a change rewrites
    the postings one by one after the card: the card is what was last indexed. Cards are read
    by `_id`, 25 lookups among a thousandth of the cards each (an `$in` over the documents
    would scan them all on FerretDB)."""

    cards: list[dict[str, Any] | None] = []
    for start in range(0, len(page), 100):
        chunk = page[start : start + 100]
        cards += await asyncio.gather(*(_card(db, kind, hit.item_id) for hit in chunk))
    shown = []
    for hit, found in zip(page, cards, strict=True):
        if found is not None and _passes(actor, found, filters):
            hit.card = found
            shown.append(hit)
    return shown


async def _terms_of(db: Any, clause: Clause) -> list[str]:
    """What the clause's last word stands for: itself, or for a word beginning the words of the
    vocabulary that begin so (at most MAX_EXPANSION)."""
    last = clause.folded[-1]
    if not clause.prefix:
        return [last]
    found = db[layout.vocabulary_collection(last)].find(
        {"_id": {"$gte": last, "$lt": last + "\U0010ffff"}}
    )
    words = sorted([row["_id"] async for row in found])
    return words[: MAX_EXPANSION + 1]  # one more: tells the caller the expansion was cut


def _sources(clause: Clause, expansion: list[str]) -> list[list[str]]:
    """Where a clause's matches can be read from: any one of its words finds them all. Words
    with digits first (a number is in few documents), then the longer ones."""
    whole = sorted(
        set(clause.folded[:-1] if clause.prefix else clause.folded),
        key=lambda word: (not any(ch.isdigit() for ch in word), -len(word)),
    )
    sources = [[word] for word in whole]
    if clause.prefix and (len(clause.folded[-1]) >= 2 or not sources):
        sources.append(expansion)
    return sources


class _Source:
    """The postings of one source (a word, or the words a beginning stands for) in the scopes
    read, one item each, read a batch at a time from cursors left open between batches."""

    def __init__(
        self,
        db: Any,
        terms: list[str],
        kind: Kind,
        scopes: list[tuple[str, str]] | None,
        batch: int,
    ) -> None:
        self.db, self.terms, self.kind, self.scopes = db, list(terms), kind, scopes
        self.batch = batch
        # An item is read once per scope it is in: its unit's, and each of the caller's
        # parties named on it. A term read to this many postings holds more than CANDIDATES.
        copies = 1 + sum(1 for scope_kind, _ in scopes or () if scope_kind == layout.INVOLVED)
        self.limit = (CANDIDATES + 1) * copies
        self.found: dict[str, dict[str, Any]] = {}
        self.cursor: Any = None
        self.read_of_term = 0
        self.read_total = 0
        self.ended = False  # every posting read
        self.over = False  # more than CANDIDATES items: not read further

    async def read(self, count: int) -> None:
        """Read up to `count` more postings."""
        read = 0
        while read < count and not self.ended and not self.over:
            if self.cursor is None:
                if not self.terms:
                    self.ended = True
                    break
                term = self.terms.pop(0)
                self.read_of_term = 0
                self.cursor = (
                    self.db[layout.postings_collection(term)]
                    .find(self._wanted(term), limit=self.limit)
                    .batch_size(min(self.batch, self.limit))
                )
            try:
                posting = await self.cursor.next()
            except StopAsyncIteration:
                # A term read to its limit holds more than CANDIDATES items (or stale doubles):
                # not read whole, whatever the items counted.
                self.over = self.over or self.read_of_term >= self.limit
                self.cursor = None
                continue
            read += 1
            self.read_of_term += 1
            self.read_total += 1
            self.found.setdefault(posting["i"], posting)
            self.over = len(self.found) > CANDIDATES

    def _wanted(self, term: str) -> dict[str, Any]:
        # The kind is part of every range: documents' postings (`term|d|…`) sort before
        # records' (`term|r|…`), and a bounded read of the whole term would see documents only.
        if self.scopes is None:
            prefix = f"{term}{layout.SEPARATOR}{self.kind}{layout.SEPARATOR}"
            return {"_id": layout.prefix_range(prefix)}
        ranges = [
            layout.prefix_range(layout.scope_prefix(term, scope_kind, scope))
            for scope_kind, scope in self.scopes
        ]
        return {"_id": ranges[0]} if len(ranges) == 1 else {"$or": [{"_id": r} for r in ranges]}

    async def close(self) -> None:
        cursor, self.cursor = self.cursor, None
        if cursor is not None:
            with contextlib.suppress(Exception):  # the answer is made; the server ends it anyway
                await cursor.close()


# A query reads at most this many times CANDIDATES + 1 postings to find its candidates.
BUDGET_FACTOR = 2
# Postings read from each source in turn (and asked of the server at once): fewer round trips
# against more postings read past the fewest source's end.
BATCH = 100


async def _fewest(
    db: Any, sources: list[list[str]], kind: Kind, scopes: list[tuple[str, str]] | None
) -> tuple[list[dict[str, Any]], bool]:
    """The items of the source with the fewest postings (any one source holds every match),
    and whether it was read whole. The sources are read in turn, a batch at a time, until one
    ends: a query of a rare word and common ones reads about as many postings of each as the
    rare one has. The first source ending with FEW items or fewer is taken before the others
    are read (a number, read first). When no source ends within the reading's budget (twice
    what one source may hold: every word of the query is common), the items read of the source
    that gave the most are the candidates, and the answer is not complete: a query of many
    common words costs what one of two does."""
    # One source is read whole (up to its limit) in as few round trips as the server allows.
    batch = BATCH if len(sources) > 1 else CANDIDATES * 4
    readers = [_Source(db, terms, kind, scopes, batch) for terms in sources]
    try:
        for reader in readers:
            await reader.read(FEW + 1)
            if reader.ended and len(reader.found) <= FEW:
                return list(reader.found.values()), True
        while True:
            ended = [reader for reader in readers if reader.ended]
            if ended:
                fewest = min(ended, key=lambda reader: len(reader.found))
                return list(fewest.found.values()), True
            reading = [reader for reader in readers if not reader.over]
            spent = sum(reader.read_total for reader in readers)
            if not reading or spent >= BUDGET_FACTOR * (CANDIDATES + 1):
                most = max(readers, key=lambda reader: len(reader.found))
                return list(most.found.values())[:CANDIDATES], False
            for reader in reading:
                await reader.read(batch)
    finally:
        for reader in readers:
            await reader.close()


def _passes(actor: Principal, posting: dict[str, Any], filters: Filters) -> bool:
    if not _readable(actor, posting):
        return False
    if filters.units is not None and posting["u"] not in filters.units:
        return False
    checks = (
        ("typ", filters.type_code),
        ("dir", filters.direction),
        ("st", filters.state),
        ("step", filters.step),
        ("year", filters.year),
    )
    if any(wanted is not None and posting.get(name) != wanted for name, wanted in checks):
        return False
    if filters.date_from or filters.date_to:
        day = posting.get("day")
        if day is None:
            return False
        if filters.date_from and day < filters.date_from.isoformat():
            return False
        if filters.date_to and day > filters.date_to.isoformat():
            return False
    return filters.record_documents is None or posting["i"] in filters.record_documents


class _Readable:
    """A posting seen as the document it indexes, for the policy's own check."""

    def __init__(self, posting: dict[str, Any]) -> None:
        self.unit = posting["u"]
        self.access_mode = posting.get("am")
        self.readers = posting.get("rd") or []
        self.created_by = posting.get("cb")
        self.participants = posting.get("pa") or []
        self.consulted = posting.get("co") or []


def _readable(actor: Principal, posting: dict[str, Any]) -> bool:
    if posting["k"] == "r":
        return actor.may(Action.READ_RECORDS, posting["u"])
    return actor.can_read_document(_Readable(posting))


async def _match(
    db: Any,
    posting: dict[str, Any],
    clauses: list[Clause],
    expansions: list[list[str]],
    exact: bool,
) -> Hit | None:
    texts = posting["y"] if exact else posting["x"]
    score, fields = 0, set()
    for clause, terms in zip(clauses, expansions, strict=True):
        wanted = clause.exact if exact else clause.folded
        found = [
            name
            for name, text in texts.items()
            if contains_sequence(text.split(), wanted, clause.prefix)
        ]
        if (
            not found
            and posting.get("ft")
            and not exact
            and await _in_file(db, posting, clause, terms)
        ):
            found = ["file"]
        if not found:
            return None
        fields.update(found)
        score += max(WEIGHTS.get(name, 1) for name in found) * (2 if clause.phrase else 1)
    return Hit(posting, score, sorted(fields))


async def _in_file(db: Any, posting: dict[str, Any], clause: Clause, terms: list[str]) -> bool:
    """Whether the item's file text holds the clause's words (each of them, anywhere: file
    text is indexed by word, not by position)."""
    if clause.prefix and len(clause.folded) == 1:
        wanted = [terms]
    else:
        wanted = [[word] for word in clause.folded[:-1]] + [
            terms if clause.prefix else [clause.folded[-1]]
        ]
    for choices in wanted:
        for term in choices:
            other = await db[layout.postings_collection(term)].find_one(
                {"_id": layout.posting_key(term, posting["k"], posting["u"], posting["i"])},
                {"f": 1},
            )
            if other is not None and "file" in other.get("f", []):
                break
        else:
            return False
    return True


def sort_key(hit: Hit, sort: SortOrder) -> tuple[Any, ...]:
    """Ascending order of the answer: best or newest first, then by id (newest first)."""
    item = hit.item_id
    reverse_id = "".join(chr(0x10FFFF - ord(ch)) if ord(ch) < 0x10000 else ch for ch in item)
    reverse_day = "".join(chr(0x7F - ord(ch)) for ch in hit.posting.get("sort") or "")
    if sort == "relevance":
        return (-hit.score, reverse_day, reverse_id)
    if sort == "date":
        return (reverse_day, reverse_id)
    return (reverse_id,)


def encode_cursor(key: tuple[Any, ...]) -> str:
    raw = json.dumps(list(key), ensure_ascii=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, ...]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(value, list) or not value:
            raise ValueError
        return tuple(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise decode_error() from None


def decode_error() -> InvalidInput:
    return InvalidInput(
        "The cursor is not one this service gave out for this order; start again without it.",
        errors=[{"field": "cursor", "message": "invalid cursor"}],
    )
