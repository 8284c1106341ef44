"""Helpers for the identity tests: units to act in, people and API tokens made through the API by
the suite's administrator, and a caller that speaks with one credential (or none)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.documents.conftest import create, incoming, outgoing

# An own unit with a parent above it and a unit beside the parent that holds neither.
OWN = "000.01.35.H25"  # Ủy ban nhân dân xã Cẩm Bình
PARENT = "000.00.35.H25"  # Ủy ban nhân dân huyện Cẩm Xuyên, OWN's parent
OTHER = "000.00.36.H25"  # Ủy ban nhân dân huyện Thạch Hà: not above, not below OWN
PROVINCE = "000.00.00.H25"

PDF = b"%PDF-1.4\n" + b"Quyet dinh ve viec ban hanh quy che\n" * 50
PASSWORD = "mật khẩu đủ dài 2026"


def grant(role: str, unit: str) -> dict[str, str]:
    return {"role": role, "unit": unit}


async def make_token(
    admin: httpx.AsyncClient, *grants: dict[str, str], name: str = "hệ thống thử", **more: Any
) -> dict[str, Any]:
    """A new API token (the answer of POST /api/v1/tokens, with its secret in `token`)."""
    response = await admin.post(
        "/api/v1/tokens", json={"name": name, "grants": list(grants), **more}
    )
    assert response.status_code == 201, response.text
    return response.json()


_people = 0


async def credential_for(admin: httpx.AsyncClient, *grants: dict[str, str]) -> str:
    """A bearer credential holding `grants`: an API token made by the administrator, or, for
    roles an administrator does not hold itself (a leader reads restricted documents, which no
    token made by an administrator may), a person made with those roles and signed in."""
    if not any(g["role"] == "leader" for g in grants):
        return (await make_token(admin, *grants))["token"]
    global _people
    _people += 1
    username = f"nguoi.{_people}"
    await make_person(admin, username, *grants)
    return (await sign_in(admin, username))["access_token"]


async def make_person(
    admin: httpx.AsyncClient,
    username: str,
    *grants: dict[str, str],
    password: str | None = PASSWORD,
) -> dict[str, Any]:
    body: dict[str, Any] = {"username": username, "full_name": username.title()}
    body["grants"] = list(grants)
    if password is not None:
        body["password"] = password
    response = await admin.post("/api/v1/users", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> dict[str, Any]:
    response = await anonymous(client).post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return response.json()


@dataclass(frozen=True)
class Caller:
    """Requests through the test's client, carrying this credential instead of the admin's; no
    credential at all when `token` is None."""

    client: httpx.AsyncClient
    token: str | None

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        request = self.client.build_request(method, url, **kwargs)
        if self.token is None:
            del request.headers["authorization"]
        else:
            request.headers["authorization"] = f"Bearer {self.token}"
        return await self.client.send(request)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("HEAD", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)


def acting(client: httpx.AsyncClient, token: str) -> Caller:
    return Caller(client, token)


def anonymous(client: httpx.AsyncClient) -> Caller:
    return Caller(client, None)


async def listed_ids(caller: Any, **params: Any) -> set[str]:
    """Ids of every document a list answers with these filters (one page of 200 is plenty)."""
    response = await caller.get("/api/v1/documents", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return {item["id"] for item in response.json()["items"]}


async def upload(caller: Any, document_id: str, content: bytes = PDF) -> httpx.Response:
    files = [("files", ("Quyết định.pdf", content, "application/pdf"))]
    return await caller.post(f"/api/v1/documents/{document_id}/files", files=files)


async def draft(admin: httpx.AsyncClient, unit: str, **fields: Any) -> dict[str, Any]:
    return await create(admin, outgoing(unit=unit, **fields))


async def incoming_draft(admin: httpx.AsyncClient, unit: str, **fields: Any) -> dict[str, Any]:
    return await create(admin, incoming(unit=unit, **fields))
