"""Files of a document: upload, list, download with their Vietnamese names, and versions."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from minio.error import S3Error

from core.app import MULTIPART_OVERHEAD_BYTES, create_app
from core.documents.models import FileVersion
from core.settings import Settings
from storage import BlobStoreUnavailable
from tests.accounts import admin_client
from tests.documents.conftest import assert_problem, create, incoming, issue, outgoing
from tests.s3_endpoints import S3Endpoint
from tests.servers.launch import free_port

PDF = b"%PDF-1.4\n" + b"Quyet dinh ve viec ban hanh quy che\n" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR hinh anh"
XLSX = b"PK\x03\x04" + b"\x14\x00\x06\x00 bang tinh [Content_Types].xml"
NAME = "Quyết định số 15 về Quy chế làm việc.pdf"


def pdf_of_size(size: int) -> bytes:
    """A file that starts like a PDF, `size` bytes long."""
    head = b"%PDF-1.4\n"
    return head + b"x" * (size - len(head))


def files_url(document_id: str, *rest: str) -> str:
    return "/".join([f"/api/v1/documents/{document_id}/files", *rest])


async def upload(client: AsyncTestClient, document_id: str, *files: tuple, role: str = "main"):
    parts = [("files", item) for item in files]
    return await client.post(files_url(document_id), files=parts, params={"role": role})


def stored_blobs(settings: Settings) -> list[str]:
    """Keys of the blobs in this test's store: the objects of its bucket on S3, else the data
    files of its blob directory (not the filesystem store's temp files or metadata sidecars)."""
    if settings.s3_endpoint:
        endpoint = S3Endpoint(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key,
            secure=settings.s3_secure,
        )
        try:
            objects = endpoint.client().list_objects(settings.s3_bucket, recursive=True)
            return sorted(obj.object_name for obj in objects)
        except S3Error as exc:
            if exc.code == "NoSuchBucket":  # the store creates it on the first upload
                return []
            raise
    root = settings.blob_dir
    if not root.exists():
        return []
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and ".tmp" not in p.parts and not p.name.endswith(".json")
    )


async def assert_nothing_stored(client: Any, document_id: str, settings: Settings) -> None:
    """No file listed for the document, and no blob left in the store."""
    assert await listed_files(client, document_id) == []
    assert stored_blobs(settings) == []


async def listed_files(client: AsyncTestClient, document_id: str) -> list[dict[str, Any]]:
    response = await client.get(files_url(document_id))
    assert response.status_code == 200, response.text
    return response.json()


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
            XLSX,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("Phụ lục 2.png", PNG, "image/png"),
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


async def test_second_main_file_is_refused_and_points_to_versions(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], (NAME, PDF, "application/pdf"))).json()[0]

    again = await upload(client, document["id"], ("khác.pdf", PDF, "application/pdf"))

    assert_problem(again, 409, f"/files/{main['file_id']}/versions")
    assert [f["name"] for f in await listed_files(client, document["id"])] == [NAME]
    assert len(stored_blobs(settings)) == 1


async def test_main_file_keeps_receiving_new_versions(client: AsyncTestClient) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], (NAME, PDF, "application/pdf"))).json()[0]

    for n in (2, 3):
        response = await client.post(
            files_url(document["id"], main["file_id"], "versions"),
            files=[("files", (f"bản {n}.pdf", PDF + bytes([n]), "application/pdf"))],
        )
        assert response.status_code == 201, response.text

    listed = await listed_files(client, document["id"])
    assert [(f["role"], f["version"], f["name"]) for f in listed] == [("main", 3, "bản 3.pdf")]


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

    assert_problem(response, 415, "virus.exe", "application/pdf")
    await assert_nothing_stored(client, document["id"], settings)


async def test_file_over_the_size_limit_is_refused_with_413_in_units_people_read(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(max_upload_bytes=2048)
    async with admin_client(create_app(settings)) as client:
        document = await create(client, outgoing())

        response = await upload(
            client, document["id"], ("big.pdf", pdf_of_size(4096), "application/pdf")
        )
        listed = await listed_files(client, document["id"])

    body = assert_problem(response, 413)
    assert body["detail"] == "big.pdf (4 KiB) is larger than the 2 KiB allowed for one file."
    assert listed == []
    assert stored_blobs(settings) == []


async def test_one_file_over_the_limit_among_several_stores_none_of_them(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(max_upload_bytes=2000)
    async with admin_client(create_app(settings)) as client:
        document = await create(client, outgoing())

        response = await upload(
            client,
            document["id"],
            ("nhỏ.pdf", pdf_of_size(100), "application/pdf"),
            ("lớn.pdf", pdf_of_size(3000), "application/pdf"),
            role="attachment",
        )
        listed = await listed_files(client, document["id"])

    body = assert_problem(response, 413)
    assert body["detail"] == "lớn.pdf (2.9 KiB) is larger than the 1.9 KiB allowed for one file."
    assert listed == []
    assert stored_blobs(settings) == []


async def test_blob_store_failing_on_the_second_file_removes_the_first(
    client: AsyncTestClient, app: Litestar, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = await create(client, outgoing())
    blobs = app.state.runtime.blobs
    put = blobs.put
    calls = 0

    async def fails_the_second_time(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise BlobStoreUnavailable("disk full")
        return await put(*args, **kwargs)

    monkeypatch.setattr(blobs, "put", fails_the_second_time)
    response = await upload(
        client,
        document["id"],
        ("Phụ lục 1.pdf", PDF, "application/pdf"),
        ("Phụ lục 2.pdf", PDF, "application/pdf"),
        role="attachment",
    )
    monkeypatch.undo()

    assert_problem(response, 503, "file store")
    await assert_nothing_stored(client, document["id"], settings)


async def test_database_failing_on_the_second_version_removes_both_files(
    client: AsyncTestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pymongo.errors import AutoReconnect

    document = await create(client, outgoing())
    insert = FileVersion.insert
    calls = 0

    async def fails_the_second_time(self: FileVersion, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise AutoReconnect("connection closed")
        return await insert(self, *args, **kwargs)

    monkeypatch.setattr(FileVersion, "insert", fails_the_second_time)
    response = await upload(
        client,
        document["id"],
        ("Phụ lục 1.pdf", PDF, "application/pdf"),
        ("Phụ lục 2.pdf", PDF, "application/pdf"),
        role="attachment",
    )
    monkeypatch.undo()

    assert_problem(response, 503, "database")
    await assert_nothing_stored(client, document["id"], settings)


async def test_request_far_over_the_limit_is_cut_off_with_413_stating_the_real_limits(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(max_upload_bytes=1000)
    async with admin_client(create_app(settings)) as client:
        document = await create(client, outgoing())

        response = await upload(
            client, document["id"], ("huge.pdf", pdf_of_size(3_000_000), "application/pdf")
        )
        listed = await listed_files(client, document["id"])

    body = assert_problem(response, 413)
    in_all = 1000 + MULTIPART_OVERHEAD_BYTES
    assert body["detail"] == (
        f"The upload is larger than this service accepts in one request: {in_all:,} bytes in "
        "all, each file at most 1000 bytes. Send fewer or smaller files per request."
    )
    assert listed == []
    assert stored_blobs(settings) == []


async def test_blob_store_down_answers_503_and_records_nothing(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        s3_endpoint=f"127.0.0.1:{free_port()}", s3_access_key="key", s3_secret_key="secret-key"
    )
    async with admin_client(create_app(settings)) as client:
        document = await create(client, outgoing())

        response = await upload(client, document["id"], (NAME, PDF, "application/pdf"))
        listed = await listed_files(client, document["id"])

    assert_problem(response, 503, "file store")
    assert listed == []


async def test_failed_metadata_write_removes_the_blob_just_stored(
    client: AsyncTestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pymongo.errors import AutoReconnect

    document = await create(client, outgoing())

    async def database_gone(self: FileVersion, *args: Any, **kwargs: Any) -> Any:
        raise AutoReconnect("connection closed")

    monkeypatch.setattr(FileVersion, "insert", database_gone)
    response = await upload(client, document["id"], (NAME, PDF, "application/pdf"))
    monkeypatch.undo()

    assert_problem(response, 503, "database")
    await assert_nothing_stored(client, document["id"], settings)


async def test_files_of_an_issued_outgoing_document_are_final(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], (NAME, PDF, "application/pdf"))).json()[0]
    await issue(client, document["id"])

    new_version = await client.post(
        files_url(document["id"], main["file_id"], "versions"),
        files=[("files", ("sửa.pdf", b"%PDF-1.4 changed", "application/pdf"))],
    )

    assert_problem(new_version, 409, "replacing document")
    listed = await listed_files(client, document["id"])
    assert [f["version"] for f in listed] == [1]
    assert len(stored_blobs(settings)) == 1


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
    await upload(client, document["id"], ("Phụ lục.pdf", PDF, "application/pdf"), role="attachment")
    assert len(stored_blobs(settings)) == 2

    deleted = await client.delete(f"/api/v1/documents/{document['id']}")

    assert deleted.status_code == 204
    assert (await client.get(files_url(document["id"]))).status_code == 404
    assert stored_blobs(settings) == []


async def test_unknown_file_and_version_answer_404(client: AsyncTestClient) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], (NAME, PDF, "application/pdf"))).json()[0]

    no_file = await client.get(files_url(document["id"], "0" * 32, "content"))
    no_version = await client.get(
        files_url(document["id"], main["file_id"], "content"), params={"version": 9}
    )
    no_document = await client.get(files_url(UNKNOWN_DOCUMENT))

    assert_problem(no_file, 404, "0" * 32)
    assert_problem(no_version, 404, "versions 1 to 1")
    assert_problem(no_document, 404, UNKNOWN_DOCUMENT)


# Bad input to every file endpoint: a problem a person can act on, never a 500, nothing stored.

UNKNOWN_DOCUMENT = "6b068fca31f7cd777b4d2548"
A_FILE = ("a.pdf", PDF, "application/pdf")


@pytest.mark.parametrize("document_id", [UNKNOWN_DOCUMENT, "not-an-id"])
@pytest.mark.parametrize(
    ("method", "rest"),
    [
        ("GET", ()),
        ("POST", ()),
        ("GET", ("0" * 32,)),
        ("GET", ("0" * 32, "content")),
        ("POST", ("0" * 32, "versions")),
    ],
    ids=["list", "upload", "file", "download", "new-version"],
)
async def test_every_file_endpoint_answers_404_for_an_unknown_document(
    client: AsyncTestClient,
    settings: Settings,
    method: str,
    rest: tuple[str, ...],
    document_id: str,
) -> None:
    files = [("files", A_FILE)] if method == "POST" else None

    response = await client.request(method, files_url(document_id, *rest), files=files)

    assert_problem(response, 404, document_id)
    assert stored_blobs(settings) == []


@pytest.mark.parametrize(
    ("method", "rest"),
    [("GET", ()), ("GET", ("content",)), ("POST", ("versions",))],
    ids=["file", "download", "new-version"],
)
async def test_every_file_endpoint_answers_404_for_an_unknown_file(
    client: AsyncTestClient, settings: Settings, method: str, rest: tuple[str, ...]
) -> None:
    document = await create(client, outgoing())
    files = [("files", A_FILE)] if method == "POST" else None

    response = await client.request(
        method, files_url(document["id"], "khong-co", *rest), files=files
    )

    assert_problem(response, 404, "khong-co")
    await assert_nothing_stored(client, document["id"], settings)


async def test_unknown_role_is_refused_naming_role(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())

    response = await upload(client, document["id"], A_FILE, role="boss")

    assert_problem(response, 422, "role")
    await assert_nothing_stored(client, document["id"], settings)


@pytest.mark.parametrize("version", ["0", "-1", "abc"])
async def test_version_that_is_not_a_positive_number_is_refused_naming_version(
    client: AsyncTestClient, version: str
) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], A_FILE)).json()[0]

    response = await client.get(
        files_url(document["id"], main["file_id"], "content"), params={"version": version}
    )

    assert_problem(response, 422, "version")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("hồ sơ/quyết định.pdf", "folder separator"),
        ("hồ sơ\\quyết định.pdf", "folder separator"),
        ("..", "only dots"),
        ("q" * 296 + ".pdf", "is 300 characters long"),
    ],
    ids=["slash", "backslash", "dots", "300-characters"],
)
async def test_unusable_file_name_is_refused_and_nothing_is_stored(
    client: AsyncTestClient, settings: Settings, name: str, problem: str
) -> None:
    document = await create(client, outgoing())

    response = await upload(
        client, document["id"], A_FILE, (name, PDF, "application/pdf"), role="attachment"
    )

    assert_problem(response, 422, "files", problem)
    await assert_nothing_stored(client, document["id"], settings)


async def test_empty_file_is_refused_naming_it_and_nothing_is_stored(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())

    response = await upload(
        client, document["id"], A_FILE, ("trống.pdf", b"", "application/pdf"), role="attachment"
    )

    body = assert_problem(response, 422, "files")
    assert body["detail"] == "trống.pdf is empty (0 bytes); send the file with its content."
    await assert_nothing_stored(client, document["id"], settings)


async def test_empty_file_as_a_new_version_is_refused(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], A_FILE)).json()[0]

    response = await client.post(
        files_url(document["id"], main["file_id"], "versions"),
        files=[("files", ("trống.pdf", b"", "application/pdf"))],
    )

    assert_problem(response, 422, "trống.pdf is empty")
    assert [f["version"] for f in await listed_files(client, document["id"])] == [1]
    assert len(stored_blobs(settings)) == 1


def body_url(document_id: str, file_id: str, endpoint: str) -> str:
    """Where a file body goes: a new file, or a new version of `file_id`."""
    if endpoint == "upload":
        return files_url(document_id)
    return files_url(document_id, file_id, "versions")


# Neither multipart/form-data nor a file of an accepted type (a file sent as the body is in
# test_file_in_body.py).
NOT_MULTIPART = {
    "json": {"json": {"files": ["a.pdf"]}},
    "form": {"data": {"files": "a.pdf"}},
}


@pytest.mark.parametrize("body", NOT_MULTIPART.values(), ids=NOT_MULTIPART.keys())
@pytest.mark.parametrize("endpoint", ["upload", "new-version"])
async def test_body_that_is_neither_multipart_nor_a_file_is_refused_with_415(
    client: AsyncTestClient, settings: Settings, body: dict[str, Any], endpoint: str
) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], A_FILE)).json()[0]
    url = files_url(
        document["id"], *([main["file_id"], "versions"] if endpoint != "upload" else [])
    )

    response = await client.post(url, **body)

    assert_problem(response, 415, "multipart/form-data", "'files'")
    assert [f["version"] for f in await listed_files(client, document["id"])] == [1]
    assert len(stored_blobs(settings)) == 1


NO_FILES = {
    "no-body": {},
    "multipart-without-parts": {
        "content": b"--zzz--\r\n",
        "headers": {"content-type": "multipart/form-data; boundary=zzz"},
    },
    "multipart-empty-body": {
        "content": b"",
        "headers": {"content-type": "multipart/form-data; boundary=zzz"},
    },
}


@pytest.mark.parametrize("body", NO_FILES.values(), ids=NO_FILES.keys())
@pytest.mark.parametrize("endpoint", ["upload", "new-version"])
async def test_request_without_any_file_is_refused_naming_files(
    client: AsyncTestClient, settings: Settings, body: dict[str, Any], endpoint: str
) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], A_FILE)).json()[0]
    url = files_url(
        document["id"], *([main["file_id"], "versions"] if endpoint != "upload" else [])
    )

    response = await client.post(url, **body)

    body = assert_problem(response, 422)
    assert body["detail"] == "Send one or more files in the multipart field 'files'."
    assert body["errors"] == [{"field": "files", "message": "no file sent"}]
    assert [f["version"] for f in await listed_files(client, document["id"])] == [1]
    assert len(stored_blobs(settings)) == 1


async def test_text_in_the_files_field_is_refused_as_not_a_file(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())

    response = await client.post(files_url(document["id"]), files={"files": (None, "hello")})

    body = assert_problem(response, 422, "only files, in the multipart field 'files'")
    assert "the part 'files' holds text, not a file" in body["detail"]
    assert body["errors"] == [{"field": "files", "message": "text instead of a file"}]
    await assert_nothing_stored(client, document["id"], settings)


async def test_files_sent_under_another_field_name_are_refused_not_dropped(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())

    response = await client.post(
        files_url(document["id"]),
        files=[("files", A_FILE), ("file", ("b.pdf", PDF, "application/pdf"))],
        params={"role": "attachment"},
    )

    body = assert_problem(response, 422, "only files, in the multipart field 'files'")
    assert "the part 'file' holds a file: send it in 'files'" in body["detail"]
    assert body["errors"] == [{"field": "file", "message": "a file outside 'files'"}]
    await assert_nothing_stored(client, document["id"], settings)


NOT_ONLY_FILES = {
    "note-beside-a-file": {"files": [("files", A_FILE)], "data": {"note": "gửi kèm công văn"}},
    "note-alone": {"files": {"note": (None, "gửi kèm công văn")}},
}


@pytest.mark.parametrize("body", NOT_ONLY_FILES.values(), ids=NOT_ONLY_FILES.keys())
@pytest.mark.parametrize("endpoint", ["upload", "new-version"])
async def test_a_part_that_is_not_a_file_is_refused_naming_it_and_nothing_is_stored(
    client: AsyncTestClient, settings: Settings, body: dict[str, Any], endpoint: str
) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], A_FILE)).json()[0]

    response = await client.post(
        body_url(document["id"], main["file_id"], endpoint),
        params={"role": "attachment"} if endpoint == "upload" else None,
        **body,
    )

    problem = assert_problem(response, 422, "only files, in the multipart field 'files'")
    assert "the part 'note' is not a file" in problem["detail"]
    assert problem["errors"] == [
        {"field": "note", "message": "not a file: only files, in the field 'files'"}
    ]
    assert [f["version"] for f in await listed_files(client, document["id"])] == [1]
    assert len(stored_blobs(settings)) == 1


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data; boundary=zzz", "multipart/form-data"],
    ids=["cut-short", "no-boundary"],
)
async def test_malformed_multipart_is_refused_with_400(
    client: AsyncTestClient, settings: Settings, content_type: str
) -> None:
    document = await create(client, outgoing())

    response = await client.post(
        files_url(document["id"]),
        content=b'--zzz\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n',
        headers={"content-type": content_type},
    )

    assert_problem(response, 400, "multipart/form-data body could not be read")
    await assert_nothing_stored(client, document["id"], settings)


async def test_two_files_for_one_new_version_are_refused(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], A_FILE)).json()[0]

    response = await client.post(
        files_url(document["id"], main["file_id"], "versions"),
        files=[("files", A_FILE), ("files", ("b.pdf", PDF, "application/pdf"))],
    )

    assert_problem(response, 422, "exactly one file", "2 files sent")
    assert [f["version"] for f in await listed_files(client, document["id"])] == [1]
    assert len(stored_blobs(settings)) == 1


async def test_two_main_files_in_one_upload_are_refused(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())

    response = await upload(client, document["id"], A_FILE, ("b.pdf", PDF, "application/pdf"))

    assert_problem(response, 422, "one main file", "role=attachment")
    await assert_nothing_stored(client, document["id"], settings)


@pytest.mark.parametrize(
    ("name", "code_points"),
    [
        ("😀\u202egnp.exe\u200b.pdf", "U+202E, U+200B"),
        ("Phụ lục\u200f 1.pdf", "U+200F"),
        ("\ufeffPhụ lục 1.pdf", "U+FEFF"),
        ("Phụ lục\u0085 1.pdf", "U+0085"),
        ("Phụ lục\u2028 1.pdf", "U+2028"),
        ("Phụ lục\u2029 1.pdf", "U+2029"),
        ("Phụ\x1blục 1.pdf", "U+001B"),
    ],
    ids=[
        "right-to-left-override-and-zero-width-space",
        "right-to-left-mark",
        "byte-order-mark",
        "c1-next-line",
        "line-separator",
        "paragraph-separator",
        "c0-escape",
    ],
)
async def test_file_name_with_invisible_or_control_characters_is_refused_naming_them(
    client: AsyncTestClient, settings: Settings, name: str, code_points: str
) -> None:
    document = await create(client, outgoing())

    response = await upload(
        client, document["id"], A_FILE, (name, PDF, "application/pdf"), role="attachment"
    )

    body = assert_problem(response, 422, "files")
    assert f"holds invisible or control characters ({code_points})" in body["detail"]
    await assert_nothing_stored(client, document["id"], settings)


async def test_file_name_with_emoji_and_vietnamese_is_kept_as_sent(
    client: AsyncTestClient,
) -> None:
    document = await create(client, outgoing())
    name = "😀 Tờ trình về việc điều chỉnh dự toán.pdf"

    response = await upload(client, document["id"], (name, PDF, "application/pdf"))

    assert response.status_code == 201, response.text
    assert [f["name"] for f in await listed_files(client, document["id"])] == [name]


BOUNDARY = "hoso-form-boundary"


def raw_multipart(name: str, content: bytes, content_type: str | None) -> dict[str, Any]:
    """A multipart body with one file part, written by hand: HTTP clients guess a missing type
    from the file name, so only a hand-written part can come without one."""
    head = f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
    if content_type is not None:
        head += f"Content-Type: {content_type}\r\n"
    body = f"--{BOUNDARY}\r\n{head}\r\n".encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()
    return {
        "content": body,
        "headers": {"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    }


@pytest.mark.parametrize("endpoint", ["upload", "new-version"])
async def test_file_part_without_a_media_type_is_refused_with_415_asking_for_it(
    client: AsyncTestClient, settings: Settings, endpoint: str
) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], A_FILE)).json()[0]

    response = await client.post(
        body_url(document["id"], main["file_id"], endpoint),
        params={"role": "attachment"} if endpoint == "upload" else None,
        **raw_multipart("b.pdf", PDF, None),
    )

    body = assert_problem(response, 415, "b.pdf", "application/octet-stream")
    assert "was sent without a media type" in body["detail"]
    assert "send the file's media type" in body["detail"]
    assert [f["version"] for f in await listed_files(client, document["id"])] == [1]
    assert len(stored_blobs(settings)) == 1


async def test_file_part_with_its_media_type_is_stored_with_it(client: AsyncTestClient) -> None:
    document = await create(client, outgoing())

    response = await client.post(
        files_url(document["id"]), **raw_multipart("b.pdf", PDF, "application/pdf")
    )

    assert response.status_code == 201, response.text
    assert response.json()[0]["media_type"] == "application/pdf"


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

GENUINE = {
    "pdf": ("quyết định.pdf", PDF, "application/pdf"),
    "png": ("sơ đồ.png", PNG, "image/png"),
    "jpeg": ("ảnh.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 anh chup", "image/jpeg"),
    "tiff-little-endian": ("bản quét 1.tif", b"II*\x00\x08\x00\x00\x00 quet", "image/tiff"),
    "tiff-big-endian": ("bản quét 2.tiff", b"MM\x00*\x00\x00\x00\x08 quet", "image/tiff"),
    "zip": ("hồ sơ.zip", XLSX, "application/zip"),
    "docx": ("tờ trình.docx", XLSX, DOCX),
    "xlsx": ("dự toán.xlsx", XLSX, XLSX_TYPE),
    "doc": ("tờ trình cũ.doc", OLE + b" van ban", "application/msword"),
    "xls": ("dự toán cũ.xls", OLE + b" bang tinh", "application/vnd.ms-excel"),
    "xml": ("dữ liệu.xml", "<?xml version='1.0'?><hồ-sơ/>".encode(), "application/xml"),
    "text-xml": ("dữ liệu 2.xml", b"<ho-so/>", "text/xml"),
    "text": ("ghi chú.txt", "Ghi chú: gửi kèm công văn".encode(), "text/plain"),
}


async def test_files_whose_content_matches_their_declared_type_are_stored(
    client: AsyncTestClient,
) -> None:
    document = await create(client, outgoing())

    response = await upload(client, document["id"], *GENUINE.values(), role="attachment")

    assert response.status_code == 201, response.text
    listed = await listed_files(client, document["id"])
    assert sorted((f["name"], f["media_type"]) for f in listed) == sorted(
        (name, media_type) for name, _, media_type in GENUINE.values()
    )


MISDECLARED = {
    "html-as-pdf": ("báo cáo.pdf", HTML, "application/pdf", "a PDF"),
    "too-short-for-a-pdf": ("báo cáo.pdf", b"%PD", "application/pdf", "a PDF"),
    "text-as-png": ("sơ đồ.png", b"hinh anh", "image/png", "a PNG image"),
    "pdf-as-jpeg": ("ảnh.jpg", PDF, "image/jpeg", "a JPEG image"),
    "png-as-tiff": ("bản quét.tif", PNG, "image/tiff", "a TIFF image"),
    "html-as-zip": ("hồ sơ.zip", HTML, "application/zip", "a ZIP archive"),
    "pdf-as-docx": ("tờ trình.docx", PDF, DOCX, "a Word document (.docx)"),
    "doc-as-xlsx": ("dự toán.xlsx", OLE, XLSX_TYPE, "an Excel workbook (.xlsx)"),
    "docx-as-doc": ("tờ trình.doc", XLSX, "application/msword", "a Word 97–2003 document"),
    "html-as-xls": ("dự toán.xls", HTML, "application/vnd.ms-excel", "an Excel 97–2003"),
}


@pytest.mark.parametrize(
    ("name", "content", "media_type", "what"), MISDECLARED.values(), ids=MISDECLARED.keys()
)
async def test_content_that_is_not_what_its_declared_type_says_is_refused_with_415(
    client: AsyncTestClient,
    settings: Settings,
    name: str,
    content: bytes,
    media_type: str,
    what: str,
) -> None:
    document = await create(client, outgoing())

    response = await upload(
        client, document["id"], A_FILE, (name, content, media_type), role="attachment"
    )

    body = assert_problem(response, 415, name)
    assert f"declared {media_type} but the content is not {what}" in body["detail"]
    await assert_nothing_stored(client, document["id"], settings)


async def test_content_refused_for_its_type_says_what_it_looks_like(
    client: AsyncTestClient,
) -> None:
    document = await create(client, outgoing())

    response = await upload(client, document["id"], ("sơ đồ.pdf", PNG, "application/pdf"))

    assert_problem(response, 415, "it looks like a PNG image: send it as image/png")


async def test_new_version_whose_content_is_not_a_pdf_is_refused_with_415(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], A_FILE)).json()[0]

    response = await client.post(
        files_url(document["id"], main["file_id"], "versions"),
        files=[("files", ("bản sửa.pdf", HTML, "application/pdf"))],
    )

    assert_problem(response, 415, "declared application/pdf but the content is not a PDF")
    assert [f["version"] for f in await listed_files(client, document["id"])] == [1]
    assert len(stored_blobs(settings)) == 1


async def test_file_of_many_reads_is_stored_and_served_byte_for_byte(
    client: AsyncTestClient,
) -> None:
    document = await create(client, outgoing())
    content = b"%PDF-1.7\n" + random.Random(20261125).randbytes(3 * 1024 * 1024 + 7)

    uploaded = await upload(client, document["id"], ("bản quét.pdf", content, "application/pdf"))
    file = uploaded.json()[0]
    download = await client.get(files_url(document["id"], file["file_id"], "content"))

    assert uploaded.status_code == 201
    assert (file["size"], file["sha256"]) == (len(content), hashlib.sha256(content).hexdigest())
    assert download.content == content
