"""Writers of one record list at the same moment: one wins, the others are told to re-read.

Each write claims the list's next revision by inserting it under a unique key, which every
engine enforces, FerretDB 1.x included (core/records/lists.py).
"""

from __future__ import annotations

import asyncio

import pytest
from litestar import Litestar

from tests.conftest import concurrent_client
from tests.records.test_lists import TREE, path


@pytest.mark.races
async def test_one_year_gets_one_list(app: Litestar) -> None:
    async with concurrent_client(app) as client:
        responses = await asyncio.gather(
            *(client.post(path(), json={"from": "template"}) for _ in range(10))
        )
        assert sorted(r.status_code for r in responses) == [201] + [409] * 9
        stored = await client.get(path())
        assert stored.json()["revision"] == 1


@pytest.mark.races
async def test_edits_of_one_revision_let_exactly_one_win(app: Litestar) -> None:
    async with concurrent_client(app) as client:
        assert (await client.post(path(), json={"from": "template"})).status_code == 201
        trees = [[{**TREE[0], "title": f"Tổng hợp {i}"}] for i in range(10)]
        responses = await asyncio.gather(
            *(client.put(path(), json={"revision": 1, "headings": tree}) for tree in trees)
        )
        assert sorted(r.status_code for r in responses) == [200] + [409] * 9
        assert {r.json()["current_revision"] for r in responses if r.status_code == 409} == {2}
        [winner] = [r.json() for r in responses if r.status_code == 200]
        assert (await client.get(path())).json() == winner


@pytest.mark.races
async def test_an_edit_and_the_approval_of_one_revision_never_both_land(app: Litestar) -> None:
    async with concurrent_client(app) as client:
        assert (await client.post(path(), json={"from": "template"})).status_code == 201
        filled = await client.put(path(), json={"revision": 1, "headings": TREE})
        assert filled.status_code == 200
        edited, approved = await asyncio.gather(
            client.put(path(), json={"revision": 2, "headings": [TREE[0]]}),
            client.post(f"{path()}/approve", json={"revision": 2}),
        )
        assert sorted([edited.status_code, approved.status_code]) == [200, 409]
        stored = (await client.get(path())).json()
        assert stored["revision"] == 3
        if approved.status_code == 200:
            assert stored["state"] == "approved" and len(stored["headings"]) == 2
        else:
            assert stored["state"] == "draft" and len(stored["headings"]) == 1
