"""Fixtures that run the blob-store suite against every backend.

Reusable outside this package:
    S3Endpoint             where an S3 server lives and how to log in
    start_moto_s3()        context manager: a throwaway S3 server (moto) in a child process
    s3_endpoint_from_env() the server named by HOSO_TEST_S3_* variables, if any
    blob_s3_endpoint       session fixture: the env server if configured, else moto
    fresh_bucket()         context manager: a uniquely named bucket, emptied and removed after
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
import pytest
from minio import Minio

from storage import BlobStore, FilesystemBlobStore, S3BlobStore


@dataclass(frozen=True)
class S3Endpoint:
    endpoint: str  # "host:port", as the minio SDK and S3BlobStore expect
    access_key: str
    secret_key: str
    secure: bool = False

    def client(self) -> Minio:
        """A plain SDK client, for inspecting buckets independently of the store."""
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=self.secure,
        )

    def store(self, bucket: str, **options: object) -> S3BlobStore:
        return S3BlobStore(
            self.endpoint,
            self.access_key,
            self.secret_key,
            bucket,
            secure=self.secure,
            **options,  # type: ignore[arg-type]
        )


# Runs in a separate process so the server's memory (it keeps objects in RAM) does not show
# up in the client-side memory measurements, and its global state can't leak into tests.
_MOTO_SERVER_SCRIPT = """
import logging, sys
from moto.server import ThreadedMotoServer
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # serve until the parent closes stdin (or exits)
server.stop()
"""


@contextlib.contextmanager
def start_moto_s3(startup_timeout: float = 30.0) -> Iterator[S3Endpoint]:
    """Run moto's ThreadedMotoServer on a free port of 127.0.0.1 until the block exits."""
    process = subprocess.Popen(
        [sys.executable, "-c", _MOTO_SERVER_SCRIPT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        ready, _, _ = select.select([process.stdout], [], [], startup_timeout)
        port = process.stdout.readline().strip() if ready else ""
        if not port.isdigit():
            raise RuntimeError(f"moto S3 server did not start within {startup_timeout} s")
        yield S3Endpoint(f"127.0.0.1:{port}", access_key="testing", secret_key="testing")
    finally:
        process.stdin.close()  # the server's signal to stop
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def s3_endpoint_from_env() -> S3Endpoint | None:
    """The server named by HOSO_TEST_S3_ENDPOINT (host:port) and its credentials, if set."""
    endpoint = os.environ.get("HOSO_TEST_S3_ENDPOINT")
    if not endpoint:
        return None
    return S3Endpoint(
        endpoint,
        access_key=os.environ.get("HOSO_TEST_S3_ACCESS_KEY", ""),
        secret_key=os.environ.get("HOSO_TEST_S3_SECRET_KEY", ""),
        secure=os.environ.get("HOSO_TEST_S3_SECURE", "").lower() in {"1", "true", "yes", "on"},
    )


@contextlib.contextmanager
def fresh_bucket(endpoint: S3Endpoint) -> Iterator[str]:
    """A bucket name no test has used; whatever ends up in it is removed afterwards.

    The bucket is not created here: creating it is the store's job.
    """
    name = f"hoso-test-{uuid.uuid4().hex[:16]}"
    try:
        yield name
    finally:
        client = endpoint.client()
        with contextlib.suppress(Exception):
            if client.bucket_exists(name):
                for obj in client.list_objects(name, recursive=True):
                    client.remove_object(name, obj.object_name)
                client.remove_bucket(name)


# Not named `s3_endpoint`: tests/conftest.py has a fixture of that name which is None when the
# service runs on a directory, while this suite always needs a server.
@pytest.fixture(scope="session")
def blob_s3_endpoint() -> Iterator[S3Endpoint]:
    configured = s3_endpoint_from_env()
    if configured is not None:
        yield configured
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
