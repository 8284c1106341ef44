"""Finding the highest number takes `_id` reads only, about 2·log2 of the distance from the number
the worker last saw taken: one or two reads for the next number, whatever the register's size."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from beanie import PydanticObjectId

from core.database import connect_database
from core.numbering import service
from core.numbering.models import RegisterEntry, entry_key
from core.settings import Settings

UNIT, REGISTER, YEAR = "000.00.00.H25", "outgoing", 2026


@pytest.fixture
async def register(settings: Settings) -> AsyncIterator[None]:
    database = await connect_database(settings)
    try:
        yield
    finally:
        if not database.in_memory:
            await database.client.drop_database(settings.mongodb_database)
        database.close()


async def fill(count: int) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    entries = [
        RegisterEntry(
            id=entry_key(UNIT, REGISTER, YEAR, number),
            unit=UNIT,
            register_code=REGISTER,
            year=YEAR,
            number=number,
            document_id=PydanticObjectId(),
            taken_at=now,
        )
        for number in range(1, count + 1)
    ]
    if entries:
        await RegisterEntry.insert_many(entries)


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = service._exists

    async def exists(key: str) -> bool:
        reads.append(key)
        return await real(key)

    monkeypatch.setattr(service, "_exists", exists)
    return reads


@pytest.mark.parametrize("count", [0, 1, 2, 7, 100, 300])
async def test_the_highest_is_found_from_nothing_in_logarithmic_reads(
    register: None, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    await fill(count)
    reads = counting_reads(monkeypatch)

    highest = await service.highest_number(UNIT, REGISTER, YEAR)

    assert highest == count
    assert len(reads) <= 2 * math.log2(count + 1) + 2


@pytest.mark.parametrize("known", [1, 150, 297, 300])
async def test_from_a_number_seen_taken_the_reads_depend_on_the_distance_not_the_size(
    register: None, monkeypatch: pytest.MonkeyPatch, known: int
) -> None:
    await fill(300)
    reads = counting_reads(monkeypatch)

    highest = await service.highest_number(UNIT, REGISTER, YEAR, known)

    assert highest == 300
    assert len(reads) <= 2 * math.log2(300 - known + 1) + 2
    if known == 300:
        assert len(reads) == 1  # the next number is free: one read


async def take(hints: dict) -> RegisterEntry:
    return await service.take_number(
        unit=UNIT,
        register=REGISTER,
        year=YEAR,
        document_id=PydanticObjectId(),
        now=datetime(2026, 3, 2, tzinfo=UTC),
        hints=hints,
    )


async def test_the_next_number_is_claimed_by_inserting_it_without_searching(
    register: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fill(300)
    hints = {(UNIT, REGISTER, YEAR): 300}
    reads = counting_reads(monkeypatch)

    entry = await take(hints)

    assert (entry.number, entry.id) == (301, entry_key(UNIT, REGISTER, YEAR, 301))
    assert reads == []  # no probe: FerretDB scans for an `_id` that does not exist
    assert hints[(UNIT, REGISTER, YEAR)] == 301


async def test_a_worker_that_starts_or_fell_behind_goes_on_from_the_registers_mark(
    register: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fill(300)
    for _ in range(3):  # another worker takes 301-303 and raises the mark
        await take({(UNIT, REGISTER, YEAR): 300})
    reads = counting_reads(monkeypatch)

    started = await take({})  # a new worker: no number of its own in mind
    behind = await take({(UNIT, REGISTER, YEAR): 5})  # a worker that saw 5 taken, long ago

    assert (started.number, behind.number) == (304, 305)
    assert reads == []
