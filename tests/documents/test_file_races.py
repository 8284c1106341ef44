"""Uploads racing each other and racing the deletion of their document leave one consistent state.

The races that need real concurrency run against a service process: the in-process test client
handles one request at a time.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
import pytest
from beanie import PydanticObjectId
from litestar import Litestar
from litestar.testing import AsyncTestClient
from motor.motor_asyncio import AsyncIOMotorClient

from core.documents.models import FileVersion
from core.documents.service import delete_document
from core.settings import Settings
from tests.accounts import ADMIN_HEADERS, admin_actor
from tests.conftest import TEST_MONGODB
from tests.documents.conftest import assert_problem, create, outgoing
from tests.documents.test_files import (
    PDF,
    body_url,
    files_url,
    listed_files,
    stored_blobs,
    upload,
)
from tests.service_process import running_service

needs_shared_database = pytest.mark.skipif(
    TEST_MONGODB == "memory", reason="needs a database server shared by concurrent requests"
)

PARALLEL_MAIN_UPLOADS = 5
DOCUMENTS_DELETED_WHILE_UPLOADING = 20


async def stored_versions(settings: Settings, document_id: str) -> int:
    """File version rows of a document, read from the database: once the document is deleted the
    API answers 404 for its files, so it can no longer show rows left behind."""
    query = {"document_id": PydanticObjectId(document_id)}
    if settings.mongodb_url is None:
        # The in-memory store is the app's own and answers from any event loop.
        return await FileVersion.find(query).count()
    # A server is read with a client of this test's event loop (the app runs in another one).
    mongo: Any = AsyncIOMotorClient(settings.mongodb_url)
    try:
        versions = mongo[settings.mongodb_database][FileVersion.Settings.name]
        return await versions.count_documents(query)
    finally:
        mongo.close()


@pytest.mark.parametrize("endpoint", ["upload", "new-version"])
async def test_a_document_deleted_while_its_file_is_stored_keeps_no_file(
    client: AsyncTestClient,
    app: Litestar,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str,
) -> None:
    runtime = app.state.runtime
    document = await create(client, outgoing())
    main = (await upload(client, document["id"], ("chính.pdf", PDF, "application/pdf"))).json()
    put = runtime.blobs.put

    async def document_deleted_meanwhile(*args: Any, **kwargs: Any) -> Any:
        # What a DELETE arriving while the upload streams does: the document first, then the
        # files it finds.
        await delete_document(runtime, admin_actor(runtime), document["id"], None)
        return await put(*args, **kwargs)

    monkeypatch.setattr(runtime.blobs, "put", document_deleted_meanwhile)
    response = await client.post(
        body_url(document["id"], main[0]["file_id"], endpoint),
        files=[("files", ("Phụ lục.pdf", PDF, "application/pdf"))],
        params={"role": "attachment"} if endpoint == "upload" else None,
    )
    monkeypatch.undo()

    assert_problem(response, 404, "was deleted while its files were being uploaded")
    assert (await client.get(f"/api/v1/documents/{document['id']}")).status_code == 404
    assert await stored_versions(settings, document["id"]) == 0
    assert stored_blobs(settings) == []


async def test_the_database_refuses_a_second_main_file_the_early_check_missed(
    client: AsyncTestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = await create(client, outgoing())
    first = (await upload(client, document["id"], ("chính.pdf", PDF, "application/pdf"))).json()

    async def not_yet_visible(*args: Any, **kwargs: Any) -> None:
        # A concurrent upload checks before the first one has inserted its row.
        return None

    monkeypatch.setattr(FileVersion, "find_one", not_yet_visible)
    second = await upload(client, document["id"], ("khác.pdf", PDF, "application/pdf"))
    monkeypatch.undo()

    assert_problem(second, 409, f"/files/{first[0]['file_id']}/versions")
    listed = await listed_files(client, document["id"])
    assert [(f["role"], f["name"], f["version"]) for f in listed] == [("main", "chính.pdf", 1)]
    assert len(stored_blobs(settings)) == 1


@needs_shared_database
async def test_parallel_main_file_uploads_give_the_document_one_main_file(
    client: AsyncTestClient, settings: Settings
) -> None:
    document = await create(client, outgoing())

    with running_service(settings) as (base, _):
        async with httpx.AsyncClient(base_url=base, timeout=60, headers=ADMIN_HEADERS) as http:
            responses = await asyncio.gather(
                *(
                    http.post(
                        files_url(document["id"]),
                        files=[("files", (f"chính {n}.pdf", PDF, "application/pdf"))],
                        params={"role": "main"},
                    )
                    for n in range(PARALLEL_MAIN_UPLOADS)
                )
            )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (PARALLEL_MAIN_UPLOADS - 1), [r.text for r in responses]
    for refused in (r for r in responses if r.status_code == 409):
        assert_problem(refused, 409, "already has a main file", "/versions")
    (winner,) = (r.json()[0] for r in responses if r.status_code == 201)
    listed = await listed_files(client, document["id"])
    assert [(f["file_id"], f["role"]) for f in listed] == [(winner["file_id"], "main")]
    assert len(stored_blobs(settings)) == 1


@needs_shared_database
async def test_uploads_racing_the_deletion_of_their_draft_leave_no_file_behind(
    client: AsyncTestClient, settings: Settings
) -> None:
    drafts = [await create(client, outgoing()) for _ in range(DOCUMENTS_DELETED_WHILE_UPLOADING)]
    content = PDF * 200  # about 1.4 MB: long enough in flight for the DELETE to land meanwhile
    rng = random.Random(20261125)

    async def upload_and_delete(http: httpx.AsyncClient, document_id: str) -> httpx.Response:
        async def delete_soon() -> httpx.Response:
            await asyncio.sleep(rng.uniform(0, 0.05))
            return await http.delete(f"/api/v1/documents/{document_id}")

        uploaded, deleted = await asyncio.gather(
            http.post(
                files_url(document_id),
                files=[("files", ("Phụ lục.pdf", content, "application/pdf"))],
                params={"role": "attachment"},
            ),
            delete_soon(),
        )
        assert deleted.status_code == 204, deleted.text
        assert uploaded.status_code in (201, 404), uploaded.text
        if uploaded.status_code == 404:
            assert_problem(uploaded, 404, document_id)
        return uploaded

    with running_service(settings) as (base, _):
        async with httpx.AsyncClient(base_url=base, timeout=60, headers=ADMIN_HEADERS) as http:
            uploads = await asyncio.gather(*(upload_and_delete(http, d["id"]) for d in drafts))

    stored_first = sum(r.status_code == 201 for r in uploads)
    caught_mid_upload = sum("while its files" in r.text for r in uploads)
    print(
        f"\nuploads racing deletes: {stored_first} stored first, {caught_mid_upload} caught "
        f"mid-upload, {len(uploads) - stored_first - caught_mid_upload} refused at once"
    )
    for draft in drafts:
        assert (await client.get(f"/api/v1/documents/{draft['id']}")).status_code == 404
        assert await stored_versions(settings, draft["id"]) == 0
    assert stored_blobs(settings) == []
