"""Fixtures shared by the whole suite: which database and blob store the service runs on.

The same tests run on every tier, chosen by environment:

- `HOSO_TEST_MONGODB`: `memory` (default, in-memory store), `ferretdb` (a FerretDB server started
  here from the binary built by tests/servers/build.sh), or a `mongodb://` URL of a running server.
- `HOSO_TEST_BLOBS`: `filesystem` (default), `moto` (an S3 server in a thread), `minio` (a MinIO
  server started here), or `s3://ACCESS:SECRET@HOST:PORT` of a running S3-compatible server.

Each test gets its own database and its own bucket or directory.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.settings import Settings, load_settings
from tests.accounts import ADMIN_HEADERS, ADMIN_TOKEN, admin_client
from tests.s3_endpoints import S3Endpoint, start_moto_s3
from tests.servers.launch import FerretDBServer, MinioServer, ServerNotBuilt

REPO = Path(__file__).resolve().parent.parent
TEST_MONGODB = os.environ.get("HOSO_TEST_MONGODB", "memory")
TEST_BLOBS = os.environ.get("HOSO_TEST_BLOBS", "filesystem")
ON_FERRETDB = TEST_MONGODB == "ferretdb"

# Tests must not pick up a developer's own HOSO_* settings.
# The S3 client retries in worker threads that may outlive a test that gave up on them; their
# warnings would be written after pytest has closed its capture.
logging.getLogger("urllib3").setLevel(logging.ERROR)

_KEEP = ("HOSO_TEST_", "HOSO_SERVERS_DIR")
for _name in list(os.environ):
    if _name.startswith("HOSO_") and not _name.startswith(_KEEP):
        del os.environ[_name]


@pytest.fixture(scope="session")
def ferretdb_server() -> Iterator[FerretDBServer]:
    try:
        server = FerretDBServer()
        server.start()
    except ServerNotBuilt as exc:
        pytest.fail(f"HOSO_TEST_MONGODB=ferretdb but {exc}; run tests/servers/build.sh")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def mongodb_url(request: pytest.FixtureRequest) -> str | None:
    """The server every test's database lives on; None for the in-memory store."""
    if TEST_MONGODB == "memory":
        return None
    if TEST_MONGODB == "ferretdb":
        server: FerretDBServer = request.getfixturevalue("ferretdb_server")
        return server.url
    if TEST_MONGODB.startswith(("mongodb://", "mongodb+srv://")):
        return TEST_MONGODB
    raise pytest.UsageError(f"HOSO_TEST_MONGODB={TEST_MONGODB!r}: use memory, ferretdb or a URL")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[S3Endpoint | None]:
    """The S3 server blob tests use; None when blobs go to a directory."""
    if TEST_BLOBS == "filesystem":
        yield None
    elif TEST_BLOBS == "moto":
        with start_moto_s3() as endpoint:
            yield endpoint
    elif TEST_BLOBS == "minio":
        try:
            server = MinioServer()
            server.start()
        except ServerNotBuilt as exc:
            pytest.fail(f"HOSO_TEST_BLOBS=minio but {exc}; run tests/servers/build.sh")
        try:
            yield S3Endpoint(server.endpoint, server.access_key, server.secret_key)
        finally:
            server.close()
    elif TEST_BLOBS.startswith("s3://"):
        parts = urlsplit(TEST_BLOBS)
        yield S3Endpoint(
            parts.netloc.rsplit("@", 1)[-1], parts.username or "", parts.password or ""
        )
    else:
        raise pytest.UsageError(
            f"HOSO_TEST_BLOBS={TEST_BLOBS!r}: use filesystem, moto, minio, s3://"
        )


@pytest.fixture
def make_settings(
    tmp_path: Path, mongodb_url: str | None, s3_endpoint: S3Endpoint | None
) -> Callable[..., Settings]:
    """Settings for one test: its own database name and bucket/directory; overrides win.

    Without a server the tests use the in-memory database (fast, nothing to clean up); a test of
    the embedded one asks with `in_memory_database=False` and gets its own `data_dir`.
    """
    database = f"t{uuid.uuid4().hex[:12]}"
    bucket = f"t-{uuid.uuid4().hex[:12]}"

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "mongodb_url": mongodb_url,
            "mongodb_database": database,
            "mongodb_timeout_seconds": 5.0,
            "data_dir": tmp_path / "data",
            "blob_dir": tmp_path / "blobs",
            "units_file": REPO / "config" / "units.toml",
            "bootstrap_token": ADMIN_TOKEN,
        }
        if s3_endpoint is not None:
            values.update(
                s3_endpoint=s3_endpoint.endpoint,
                s3_access_key=s3_endpoint.access_key,
                s3_secret_key=s3_endpoint.secret_key,
                s3_bucket=bucket,
            )
        values.update(overrides)
        values.setdefault("in_memory_database", values["mongodb_url"] is None)
        return load_settings(REPO / "config" / "hoso.toml", **values)

    return build


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with admin_client(app) as test_client:
        yield test_client
    await _drop_database(app)


@asynccontextmanager
async def concurrent_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests really run at the same time, in this test's event loop.

    Litestar's AsyncTestClient hands each request to a portal that runs one at a time; races
    need this instead. (The in-memory store still never yields between operations, so races only
    happen for real on a database server: HOSO_TEST_MONGODB=ferretdb or a URL.) A context
    manager, not a fixture: the app's lifespan must end in the task it began in.
    """
    try:
        async with app.lifespan():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://hoso.test", headers=ADMIN_HEADERS
            ) as http:
                yield http
    finally:
        await _drop_database(app)


async def _drop_database(app: Litestar) -> None:
    """Real servers keep data between tests: remove this test's database."""
    settings: Settings = app.state.runtime.settings
    if settings.mongodb_url is None:
        return
    from motor.motor_asyncio import AsyncIOMotorClient

    mongo: Any = AsyncIOMotorClient(settings.mongodb_url, serverSelectionTimeoutMS=3000)
    try:
        await mongo.drop_database(settings.mongodb_database)
    except Exception:  # noqa: BLE001 - the test under way may have stopped the server on purpose
        pass
    finally:
        mongo.close()


NO_REAL_RACES = (
    "the in-memory store runs one operation at a time, so these requests cannot interleave; "
    "runs on a database server (HOSO_TEST_MONGODB=ferretdb or a URL)"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if TEST_MONGODB == "memory" and item.get_closest_marker("races"):
            item.add_marker(pytest.mark.skip(reason=NO_REAL_RACES))


def pytest_report_header(config: pytest.Config) -> str:
    return f"hoso test tier: database={TEST_MONGODB} blobs={TEST_BLOBS}"
