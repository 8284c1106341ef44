"""Two clerks save the same revision at the same moment: one wins, the other is told to re-read.

Each write first claims its revision by inserting the revision's entry under a unique key
(core.documents.revisions), which every engine enforces, FerretDB 1.x included.
"""

from __future__ import annotations

import asyncio

import pytest
from litestar import Litestar

from tests.conftest import concurrent_client
from tests.documents.conftest import create, outgoing

ROUNDS = 10


@pytest.mark.races
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
        assert {r.json()["current_revision"] for r in responses if r.status_code == 409} == {2}
        stored = (await client.get(f"/api/v1/documents/{document['id']}")).json()
        assert stored["revision"] == 2
        assert stored["summary"] == winners[0].json()["summary"]
        revisions = await client.get(f"/api/v1/documents/{document['id']}/revisions")
        assert [(i["revision"], i["change"]) for i in revisions.json()["items"]] == [
            (1, "create"),
            (2, "edit"),
        ]
        second = await client.get(f"/api/v1/documents/{document['id']}/revisions/2")
        assert second.json() == stored


@pytest.mark.races
async def test_an_edit_and_a_deletion_of_one_revision_never_both_win(app: Litestar) -> None:
    async with concurrent_client(app) as client:
        drafts = await asyncio.gather(*(create(client, outgoing()) for _ in range(ROUNDS)))

        async def edit_and_delete(document_id: str) -> tuple[int, int]:
            url = f"/api/v1/documents/{document_id}"
            edited, deleted = await asyncio.gather(
                client.patch(url, json={"revision": 1, "summary": "Về việc đã sửa"}),
                client.delete(url, params={"revision": 1}),
            )
            return edited.status_code, deleted.status_code

        outcomes = await asyncio.gather(*(edit_and_delete(d["id"]) for d in drafts))

        for draft, (edited, deleted) in zip(drafts, outcomes, strict=True):
            url = f"/api/v1/documents/{draft['id']}"
            stored = await client.get(url)
            history = (await client.get(f"{url}/revisions")).json()["items"]
            changes = [(i["revision"], i["change"]) for i in history]
            if edited == 200:
                assert deleted == 409
                assert (stored.json()["revision"], stored.json()["summary"]) == (
                    2,
                    "Về việc đã sửa",
                )
                assert changes == [(1, "create"), (2, "edit")]
            else:
                assert (edited, deleted) in ((409, 204), (404, 204))
                assert stored.status_code == 404
                assert changes == [(1, "create"), (2, "delete")]
