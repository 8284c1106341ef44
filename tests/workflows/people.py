"""People of a unit for workflow tests: signed-in persons with one role each, named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.identity.people import Caller, acting, grant, make_person, sign_in

UNIT = "000.00.05.H25"  # Sở Nội vụ: Decree 30 workflows
FINANCE = "000.00.06.H25"  # Sở Tài chính: legal review of its decisions (ha_tinh_legal_review)
JUSTICE = "000.00.07.H25"  # Sở Tư pháp
PROVINCE = "000.00.00.H25"


@dataclass
class Clock:
    """The service's clock, set by the test (runtime.clock)."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def set(self, *args: int) -> None:
        # Hours are local (UTC+7) minus 7: tests give the UTC moment.
        self.now = datetime(*args, tzinfo=UTC)


async def person(client: httpx.AsyncClient, username: str, *grants: dict[str, str]) -> Caller:
    await make_person(client, username, *grants)
    return acting(client, (await sign_in(client, username))["access_token"])


async def staff(client: httpx.AsyncClient, unit: str = UNIT, prefix: str = "") -> dict[str, Caller]:
    """clerk, specialist, leader and a second specialist of `unit`, each signed in."""
    return {
        role: await person(client, f"{prefix}{role}.{unit[-6:-4]}", grant(base, unit))
        for role, base in (
            ("clerk", "clerk"),
            ("specialist", "specialist"),
            ("leader", "leader"),
            ("specialist2", "specialist"),
        )
    }


async def take(
    caller: Caller, document_id: str, name: str, expect: int = 200, **body: Any
) -> dict[str, Any]:
    response = await caller.post(
        f"/api/v1/documents/{document_id}/transitions", json={"name": name, **body}
    )
    assert response.status_code == expect, response.text
    return response.json()


async def workflow(caller: Caller, document_id: str) -> dict[str, Any]:
    response = await caller.get(f"/api/v1/documents/{document_id}/workflow")
    assert response.status_code == 200, response.text
    return response.json()


async def timeline(caller: Caller, document_id: str) -> list[dict[str, Any]]:
    response = await caller.get(f"/api/v1/documents/{document_id}/timeline")
    assert response.status_code == 200, response.text
    return response.json()["items"]
