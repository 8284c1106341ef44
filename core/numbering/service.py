"""Take the next number of a register: unique and gapless under any number of workers.

The next number is the highest entry + 1, claimed by inserting its entry. Two workers that read
the same highest entry race to insert the same number; the unique index lets exactly one win and
the other reads again and tries the next. No read-modify-write of a counter is involved, so this
holds on engines that do not apply single-document updates atomically (FerretDB 1.x).
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from core.errors import ServiceUnavailable
from core.numbering.models import PrintedNumber, RegisterEntry

MAX_ATTEMPTS = 200
BASE_BACKOFF = 0.002  # seconds
MAX_BACKOFF = 0.25


async def take_number(
    *, unit: str, register: str, year: int, document_id: PydanticObjectId, now: datetime
) -> RegisterEntry:
    """The entry `document_id` holds in the register, taking the next number if it has none.

    Calling it again for the same document returns the same entry, so an interrupted issue can
    simply be retried.
    """
    held = await RegisterEntry.find_one(RegisterEntry.document_id == document_id)
    if held is not None:
        return held
    candidate = await _highest_number(unit, register, year) + 1
    for attempt in range(MAX_ATTEMPTS):
        entry = RegisterEntry(
            unit=unit,
            register_code=register,
            year=year,
            number=candidate,
            document_id=document_id,
            taken_at=now,
        )
        try:
            await entry.insert()
            return entry
        except DuplicateKeyError:
            # Either someone took `candidate` first, or this document got a number meanwhile
            # (a concurrent call for it). Numbers are never removed, so if the highest is still
            # below `candidate`, the clash was on the document.
            highest = await _highest_number(unit, register, year)
            if highest < candidate:
                held = await RegisterEntry.find_one(RegisterEntry.document_id == document_id)
                if held is not None:
                    return held
            # Only ever claim the number right after one known to exist: no gap can open.
            candidate = highest + 1
            # Randomised, growing back-off spreads the losers out, so each round has few
            # contenders instead of all of them colliding on the very next number again.
            await asyncio.sleep(random.uniform(0, min(MAX_BACKOFF, BASE_BACKOFF * 2**attempt)))
    raise ServiceUnavailable(
        f"could not take a number in register '{register}' after {MAX_ATTEMPTS} attempts; "
        "the database is overloaded, try again"
    )


async def claim_printed(
    *, unit: str, year: int, printed: str, document_id: PydanticObjectId
) -> PydanticObjectId | None:
    """Claim the printed number for `document_id`; the document already holding it, if another."""
    try:
        await PrintedNumber(unit=unit, year=year, printed=printed, document_id=document_id).insert()
    except DuplicateKeyError:
        holder = await PrintedNumber.find_one(
            PrintedNumber.unit == unit, PrintedNumber.year == year, PrintedNumber.printed == printed
        )
        if holder is not None and holder.document_id != document_id:
            return holder.document_id
    return None


async def void_entry(entry: RegisterEntry, reason: str) -> None:
    await entry.set({RegisterEntry.void_reason: reason})


async def entry_of_document(document_id: PydanticObjectId) -> RegisterEntry | None:
    return await RegisterEntry.find_one(RegisterEntry.document_id == document_id)


async def _highest_number(unit: str, register: str, year: int) -> int:
    last = (
        await RegisterEntry.find(
            RegisterEntry.unit == unit,
            RegisterEntry.register_code == register,
            RegisterEntry.year == year,
        )
        .sort(-RegisterEntry.number)
        .limit(1)
        .to_list()
    )
    return last[0].number if last else 0


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
