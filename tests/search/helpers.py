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


async def store_file_text(runtime: Any, document: dict[str, Any], file_id: str, text: str) -> None:
    """The text of version 1 of a file, as the extractor stores it, and its listeners told."""
    from datetime import UTC, datetime

    from core.extraction.models import FileText, TextStatus, file_text_key

    await FileText(
        id=file_text_key(file_id, 1),
        document_id=document["id"],
        unit=document["unit"],
        file_id=file_id,
        version=1,
        media_type="application/pdf",
        status=TextStatus.DONE,
        text=text,
        created_at=datetime.now(UTC),
        extracted_at=datetime.now(UTC),
    ).save()
    for listener in runtime.text_listeners:
        await listener(runtime, document["id"])
