"""Gapless sequences whose slots are claimed by insert: register numbers, audit chains.

A sequence is 1, 2, 3 … with one stored item per slot under a key derived from the slot's number.
Items are never deleted, so the slots taken are exactly 1..highest. A writer claims the slot right
after one it knows to be taken by inserting its item; if the engine refuses the key (someone took
it first), that slot is known taken too, and it tries the next. No gap can open (a slot is only
tried once the one before it is known taken), and no slot is taken twice (the unique `_id`).

Where to start: the last slot this writer took or saw taken, else the sequence's stored
high-water mark (one small document per sequence, which may also carry what the next item needs
of the last one, such as a hash), else slot 1 (a new sequence). A stale start only costs a
refused insert; when refused inserts find no mark at all (it was lost), `highest` searches the
sequence by `_id` probes. The sequence itself only inserts items, it reads none (what a claim
does on a refusal is the claimer's choice): no sort, no scan, no read-modify-write of a counter.
So this holds and stays fast on engines that do not apply updates atomically (FerretDB 1.x:
/work/shared/SERVERS.md), and on FerretDB 1.24's SQLite backend, whose reads by `_id` scan the
collection up to the document (its `_id` index serves inserts, not finds), so that a read of a
recent item costs as much as the collection is large.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pymongo.errors import DuplicateKeyError

from core.errors import ServiceUnavailable

T = TypeVar("T")

MAX_ATTEMPTS = 200
BASE_BACKOFF = 0.002  # seconds
MAX_BACKOFF = 0.25
# Refused claims with no mark stored before searching for the end of the sequence.
SEARCH_AFTER = 3


@dataclass(frozen=True)
class Mark:
    """A sequence's stored mark: a slot known taken, and what was stored with it."""

    number: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class Claimed(Generic[T]):
    """The slot `number` is now this writer's, holding `item`; `mark_fields` are stored with the
    mark when it is raised to `number`."""

    item: T
    number: int
    mark_fields: dict[str, Any] | None = None


@dataclass(frozen=True)
class Answered(Generic[T]):
    """Nothing was claimed, and nothing needs to be: `item` is the answer (for instance the
    number a document already holds)."""

    item: T


class _Taken:
    def __repr__(self) -> str:
        return "TAKEN"


class _Retry:
    def __repr__(self) -> str:
        return "RETRY"


TAKEN = _Taken()  # the slot's key was refused: another writer holds it; go on after it
RETRY = _Retry()  # the insert was refused for another reason that has gone away: try it again

Outcome = Claimed[T] | Answered[T] | _Taken | _Retry


@dataclass(frozen=True)
class GaplessSequence:
    """One sequence: how to tell whether a slot is taken, and where its mark is kept.

    `marks` is the collection of marks (`{"_id": mark_key, "number": n}`), `exists(n)` answers
    whether slot `n` holds an item (an `_id` read), `name` says what it is in error messages.
    """

    name: str
    marks: Any
    mark_key: str
    exists: Callable[[int], Awaitable[bool]]

    async def claim_next(
        self,
        claim: Callable[[int, Mark | None], Awaitable[Outcome[T]]],
        *,
        known: int | None = None,
    ) -> Claimed[T] | Answered[T]:
        """Call `claim(n, mark)` for the slot after the last one known taken until it succeeds.

        `claim(n, mark)` inserts the item of slot `n` and says how it went: `Claimed` (the mark
        is raised), `Answered`, `TAKEN` or `RETRY`; `mark` is the mark as last read here (None if
        not read). `known` is a slot this writer knows to be taken, if any.
        """
        mark = None if known is not None else await self.stored_mark()
        candidate = (known if known is not None else mark.number if mark else 0) + 1
        for attempt in range(MAX_ATTEMPTS):
            outcome = await claim(candidate, mark)
            if isinstance(outcome, Claimed):
                await self.raise_mark(outcome.number, outcome.mark_fields)
                return outcome
            if isinstance(outcome, Answered):
                return outcome
            if outcome is RETRY:
                continue
            if attempt:
                # Randomised, growing back-off spreads the losers out, so each round has few
                # contenders instead of all of them colliding on the very next slot again.
                await asyncio.sleep(random.uniform(0, min(MAX_BACKOFF, BASE_BACKOFF * 2**attempt)))
            # `candidate` is taken: go on right after it, or after the stored mark if that is
            # further (this writer fell behind the others). No mark yet: most likely a new
            # sequence whose first claimer has not written it yet, so try the next slot; after a
            # few such refusals the mark was lost, and a search finds the end.
            mark = await self.stored_mark()
            if mark is not None:
                candidate = max(candidate, mark.number) + 1
            elif attempt < SEARCH_AFTER:
                candidate += 1
            else:
                candidate = await self.highest(candidate) + 1
        raise ServiceUnavailable(
            f"could not take the next slot of {self.name} after {MAX_ATTEMPTS} attempts; "
            "the database is overloaded, try again"
        )

    async def stored_mark(self) -> Mark | None:
        stored = await self.marks.find_one({"_id": self.mark_key})
        if stored is None or not isinstance(stored.get("number"), int):
            return None
        fields = {name: value for name, value in stored.items() if name not in ("_id", "number")}
        return Mark(stored["number"], fields)

    async def raise_mark(self, number: int, fields: dict[str, Any] | None = None) -> None:
        """Raise the mark to `number`, with `fields`, unless it is there or further already.

        Not atomic on every engine, and need not be: a write that loses to another leaves a
        smaller mark, still a slot taken, and each write sets number and fields together (one
        document), so they always belong to the same slot.
        """
        below = {"_id": self.mark_key, "number": {"$lt": number}}
        update = {"$set": {"number": number, **(fields or {})}}
        try:
            await self.marks.update_one(below, update, upsert=True)
        except DuplicateKeyError:
            # The mark exists at `number` or further, or was created by a concurrent claim just
            # now, perhaps lower: raise it if so.
            await self.marks.update_one(below, update)

    async def highest(self, known: int = 0) -> int:
        """The highest slot taken, found with `_id` reads: `known` (0, or a slot known to be
        taken) is a lower bound; probe upwards doubling the step, then halve the gap. About
        2·log2(distance) reads: one or two when `known` is the last slot taken."""
        low, step = known, 1  # `low` is taken (or 0); find a `high` that is not
        high = low + step
        while await self.exists(high):
            low, step = high, step * 2
            high = low + step
        while high - low > 1:  # low taken, high not
            middle = (low + high) // 2
            if await self.exists(middle):
                low = middle
            else:
                high = middle
        return low
