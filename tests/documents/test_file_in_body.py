"""A file sent as the whole request body, named by ?name=: streamed into the file store once, with
the same checks as a multipart upload."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.settings import Settings
from tests.accounts import ADMIN_HEADERS
from tests.conftest import concurrent_client
from tests.documents.conftest import assert_problem, create, issue, outgoing
from tests.documents.test_files import (
    PDF,
    PNG,
    assert_nothing_stored,
    files_url,
    listed_files,
    pdf_of_size,
    stored_blobs,
    upload,
)
from tests.documents.test_large_upload_memory import ALLOWED_GROWTH, peak_rss
from tests.service_process import running_service

NAME = "Quyết định số 15 về Quy chế làm việc.pdf"
PDF_TYPE = {"content-type": "application/pdf"}
PARALLEL_VERSIONS = 8


async def send(
    client: Any,
    document_id: str,
    content: Any,
    *,
    name: str | None = NAME,
    headers: dict[str, str] | None = None,
    path: tuple[str, ...] = (),
    **params: str,
) -> httpx.Response:
    if name is not None:
        params["name"] = name
    return await client.post(
        files_url(document_id, *path),
        content=content,
        headers=PDF_TYPE if headers is None else headers,
        params=params,
    )


def every_file_under(root: Path) -> list[str]:
    """Everything in a blob directory, temporary files and sidecars included."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


async def assert_kept_nothing(client: Any, document_id: str, settings: Settings) -> None:
    await assert_nothing_stored(client, document_id, settings)
    if not settings.s3_endpoint:
        assert every_file_under(settings.blob_dir) == []


async def test_a_file_sent_as_the_body_is_stored_with_its_name_size_and_sha256(
    client: AsyncTestClient,
) -> None:
    document = await create(client, outgoing())

    response = await send(client, document["id"], PDF, role="main")

    assert response.status_code == 201, response.text
    (stored,) = response.json()
    assert stored["name"] == NAME
    assert (stored["role"], stored["media_type"]) == ("main", "application/pdf")
    assert (stored["size"], stored["sha256"]) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert stored["version"] == 1
    assert response.headers["location"] == files_url(document["id"], stored["file_id"])
    download = await client.get(files_url(document["id"], stored["file_id"], "content"))
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert [f["file_id"] for f in await listed_files(client, document["id"])] == [stored["file_id"]]


async def test_a_body_sent_in_chunks_without_a_length_is_stored_whole(app: Litestar) -> None:
    content = pdf_of_size(3 * 1024 * 1024 + 17)

    async def chunked() -> AsyncIterator[bytes]:  # no length: sent chunked
        for start in range(0, len(content), 65_000):
            yield content[start : start + 65_000]

    async with concurrent_client(app) as client:  # streams the request body as it comes
        document = await create(client, outgoing())
        response = await send(client, document["id"], chunked())

        assert response.status_code == 201, response.text
        (stored,) = response.json()
        assert stored["size"] == len(content)
        assert stored["sha256"] == hashlib.sha256(content).hexdigest()
        download = await client.get(files_url(document["id"], stored["file_id"], "content"))
        assert download.content == content


async def test_a_new_version_sent_as_the_body_keeps_the_name_unless_renamed(
    client: AsyncTestClient,
) -> None:
    document = await create(client, outgoing())
    draft = ("Bản thảo.pdf", PDF, "application/pdf")
    (first,) = (await upload(client, document["id"], draft)).json()
    second_content = PDF + b"sua doi\n"
    versions = (first["file_id"], "versions")

    second = await send(client, document["id"], second_content, name=None, path=versions)
    third = await send(client, document["id"], PDF + b"lan 3\n", name="Bản cuối.pdf", path=versions)

    assert second.status_code == 201, second.text
    assert third.status_code == 201, third.text
    assert second.headers["location"] == files_url(document["id"], first["file_id"])
    listed = third.json()
    assert [(v["version"], v["name"]) for v in listed["versions"]] == [
        (1, "Bản thảo.pdf"),
        (2, "Bản thảo.pdf"),
        (3, "Bản cuối.pdf"),
    ]
    assert listed["versions"][1]["sha256"] == hashlib.sha256(second_content).hexdigest()
    earlier = await client.get(
        files_url(document["id"], first["file_id"], "content"), params={"version": 2}
    )
    assert earlier.content == second_content


async def test_bytes_sent_as_octet_stream_take_their_type_from_the_name(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())
    octets = {"content-type": "application/octet-stream"}

    as_png = await send(client, document["id"], PNG, name="Sơ đồ.PNG", headers=octets)
    unknown = await send(client, document["id"], PDF, name="Quyết định.bin", headers=octets)
    lying = await send(client, document["id"], PNG, name="Quyết định.pdf", headers=octets)

    assert as_png.status_code == 201, as_png.text
    assert as_png.json()[0]["media_type"] == "image/png"
    assert_problem(unknown, 415, "application/octet-stream", ".pdf")
    assert_problem(lying, 415, "not a PDF", "PNG")
    assert len(stored_blobs(settings)) == 1


NOT_A_FILE = {
    "json": {"content": b'{"files": []}', "headers": {"content-type": "application/json"}},
    "html": {"content": b"<html></html>", "headers": {"content-type": "text/html"}},
    "no-type": {"content": PDF, "headers": {}},
}


@pytest.mark.parametrize("body", NOT_A_FILE.values(), ids=NOT_A_FILE.keys())
async def test_a_body_of_a_type_not_accepted_is_refused_with_415_and_nothing_is_stored(
    client: AsyncTestClient, settings: Settings, body: dict[str, Any]
) -> None:
    document = await create(client, outgoing())

    response = await send(client, document["id"], body["content"], headers=body["headers"])

    assert_problem(response, 415, "Content-Type", "application/pdf", "multipart/form-data")
    await assert_kept_nothing(client, document["id"], settings)


async def test_a_file_whose_content_is_not_its_declared_type_is_refused(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())

    response = await send(client, document["id"], PNG)

    assert_problem(response, 415, "declared application/pdf", "PNG")
    await assert_kept_nothing(client, document["id"], settings)


async def test_a_body_without_a_name_is_refused_naming_name(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())

    response = await send(client, document["id"], PDF, name=None)

    body = assert_problem(response, 422, "?name=")
    assert body["errors"] == [
        {"field": "name", "message": "missing: the body is a file without a name"}
    ]
    await assert_kept_nothing(client, document["id"], settings)


@pytest.mark.parametrize("name", ["../../etc/passwd", "  ", "a\u202egnp.pdf", "x" * 300 + ".pdf"])
async def test_an_unusable_name_is_refused_naming_name(
    client: AsyncTestClient, settings: Settings, name: str
) -> None:
    document = await create(client, outgoing())

    response = await send(client, document["id"], PDF, name=name)

    body = assert_problem(response, 422, "File name")
    assert [e["field"] for e in body["errors"]] == ["name"]
    await assert_kept_nothing(client, document["id"], settings)


async def test_an_empty_body_is_refused_naming_it(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())

    response = await send(client, document["id"], b"")

    body = assert_problem(response, 422, f"{NAME} is empty")
    assert body["errors"] == [{"field": "body", "message": f"{NAME} is empty"}]
    await assert_kept_nothing(client, document["id"], settings)


async def test_a_name_beside_a_multipart_body_is_refused(client: AsyncTestClient) -> None:
    document = await create(client, outgoing())

    response = await client.post(
        files_url(document["id"]),
        files=[("files", ("a.pdf", PDF, "application/pdf"))],
        params={"name": "b.pdf"},
    )

    assert_problem(response, 422, "?name=", "multipart")
    assert await listed_files(client, document["id"]) == []


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "chunked"])
async def test_a_body_over_the_size_limit_is_refused_with_413_and_nothing_is_kept(
    make_settings: Callable[..., Settings], announced: bool
) -> None:
    settings = make_settings(max_upload_bytes=2 * 1024 * 1024)
    content = pdf_of_size(3 * 1024 * 1024)

    async def chunked() -> AsyncIterator[bytes]:  # no length: sent chunked
        for start in range(0, len(content), 64 * 1024):
            yield content[start : start + 64 * 1024]

    async with concurrent_client(create_app(settings)) as client:
        document = await create(client, outgoing())
        response = await send(client, document["id"], content if announced else chunked())

        body = assert_problem(response, 413)
        # Without a Content-Length, the body is read to its end (within the request's own limit)
        # to say how large it is.
        assert body["detail"] == f"{NAME} (3 MiB) is larger than the 2 MiB allowed for one file."
        await assert_kept_nothing(client, document["id"], settings)


async def test_a_body_for_an_unknown_document_or_file_answers_404(
    client: AsyncTestClient,
) -> None:
    document = await create(client, outgoing())
    unknown = "6b068fca31f7cd777b4d2548"

    no_document = await send(client, unknown, PDF)
    no_file = await send(client, document["id"], PDF, path=("0" * 32, "versions"))

    assert_problem(no_document, 404, unknown)
    assert_problem(no_file, 404, "0" * 32)


async def test_files_of_an_issued_document_are_final_for_a_body_too(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())
    (main,) = (await upload(client, document["id"], ("chính.pdf", PDF, "application/pdf"))).json()
    await issue(client, document["id"])

    new_file = await send(client, document["id"], PDF)
    new_version = await send(client, document["id"], PDF, path=(main["file_id"], "versions"))

    for response in (new_file, new_version):
        assert_problem(response, 409, "is issued")
    assert [(f["file_id"], f["version"]) for f in await listed_files(client, document["id"])] == [
        (main["file_id"], 1)
    ]
    assert len(stored_blobs(settings)) == 1


@pytest.mark.races
async def test_versions_sent_as_bodies_at_once_each_get_their_own_number(
    app: Litestar, settings: Settings
) -> None:
    async with concurrent_client(app) as client:
        document = await create(client, outgoing())
        (first,) = (await upload(client, document["id"], ("a.pdf", PDF, "application/pdf"))).json()
        contents = [PDF + f"phien ban {n}\n".encode() for n in range(PARALLEL_VERSIONS)]

        responses = await asyncio.gather(
            *(
                send(client, document["id"], content, path=(first["file_id"], "versions"))
                for content in contents
            )
        )

        assert [r.status_code for r in responses] == [201] * PARALLEL_VERSIONS, [
            r.text for r in responses
        ]
        listed = (await client.get(files_url(document["id"], first["file_id"]))).json()
        numbers = sorted(v["version"] for v in listed["versions"])
        assert numbers == list(range(1, PARALLEL_VERSIONS + 2))
        by_sha = {v["sha256"]: v["version"] for v in listed["versions"]}
        for content in contents:
            version = by_sha[hashlib.sha256(content).hexdigest()]
            download = await client.get(
                files_url(document["id"], first["file_id"], "content"),
                params={"version": version},
            )
            assert download.content == content
    assert len(stored_blobs(settings)) == PARALLEL_VERSIONS + 1


SIZE = 50 * 1024 * 1024


def test_a_50_mb_body_goes_through_a_running_service_in_flat_memory(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "Hồ sơ quét.pdf"
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for n in range(SIZE // (1024 * 1024)):
            chunk = (b"%PDF-1.7\n" if n == 0 else b"") + bytes([n]) * (1024 * 1024)
            chunk = chunk[: 1024 * 1024]
            digest.update(chunk)
            handle.write(chunk)
    with running_service(settings) as (base, pid):
        created = httpx.post(
            f"{base}/api/v1/documents", json=outgoing(), headers=ADMIN_HEADERS, timeout=10
        ).json()
        url = f"{base}{files_url(created['id'])}"
        warm = httpx.post(
            url,
            content=PDF,
            headers={**ADMIN_HEADERS, **PDF_TYPE},
            params={"name": "warm-up.pdf"},
        )
        assert warm.status_code == 201, warm.text  # loads every code path
        before = peak_rss(pid)

        with path.open("rb") as handle:
            response = httpx.post(
                url,
                content=handle,
                headers={**ADMIN_HEADERS, **PDF_TYPE},
                params={"name": path.name},
                timeout=120,
            )
        growth = peak_rss(pid) - before

    print(f"\n50 MB as the body: service peak RSS +{growth / 2**20:.1f} MiB")
    assert response.status_code == 201, response.text
    (stored,) = response.json()
    assert (stored["size"], stored["sha256"]) == (SIZE, digest.hexdigest())
    assert growth < ALLOWED_GROWTH, f"service memory grew by {growth / 2**20:.1f} MiB"
