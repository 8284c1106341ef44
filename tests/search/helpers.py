"""Helpers for the search tests."""

from __future__ import annotations

from typing import Any

from tests.records.records_helpers import YEAR


async def found(caller: Any, q: str, **params: Any) -> list[str]:
    """Ids found by `q` (one page of 100)."""
    response = await caller.get("/api/v1/search", params={"q": q, "limit": 100, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def outside_record(http: Any, unit: str, title: str, number: str) -> dict[str, Any]:
    body = {
        "unit": unit,
        "year": YEAR,
        "outside_list": True,
        "title": title,
        "number_and_symbol": number,
        "retention": "permanent",
        "reason": "Bão số 3",
    }
    response = await http.post("/api/v1/records", json=body)
    assert response.status_code == 201, response.text
    return response.json()
