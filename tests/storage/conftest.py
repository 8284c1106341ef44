"""Fixtures that run the blob-store suite against every backend.

The S3 backend runs against the tier's S3 server (tests/conftest.py `s3_endpoint`), or against
a moto server of its own when the tier keeps blobs in a directory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
import pytest

from storage import BlobStore, FilesystemBlobStore
from tests.s3_endpoints import S3Endpoint, fresh_bucket, start_moto_s3


# Not named `s3_endpoint`: tests/conftest.py has a fixture of that name which is None when the
# service runs on a directory, while this suite always needs a server.
@pytest.fixture(scope="session")
def blob_s3_endpoint(s3_endpoint: S3Endpoint | None) -> Iterator[S3Endpoint]:
    """The tier's S3 server (HOSO_TEST_BLOBS=minio, moto or s3://…), else a moto of our own."""
    if s3_endpoint is not None:
        yield s3_endpoint
        return
    with start_moto_s3() as endpoint:
        yield endpoint


@dataclass
class BlobBackend:
    """A store under test plus a backend-specific view of what it has stored."""

    name: str
    store: BlobStore
    # Every stored item, including temporary files: used to prove failures leave nothing.
    leftovers: Callable[[], Awaitable[list[str]]]
    presigns: bool


@pytest.fixture
def blob_dir(tmp_path: Path) -> Path:
    return tmp_path / "blobs"


@pytest.fixture
async def filesystem_backend(blob_dir: Path) -> AsyncIterator[BlobBackend]:
    store = FilesystemBlobStore(blob_dir)

    async def leftovers() -> list[str]:
        if not blob_dir.exists():
            return []
        return sorted(str(p.relative_to(blob_dir)) for p in blob_dir.rglob("*") if p.is_file())

    yield BlobBackend("filesystem", store, leftovers, presigns=False)
    await store.close()


@pytest.fixture
async def s3_backend(blob_s3_endpoint: S3Endpoint) -> AsyncIterator[BlobBackend]:
    with fresh_bucket(blob_s3_endpoint) as bucket:
        store = blob_s3_endpoint.store(bucket)
        client = blob_s3_endpoint.client()

        def list_names() -> list[str]:
            if not client.bucket_exists(bucket):
                return []
            return sorted(str(o.object_name) for o in client.list_objects(bucket, recursive=True))

        async def leftovers() -> list[str]:
            return await anyio.to_thread.run_sync(list_names)

        yield BlobBackend("s3", store, leftovers, presigns=True)
        await store.close()


@pytest.fixture(params=["filesystem", "s3"])
def blob_backend(request: pytest.FixtureRequest) -> BlobBackend:
    return request.getfixturevalue(f"{request.param}_backend")


@pytest.fixture
def blob_store(blob_backend: BlobBackend) -> BlobStore:
    return blob_backend.store
