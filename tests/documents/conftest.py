"""Helpers for document tests: units of config/units.toml and a way to make documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

PROBLEM_JSON = "application/problem+json"

PROVINCE = "000.00.00.H25"
HOME_AFFAIRS = "000.00.05.H25"  # turns on the ha_tinh_home_affairs reference plugin
FINANCE = "000.00.06.H25"
COMMUNE = "000.01.35.H25"

AWARD_EXTRA = {
    "award_form": "Bằng khen",
    "emulation_movement": "Thi đua cải cách hành chính năm 2026",
    "awardees": [{"full_name": "Nguyễn Văn An", "organization": "Sở Nội vụ"}],
}


def outgoing(unit: str = PROVINCE, type_code: str = "QD", **fields: Any) -> dict[str, Any]:
    body = {
        "unit": unit,
        "direction": "outgoing",
        "type_code": type_code,
        "summary": "Về việc ban hành Quy chế làm việc của Ủy ban nhân dân tỉnh",
    }
    body.update(fields)
    return body


def incoming(unit: str = PROVINCE, **fields: Any) -> dict[str, Any]:
    body = {
        "unit": unit,
        "direction": "incoming",
        "type_code": "CV",
        "summary": "V/v báo cáo tình hình lập hồ sơ điện tử năm 2026",
        "issuing_body": "Bộ Nội vụ",
        "original_number": "1234",
        "original_symbol": "BNV-VP",
        "original_date": "2026-11-20",
    }
    body.update(fields)
    return body


async def create(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/documents", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def issue(client: httpx.AsyncClient, document_id: str) -> dict[str, Any]:
    response = await client.post(f"/api/v1/documents/{document_id}/issue")
    assert response.status_code == 200, response.text
    return response.json()


async def count_documents(client: httpx.AsyncClient, **filters: str) -> int:
    response = await client.get("/api/v1/documents", params={"limit": 200, **filters})
    assert response.status_code == 200, response.text
    return len(response.json()["items"])


def assert_problem(response: Any, status: int, *named: str) -> dict[str, Any]:
    """A problem-details answer with `status`; each of `named` appears in the detail, as an
    error's field, or in an error's message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"].strip()
    errors = body.get("errors", [])
    fields = [error["field"] for error in errors]
    messages = " ".join(error["message"] for error in errors)
    for name in named:
        assert name in body["detail"] or name in fields or name in messages, (name, body)
    return body


class FixedClock:
    """The service's clock, set by the test (`create_app(settings, clock=...)`)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
