"""Many clerks issue at once, through several service workers: numbers stay 1..N, each once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from litestar.testing import AsyncTestClient

from core.app import create_app
from core.settings import Settings
from tests.conftest import TEST_MONGODB
from tests.documents.conftest import PROVINCE, create, incoming, outgoing

CONCURRENT_ISSUES = 200


def worker_count() -> int:
    # The in-memory store lives inside one process: its "workers" cannot share it. On a real
    # server every worker has its own connection pool, as separate processes would.
    return 1 if TEST_MONGODB == "memory" else 4


async def test_200_concurrent_issues_end_with_numbers_1_to_200_each_once(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    apps = [create_app(settings) for _ in range(worker_count())]
    clients = [AsyncTestClient(app=app) for app in apps]
    for test_client in clients:
        await test_client.__aenter__()
    try:
        drafts = await asyncio.gather(
            *(create(clients[i % len(clients)], outgoing()) for i in range(CONCURRENT_ISSUES))
        )

        responses = await asyncio.gather(
            *(
                clients[i % len(clients)].post(f"/api/v1/documents/{draft['id']}/issue")
                for i, draft in enumerate(drafts)
            )
        )

        assert [r.status_code for r in responses] == [200] * CONCURRENT_ISSUES
        numbers = sorted(r.json()["number"] for r in responses)
        assert numbers == list(range(1, CONCURRENT_ISSUES + 1))
        year = responses[0].json()["register_year"]
        book = await clients[0].get(f"/api/v1/units/{PROVINCE}/registers/outgoing/{year}")
        entries = book.json()["entries"]
        assert [e["number"] for e in entries] == list(range(1, CONCURRENT_ISSUES + 1))
        assert {e["document_id"] for e in entries} == {d["id"] for d in drafts}
        symbols = {r.json()["number_and_symbol"] for r in responses}
        assert len(symbols) == CONCURRENT_ISSUES
    finally:
        for test_client in clients:
            await test_client.__aexit__(None, None, None)


async def test_the_same_document_issued_concurrently_takes_one_number(
    client: AsyncTestClient,
) -> None:
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


async def test_concurrent_arrivals_get_consecutive_arrival_numbers(
    client: AsyncTestClient,
) -> None:
    arrivals = await asyncio.gather(*(create(client, incoming()) for _ in range(30)))

    responses = await asyncio.gather(
        *(client.post(f"/api/v1/documents/{a['id']}/register") for a in arrivals)
    )

    assert sorted(r.json()["arrival_number"] for r in responses) == list(range(1, 31))
