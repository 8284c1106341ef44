"""Every answer carries the browser security headers, whatever wrote it: a handler, an error, the
router's 404, the docs page, a file's download (which keeps its own type and name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.security_headers import SecurityHeaders
from core.settings import Settings
from tests.documents.conftest import create, outgoing
from tests.documents.test_files import files_url, upload

MISSING = "65f0a1b2c3d4e5f6a7b8c9d0"
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
HTML_FILE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
PDF_FILE = b"%PDF-1.4\n" + bytes(range(256)) * 4


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """Uploads of HTML allowed, as a deployment may: what a download must defuse."""
    allowed = make_settings().allowed_media_types
    return make_settings(allowed_media_types=[*allowed, "text/html"])


def _policy(response: httpx.Response) -> dict[str, str]:
    directives = response.headers["content-security-policy"].split(";")
    return {d.strip().split(" ", 1)[0]: d.strip().partition(" ")[2] for d in directives}


async def _file(client: AsyncTestClient, name: str, content: bytes, media_type: str) -> str:
    document = await create(client, outgoing())
    response = await upload(client, document["id"], (name, content, media_type))
    assert response.status_code == 201, response.text
    return files_url(document["id"], response.json()[0]["file_id"], "content")


async def _answers(client: AsyncTestClient) -> dict[str, httpx.Response]:
    """One answer of each kind the service gives, by what it is."""
    pdf = await _file(client, "Tờ trình.pdf", PDF_FILE, "application/pdf")
    document_url = pdf.split("/files/")[0]
    etag = (await client.head(pdf)).headers["etag"]
    return {
        "json": await client.get("/api/v1/units"),
        "created": await client.post("/api/v1/documents", json=outgoing()),
        "problem 404": await client.get(f"/api/v1/documents/{MISSING}"),
        "router 404": await client.get("/nothing-here"),
        "405": await client.post("/health", json={}),
        "422": await client.get("/api/v1/documents?limit=0"),
        "415": await client.patch(document_url, content=b"x", headers={"content-type": "text/x"}),
        "431": await client.get("/health", headers={"X-P": "a" * 100_000}),
        "head": await client.head("/health"),
        "options": await client.options("/api/v1/documents"),
        "openapi": await client.get("/schema/openapi.json"),
        "docs": await client.get("/schema"),
        "docs asset": await client.get("/schema/assets/hoso/swagger-init.js"),
        "docs 404": await client.get("/schema/nothing-here"),
        "download": await client.get(pdf),
        "download range": await client.get(pdf, headers={"Range": "bytes=0-9"}),
        "download 304": await client.get(pdf, headers={"If-None-Match": etag}),
        "download head": await client.head(pdf),
        "download 416": await client.get(pdf, headers={"Range": "bytes=99999-"}),
    }


async def test_every_answer_carries_the_security_headers(client: AsyncTestClient) -> None:
    answers = await _answers(client)

    expected = {
        "json": 200,
        "created": 201,
        "problem 404": 404,
        "router 404": 404,
        "405": 405,
        "422": 422,
        "415": 415,
        "431": 431,
        "head": 200,
        "options": 204,
        "openapi": 200,
        "docs": 200,
        "docs asset": 200,
        "docs 404": 404,
        "download": 200,
        "download range": 206,
        "download 304": 304,
        "download head": 200,
        "download 416": 416,
    }
    assert {kind: answer.status_code for kind, answer in answers.items()} == expected
    for kind, answer in answers.items():
        assert answer.headers["x-content-type-options"] == "nosniff", kind
        assert answer.headers["referrer-policy"] == "no-referrer", kind
        assert answer.headers["x-frame-options"] == "DENY", kind
        assert _policy(answer)["frame-ancestors"] == "'none'", kind
        assert "strict-transport-security" not in answer.headers, kind  # off unless set


async def test_json_answers_and_problems_load_nothing(client: AsyncTestClient) -> None:
    answers = await _answers(client)

    for kind in ["json", "created", "problem 404", "router 404", "405", "422", "415", "431"]:
        assert answers[kind].headers["content-security-policy"] == API_POLICY, kind
    assert answers["openapi"].headers["content-security-policy"] == API_POLICY


async def test_a_download_keeps_its_type_and_name_and_runs_no_script(
    client: AsyncTestClient,
) -> None:
    url = await _file(client, "Trang.html", HTML_FILE, "text/html")

    got = await client.get(url)
    headed = await client.head(url)
    part = await client.get(url, headers={"Range": "bytes=0-9"})

    for answer in (got, headed, part):
        assert answer.headers["content-type"].startswith("text/html"), answer.status_code
        assert answer.headers["content-disposition"].startswith('attachment; filename="Trang')
        policy = _policy(answer)
        assert "sandbox" in policy and policy["sandbox"] == ""  # no script, an origin of its own
        assert policy["default-src"] == "'none'"
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert got.content == HTML_FILE


async def test_a_pdf_download_is_sandboxed_too(client: AsyncTestClient) -> None:
    url = await _file(client, "Tờ trình.pdf", PDF_FILE, "application/pdf")

    answer = await client.get(url)

    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content == PDF_FILE
    assert "sandbox" in _policy(answer)


async def test_the_docs_page_may_load_only_the_services_own_files(
    client: AsyncTestClient,
) -> None:
    for path in ["/schema", "/schema/swagger"]:
        policy = _policy(await client.get(path))

        assert policy["default-src"] == "'none'"
        assert policy["script-src"] == "'self'"  # no inline script, no eval, no CDN
        assert policy["style-src"] == "'self'"
        assert policy["connect-src"] == "'self'"  # the document and "Try it out"
        assert policy["img-src"] == "'self' data:"  # Swagger UI's icons are data: URLs
        assert "sandbox" not in policy
        text = " ".join(policy.values())
        assert "unsafe" not in text and "http" not in text and "*" not in text


async def test_hsts_is_sent_on_every_answer_once_set(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(hsts_seconds=31_536_000))
    async with AsyncTestClient(app=app) as client:
        answers = [
            await client.get("/health"),
            await client.get("/nothing-here"),
            await client.get("/schema"),
            await client.get("/health", headers={"X-P": "a" * 100_000}),
        ]

    for answer in answers:
        assert answer.headers["strict-transport-security"] == "max-age=31536000"


async def test_a_header_the_answer_sets_itself_is_kept() -> None:
    """A handler (or a later middleware) that chooses its own policy keeps it."""
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html"),
                    (b"Content-Security-Policy", b"sandbox allow-downloads"),
                    (b"x-frame-options", b"SAMEORIGIN"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    wrapped = SecurityHeaders(app, hsts_seconds=0)  # type: ignore[arg-type]
    await wrapped({"type": "http", "path": "/x", "headers": []}, None, send)  # type: ignore[arg-type]

    headers = [(name.lower(), value) for name, value in sent[0]["headers"]]
    policies = [value for name, value in headers if name == b"content-security-policy"]
    assert policies == [b"sandbox allow-downloads"]
    assert [value for name, value in headers if name == b"x-frame-options"] == [b"SAMEORIGIN"]
    assert (b"x-content-type-options", b"nosniff") in headers
