"""HTTP as any client expects it, whatever server runs the app: HEAD wherever GET works, a request
head within `max_header_bytes`, JSON bodies that say they are JSON."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.settings import Settings
from tests.accounts import ADMIN_HEADERS, admin_client
from tests.documents.conftest import PROBLEM_JSON, PROVINCE, assert_problem, create, outgoing
from tests.service_process import running_service

KiB = 1024
MISSING = "65f0a1b2c3d4e5f6a7b8c9d0"
# Headers that differ between two answers for reasons of their own.
VARYING = {"date"}

# --- HEAD: RFC 9110 §9.1, wherever GET works ------------------------------------------------


def _headers(response: httpx.Response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in VARYING}


async def _get_paths(client: AsyncTestClient) -> list[str]:
    draft = await create(client, outgoing())
    files_url = f"/api/v1/documents/{draft['id']}/files"
    uploaded = await client.post(
        files_url, files=[("files", ("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"))]
    )
    assert uploaded.status_code == 201, uploaded.text
    return [
        "/health",
        "/api/v1/units",
        f"/api/v1/units/{PROVINCE}",
        f"/api/v1/units/{PROVINCE}/subtree",
        f"/api/v1/document-types?unit={PROVINCE}",
        "/api/v1/documents",
        f"/api/v1/documents?unit={PROVINCE}&limit=1",
        f"/api/v1/documents/{draft['id']}",
        files_url,
        uploaded.headers["location"],
        f"/api/v1/units/{PROVINCE}/registers/outgoing/2026",
        f"/api/v1/documents/{MISSING}",  # 404: the same problem's headers, no body
        "/api/v1/units/000.99.99.H25",
        "/api/v1/documents?limit=0",  # 422
        "/schema/openapi.json",
    ]


async def test_head_answers_what_get_answers_without_the_body(client: AsyncTestClient) -> None:
    for path in await _get_paths(client):
        got = await client.get(path)
        headed = await client.head(path)

        assert headed.status_code == got.status_code, (path, headed.status_code)
        assert _headers(headed) == _headers(got), path
        assert headed.content == b"", path


async def test_a_file_download_keeps_its_own_head(client: AsyncTestClient) -> None:
    draft = await create(client, outgoing())
    files_url = f"/api/v1/documents/{draft['id']}/files"
    uploaded = await client.post(
        files_url, files=[("files", ("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"))]
    )
    content = f"{uploaded.headers['location']}/content"

    headed = await client.head(content)
    cached = await client.head(content, headers={"If-None-Match": headed.headers["etag"]})

    assert headed.status_code == 200
    assert headed.headers["content-length"] == str(len(b"%PDF-1.4\n%%EOF\n"))
    assert headed.content == b""
    assert cached.status_code == 304


async def test_head_is_refused_where_get_is_not_allowed_either(client: AsyncTestClient) -> None:
    draft = await create(client, outgoing())

    response = await client.head(f"/api/v1/documents/{draft['id']}/issue")

    assert response.status_code == 405
    assert response.headers["allow"] == "OPTIONS, POST"
    assert response.content == b""


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/health", "GET, HEAD, OPTIONS"),
        ("/api/v1/units", "GET, HEAD, OPTIONS"),
        ("/api/v1/documents", "GET, HEAD, OPTIONS, POST"),
        (f"/api/v1/documents/{MISSING}", "DELETE, GET, HEAD, OPTIONS, PATCH"),
        (f"/api/v1/documents/{MISSING}/files/f/content", "GET, HEAD, OPTIONS"),
        (f"/api/v1/documents/{MISSING}/issue", "OPTIONS, POST"),
    ],
)
async def test_allow_lists_head_wherever_get_is_listed(
    client: AsyncTestClient, path: str, allowed: str
) -> None:
    options = await client.options(path)
    refused = await client.put(path, json={})

    assert options.headers["allow"] == allowed
    assert refused.status_code == 405
    assert refused.headers["allow"] == allowed
    assert allowed in refused.json()["detail"]


# --- The request head: max_header_bytes, in the app itself ---------------------------------


async def test_a_request_head_over_the_limit_is_refused_with_431(client: AsyncTestClient) -> None:
    response = await client.get("/health", headers={"X-P": "a" * 100_000})

    body = assert_problem(response, 431, "65,536 bytes")
    assert body["title"] == "Request header fields too large"
    assert "fewer or shorter headers" in body["detail"]


async def test_the_limit_is_the_setting_and_counts_the_query_too(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(max_header_bytes=16 * KiB))
    async with admin_client(app) as client:
        within = await client.get("/health", headers={"X-P": "a" * 15 * KiB})
        over = await client.get("/health", headers={"X-P": "a" * 17 * KiB})
        over_head = await client.head("/health", headers={"X-P": "a" * 17 * KiB})
        long_query = await client.get("/api/v1/documents", params={"q": "a" * 17 * KiB})
        missing = await client.get("/nothing-here", headers={"X-P": "a" * 17 * KiB})

    assert within.status_code == 200
    assert_problem(over, 431, "16,384 bytes", "max_header_bytes")
    assert over_head.status_code == 431 and over_head.content == b""
    assert_problem(long_query, 431, "16,384 bytes")
    assert_problem(missing, 431)  # before routing: whatever the path


# --- JSON bodies: Content-Type application/json ----------------------------------------------


async def test_a_form_encoded_body_is_refused_with_415(client: AsyncTestClient) -> None:
    draft = await create(client, outgoing())
    url = f"/api/v1/documents/{draft['id']}"

    response = await client.patch(
        url,
        content=b'{"revision":1,"summary":"Changed"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    body = assert_problem(response, 415, "application/json", "application/x-www-form-urlencoded")
    assert body["title"] == "Unsupported media type"
    assert response.headers["accept-patch"] == "application/json"
    assert (await client.get(url)).json()["summary"] == draft["summary"]


@pytest.mark.parametrize(
    ("content_type", "said"),
    [("text/plain", "text/plain"), (None, "no Content-Type"), ("application/xml", "xml")],
)
async def test_a_json_body_sent_as_something_else_is_refused(
    client: AsyncTestClient, content_type: str | None, said: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    before = await client.get("/api/v1/documents")

    response = await client.post(
        "/api/v1/documents",
        content=httpx.Request("POST", "/", json=outgoing()).content,
        headers=headers,
    )

    assert_problem(response, 415, "application/json", said)
    assert response.headers["accept-post"] == "application/json"
    assert (await client.get("/api/v1/documents")).json() == before.json()


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
    ],
)
async def test_json_in_any_json_media_type_is_read(
    client: AsyncTestClient, content_type: str
) -> None:
    body = httpx.Request("POST", "/", json=outgoing()).content

    response = await client.post(
        "/api/v1/documents", content=body, headers={"Content-Type": content_type}
    )

    assert response.status_code == 201, response.text


async def test_an_operation_whose_body_may_be_left_out_needs_no_content_type(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing())

    response = await client.post(f"/api/v1/documents/{draft['id']}/issue")

    assert response.status_code == 200, response.text


# --- Query parameters: sent or left out, never null ---------------------------------------


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/documents?state=null", "state"),
        ("/api/v1/documents?direction=null", "direction"),
        ("/api/v1/documents?date_from=null&limit=5", "date_from"),
        ("/api/v1/documents?state=null&state=null", "state"),
    ],
)
async def test_null_is_not_a_query_value(client: AsyncTestClient, path: str, name: str) -> None:
    await create(client, outgoing())

    response = await client.get(path)

    body = assert_problem(response, 422, name)
    assert "left out" in body["detail"]


async def test_null_is_refused_before_anything_is_deleted(client: AsyncTestClient) -> None:
    draft = await create(client, outgoing())

    response = await client.delete(f"/api/v1/documents/{draft['id']}?revision=null")

    assert_problem(response, 422, "revision")
    assert (await client.get(f"/api/v1/documents/{draft['id']}")).status_code == 200


async def test_the_text_null_is_a_value_of_a_text_parameter(client: AsyncTestClient) -> None:
    await create(client, outgoing())

    searched = await client.get("/api/v1/documents", params={"q": "null"})
    typed = await client.get("/api/v1/documents", params={"type": "null"})

    assert searched.status_code == 200 and searched.json()["items"] == []
    assert typed.status_code == 200 and typed.json()["items"] == []


# --- The same under `hoso serve` --------------------------------------------------------------


def test_a_served_app_answers_head_and_refuses_what_it_should(settings: Settings) -> None:
    with running_service(settings) as (base, _pid):
        got = httpx.get(f"{base}/api/v1/units", headers=ADMIN_HEADERS, timeout=10)
        headed = httpx.head(f"{base}/api/v1/units", headers=ADMIN_HEADERS, timeout=10)
        missing = httpx.head(
            f"{base}/api/v1/documents/{MISSING}", headers=ADMIN_HEADERS, timeout=10
        )
        form = httpx.post(
            f"{base}/api/v1/documents",
            content=b'{"unit": "000.00.00.H25"}',
            headers={**ADMIN_HEADERS, "Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )

    assert headed.status_code == 200 and headed.content == b""
    assert headed.headers["content-length"] == got.headers["content-length"]
    assert headed.headers["content-type"] == got.headers["content-type"]
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM_JSON)
    assert form.status_code == 415
