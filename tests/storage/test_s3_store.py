"""S3-only behaviour: bucket handling, metadata other S3 clients can read, an unreachable server."""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio.to_thread
import pytest

from storage import BlobNotFound, BlobStoreUnavailable, S3BlobStore
from storage.base import new_key
from tests.storage.conftest import S3Endpoint, fresh_bucket

MiB = 1024 * 1024


async def chunks_of(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


@pytest.fixture
def bucket(blob_s3_endpoint: S3Endpoint) -> Iterator[str]:
    with fresh_bucket(blob_s3_endpoint) as name:
        yield name


@pytest.fixture
def closed_port_store() -> S3BlobStore:
    """A store whose endpoint refuses connections: nothing listens on the port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return S3BlobStore(f"127.0.0.1:{port}", "key", "secret", "unreachable")


async def test_check_creates_a_missing_bucket(blob_s3_endpoint: S3Endpoint, bucket: str) -> None:
    store = blob_s3_endpoint.store(bucket)

    await store.check()

    assert await anyio.to_thread.run_sync(blob_s3_endpoint.client().bucket_exists, bucket)
    await store.close()


async def test_digest_and_content_type_are_plain_object_metadata(
    blob_s3_endpoint: S3Endpoint, bucket: str
) -> None:
    store = blob_s3_endpoint.store(bucket)
    info = await store.put(chunks_of(b"<p>hi</p>"), content_type="text/html")

    obj = await anyio.to_thread.run_sync(blob_s3_endpoint.client().stat_object, bucket, info.key)

    assert obj.content_type == "text/html"
    assert obj.metadata is not None
    assert obj.metadata["x-amz-meta-sha256"] == info.sha256
    await store.close()


async def test_objects_larger_than_a_part_are_uploaded_in_parts(
    blob_s3_endpoint: S3Endpoint, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = blob_s3_endpoint.store(bucket, part_size=5 * MiB)
    data = bytes(range(256)) * (12 * MiB // 256)
    sent_parts: list[int] = []
    upload_part = store._client._upload_part

    def counted(*args: Any) -> str:
        sent_parts.append(len(args[2]))
        return upload_part(*args)

    monkeypatch.setattr(store._client, "_upload_part", counted)

    # Chunks of an odd size, so that parts are cut across them.
    info = await store.put(chunks_of(*(data[i : i + 70_001] for i in range(0, len(data), 70_001))))

    assert sent_parts == [5 * MiB, 5 * MiB, 2 * MiB]
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    # Known only once the parts are sent: not recorded on the object (the database has it).
    stored = await store.stat(info.key)
    assert (stored.size, stored.sha256, stored.content_type) == (
        len(data),
        None,
        "application/octet-stream",
    )
    assert b"".join([c async for c in await store.open(info.key)]) == data
    await store.close()


async def test_a_failure_after_some_parts_leaves_no_object_and_no_upload(
    blob_s3_endpoint: S3Endpoint, bucket: str
) -> None:
    store = blob_s3_endpoint.store(bucket, part_size=5 * MiB)

    async def broken_after_two_parts() -> AsyncIterator[bytes]:
        yield b"x" * (11 * MiB)
        raise OSError("the client went away")

    with pytest.raises(OSError, match="went away"):
        await store.put(broken_after_two_parts())

    client = blob_s3_endpoint.client()
    assert (
        await anyio.to_thread.run_sync(lambda: list(client.list_objects(bucket, recursive=True)))
        == []
    )
    uploads = await anyio.to_thread.run_sync(lambda: client._list_multipart_uploads(bucket).uploads)
    assert list(uploads) == []
    await store.close()


async def test_check_on_a_closed_port_fails_fast(closed_port_store: S3BlobStore) -> None:
    started = time.monotonic()

    with pytest.raises(BlobStoreUnavailable) as raised:
        await closed_port_store.check()

    assert time.monotonic() - started < 3
    assert "127.0.0.1" in str(raised.value)


async def test_check_on_a_server_that_never_answers_times_out() -> None:
    # The kernel accepts the connection into the backlog, but nobody ever responds.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        store = S3BlobStore(f"127.0.0.1:{silent.getsockname()[1]}", "key", "secret", "silent")
        started = time.monotonic()

        with pytest.raises(BlobStoreUnavailable) as raised:
            await store.check()

        assert time.monotonic() - started < 3
        assert "did not answer" in str(raised.value)
    # Closing the socket resets the connection, so the abandoned request ends promptly.
    await store.close()


async def test_put_on_a_closed_port_fails_before_reading_the_input(
    closed_port_store: S3BlobStore,
) -> None:
    consumed = []

    async def tracked() -> AsyncIterator[bytes]:
        consumed.append(True)
        yield b"data"

    started = time.monotonic()
    with pytest.raises(BlobStoreUnavailable):
        await closed_port_store.put(tracked())

    assert time.monotonic() - started < 3
    assert consumed == []


async def test_reads_on_a_closed_port_are_unavailable_not_missing(
    closed_port_store: S3BlobStore,
) -> None:
    key = new_key()

    for operation in (closed_port_store.stat, closed_port_store.open, closed_port_store.delete):
        with pytest.raises(BlobStoreUnavailable):
            await operation(key)


def test_unusable_configuration_is_rejected_at_construction() -> None:
    with pytest.raises(ValueError):
        S3BlobStore("127.0.0.1:9000", "key", "secret", "bucket", part_size=MiB)
    with pytest.raises(ValueError):
        S3BlobStore("127.0.0.1:9000", "key", "secret", "Not_A_Bucket")


async def test_stat_in_a_missing_bucket_is_not_found(
    blob_s3_endpoint: S3Endpoint, bucket: str
) -> None:
    store = blob_s3_endpoint.store(bucket)  # never started, so the bucket does not exist

    with pytest.raises(BlobNotFound):
        await store.stat(new_key())
    await store.delete(new_key())
    await store.close()
