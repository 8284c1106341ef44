"""A multipart upload is parsed as it arrives, each file streamed into the file store: what was
stored before the request turns out wrong is taken back, and no temporary file is needed."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from core.app import MAX_FILES_PER_UPLOAD
from core.settings import Settings
from tests.documents.conftest import assert_problem, create, outgoing
from tests.documents.test_file_in_body import assert_kept_nothing
from tests.documents.test_files import PDF, files_url, listed_files, pdf_of_size, upload

BOUNDARY = "hoso-stream"


def part(name: str, filename: str, content: bytes, content_type: str = "application/pdf") -> bytes:
    return (
        (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )


async def post_form(client: AsyncTestClient, document_id: str, body: bytes, **params: str):
    return await client.post(
        files_url(document_id),
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        params=params,
    )


async def test_files_are_stored_without_any_temporary_file(
    client: AsyncTestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    document = await create(client, outgoing())
    content = pdf_of_size(3 * 1024 * 1024)  # larger than any in-memory spool
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no such folder"))

    response = await upload(
        client,
        document["id"],
        ("Phụ lục 1.pdf", content, "application/pdf"),
        ("Phụ lục 2.pdf", PDF, "application/pdf"),
        role="attachment",
    )

    assert response.status_code == 201, response.text
    assert [(f["name"], f["sha256"]) for f in response.json()] == [
        ("Phụ lục 1.pdf", hashlib.sha256(content).hexdigest()),
        ("Phụ lục 2.pdf", hashlib.sha256(PDF).hexdigest()),
    ]
    download = await client.get(files_url(document["id"], response.json()[0]["file_id"], "content"))
    assert download.content == content


async def test_a_body_cut_off_after_a_whole_file_keeps_nothing(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())
    whole = part("files", "a.pdf", PDF)
    cut = part("files", "b.pdf", PDF)[:-40]

    response = await post_form(client, document["id"], whole + cut, role="attachment")

    assert_problem(response, 400, "multipart/form-data body could not be read")
    await assert_kept_nothing(client, document["id"], settings)


async def test_more_parts_than_allowed_answer_413_and_keep_nothing(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())
    body = (
        b"".join(part("files", f"{n}.pdf", PDF) for n in range(MAX_FILES_PER_UPLOAD + 1))
        + f"--{BOUNDARY}--\r\n".encode()
    )

    response = await post_form(client, document["id"], body, role="attachment")

    assert_problem(response, 413, f"more than {MAX_FILES_PER_UPLOAD} parts")
    await assert_kept_nothing(client, document["id"], settings)


async def test_a_problem_late_in_the_body_is_answered_before_one_met_earlier(
    client: AsyncTestClient, settings: Settings
) -> None:
    # As if the whole form were read and checked first: a part that is not a file is named
    # before a file that is not what its type says.
    document = await create(client, outgoing())
    body = (
        part("files", "a.pdf", PDF)
        + part("files", "b.pdf", b"not a pdf")
        + part("ghi_chu", "", b"")
        + f"--{BOUNDARY}--\r\n".encode()
    )

    response = await post_form(client, document["id"], body, role="attachment")

    problem = assert_problem(response, 422, "only files")
    assert problem["errors"] == [
        {"field": "ghi_chu", "message": "not a file: only files, in the field 'files'"}
    ]
    await assert_kept_nothing(client, document["id"], settings)


async def test_three_files_for_one_new_version_are_counted(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())
    (main,) = (await upload(client, document["id"], ("a.pdf", PDF, "application/pdf"))).json()
    body = b"".join(part("files", f"{n}.pdf", PDF) for n in range(3)) + (
        f"--{BOUNDARY}--\r\n".encode()
    )

    response = await client.post(
        files_url(document["id"], main["file_id"], "versions"),
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    )

    assert_problem(response, 422, "exactly one file", "3 files sent")
    assert [f["version"] for f in await listed_files(client, document["id"])] == [1]
