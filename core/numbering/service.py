"""Take the next number of a register: unique and gapless under any number of workers, at a cost
that does not grow with the register.

Every number is an entry whose `_id` is derived from (unit, register, year, number)
(`entry_key`). Entries are never deleted, so the numbers taken are exactly 1..highest. A register
is a gapless sequence claimed by insert (core/sequences.py): a worker inserts the entry right
after the number it knows to be taken (its own hint, else the register's stored high-water mark
`RegisterHint`, else 1); a refused `_id` means taken, so it tries the next. No sort, no scan, no
read-modify-write of a counter: this holds and stays fast on engines that scan for other filters
and that do not apply updates atomically (FerretDB 1.x).

A document holds at most one entry (a unique index on it, enforced on insert): a retried or
repeated issue of the same document finds the entry it holds instead of taking another number.
"""

from __future__ import annotations

from datetime import datetime

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from core.numbering.models import (
    PrintedNumber,
    RegisterEntry,
    RegisterHint,
    entry_key,
    hint_key,
    printed_key,
)
from core.sequences import RETRY, TAKEN, Answered, Claimed, GaplessSequence, Mark, Outcome

# Numbers known to be taken, per (unit, register, year): where this worker starts. Any number
# once seen taken stays taken, so a stale hint is only a lower bound, never wrong.
Hints = dict[tuple[str, str, int], int]


def _register(unit: str, register: str, year: int) -> GaplessSequence:
    return GaplessSequence(
        name=f"register '{register}'",
        marks=RegisterHint.get_motor_collection(),
        mark_key=hint_key(unit, register, year),
        # Looked up when called, so that tests can count the reads.
        exists=lambda number: _exists(entry_key(unit, register, year, number)),
    )


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

    async def claim(number: int, _: Mark | None) -> Outcome[RegisterEntry]:
        entry = RegisterEntry(
            id=entry_key(unit, register, year, number),
            unit=unit,
            register_code=register,
            year=year,
            number=number,
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
                    return Answered(held)
                return RETRY  # the holder went away meanwhile (cannot happen: entries stay)
            if taken.document_id == document_id:
                return Answered(taken)  # a concurrent call for this document took it
            return TAKEN
        return Claimed(entry, number)

    outcome = await _register(unit, register, year).claim_next(claim, known=hints.get(series))
    if isinstance(outcome, Claimed):
        hints[series] = max(hints.get(series, 0), outcome.number)
    return outcome.item


async def store_hint(unit: str, register: str, year: int, number: int) -> None:
    """Raise the register's mark to `number` (a number known taken)."""
    await _register(unit, register, year).raise_mark(number)


async def highest_number(unit: str, register: str, year: int, known: int = 0) -> int:
    """The highest number taken, found with `_id` reads from `known`, a number known taken (or 0):
    about 2·log2(distance) reads, one or two when `known` is the last number taken."""
    return await _register(unit, register, year).highest(known)


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
