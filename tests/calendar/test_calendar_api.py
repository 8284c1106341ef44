"""`/api/v1/calendar`: working days and deadlines as a front-end reads them."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]


async def days_of(client: Client, start: str, end: str) -> dict[str, Any]:
    response = await client.get("/api/v1/calendar/working-days", params={"from": start, "to": end})
    assert response.status_code == 200, response.text
    return response.json()


async def test_tet_2026_week_by_week(client: Client) -> None:
    body = await days_of(client, "2026-02-13", "2026-02-23")

    assert body["start"] == "2026-02-13" and body["end"] == "2026-02-23"
    assert body["working_days"] == 2  # Friday 13 and Monday 23
    days = {day["date"]: day for day in body["days"]}
    assert len(days) == 11
    assert days["2026-02-13"] == {"date": "2026-02-13", "working": True, "name": None}
    assert days["2026-02-14"] == {"date": "2026-02-14", "working": False, "name": None}
    assert days["2026-02-17"] == {"date": "2026-02-17", "working": False, "name": "Tết Nguyên Đán"}
    assert [d for d, day in days.items() if not day["working"] and day["name"]] == [
        "2026-02-16",
        "2026-02-17",
        "2026-02-18",
        "2026-02-19",
        "2026-02-20",
    ]
    assert days["2026-02-23"]["working"] is True


async def test_the_shipped_new_year_swap_is_listed(client: Client) -> None:
    body = await days_of(client, "2026-01-01", "2026-01-10")
    days = {day["date"]: day for day in body["days"]}

    assert days["2026-01-01"] == {"date": "2026-01-01", "working": False, "name": "Tết Dương lịch"}
    assert days["2026-01-02"]["working"] is False
    assert days["2026-01-02"]["name"].startswith("Nghỉ Tết Dương lịch")
    assert days["2026-01-10"] == {
        "date": "2026-01-10",
        "working": True,
        "name": "Làm bù cho ngày 02/01/2026",
    }
    assert body["working_days"] == 6  # Monday 5 to Friday 9, Saturday 10


async def test_deadline_the_next_working_day_after_tet(client: Client) -> None:
    response = await client.get(
        "/api/v1/calendar/deadline", params={"from": "2026-02-13", "working_days": 1}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"start": "2026-02-13", "working_days": 1, "due": "2026-02-23"}


async def test_deadline_with_zero_days_on_a_holiday_is_the_next_working_day(client: Client) -> None:
    response = await client.get(
        "/api/v1/calendar/deadline", params={"from": "2026-01-01", "working_days": 0}
    )
    assert response.json()["due"] == "2026-01-05"  # 1 January, the 2nd off, then the weekend


async def test_a_range_the_wrong_way_round_or_too_long_is_refused(client: Client) -> None:
    backwards = await client.get(
        "/api/v1/calendar/working-days", params={"from": "2026-03-02", "to": "2026-03-01"}
    )
    too_long = await client.get(
        "/api/v1/calendar/working-days", params={"from": "2026-01-01", "to": "2027-02-05"}
    )
    just_enough = await client.get(
        "/api/v1/calendar/working-days", params={"from": "2026-01-01", "to": "2027-02-04"}
    )

    assert backwards.status_code == 422
    assert backwards.headers["content-type"] == "application/problem+json"
    assert "before `from`" in backwards.json()["detail"]
    assert too_long.status_code == 422
    assert "401 days" in too_long.json()["detail"]
    assert too_long.json()["errors"][0]["field"] == "to"
    assert just_enough.status_code == 200
    assert len(just_enough.json()["days"]) == 400


async def test_bad_dates_and_day_counts_are_refused(client: Client) -> None:
    bad_date = await client.get(
        "/api/v1/calendar/working-days", params={"from": "13/02/2026", "to": "2026-03-01"}
    )
    missing = await client.get("/api/v1/calendar/working-days", params={"from": "2026-03-01"})
    too_many = await client.get(
        "/api/v1/calendar/deadline", params={"from": "2026-02-13", "working_days": 366}
    )
    negative = await client.get(
        "/api/v1/calendar/deadline", params={"from": "2026-02-13", "working_days": -1}
    )
    unknown_year = await client.get(
        "/api/v1/calendar/deadline", params={"from": "2100-12-31", "working_days": 1}
    )

    assert bad_date.status_code == 422
    assert bad_date.json()["errors"][0]["field"] == "from"
    assert missing.status_code == 400
    assert "'to'" in missing.json()["detail"]
    for response in (too_many, negative):
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "working_days"
    assert unknown_year.status_code == 422
    assert "2101" in unknown_year.json()["detail"]


async def test_the_calendar_needs_a_signed_in_caller(client: Client) -> None:
    response = await client.get(
        "/api/v1/calendar/deadline",
        params={"from": "2026-02-13", "working_days": 1},
        headers={"Authorization": ""},
    )
    assert response.status_code == 401
