"""Numbers restart at 01 on 1 January, in the agencies' time zone (D30 Art. 15)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from core.app import create_app
from core.settings import Settings
from tests.accounts import admin_client
from tests.documents.conftest import PROVINCE, create, incoming, issue, outgoing


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_number_restarts_at_01_when_the_year_turns_in_vietnam(
    make_settings: Callable[..., Settings],
) -> None:
    # 16:59:59 UTC on 31 December is 23:59:59 in Hà Tĩnh; one second later it is 1 January.
    clock = FixedClock(datetime(2026, 12, 31, 16, 59, 0, tzinfo=UTC))
    app = create_app(make_settings(), clock=clock)
    async with admin_client(app) as client:
        first = await issue(client, (await create(client, outgoing()))["id"])
        second = await issue(client, (await create(client, outgoing()))["id"])
        clock.now = datetime(2026, 12, 31, 17, 0, 0, tzinfo=UTC)
        new_year = await issue(client, (await create(client, outgoing()))["id"])
        arrival = await create(client, incoming())
        registered = (await client.post(f"/api/v1/documents/{arrival['id']}/register")).json()
        old_book = await client.get(f"/api/v1/units/{PROVINCE}/registers/outgoing/2026")
        new_book = await client.get(f"/api/v1/units/{PROVINCE}/registers/outgoing/2027")

    assert (first["number_text"], first["issued_date"]) == ("01", "2026-12-31")
    assert (second["number_text"], second["register_year"]) == ("02", 2026)
    assert (new_year["number_text"], new_year["issued_date"]) == ("01", "2027-01-01")
    assert new_year["register_year"] == 2027
    assert new_year["number_and_symbol"] == first["number_and_symbol"]  # unique within a year
    assert (registered["arrival_number"], registered["arrival_date"]) == (1, "2027-01-01")
    assert [e["number"] for e in old_book.json()["entries"]] == [1, 2]
    assert [e["number"] for e in new_book.json()["entries"]] == [1]
