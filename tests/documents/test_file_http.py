"""Downloads speak HTTP fully: byte ranges, entity tags and 304, HEAD, caching, OpenAPI."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.settings import Settings
from tests.accounts import ADMIN_HEADERS
from tests.documents.conftest import PROBLEM_JSON, assert_problem, create, outgoing
from tests.documents.test_files import files_url, stored_blobs, upload
from tests.service_process import running_service

# Each byte says where it is (modulo 256), so a wrong offset cannot go unseen.
CONTENT = b"%PDF-1.4\n" + bytes(range(256)) * 40
SIZE = len(CONTENT)  # 10,249
REVISED = b"%PDF-1.7\n" + bytes(reversed(range(256))) * 30
NAME = "Công văn số 12.pdf"


def etag_of(content: bytes) -> str:
    return f'"{hashlib.sha256(content).hexdigest()}"'


async def uploaded_file(client: AsyncTestClient) -> str:
    """A new document with CONTENT as its main file: the URL of that file's content."""
    document = await create(client, outgoing())
    response = await upload(client, document["id"], (NAME, CONTENT, "application/pdf"))
    assert response.status_code == 201, response.text
    file_id = response.json()[0]["file_id"]
    return files_url(document["id"], file_id, "content")


async def with_new_version(client: AsyncTestClient, url: str) -> None:
    response = await client.post(
        url.removesuffix("/content") + "/versions",
        files=[("files", ("Công văn số 12 (sửa).pdf", REVISED, "application/pdf"))],
    )
    assert response.status_code == 201, response.text


def assert_file_headers(response: Any, content: bytes = CONTENT) -> None:
    """The headers every answer with (part of) the file carries."""
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == etag_of(content)
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('attachment; filename="Cong van')


def assert_whole_file(response: Any, content: bytes = CONTENT, why: str = "") -> None:
    assert response.status_code == 200, (why, response.text[:200])
    assert response.content == content, why
    assert response.headers["content-length"] == str(len(content))
    assert "content-range" not in response.headers, why
    assert_file_headers(response, content)


async def test_a_download_says_ranges_are_accepted_and_is_private(
    client: AsyncTestClient,
) -> None:
    url = await uploaded_file(client)

    response = await client.get(url)

    assert_whole_file(response)
    assert response.headers["x-content-sha256"] == hashlib.sha256(CONTENT).hexdigest()


ONE_RANGE = {  # Range: (first, last) of the bytes answered
    "bytes=0-99": (0, 99),
    "bytes=100-": (100, SIZE - 1),
    "bytes=-500": (SIZE - 500, SIZE - 1),
    "bytes=4242-4242": (4242, 4242),
    f"bytes={SIZE - 1}-": (SIZE - 1, SIZE - 1),
    "bytes=10000-99999": (10000, SIZE - 1),  # an end past the file stops at it
    "bytes=-99999": (0, SIZE - 1),  # a suffix longer than the file is all of it
    "bytes=0-": (0, SIZE - 1),
    "Bytes=0010-0019": (10, 19),  # the unit in any case, leading zeros
    "bytes= 5-9 ,": (5, 9),  # spaces and an empty list element
}

OUTSIDE = [
    f"bytes={SIZE}-",
    f"bytes={SIZE + 100}-{SIZE + 200}",
    "bytes=-0",
    "bytes=99999999999999999999999999-",
    "bytes=" + "9" * 5000 + "-",  # more digits than Python turns into an int
]

SEVERAL = ["bytes=0-9,20-29", "bytes=0-9, -5", "bytes=0-9,0-9", f"bytes=0-9,{SIZE + 10}-"]

MALFORMED = [
    "bytes=abc",
    "bytes=9-1",  # last before first
    "bytes=",
    "bytes=,",
    "bytes=-",
    "bytes 0-9",
    "bytes=0-9;x",
    "bytes=0x10-0x20",
    "bytes=1.5-3",
    "bytes=0-9,9-1",  # one of two invalid
    "items=0-9",  # another unit
    f"bytes={SIZE}-1",  # invalid, and outside
]


async def test_one_range_answers_206_with_only_those_bytes(client: AsyncTestClient) -> None:
    url = await uploaded_file(client)

    for header, (first, last) in ONE_RANGE.items():
        response = await client.get(url, headers={"Range": header})

        assert response.status_code == 206, (header, response.text)
        assert response.content == CONTENT[first : last + 1], header
        assert response.headers["content-range"] == f"bytes {first}-{last}/{SIZE}", header
        assert response.headers["content-length"] == str(last - first + 1), header
        assert_file_headers(response)


async def test_a_range_outside_the_file_answers_416_saying_its_size(
    client: AsyncTestClient,
) -> None:
    url = await uploaded_file(client)

    for header in OUTSIDE:
        response = await client.get(url, headers={"Range": header})

        body = assert_problem(response, 416, f"{SIZE:,} bytes")
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        assert set(body) == {"type", "title", "status", "detail"}
        assert body["title"] == "Range not satisfiable"
        assert response.headers["content-range"] == f"bytes */{SIZE}", header


async def test_several_ranges_answer_the_whole_file(client: AsyncTestClient) -> None:
    url = await uploaded_file(client)

    for header in SEVERAL:
        assert_whole_file(await client.get(url, headers={"Range": header}), why=header)


async def test_a_malformed_range_is_ignored_and_the_whole_file_sent(
    client: AsyncTestClient,
) -> None:
    url = await uploaded_file(client)

    for header in MALFORMED:
        assert_whole_file(await client.get(url, headers={"Range": header}), why=header)


async def test_range_sent_twice_is_ignored(client: AsyncTestClient) -> None:
    url = await uploaded_file(client)

    response = await client.get(url, headers=[("Range", "bytes=0-9"), ("Range", "bytes=5-9")])

    assert_whole_file(response)


async def test_if_range_with_the_files_etag_gets_the_range(client: AsyncTestClient) -> None:
    url = await uploaded_file(client)

    response = await client.get(
        url, headers={"Range": "bytes=100-199", "If-Range": etag_of(CONTENT)}
    )

    assert response.status_code == 206
    assert response.content == CONTENT[100:200]
    assert response.headers["content-range"] == f"bytes 100-199/{SIZE}"


async def test_if_range_that_does_not_match_gets_the_whole_file(client: AsyncTestClient) -> None:
    url = await uploaded_file(client)

    for if_range in [
        etag_of(b"another file"),
        f"W/{etag_of(CONTENT)}",  # a weak tag never matches: If-Range compares strongly
        "Wed, 21 Oct 2015 07:28:00 GMT",  # no Last-Modified is sent: a date cannot match
    ]:
        response = await client.get(url, headers={"Range": "bytes=100-199", "If-Range": if_range})

        assert_whole_file(response, why=if_range)


async def test_if_range_with_an_outside_range_still_answers_416_when_it_matches(
    client: AsyncTestClient,
) -> None:
    url = await uploaded_file(client)

    matches = await client.get(
        url, headers={"Range": f"bytes={SIZE}-", "If-Range": etag_of(CONTENT)}
    )
    differs = await client.get(url, headers={"Range": f"bytes={SIZE}-", "If-Range": '"other"'})

    assert_problem(matches, 416)
    assert_whole_file(differs)


async def test_new_version_behind_if_range_sends_the_whole_new_file(
    client: AsyncTestClient,
) -> None:
    url = await uploaded_file(client)
    await with_new_version(client, url)

    response = await client.get(url, headers={"Range": "bytes=0-99", "If-Range": etag_of(CONTENT)})

    assert_whole_file(response, REVISED)


async def test_if_none_match_naming_the_file_answers_304_without_a_body(
    client: AsyncTestClient,
) -> None:
    url = await uploaded_file(client)

    for if_none_match in [
        etag_of(CONTENT),
        "*",
        f'"aaa", {etag_of(CONTENT)}, "bbb"',
        f"W/{etag_of(CONTENT)}",  # If-None-Match compares weakly
        f'W/"x",W/{etag_of(CONTENT)}',
    ]:
        response = await client.get(url, headers={"If-None-Match": if_none_match})

        assert response.status_code == 304, if_none_match
        assert response.content == b""
        assert response.headers["etag"] == etag_of(CONTENT)
        assert response.headers["cache-control"] == "private, no-cache"
        assert response.headers["accept-ranges"] == "bytes"
        assert "content-range" not in response.headers


async def test_if_none_match_over_two_header_lines_is_one_list(client: AsyncTestClient) -> None:
    url = await uploaded_file(client)

    response = await client.get(
        url, headers=[("If-None-Match", '"aaa"'), ("If-None-Match", etag_of(CONTENT))]
    )

    assert response.status_code == 304


async def test_if_none_match_naming_something_else_gets_the_file(
    client: AsyncTestClient,
) -> None:
    url = await uploaded_file(client)

    for if_none_match in [etag_of(b"another file"), etag_of(CONTENT).strip('"'), '""']:
        response = await client.get(url, headers={"If-None-Match": if_none_match})

        assert_whole_file(response, why=if_none_match)


async def test_if_none_match_comes_before_the_range(client: AsyncTestClient) -> None:
    url = await uploaded_file(client)

    cached = await client.get(
        url, headers={"If-None-Match": etag_of(CONTENT), "Range": f"bytes={SIZE}-"}
    )

    assert cached.status_code == 304


async def test_the_etag_of_an_earlier_version_gets_the_current_one(
    client: AsyncTestClient,
) -> None:
    url = await uploaded_file(client)
    await with_new_version(client, url)

    current = await client.get(url, headers={"If-None-Match": etag_of(CONTENT)})
    earlier = await client.get(
        url, params={"version": 1}, headers={"If-None-Match": etag_of(CONTENT)}
    )

    assert_whole_file(current, REVISED)
    assert earlier.status_code == 304
    assert earlier.headers["etag"] == etag_of(CONTENT)


async def test_ranges_of_each_version(client: AsyncTestClient) -> None:
    url = await uploaded_file(client)
    await with_new_version(client, url)

    earlier = await client.get(url, params={"version": 1}, headers={"Range": "bytes=-300"})
    current = await client.get(url, params={"version": 2}, headers={"Range": "bytes=-300"})
    outside = await client.get(url, params={"version": 2}, headers={"Range": f"bytes={SIZE}-"})

    assert earlier.status_code == current.status_code == 206
    assert earlier.content == CONTENT[-300:]
    assert earlier.headers["content-range"] == f"bytes {SIZE - 300}-{SIZE - 1}/{SIZE}"
    assert earlier.headers["etag"] == etag_of(CONTENT)
    assert current.content == REVISED[-300:]
    assert current.headers["content-range"] == (
        f"bytes {len(REVISED) - 300}-{len(REVISED) - 1}/{len(REVISED)}"
    )
    assert current.headers["etag"] == etag_of(REVISED)
    assert_problem(outside, 416)
    assert outside.headers["content-range"] == f"bytes */{len(REVISED)}"


async def test_head_answers_the_downloads_headers_without_a_body(
    client: AsyncTestClient,
) -> None:
    url = await uploaded_file(client)

    got = await client.get(url)
    headed = await client.head(url)

    assert headed.status_code == 200
    assert headed.content == b""
    for name in (
        "content-length",
        "content-type",
        "etag",
        "accept-ranges",
        "content-disposition",
        "cache-control",
        "x-content-sha256",
    ):
        assert headed.headers[name] == got.headers[name], name
    assert headed.headers["content-length"] == str(SIZE)


async def test_head_of_an_earlier_version_and_with_if_none_match(
    client: AsyncTestClient,
) -> None:
    url = await uploaded_file(client)
    await with_new_version(client, url)

    earlier = await client.head(url, params={"version": 1})
    cached = await client.head(url, headers={"If-None-Match": etag_of(REVISED)})
    ranged = await client.head(url, headers={"Range": "bytes=0-9"})
    missing = await client.head(url, params={"version": 7})

    assert (earlier.status_code, earlier.content) == (200, b"")
    assert earlier.headers["etag"] == etag_of(CONTENT)
    assert earlier.headers["content-length"] == str(SIZE)
    assert (cached.status_code, cached.content) == (304, b"")
    assert cached.headers["etag"] == etag_of(REVISED)
    # RFC 9110 defines ranges for GET only: HEAD describes the whole file.
    assert ranged.status_code == 200
    assert ranged.headers["content-length"] == str(len(REVISED))
    assert "content-range" not in ranged.headers
    assert missing.status_code == 404


async def test_head_does_not_read_the_file_store(
    client: AsyncTestClient, app: Litestar, settings: Settings
) -> None:
    url = await uploaded_file(client)
    # The blob vanishes behind the service's back: only a read of the store can notice.
    for key in stored_blobs(settings):
        await app.state.runtime.blobs.delete(key)

    headed = await client.head(url)
    got = await client.get(url)

    assert headed.status_code == 200
    assert headed.headers["content-length"] == str(SIZE)
    assert got.status_code == 503


def test_a_pdf_viewer_reads_the_file_in_ranges_from_the_running_service(
    settings: Settings,
) -> None:
    """What a browser's PDF viewer does, through the HTTP server `hoso serve` runs."""
    with running_service(settings) as (base, _):
        document = httpx.post(
            f"{base}/api/v1/documents", json=outgoing(), headers=ADMIN_HEADERS, timeout=10
        ).json()
        stored = httpx.post(
            f"{base}{files_url(document['id'])}",
            files=[("files", (NAME, CONTENT, "application/pdf"))],
            params={"role": "main"},
            headers=ADMIN_HEADERS,
            timeout=10,
        ).json()[0]
        url = f"{base}{files_url(document['id'], stored['file_id'], 'content')}"

        headed = httpx.head(url, headers=ADMIN_HEADERS, timeout=10)
        size = int(headed.headers["content-length"])
        pieces = [
            httpx.get(
                url,
                headers={
                    **ADMIN_HEADERS,
                    "Range": f"bytes={start}-{start + 4095}",
                    "If-Range": headed.headers["etag"],
                },
                timeout=10,
            )
            for start in range(0, size, 4096)
        ]
        again = httpx.get(
            url, headers={**ADMIN_HEADERS, "If-None-Match": headed.headers["etag"]}, timeout=10
        )

    assert (headed.status_code, headed.content, size) == (200, b"", SIZE)
    assert [piece.status_code for piece in pieces] == [206, 206, 206]
    assert [piece.headers["content-range"] for piece in pieces] == [
        f"bytes 0-4095/{SIZE}",
        f"bytes 4096-8191/{SIZE}",
        f"bytes 8192-{SIZE - 1}/{SIZE}",
    ]
    assert b"".join(piece.content for piece in pieces) == CONTENT
    assert (again.status_code, again.content) == (304, b"")


async def test_openapi_documents_the_download_as_binary_with_ranges_and_304(
    client: AsyncTestClient,
) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    item = schema["paths"]["/api/v1/documents/{document_id}/files/{file_id}/content"]
    get, head = item["get"], item["head"]

    for status in ("200", "206"):
        content = get["responses"][status]["content"]
        assert "application/json" not in content
        assert [media["schema"]["format"] for media in content.values()] == ["binary"]
    assert set(get["responses"]["206"]["headers"]) >= {"Content-Range", "ETag", "Accept-Ranges"}
    assert set(get["responses"]["200"]["headers"]) >= {
        "Content-Length",
        "Content-Disposition",
        "ETag",
        "Accept-Ranges",
        "Cache-Control",
    }
    assert "content" not in get["responses"]["304"]
    assert "ETag" in get["responses"]["304"]["headers"]
    refused = get["responses"]["416"]
    assert PROBLEM_JSON in refused["content"]
    assert "Content-Range" in refused["headers"]
    assert "whole file (200)" in get["description"]
    parameters = {p["name"]: p for p in get["parameters"]}
    assert parameters["version"]["required"] is False
    assert parameters["version"]["schema"]["type"] == "integer"
    assert {"Range", "If-Range", "If-None-Match"} <= set(parameters)
    assert {p["name"]: p["in"] for p in get["parameters"]}["Range"] == "header"
    assert "content" not in head["responses"]["200"]
    assert "Content-Length" in head["responses"]["200"]["headers"]
    assert {p["name"]: p["required"] for p in head["parameters"]}["version"] is False
