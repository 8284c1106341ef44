"""Many clerks issue at once, through several service workers: numbers stay 1..N, each once."""

from __future__ import annotations

import asyncio
import time
from contextlib import ExitStack

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.settings import Settings
from tests.accounts import ADMIN_HEADERS, admin_client
from tests.conftest import concurrent_client
from tests.documents.conftest import PROVINCE, create, incoming, outgoing
from tests.service_process import running_service

CONCURRENT_ISSUES = 200
WORKERS = 3


@pytest.mark.races
async def test_200_concurrent_issues_end_with_numbers_1_to_200_each_once(
    app: Litestar,
) -> None:
    async with concurrent_client(app) as client:
        drafts = await asyncio.gather(
            *(create(client, outgoing()) for _ in range(CONCURRENT_ISSUES))
        )

        responses = await asyncio.gather(
            *(client.post(f"/api/v1/documents/{draft['id']}/issue") for draft in drafts)
        )

        assert [r.status_code for r in responses] == [200] * CONCURRENT_ISSUES
        await assert_register_holds_exactly(client, [r.json() for r in responses], drafts)


@pytest.mark.races
async def test_200_concurrent_issues_across_3_worker_processes_stay_unique_and_gapless(
    settings: Settings,
) -> None:
    with ExitStack() as stack:
        bases = [stack.enter_context(running_service(settings))[0] for _ in range(WORKERS)]
        async with httpx.AsyncClient(timeout=120, headers=ADMIN_HEADERS) as http:
            drafts = []
            for i in range(CONCURRENT_ISSUES):
                created = await http.post(f"{bases[i % WORKERS]}/api/v1/documents", json=outgoing())
                assert created.status_code == 201, created.text
                drafts.append(created.json())

            started = time.monotonic()
            responses = await asyncio.gather(
                *(
                    http.post(f"{bases[i % WORKERS]}/api/v1/documents/{draft['id']}/issue")
                    for i, draft in enumerate(drafts)
                )
            )
            print(
                f"\n{CONCURRENT_ISSUES} issues over {WORKERS} workers: "
                f"{time.monotonic() - started:.1f} s"
            )

            assert [r.status_code for r in responses] == [200] * CONCURRENT_ISSUES
            async with admin_client(create_app(settings)) as reader:
                await assert_register_holds_exactly(reader, [r.json() for r in responses], drafts)


async def assert_register_holds_exactly(
    client: AsyncTestClient, issued: list[dict], drafts: list[dict]
) -> None:
    """Numbers 1..N each once, the register book agrees, and every number+symbol is unique."""
    assert sorted(doc["number"] for doc in issued) == list(range(1, len(drafts) + 1))
    year = issued[0]["register_year"]
    book = await client.get(f"/api/v1/units/{PROVINCE}/registers/outgoing/{year}")
    entries = book.json()["entries"]
    assert [e["number"] for e in entries] == list(range(1, len(drafts) + 1))
    assert {e["document_id"] for e in entries} == {d["id"] for d in drafts}
    assert len({doc["number_and_symbol"] for doc in issued}) == len(drafts)


@pytest.mark.races
async def test_the_same_document_issued_concurrently_takes_one_number(
    app: Litestar,
) -> None:
    async with concurrent_client(app) as client:
        draft = await create(client, outgoing())

        responses = await asyncio.gather(
            *(client.post(f"/api/v1/documents/{draft['id']}/issue") for _ in range(10))
        )

        numbered = [r.json()["number"] for r in responses if r.status_code == 200]
        assert set(numbered) == {1}
        assert all(r.status_code in (200, 409) for r in responses)
        year = (await client.get(f"/api/v1/documents/{draft['id']}")).json()["register_year"]
        book = await client.get(f"/api/v1/units/{PROVINCE}/registers/outgoing/{year}")
        assert [e["number"] for e in book.json()["entries"]] == [1]


@pytest.mark.races
async def test_concurrent_arrivals_get_consecutive_arrival_numbers(
    app: Litestar,
) -> None:
    async with concurrent_client(app) as client:
        arrivals = await asyncio.gather(*(create(client, incoming()) for _ in range(30)))

        responses = await asyncio.gather(
            *(client.post(f"/api/v1/documents/{a['id']}/register") for a in arrivals)
        )

        assert sorted(r.json()["arrival_number"] for r in responses) == list(range(1, 31))
