"""Two clerks save the same revision at the same moment: one wins, the other is told to re-read."""

from __future__ import annotations

import asyncio

import pytest
from litestar import Litestar

from tests.conftest import concurrent_client
from tests.documents.conftest import create, outgoing


@pytest.mark.races
@pytest.mark.needs_atomic_updates
async def test_concurrent_updates_of_one_revision_let_exactly_one_win(
    app: Litestar,
) -> None:
    async with concurrent_client(app) as client:
        document = await create(client, outgoing())
        summaries = [f"Về việc sửa đổi lần {i}" for i in range(20)]

        responses = await asyncio.gather(
            *(
                client.patch(
                    f"/api/v1/documents/{document['id']}", json={"revision": 1, "summary": summary}
                )
                for summary in summaries
            )
        )

        winners = [r for r in responses if r.status_code == 200]
        assert len(winners) == 1
        assert sorted(r.status_code for r in responses) == [200] + [409] * 19
        stored = (await client.get(f"/api/v1/documents/{document['id']}")).json()
        assert stored["revision"] == 2
        assert stored["summary"] == winners[0].json()["summary"]
