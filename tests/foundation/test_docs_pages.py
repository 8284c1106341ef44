"""The API docs work on a network without Internet: the page and every file it loads come from
the service itself, under /schema (which stays open when authentication is required)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from litestar.testing import AsyncTestClient

from tests.documents.conftest import assert_problem

DOCS_PAGES = ["/schema", "/schema/swagger"]
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".html": ("text/html",),
}


class _Page(HTMLParser):
    """What a browser would fetch for a page: script, stylesheet and icon URLs; and inline code."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.inline_scripts: list[str] = []
        self.inline_styles = 0
        self.data: dict[str, str] = {}
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if "style" in found or tag == "style":
            self.inline_styles += 1
        if tag == "script":
            self._in_script = "src" not in found
            if "src" in found:
                self.assets.append(found["src"])
        elif tag in ("link", "img") and (found.get("href") or found.get("src")):
            self.assets.append(found.get("href") or found["src"])
        self.data.update({k: v for k, v in found.items() if k.startswith("data-")})

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


async def _page(client: AsyncTestClient, path: str) -> _Page:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.text[:200])
    assert response.headers["content-type"].startswith("text/html")
    page = _Page()
    page.feed(response.text)
    return page


def _suffix(url: str) -> str:
    return url[url.rfind(".") :]


@pytest.mark.parametrize("path", DOCS_PAGES)
async def test_every_file_a_docs_page_loads_is_served_by_the_service(
    client: AsyncTestClient, path: str
) -> None:
    response = await client.get(path)
    page = await _page(client, path)

    assert "http://" not in response.text and "https://" not in response.text
    assert any(url.endswith("swagger-ui-bundle.js") for url in page.assets), page.assets
    assert any(url.endswith("swagger-ui.css") for url in page.assets), page.assets
    for url in page.assets:
        assert url.startswith("/schema/assets/") and not url.startswith("//"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        media_type = asset.headers["content-type"].partition(";")[0]
        assert media_type in CONTENT_TYPES[_suffix(url)], (url, media_type)
        assert asset.content, url


async def test_the_page_has_no_inline_script_or_style(client: AsyncTestClient) -> None:
    """What lets its Content-Security-Policy refuse inline code altogether."""
    page = await _page(client, "/schema")

    assert page.inline_scripts == []
    assert page.inline_styles == 0


async def test_swagger_ui_reads_the_openapi_document_of_the_service(
    client: AsyncTestClient,
) -> None:
    page = await _page(client, "/schema")
    starter = next(url for url in page.assets if url.endswith("swagger-init.js"))
    script = (await client.get(starter)).text
    document = await client.get(page.data["data-openapi-url"])

    assert page.data["data-openapi-url"] == "/schema/openapi.json"
    assert document.json()["info"]["title"] == "hoso"
    assert "SwaggerUIBundle(" in script and "container.dataset.openapiUrl" in script
    # Swagger UI's default would fetch a badge from a public validator.
    assert "validatorUrl: null" in script


async def test_the_oauth2_redirect_page_is_local_too(client: AsyncTestClient) -> None:
    page = await _page(client, "/schema")
    redirect = page.data["data-oauth2-redirect-url"]
    redirect_page = await _page(client, redirect)

    assert redirect.startswith("/schema/assets/")
    assert redirect_page.inline_scripts == [] and redirect_page.assets == ["oauth2-redirect.js"]
    script = await client.get(redirect.rsplit("/", 1)[0] + "/oauth2-redirect.js")
    assert script.status_code == 200 and "swaggerUIRedirectOauth2" in script.text


async def test_assets_are_kept_by_browsers_and_answer_head(client: AsyncTestClient) -> None:
    page = await _page(client, "/schema")
    bundle = next(url for url in page.assets if url.endswith("swagger-ui-bundle.js"))
    got = await client.get(bundle)
    headed = await client.head(bundle)

    assert "/swagger-ui-5." in bundle  # the version is in the URL: a new one is a new URL
    assert "max-age=31536000" in got.headers["cache-control"]
    assert headed.status_code == 200 and headed.content == b""
    assert headed.headers["content-length"] == got.headers["content-length"]


@pytest.mark.parametrize(
    "name",
    [
        "index.html",  # the package's demonstration page, which loads an API from the Internet
        "swagger-initializer.js",
        "swagger-ui-bundle.js.map",
        "nothing.js",
    ],
)
async def test_only_the_files_the_page_needs_are_served(client: AsyncTestClient, name: str) -> None:
    page = await _page(client, "/schema")
    folder = next(url for url in page.assets if url.endswith("swagger-ui.css")).rsplit("/", 1)[0]

    response = await client.get(f"{folder}/{name}")

    assert_problem(response, 404)


async def test_the_hoso_assets_folder_serves_only_its_starter(client: AsyncTestClient) -> None:
    for path in ["/schema/assets/hoso/", "/schema/assets/hoso/../docs.py", "/schema/assets/x.js"]:
        response = await client.get(path)
        assert response.status_code == 404, path


async def test_the_asset_routes_are_not_part_of_the_api_contract(client: AsyncTestClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    assert not [path for path in paths if path.startswith("/schema")]
