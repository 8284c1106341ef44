"""`GET /health` as an operator sees it."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from core.app import create_app
from tests.accounts import admin_client
from tests.conftest import TEST_BLOBS, TEST_MONGODB


async def test_health_is_ok_when_database_and_blobs_answer(client: AsyncTestClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["blobs"]["status"] == "ok"


@pytest.mark.skipif(TEST_BLOBS != "filesystem", reason="the blob directory is the filesystem store")
async def test_health_is_503_naming_the_blob_store_when_its_directory_is_unwritable(
    make_settings, tmp_path: Path
) -> None:
    # Root may write anywhere, so "unwritable" is a directory path that runs through a file.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where a directory should be")
    app = create_app(make_settings(blob_dir=blocker / "blobs"))

    async with admin_client(app) as client:
        response = await client.get("/health")

    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["checks"]["blobs"]["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["detail"].startswith("blobs:")
    assert str(blocker) in body["detail"]


async def test_health_reports_an_s3_store_that_does_not_answer(make_settings) -> None:
    from tests.servers.launch import free_port

    closed_port = free_port()
    app = create_app(
        make_settings(
            s3_endpoint=f"127.0.0.1:{closed_port}", s3_access_key="key", s3_secret_key="secret-key"
        )
    )

    async with admin_client(app) as client:
        response = await client.get("/health")

    assert response.status_code == 503
    assert response.json()["checks"]["blobs"]["status"] == "unavailable"
    assert "blobs:" in response.json()["detail"]


async def test_health_names_the_embedded_database_and_its_file(make_settings) -> None:
    settings = make_settings(mongodb_url=None, in_memory_database=False)

    async with admin_client(create_app(settings)) as client:
        response = await client.get("/health")

    assert response.status_code == 200
    assert response.json()["checks"]["database"] == {
        "status": "ok",
        "kind": "embedded",
        "path": str((settings.data_dir / "hoso.sqlite3").resolve()),
        "detail": None,
    }


async def test_health_names_the_database_the_service_runs_on(client: AsyncTestClient) -> None:
    check = (await client.get("/health")).json()["checks"]["database"]

    assert check["kind"] == ("in-memory" if TEST_MONGODB == "memory" else "mongodb")
    assert "path" not in check


async def test_an_embedded_database_that_cannot_write_its_file_answers_503(make_settings) -> None:
    settings = make_settings(mongodb_url=None, in_memory_database=False)
    app = create_app(settings)
    body = {"unit": "000.00.00.H25", "direction": "outgoing", "type_code": "QD", "summary": "Thử"}

    async with admin_client(app) as client:
        assert (await client.post("/api/v1/documents", json=body)).status_code == 201
        app.state.runtime.database.store._sql.close()  # as a failing disk would
        refused = await client.post("/api/v1/documents", json=body)
        health = await client.get("/health")

    assert refused.status_code == 503
    assert health.status_code == 503
    check = health.json()["checks"]["database"]
    assert check["status"] == "unavailable" and check["kind"] == "embedded"
    assert "nothing more is written until hoso restarts" in check["detail"]
