"""Bad input to the account endpoints is refused with a problem and changes nothing."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient


@pytest.mark.parametrize("value", [0, 1, "false", "no"])
async def test_disabled_takes_only_true_or_false(client: AsyncTestClient, value: object) -> None:
    made = await client.post("/api/v1/users", json={"username": "lan", "full_name": "Lan"})
    assert made.status_code == 201, made.text

    answer = await client.patch("/api/v1/users/lan", json={"disabled": value})
    after = await client.get("/api/v1/users/lan")

    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "disabled"
    assert (
        after.json()["disabled"] is False
        and after.json()["updated_at"] == made.json()["updated_at"]
    )
