"""Files of a document: upload, list, download with their Vietnamese names, and versions."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import pytest
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.documents.models import FileVersion
from core.settings import Settings
from tests.conftest import TEST_BLOBS
from tests.documents.conftest import create, incoming, issue, outgoing
from tests.servers.launch import free_port

PDF = b"%PDF-1.4\n" + b"Quyet dinh ve viec ban hanh quy che\n" * 200
NAME = "Quyết định số 15 về Quy chế làm việc.pdf"


def files_url(document_id: str, *rest: str) -> str:
    return "/".join([f"/api/v1/documents/{document_id}/files", *rest])


async def upload(client: AsyncTestClient, document_id: str, *files: tuple, role: str = "main"):
    parts = [("files", item) for item in files]
    return await client.post(files_url(document_id), files=parts, params={"role": role})


def stored_blobs(blob_dir: Path) -> list[Path]:
    """Blob data files kept by the filesystem store (not its temp files or sidecars)."""
    if not blob_dir.exists():
        return []
    return [
        p
        for p in blob_dir.rglob("*")
        if p.is_file() and ".tmp" not in p.parts and not p.name.endswith(".json")
    ]


async def test_upload_records_size_and_sha256_and_download_keeps_the_vietnamese_name(
    client: AsyncTestClient,
) -> None:
    document = await create(client, outgoing())

    uploaded = await upload(client, document["id"], (NAME, PDF, "application/pdf"))
    file = uploaded.json()[0]
    download = await client.get(files_url(document["id"], file["file_id"], "content"))

    assert uploaded.status_code == 201
    assert (file["name"], file["role"], file["version"]) == (NAME, "main", 1)
    assert file["size"] == len(PDF)
    assert file["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Quyet dinh so 15 ve Quy che lam viec.pdf"')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == NAME
    assert download.headers["etag"] == f'"{file["sha256"]}"'


async def test_many_files_in_one_upload_are_listed_with_the_document(
    client: AsyncTestClient,
) -> None:
    document = await create(client, outgoing())
    await upload(client, document["id"], (NAME, PDF, "application/pdf"))

    uploaded = await upload(
        client,
        document["id"],
        (
            "Phụ lục 1.xlsx",
            b"PK\x03\x04 bang tinh",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("Phụ lục 2.png", b"\x89PNG hinh anh", "image/png"),
        role="attachment",
    )
    listed = await client.get(files_url(document["id"]))

    assert uploaded.status_code == 201
    assert [f["name"] for f in uploaded.json()] == ["Phụ lục 1.xlsx", "Phụ lục 2.png"]
    assert sorted((f["role"], f["name"]) for f in listed.json()) == [
        ("attachment", "Phụ lục 1.xlsx"),
        ("attachment", "Phụ lục 2.png"),
        ("main", NAME),
    ]


async def test_new_version_becomes_current_and_the_earlier_one_stays_downloadable(
    client: AsyncTestClient,
) -> None:
    document = await create(client, outgoing())
    first = (await upload(client, document["id"], (NAME, PDF, "application/pdf"))).json()[0]
    revised = PDF + b"\n% revised after comments\n"

    response = await client.post(
        files_url(document["id"], first["file_id"], "versions"),
        files=[("files", ("Quyết định (sửa).pdf", revised, "application/pdf"))],
    )
    current = await client.get(files_url(document["id"], first["file_id"], "content"))
    earlier = await client.get(
        files_url(document["id"], first["file_id"], "content"), params={"version": 1}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["name"]) == (2, "Quyết định (sửa).pdf")
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert current.content == revised
    assert earlier.content == PDF


async def test_second_main_file_is_refused_and_points_to_versions(client: AsyncTestClient) -> None:
    document = await create(client, outgoing())
    await upload(client, document["id"], (NAME, PDF, "application/pdf"))

    again = await upload(client, document["id"], ("khác.pdf", PDF, "application/pdf"))

    assert again.status_code == 409
    assert "/versions" in again.json()["detail"]
    assert len((await client.get(files_url(document["id"]))).json()) == 1


async def test_file_of_a_type_not_allowed_is_refused_with_415_and_nothing_is_stored(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())

    response = await upload(
        client,
        document["id"],
        ("ok.pdf", PDF, "application/pdf"),
        ("virus.exe", b"MZ", "application/x-msdownload"),
        role="attachment",
    )

    assert response.status_code == 415
    assert "virus.exe" in response.json()["detail"]
    assert "application/pdf" in response.json()["detail"]
    assert (await client.get(files_url(document["id"]))).json() == []
    assert stored_blobs(settings.blob_dir) == []


async def test_file_over_the_size_limit_is_refused_with_413_and_nothing_is_stored(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(max_upload_bytes=2048)
    async with AsyncTestClient(app=create_app(settings)) as client:
        document = await create(client, outgoing())

        response = await upload(client, document["id"], ("big.pdf", b"x" * 4096, "application/pdf"))
        listed = await client.get(files_url(document["id"]))

    assert response.status_code == 413
    assert "big.pdf" in response.json()["detail"]
    assert listed.json() == []
    assert stored_blobs(settings.blob_dir) == []


async def test_request_far_over_the_limit_is_cut_off_with_413(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(max_upload_bytes=1024)
    async with AsyncTestClient(app=create_app(settings)) as client:
        document = await create(client, outgoing())

        response = await upload(
            client, document["id"], ("huge.pdf", b"x" * 3_000_000, "application/pdf")
        )
        listed = await client.get(files_url(document["id"]))

    assert response.status_code == 413
    assert listed.json() == []


async def test_blob_store_down_answers_503_and_records_nothing(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        s3_endpoint=f"127.0.0.1:{free_port()}", s3_access_key="key", s3_secret_key="secret-key"
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        document = await create(client, outgoing())

        response = await upload(client, document["id"], (NAME, PDF, "application/pdf"))
        listed = await client.get(files_url(document["id"]))

    assert response.status_code == 503
    assert "file store" in response.json()["detail"]
    assert listed.json() == []


@pytest.mark.skipif(TEST_BLOBS != "filesystem", reason="counts blobs in the blob directory")
async def test_failed_metadata_write_removes_the_blob_just_stored(
    client: AsyncTestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pymongo.errors import AutoReconnect

    document = await create(client, outgoing())

    async def database_gone(self, *args, **kwargs):
        raise AutoReconnect("connection closed")

    monkeypatch.setattr(FileVersion, "insert", database_gone)
    response = await upload(client, document["id"], (NAME, PDF, "application/pdf"))
    monkeypatch.undo()

    assert response.status_code == 503
    assert "database" in response.json()["detail"]
    assert (await client.get(files_url(document["id"]))).json() == []
    assert stored_blobs(settings.blob_dir) == []


async def test_files_of_an_issued_outgoing_document_are_final(client: AsyncTestClient) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], (NAME, PDF, "application/pdf"))).json()[0]
    await issue(client, document["id"])

    new_version = await client.post(
        files_url(document["id"], main["file_id"], "versions"),
        files=[("files", ("sửa.pdf", b"%PDF changed", "application/pdf"))],
    )

    assert new_version.status_code == 409
    assert "replacing document" in new_version.json()["detail"]
    listed = (await client.get(files_url(document["id"]))).json()
    assert [f["version"] for f in listed] == [1]


async def test_a_registered_incoming_document_can_still_receive_its_scan(
    client: AsyncTestClient,
) -> None:
    arrival = await create(client, incoming())
    await client.post(f"/api/v1/documents/{arrival['id']}/register")

    response = await upload(client, arrival["id"], ("bản quét.pdf", PDF, "application/pdf"))

    assert response.status_code == 201


async def test_deleting_a_draft_removes_its_files_and_their_blobs(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())
    await upload(client, document["id"], (NAME, PDF, "application/pdf"))

    deleted = await client.delete(f"/api/v1/documents/{document['id']}")

    assert deleted.status_code == 204
    assert (await client.get(files_url(document["id"]))).status_code == 404
    if TEST_BLOBS == "filesystem":
        assert stored_blobs(settings.blob_dir) == []


async def test_unknown_file_and_version_answer_404(client: AsyncTestClient) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], (NAME, PDF, "application/pdf"))).json()[0]

    no_file = await client.get(files_url(document["id"], "0" * 32, "content"))
    no_version = await client.get(
        files_url(document["id"], main["file_id"], "content"), params={"version": 9}
    )
    no_document = await client.get(files_url("6b068fca31f7cd777b4d2548"))

    assert no_file.status_code == 404
    assert no_version.status_code == 404
    assert "versions 1 to 1" in no_version.json()["detail"]
    assert no_document.status_code == 404


async def test_upload_without_files_is_refused(client: AsyncTestClient) -> None:
    document = await create(client, outgoing())

    response = await client.post(files_url(document["id"]), data={"note": "no file"})

    assert response.status_code in (400, 422)
    assert response.json()["detail"]
    assert (await client.get(files_url(document["id"]))).json() == []
