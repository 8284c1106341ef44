"""The register itself, raced without the per-worker lock: the database alone keeps it gapless.

Runs on a database server only: the in-memory store performs one operation at a time.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from beanie import PydanticObjectId

from core.database import connect_database
from core.numbering.service import register_entries, take_number
from core.settings import Settings

RACERS = 100


@pytest.mark.races
async def test_concurrent_takers_get_1_to_n_each_once_and_a_retry_keeps_its_number(
    settings: Settings,
) -> None:
    database = await connect_database(settings)  # binds the models to this test's database
    try:
        await race(settings)
    finally:
        if database.in_memory is False:
            await database.client.drop_database(settings.mongodb_database)
        database.close()


async def race(settings: Settings) -> None:
    now = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)
    documents = [PydanticObjectId() for _ in range(RACERS)]

    def take(document_id: PydanticObjectId):
        return take_number(
            unit="000.00.00.H25", register="race", year=2026, document_id=document_id, now=now
        )

    entries = await asyncio.gather(*(take(document_id) for document_id in documents))
    retried = await asyncio.gather(*(take(document_id) for document_id in documents[:10]))

    assert sorted(entry.number for entry in entries) == list(range(1, RACERS + 1))
    assert [entry.number for entry in retried] == [entry.number for entry in entries[:10]]
    book = await register_entries("000.00.00.H25", "race", 2026)
    assert [entry.number for entry in book] == list(range(1, RACERS + 1))
    assert {entry.document_id for entry in book} == set(documents)
