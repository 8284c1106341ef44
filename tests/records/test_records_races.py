"""Records under real concurrency (a database server only: the in-memory store runs one operation
at a time): one record per list entry, unique order numbers when documents are filed at once."""

from __future__ import annotations

import asyncio

import pytest
from litestar import Litestar

from tests.conftest import concurrent_client
from tests.documents.conftest import PROVINCE, create, outgoing
from tests.records.records_helpers import YEAR, file, filed, open_record, store_list

OPENERS = 12
FILERS = 24


@pytest.mark.races
async def test_opening_one_entry_at_once_stores_one_record(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        body = {"unit": PROVINCE, "year": YEAR, "entry_id": "TH-1"}
        answers = await asyncio.gather(
            *(http.post("/api/v1/records", json=body) for _ in range(OPENERS))
        )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201] + [409] * (OPENERS - 1), [a.text for a in answers]
        code = next(answer.json()["code"] for answer in answers if answer.status_code == 201)
        assert all(a.json()["record"] == code for a in answers if a.status_code == 409)
        listed = await http.get(f"/api/v1/units/{PROVINCE}/records")
        assert [item["code"] for item in listed.json()["items"]] == [code]


@pytest.mark.races
async def test_documents_filed_at_once_get_unique_order_numbers(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        code = (await open_record(http, PROVINCE))["code"]
        documents = [
            (await create(http, outgoing(summary=f"Văn bản số {n}")))["id"] for n in range(FILERS)
        ]
        # Every document filed at once, and the first few twice more at the same time.
        answers = await asyncio.gather(
            *(file(http, code, document) for document in documents + documents[:4] * 2)
        )
        created = [answer for answer in answers if answer.status_code == 201]
        assert len(created) == FILERS, [a.text for a in answers if a.status_code != 201]
        assert all(a.status_code == 409 for a in answers if a.status_code != 201)
        orders = [answer.json()["order"] for answer in created]
        assert len(set(orders)) == FILERS
        items = await filed(http, code)
        assert sorted(item["document_id"] for item in items) == sorted(documents)
        assert len({item["order"] for item in items}) == FILERS
