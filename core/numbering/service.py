"""Take the next number of a register: unique and gapless under any number of workers, at a cost
that does not grow with the register.

Every number is an entry whose `_id` is derived from (unit, register, year, number)
(`entry_key`). Entries are never deleted, so the numbers taken are exactly 1..highest. A worker
claims the number right after one it knows to be taken by inserting its entry; if the engine
refuses the `_id` (someone took it first), that number is known taken too, and it tries the next.
No gap can open, and no number is given twice. Where to start: the last number this worker took
or saw taken, else the register's stored high-water mark (`RegisterHint`), else a search of the
register by `_id` probes (`highest_number`). Only `_id` reads and inserts are involved, never a
sort, a scan or a read-modify-write of a counter, so this holds and stays fast on engines that
scan for other filters, that scan for an `_id` that is missing, and that do not apply updates
atomically (FerretDB 1.x).

A document holds at most one entry (a unique index on it, enforced on insert): a retried or
repeated issue of the same document finds the entry it holds instead of taking another number.
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from core.errors import ServiceUnavailable
from core.numbering.models import (
    PrintedNumber,
    RegisterEntry,
    RegisterHint,
    entry_key,
    hint_key,
    printed_key,
)

MAX_ATTEMPTS = 200
BASE_BACKOFF = 0.002  # seconds
MAX_BACKOFF = 0.25

# Numbers known to be taken, per (unit, register, year): where this worker starts. Any number
# once seen taken stays taken, so a stale hint is only a lower bound, never wrong.
Hints = dict[tuple[str, str, int], int]


async def take_number(
    *,
    unit: str,
    register: str,
    year: int,
    document_id: PydanticObjectId,
    now: datetime,
    hints: Hints | None = None,
) -> RegisterEntry:
    """The entry `document_id` holds in the register, taking the next number if it has none.

    Calling it again for the same document returns the same entry, so an interrupted issue can
    simply be retried.
    """
    hints = {} if hints is None else hints
    series = (unit, register, year)
    known = hints.get(series)
    if known is None:
        known = await _stored_hint(unit, register, year)
    if known is None:
        known = await highest_number(unit, register, year)
    candidate = known + 1
    for attempt in range(MAX_ATTEMPTS):
        entry = RegisterEntry(
            id=entry_key(unit, register, year, candidate),
            unit=unit,
            register_code=register,
            year=year,
            number=candidate,
            document_id=document_id,
            taken_at=now,
        )
        try:
            await entry.insert()
        except DuplicateKeyError:
            taken = await RegisterEntry.get(entry.id)
            if taken is None:
                # The number is free, so the clash was on the document: it holds a number
                # already (an earlier, interrupted issue, or a concurrent one). Rare: this is
                # the one lookup that is not by `_id`.
                held = await entry_of_document(document_id)
                if held is not None:
                    return held
                continue  # the holder went away meanwhile (cannot happen: entries stay)
            if taken.document_id == document_id:
                return taken  # a concurrent call for this document took it
            # `candidate` is taken: go on right after it, or after the stored mark if that is
            # further (this worker fell behind the others).
            hints[series] = max(hints.get(series, 0), candidate)
            candidate = max(candidate, await _stored_hint(unit, register, year) or 0) + 1
            if attempt:
                # Randomised, growing back-off spreads the losers out, so each round has few
                # contenders instead of all of them colliding on the very next number again.
                await asyncio.sleep(random.uniform(0, min(MAX_BACKOFF, BASE_BACKOFF * 2**attempt)))
            continue
        hints[series] = max(hints.get(series, 0), candidate)
        await store_hint(unit, register, year, candidate)
        return entry
    raise ServiceUnavailable(
        f"could not take a number in register '{register}' after {MAX_ATTEMPTS} attempts; "
        "the database is overloaded, try again"
    )


async def _stored_hint(unit: str, register: str, year: int) -> int | None:
    stored = await RegisterHint.get_motor_collection().find_one(
        {"_id": hint_key(unit, register, year)}
    )
    return int(stored["number"]) if stored else None


async def store_hint(unit: str, register: str, year: int, number: int) -> None:
    """Raise the register's mark to `number`. Not atomic on every engine, and need not be: any
    value written is a number taken, so the mark stays a true lower bound."""
    hints = RegisterHint.get_motor_collection()
    key = hint_key(unit, register, year)
    try:
        await hints.update_one({"_id": key}, {"$max": {"number": number}}, upsert=True)
    except DuplicateKeyError:  # created by a concurrent take just now
        await hints.update_one({"_id": key}, {"$max": {"number": number}})


async def highest_number(unit: str, register: str, year: int, known: int = 0) -> int:
    """The highest number taken, found with `_id` reads: `known` (0, or a number known to be
    taken) is a lower bound; probe upwards doubling the step, then halve the gap. About
    2·log2(distance) reads: one or two when `known` is the last number taken."""

    async def taken(number: int) -> bool:
        return await _exists(entry_key(unit, register, year, number))

    low, step = known, 1  # `low` is taken (or 0); find a `high` that is not
    high = low + step
    while await taken(high):
        low, step = high, step * 2
        high = low + step
    while high - low > 1:  # low taken, high not
        middle = (low + high) // 2
        if await taken(middle):
            low = middle
        else:
            high = middle
    return low


async def _exists(key: str) -> bool:
    found = await RegisterEntry.get_motor_collection().find_one({"_id": key}, {"_id": 1})
    return found is not None


async def claim_printed(
    *, unit: str, year: int, printed: str, document_id: PydanticObjectId
) -> PydanticObjectId | None:
    """Claim the printed number for `document_id`; the document already holding it, if another."""
    key = printed_key(unit, year, printed)
    claim = PrintedNumber(id=key, unit=unit, year=year, printed=printed, document_id=document_id)
    try:
        await claim.insert()
    except DuplicateKeyError:
        holder = await PrintedNumber.get(key)
        if holder is not None and holder.document_id != document_id:
            return holder.document_id
    return None


async def void_entry(entry: RegisterEntry, reason: str) -> None:
    await entry.set({RegisterEntry.void_reason: reason})


async def entry_of_document(document_id: PydanticObjectId) -> RegisterEntry | None:
    """The entry a document holds. Not by `_id`: only for the rare paths (a repeated issue, the
    deletion of a draft), never for every number taken."""
    return await RegisterEntry.find_one(RegisterEntry.document_id == document_id)


async def register_summary(unit: str) -> list[dict[str, object]]:
    """Each register of a unit with entries, per year, with its number of entries."""
    pipeline = [
        {"$match": {"unit": unit}},
        {"$group": {"_id": {"register": "$register_code", "year": "$year"}, "count": {"$sum": 1}}},
    ]
    groups = await RegisterEntry.aggregate(pipeline).to_list()
    rows = [
        {"register": g["_id"]["register"], "year": g["_id"]["year"], "entries": g["count"]}
        for g in groups
    ]
    return sorted(rows, key=lambda row: (str(row["register"]), -int(str(row["year"]))))


async def register_entries(unit: str, register: str, year: int) -> list[RegisterEntry]:
    return (
        await RegisterEntry.find(
            RegisterEntry.unit == unit,
            RegisterEntry.register_code == register,
            RegisterEntry.year == year,
        )
        .sort(+RegisterEntry.number)
        .to_list()
    )
