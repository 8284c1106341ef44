"""Sign-ins from one address are limited per minute, whatever the accounts tried."""

from __future__ import annotations

from collections.abc import Callable

from core.app import create_app
from core.settings import Settings
from tests.accounts import admin_client


async def test_a_spray_over_many_accounts_from_one_address_is_slowed_down(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(sign_in_requests_per_minute=3))
    async with admin_client(app) as client:
        tries = [
            await client.post("/api/v1/auth/login", json={"username": f"u{n}", "password": "x"})
            for n in range(4)
        ]
        refresh = await client.post("/api/v1/auth/refresh", json={"refresh_token": "x"})
        other_work = await client.get("/api/v1/units")

    assert [t.status_code for t in tries] == [401, 401, 401, 429]
    limited = tries[-1]
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert int(limited.headers["retry-after"]) > 0
    assert "Too many sign-in attempts from your address" in limited.json()["detail"]
    assert refresh.status_code == 429  # refreshes count against the same limit
    assert other_work.status_code == 200  # the rest of the API is not limited
