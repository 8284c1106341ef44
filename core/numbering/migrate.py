"""Register books of hoso 0.1 moved to keyed entries, once, at start.

hoso 0.1 kept register entries and printed numbers under ObjectId `_id`s, found by sorting and
by filtering on their fields. They are copied into the collections keyed by `entry_key` and
`printed_key`, then the old collections are dropped. Copying is idempotent (a key copied before
an interruption is skipped), and nothing is dropped before everything is copied, so a start that
stops half-way loses nothing: the next one finishes.
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo.errors import DuplicateKeyError

from core.numbering.models import PrintedNumber, RegisterEntry, entry_key, printed_key
from core.numbering.service import store_hint

logger = logging.getLogger("hoso")

OLD_ENTRIES = "register_entries"
OLD_PRINTED = "printed_numbers"


async def move_old_registers(database: Any) -> int:
    """Copy what the old collections hold; answer how many entries and printed numbers moved."""
    names = set(await database.list_collection_names())
    moved = 0
    if OLD_ENTRIES in names:
        moved += await _copy(database[OLD_ENTRIES], RegisterEntry, _entry_key)
        await _mark_highest(database[OLD_ENTRIES])
    if OLD_PRINTED in names:
        moved += await _copy(database[OLD_PRINTED], PrintedNumber, _printed_key)
    for name in (OLD_ENTRIES, OLD_PRINTED):
        if name in names:
            await database.drop_collection(name)
    if moved:
        logger.warning("moved %d register entries and printed numbers to keyed entries", moved)
    return moved


async def _copy(old: Any, model: Any, key: Any) -> int:
    target = model.get_motor_collection()
    copied = 0
    async for raw in old.find({}):
        raw.pop("_id")
        try:
            await target.insert_one({"_id": key(raw), **raw})
            copied += 1
        except DuplicateKeyError:
            pass  # copied by a start that stopped before dropping the old collection
    return copied


async def _mark_highest(old: Any) -> None:
    """Each register's high-water mark, so the first number taken after the move needs no
    search of the register."""
    highest: dict[tuple[str, str, int], int] = {}
    async for raw in old.find({}):
        series = (raw["unit"], raw["register_code"], raw["year"])
        highest[series] = max(highest.get(series, 0), raw["number"])
    for (unit, register, year), number in highest.items():
        await store_hint(unit, register, year, number)


def _entry_key(raw: dict[str, Any]) -> str:
    return entry_key(raw["unit"], raw["register_code"], raw["year"], raw["number"])


def _printed_key(raw: dict[str, Any]) -> str:
    return printed_key(raw["unit"], raw["year"], raw["printed"])
