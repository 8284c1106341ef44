"""Cross-origin calls from web front-ends: only the origins in `cors_allow_origins`, and none (no
CORS header at all) by default."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.settings import ConfigError, Settings, load_settings
from tests.accounts import admin_client
from tests.documents.conftest import assert_problem, create, outgoing
from tests.documents.test_files import files_url, upload

FRONT_END = "https://vanban.tinh.gov.vn"
OTHER = "https://example.com"
REPO_CONFIG = Path(__file__).resolve().parents[2] / "config" / "hoso.toml"


def preflight(origin: str, method: str = "PATCH", headers: str = "") -> dict[str, str]:
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        asked["Access-Control-Request-Headers"] = headers
    return asked


def cors_headers(response: object) -> dict[str, str]:
    headers = response.headers  # type: ignore[attr-defined]
    return {name: value for name, value in headers.items() if name.startswith("access-control-")}


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """`client` serves a front-end at FRONT_END."""
    return make_settings(cors_allow_origins=[FRONT_END])


@asynccontextmanager
async def service(
    make_settings: Callable[..., Settings], origins: list[str]
) -> AsyncIterator[AsyncTestClient]:
    """A service with other origins, for requests that store nothing."""
    async with admin_client(create_app(make_settings(cors_allow_origins=origins))) as c:
        yield c


async def test_by_default_no_answer_carries_a_cors_header(
    make_settings: Callable[..., Settings],
) -> None:
    async with service(make_settings, []) as client:
        asked = await client.options(
            "/api/v1/documents",
            headers=preflight(FRONT_END, "POST", "authorization, content-type"),
        )
        got = await client.get("/api/v1/units", headers={"Origin": FRONT_END})

    assert asked.status_code == 204 and "POST" in asked.headers["allow"]  # the usual OPTIONS
    assert cors_headers(asked) == {}
    assert got.status_code == 200 and cors_headers(got) == {}


async def test_a_preflight_from_an_allowed_origin_is_granted(client: AsyncTestClient) -> None:
    asked = await client.options(
        f"/api/v1/documents/{'0' * 24}",
        headers=preflight(FRONT_END, "PATCH", "Authorization, Content-Type, If-Match"),
    )

    assert asked.status_code == 204
    granted = cors_headers(asked)
    assert granted["access-control-allow-origin"] == FRONT_END
    methods = {m.strip() for m in granted["access-control-allow-methods"].split(",")}
    assert {"GET", "HEAD", "POST", "PATCH", "DELETE"} <= methods
    headers = {h.strip().lower() for h in granted["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "if-match", "range", "if-range"} <= headers
    assert "access-control-allow-credentials" not in granted  # tokens, not cookies
    assert int(granted["access-control-max-age"]) > 0
    assert "Origin" in asked.headers["vary"]


async def test_a_preflight_from_another_origin_is_refused_without_cors_headers(
    client: AsyncTestClient,
) -> None:
    asked = await client.options("/api/v1/documents", headers=preflight(OTHER, "POST"))

    assert_problem(asked, 400, OTHER, "cors_allow_origins")
    assert "access-control-allow-origin" not in asked.headers
    assert not any(name.startswith("access-control-allow") for name in cors_headers(asked))


@pytest.mark.parametrize(
    ("method", "headers", "named"),
    [("TRACE", "", "TRACE"), ("POST", "content-type, x-secret-header", "x-secret-header")],
)
async def test_a_preflight_asking_for_more_than_allowed_says_what(
    client: AsyncTestClient, method: str, headers: str, named: str
) -> None:
    asked = await client.options("/api/v1/documents", headers=preflight(FRONT_END, method, headers))

    assert_problem(asked, 400, named)
    assert "access-control-allow-origin" not in asked.headers


async def test_answers_to_an_allowed_origin_expose_the_headers_a_front_end_reads(
    client: AsyncTestClient,
) -> None:
    mine = {"Origin": FRONT_END}
    created = await client.post("/api/v1/documents", json=outgoing(), headers=mine)
    missing = await client.get(f"/api/v1/documents/{'0' * 24}", headers=mine)
    other = await client.get("/api/v1/units", headers={"Origin": OTHER})

    assert created.status_code == 201
    assert created.headers["access-control-allow-origin"] == FRONT_END
    exposed = {h.strip() for h in created.headers["access-control-expose-headers"].split(",")}
    assert {"Location", "ETag", "Content-Range", "Content-Disposition"} <= exposed
    # A problem is readable by the front-end too: it can show the detail.
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == FRONT_END
    # Another origin's script cannot read the answer: the browser sees no Allow-Origin.
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers


async def test_a_download_can_be_read_across_origins_with_its_name_and_range(
    client: AsyncTestClient,
) -> None:
    document = await create(client, outgoing())
    pdf = ("Tờ trình.pdf", b"%PDF-1.4\n" * 50, "application/pdf")
    uploaded = await upload(client, document["id"], pdf)
    url = files_url(document["id"], uploaded.json()[0]["file_id"], "content")
    asked = await client.options(url, headers=preflight(FRONT_END, "GET", "range, if-range"))
    part = await client.get(url, headers={"Origin": FRONT_END, "Range": "bytes=0-9"})

    assert asked.status_code == 204
    assert part.status_code == 206
    assert part.headers["access-control-allow-origin"] == FRONT_END
    assert part.headers["content-range"].startswith("bytes 0-9/")


async def test_a_star_in_the_host_allows_its_subdomains_only(
    make_settings: Callable[..., Settings],
) -> None:
    async with service(make_settings, ["https://*.tinh.gov.vn"]) as client:
        sub = await client.options("/health", headers=preflight(FRONT_END, "GET"))
        lookalike = await client.options(
            "/health", headers=preflight("https://tinh.gov.vn.example.com", "GET")
        )
        plain_http = await client.options(
            "/health", headers=preflight("http://vanban.tinh.gov.vn", "GET")
        )

    assert sub.status_code == 204 and sub.headers["access-control-allow-origin"] == FRONT_END
    assert_problem(lookalike, 400)
    assert_problem(plain_http, 400)


@pytest.mark.parametrize(
    "origin",
    ["https://vanban.tinh.gov.vn/", "vanban.tinh.gov.vn", "https://vanban.tinh.gov.vn/app", ""],
)
def test_an_origin_that_would_match_nothing_is_refused_at_start(origin: str) -> None:
    with pytest.raises(ConfigError, match="cors_allow_origins.*scheme://host"):
        load_settings(REPO_CONFIG, cors_allow_origins=[origin])


def test_origins_come_from_a_json_list_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSO_CORS_ALLOW_ORIGINS", f'["{FRONT_END}", "http://localhost:5173"]')

    settings = load_settings(REPO_CONFIG)

    assert settings.cors_allow_origins == [FRONT_END, "http://localhost:5173"]


def test_hsts_seconds_may_not_be_negative() -> None:
    with pytest.raises(ConfigError, match="hsts_seconds"):
        load_settings(REPO_CONFIG, hsts_seconds=-1)
