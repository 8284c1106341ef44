"""Deadlines in working days across Tết 2026 (16-20 February off), with the service's clock fixed:
what is due when, what is due soon, what is overdue and by how many working days."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from core.app import create_app
from core.settings import Settings
from tests.accounts import admin_client
from tests.conftest import _drop_database
from tests.documents.conftest import create, incoming
from tests.workflows.people import JUSTICE, UNIT, Clock, staff, take, workflow

DISTRICT = "000.00.35.H25"  # Ủy ban nhân dân huyện Cẩm Xuyên
COMMUNE = "000.01.35.H25"  # a commune under it


@pytest.fixture
async def clocked(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[tuple[Any, Clock]]:
    # Monday 9 February 2026, 09:00 in Hà Tĩnh.
    clock = Clock(datetime(2026, 2, 9, 2, 0, tzinfo=UTC))
    app = create_app(make_settings(), clock=clock)
    async with admin_client(app) as client:
        yield client, clock
    await _drop_database(app)


async def received(caller: Any, unit: str = UNIT) -> str:
    return (await create(caller, incoming(unit=unit)))["id"]


async def assigned(people: dict[str, Any], presiding: str, **deadline: Any) -> dict[str, Any]:
    doc = await received(people["clerk"])
    await take(people["clerk"], doc, "register")
    return await take(
        people["leader"], doc, "assign", assignment={"presiding": {"user": presiding}, **deadline}
    )


async def overdue(caller: Any, unit: str = UNIT, **params: Any) -> dict[str, Any]:
    response = await caller.get(f"/api/v1/units/{unit}/overdue", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def tasks(caller: Any) -> dict[str, Any]:
    response = await caller.get("/api/v1/tasks")
    assert response.status_code == 200, response.text
    return response.json()


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["document"]["id"] for item in items]


async def test_deadlines_skip_tet_and_overdue_work_counts_working_days(clocked):
    client, clock = clocked
    people = await staff(client)

    # Monday 9 February: three working days end on Thursday 12, before Tết.
    before_tet = await assigned(people, "specialist2.05", due_working_days=3)
    assert before_tet["due"] == "2026-02-12"
    assert before_tet["assignment"]["due"] == "2026-02-12"

    # Thursday 12 February: three working days are Friday 13, then Monday 23 and Tuesday 24.
    clock.set(2026, 2, 12, 3, 0)
    across_tet = await assigned(people, "specialist.05", due_working_days=3)
    assert across_tet["due"] == "2026-02-24"
    finished = await assigned(people, "specialist.05", due_working_days=3)

    # Friday 13 February: registered "at the latest the next working day", Monday 23.
    clock.set(2026, 2, 13, 2, 0)
    arrived = await received(people["clerk"])
    assert (await workflow(people["clerk"], arrived))["due"] == "2026-02-23"
    registered = await received(people["clerk"])
    assert (await take(people["clerk"], registered, "register"))["due"] == "2026-02-23"
    # 01:00 on Saturday 14 in Hà Tĩnh is still Friday 13 in UTC: the local day counts.
    clock.set(2026, 2, 13, 18, 0)
    late_night = await received(people["clerk"])
    assert (await workflow(people["clerk"], late_night))["due"] == "2026-02-23"
    # A date given as the deadline is kept as it is, even on a day of Tết.
    on_a_holiday = await assigned(people, "specialist.05", due="2026-02-17")
    assert on_a_holiday["due"] == "2026-02-17"
    await take(people["specialist"], on_a_holiday["document_id"], "complete")

    # Monday 23 February, the day before: due soon, not yet overdue.
    clock.set(2026, 2, 23, 2, 0)
    mine = await tasks(people["specialist"])
    assert mine["today"] == "2026-02-23"
    assert across_tet["document_id"] in ids(mine["due_soon"])
    assert across_tet["document_id"] not in ids(mine["overdue"])
    listed = await overdue(people["leader"])
    assert ids(listed["items"]) == [before_tet["document_id"]]
    assert listed["items"][0]["days_overdue"] == 2  # Friday 13 and Monday 23
    assert ids((await tasks(people["specialist2"]))["overdue"]) == [before_tet["document_id"]]
    await take(people["specialist"], finished["document_id"], "complete")

    # Wednesday 25 February: a working day past the deadline of the 24th.
    clock.set(2026, 2, 25, 2, 0)
    mine = await tasks(people["specialist"])
    assert ids(mine["overdue"]) == [across_tet["document_id"]]
    assert mine["overdue"][0]["overdue"] is True and mine["overdue"][0]["due"] == "2026-02-24"
    assert mine["due_soon"] == []
    assert (await workflow(people["specialist"], across_tet["document_id"]))["overdue"] is True
    listed = await overdue(people["leader"])
    days = {item["document"]["id"]: item["days_overdue"] for item in listed["items"]}
    assert days == {
        before_tet["document_id"]: 4,  # 13, 23, 24, 25 February
        across_tet["document_id"]: 1,
        arrived: 2,
        registered: 2,
        late_night: 2,
    }
    steps = {item["document"]["id"]: item["step"] for item in listed["items"]}
    assert (steps[arrived], steps[registered]) == ("received", "registered")
    # Finished work never is overdue, whatever its deadline was.
    assert finished["document_id"] not in days and on_a_holiday["document_id"] not in days

    # Page by page, each document once.
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await overdue(people["leader"], **params)
        seen += ids(page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and sorted(seen) == sorted(days) and len(seen) == len(set(seen))
    bad = await people["leader"].get(f"/api/v1/units/{UNIT}/overdue", params={"cursor": "x"})
    assert bad.status_code == 422, bad.text


async def test_overdue_work_of_the_units_below_and_who_may_see_it(clocked):
    client, clock = clocked
    people = await staff(client)
    justice = await staff(client, JUSTICE)
    clock.set(2026, 2, 13, 2, 0)
    district = await received(client, DISTRICT)
    commune = await received(client, COMMUNE)
    ours = await received(people["clerk"])
    clock.set(2026, 2, 24, 2, 0)

    assert ids((await overdue(client, DISTRICT))["items"]) == [district]
    assert sorted(ids((await overdue(client, DISTRICT, subtree="true"))["items"])) == sorted(
        [district, commune]
    )
    assert ids((await overdue(client, COMMUNE, subtree="true"))["items"]) == [commune]
    # Another unit's people do not see this unit's list at all.
    for outsider in (justice["leader"], justice["clerk"]):
        response = await outsider.get(f"/api/v1/units/{UNIT}/overdue")
        assert response.status_code == 404, response.text
    assert ids((await overdue(justice["leader"], JUSTICE))["items"]) == []
    assert ids((await overdue(people["specialist"]))["items"]) == [ours]
    response = await client.get("/api/v1/units/999.99.99.H99/overdue")
    assert response.status_code == 404, response.text
