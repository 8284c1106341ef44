"""Helpers for the record tests: a unit's record list stored as the list service stores it, and
records opened through the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from core.records.list_models import (
    BigHeading,
    ListState,
    RecordList,
    StoredEntry,
    list_key,
)

YEAR = datetime.now(UTC).year


async def store_list(
    unit: str,
    year: int = YEAR,
    *,
    state: ListState = ListState.APPROVED,
    headings: list[tuple[str, list[str]]] | None = None,
) -> None:
    """Store `unit`'s list for `year`: big headings (symbol, entry titles); entry ids are
    `<symbol>-<n>`. Call inside the app's lifespan (`concurrent_client`)."""
    now = datetime.now(UTC)
    headings = headings or [("TH", ["Hồ sơ tổng hợp", "Hồ sơ báo cáo"])]
    stored = RecordList(
        id=list_key(unit, year),
        unit=unit,
        year=year,
        state=state,
        numbering="per_heading",
        started_from="empty",
        headings=[
            BigHeading(
                heading_id=f"h-{symbol}",
                symbol=symbol,
                title=f"Đề mục {symbol}",
                entries=[
                    StoredEntry(entry_id=f"{symbol}-{n}", title=title, retention_years=20)
                    for n, title in enumerate(titles, start=1)
                ],
            )
            for symbol, titles in headings
        ],
        created_by="admin",
        created_at=now,
        updated_by="admin",
        updated_at=now,
    )
    await stored.insert()


async def open_record(
    http: Any, unit: str, entry_id: str = "TH-1", year: int = YEAR, **more: Any
) -> dict[str, Any]:
    response = await http.post(
        "/api/v1/records", json={"unit": unit, "year": year, "entry_id": entry_id, **more}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def file(http: Any, code: str, document_id: str) -> httpx.Response:
    return await http.post(f"/api/v1/records/{code}/documents", json={"document_id": document_id})


async def filed(http: Any, code: str) -> list[dict[str, Any]]:
    response = await http.get(f"/api/v1/records/{code}/documents")
    assert response.status_code == 200, response.text
    return response.json()["items"]
