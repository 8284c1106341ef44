"""The behaviour every BlobStore backend must share, run once per backend."""

from __future__ import annotations

import hashlib
import time
import tracemalloc
import urllib.request
from collections.abc import AsyncIterator
from datetime import timedelta

import anyio
import anyio.to_thread
import pytest

from storage import BlobNotFound, BlobStore, BlobTooLarge
from storage.base import new_key
from tests.storage.conftest import BlobBackend

MiB = 1024 * 1024


async def chunks_of(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def pseudo_random_chunks(
    total: int, digest: hashlib._Hash, chunk_size: int = MiB
) -> AsyncIterator[bytes]:
    """Deterministic incompressible data, hashed as it is produced, never held whole."""
    for index, offset in enumerate(range(0, total, chunk_size)):
        chunk = hashlib.shake_256(index.to_bytes(8, "big")).digest(min(chunk_size, total - offset))
        digest.update(chunk)
        yield chunk


async def read_all(store: BlobStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in await store.open(key)])


class InputBroke(Exception):
    pass


async def test_store_implements_the_protocol(blob_store: BlobStore) -> None:
    assert isinstance(blob_store, BlobStore)


async def test_put_then_stat_and_open_round_trip_bytes_size_and_sha256(
    blob_store: BlobStore,
) -> None:
    data = b"hello, " * 1000 + b"world"

    info = await blob_store.put(chunks_of(data[:10], data[10:]), content_type="text/plain")

    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.content_type == "text/plain"
    assert await blob_store.stat(info.key) == info
    assert await read_all(blob_store, info.key) == data


async def test_empty_object_round_trips(blob_store: BlobStore) -> None:
    info = await blob_store.put(chunks_of())

    assert info.size == 0
    assert info.sha256 == hashlib.sha256(b"").hexdigest()
    assert (await blob_store.stat(info.key)).size == 0
    assert await read_all(blob_store, info.key) == b""


async def test_many_small_chunks_are_stored_in_order(blob_store: BlobStore) -> None:
    parts = [f"{i:05d};".encode() for i in range(20_000)] + [b""]

    info = await blob_store.put(chunks_of(*parts))

    expected = b"".join(parts)
    assert info.size == len(expected)
    assert await read_all(blob_store, info.key) == expected


async def test_content_type_defaults_to_octet_stream(blob_store: BlobStore) -> None:
    info = await blob_store.put(chunks_of(b"x"))

    assert (await blob_store.stat(info.key)).content_type == "application/octet-stream"


async def test_each_put_gets_a_new_key(blob_store: BlobStore) -> None:
    first = await blob_store.put(chunks_of(b"same"))
    second = await blob_store.put(chunks_of(b"same"))

    assert first.key != second.key
    assert await read_all(blob_store, first.key) == b"same"
    assert await read_all(blob_store, second.key) == b"same"


async def test_open_unknown_key_raises_not_found_before_streaming(blob_store: BlobStore) -> None:
    with pytest.raises(BlobNotFound):
        await blob_store.open(new_key())


async def test_stat_unknown_key_raises_not_found(blob_store: BlobStore) -> None:
    with pytest.raises(BlobNotFound):
        await blob_store.stat(new_key())


async def test_delete_then_stat_and_open_raise_not_found(blob_backend: BlobBackend) -> None:
    store = blob_backend.store
    info = await store.put(chunks_of(b"short-lived"))

    await store.delete(info.key)

    with pytest.raises(BlobNotFound):
        await store.stat(info.key)
    with pytest.raises(BlobNotFound):
        await store.open(info.key)
    assert await blob_backend.leftovers() == []


async def test_delete_missing_key_is_fine(blob_store: BlobStore) -> None:
    info = await blob_store.put(chunks_of(b"x"))
    await blob_store.delete(info.key)

    await blob_store.delete(info.key)
    await blob_store.delete(new_key())


async def test_reader_can_stop_early(blob_store: BlobStore) -> None:
    info = await blob_store.put(pseudo_random_chunks(3 * MiB, hashlib.sha256()))

    chunks = await blob_store.open(info.key)
    async for chunk in chunks:
        assert len(chunk) <= MiB
        break
    await chunks.aclose()  # type: ignore[attr-defined]

    # The store is still usable after an abandoned read.
    assert (await blob_store.stat(info.key)).size == 3 * MiB


async def read_range(store: BlobStore, key: str, offset: int, length: int | None) -> bytes:
    return b"".join([chunk async for chunk in await store.open(key, offset=offset, length=length)])


RANGED = bytes(range(256)) * 40  # 10,240 bytes, each position recognisable


@pytest.mark.parametrize(
    ("offset", "length", "expected"),
    [
        pytest.param(0, 100, RANGED[:100], id="first-bytes"),
        pytest.param(100, 50, RANGED[100:150], id="middle"),
        pytest.param(10_000, None, RANGED[10_000:], id="to-the-end"),
        pytest.param(len(RANGED) - 1, 1, RANGED[-1:], id="last-byte"),
        pytest.param(0, len(RANGED), RANGED, id="all-of-it"),
        pytest.param(10_200, 500, RANGED[10_200:], id="length-past-the-end-stops-there"),
        pytest.param(len(RANGED), None, b"", id="offset-at-the-end"),
        pytest.param(len(RANGED) + 5, 10, b"", id="offset-past-the-end"),
        pytest.param(10, 0, b"", id="zero-length"),
    ],
)
async def test_a_range_reads_exactly_those_bytes(
    blob_store: BlobStore, offset: int, length: int | None, expected: bytes
) -> None:
    info = await blob_store.put(chunks_of(RANGED))

    assert await read_range(blob_store, info.key, offset, length) == expected


async def test_ranges_across_chunk_boundaries_stream_in_chunks(blob_store: BlobStore) -> None:
    data = b"".join([c async for c in pseudo_random_chunks(3 * MiB + 7, hashlib.sha256())])
    info = await blob_store.put(chunks_of(data))

    middle = [c async for c in await blob_store.open(info.key, offset=MiB - 3, length=2 * MiB + 10)]
    tail = await read_range(blob_store, info.key, 3 * MiB, None)

    assert b"".join(middle) == data[MiB - 3 : 3 * MiB + 7]
    assert len(middle) > 1 and all(len(chunk) <= MiB for chunk in middle)
    assert tail == data[-7:]


async def test_a_range_of_an_empty_blob_is_empty(blob_store: BlobStore) -> None:
    info = await blob_store.put(chunks_of())

    assert await read_range(blob_store, info.key, 0, None) == b""
    assert await read_range(blob_store, info.key, 0, 10) == b""


async def test_a_range_of_an_unknown_key_raises_not_found_before_streaming(
    blob_store: BlobStore,
) -> None:
    with pytest.raises(BlobNotFound):
        await blob_store.open(new_key(), offset=10, length=10)


@pytest.mark.parametrize(("offset", "length"), [(-1, None), (0, -1), (-5, 3)])
async def test_a_negative_range_is_refused(
    blob_store: BlobStore, offset: int, length: int | None
) -> None:
    info = await blob_store.put(chunks_of(b"0123456789"))

    with pytest.raises(ValueError):
        await blob_store.open(info.key, offset=offset, length=length)


async def test_exactly_max_size_is_accepted(blob_store: BlobStore) -> None:
    info = await blob_store.put(chunks_of(b"12345", b"67890"), max_size=10)

    assert info.size == 10


@pytest.mark.parametrize(
    "parts",
    [
        pytest.param([b"x" * 6, b"x" * 6], id="crossed-midway"),
        pytest.param([b"x" * (2 * MiB)], id="one-large-chunk"),
        pytest.param([b"x"] * 11, id="many-small-chunks"),
    ],
)
async def test_exceeding_max_size_raises_too_large_and_stores_nothing(
    blob_backend: BlobBackend, parts: list[bytes]
) -> None:
    with pytest.raises(BlobTooLarge) as raised:
        await blob_backend.store.put(chunks_of(*parts), max_size=10)

    assert raised.value.max_size == 10
    assert await blob_backend.leftovers() == []


async def test_failing_input_stream_propagates_and_stores_nothing(
    blob_backend: BlobBackend,
) -> None:
    async def breaks_midway() -> AsyncIterator[bytes]:
        yield b"a" * MiB
        yield b"b" * 100
        raise InputBroke("client went away")

    with pytest.raises(InputBroke):
        await blob_backend.store.put(breaks_midway())

    assert await blob_backend.leftovers() == []


async def test_cancelled_put_stores_nothing(blob_backend: BlobBackend) -> None:
    async def stalls_midway() -> AsyncIterator[bytes]:
        yield b"a" * MiB
        await anyio.sleep_forever()
        yield b"never"

    with anyio.move_on_after(0.5) as scope:
        await blob_backend.store.put(stalls_midway())

    assert scope.cancelled_caught
    assert await blob_backend.leftovers() == []


async def test_presigned_url_downloads_the_blob_where_supported(
    blob_backend: BlobBackend,
) -> None:
    data = b"direct download"
    info = await blob_backend.store.put(chunks_of(data))

    url = await blob_backend.store.presigned_get_url(info.key, timedelta(minutes=5))

    if not blob_backend.presigns:
        assert url is None
        return
    assert url is not None

    def fetch() -> bytes:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read()

    assert await anyio.to_thread.run_sync(fetch) == data


async def test_check_passes_on_a_healthy_store(blob_backend: BlobBackend) -> None:
    await blob_backend.store.check()
    await blob_backend.store.check()

    assert await blob_backend.leftovers() == []  # the probe cleans up after itself


@pytest.mark.parametrize(
    "key",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "ab/cd/../../../outside",
        "ab\\cd\\0123",
        "",
        ".tmp/probe",
        "ab/cd/abcd0123456789abcdef0123456789ab.meta.json",
        "AB/CD/ABCD0123456789ABCDEF0123456789AB",
        "00/00/abcd0123456789abcdef0123456789ab",  # shard does not match the id
    ],
)
async def test_malformed_keys_are_rejected_as_not_found(blob_store: BlobStore, key: str) -> None:
    with pytest.raises(BlobNotFound):
        await blob_store.stat(key)
    with pytest.raises(BlobNotFound):
        await blob_store.open(key)
    with pytest.raises(BlobNotFound):
        await blob_store.presigned_get_url(key, timedelta(minutes=1))
    await blob_store.delete(key)  # names nothing, so there is nothing to delete


async def test_50_mb_round_trip_streams_in_bounded_memory(blob_backend: BlobBackend) -> None:
    store = blob_backend.store
    size = 50 * MiB
    sent = hashlib.sha256()
    received = hashlib.sha256()
    received_size = 0

    tracemalloc.start()
    try:
        started = time.perf_counter()
        info = await store.put(pseudo_random_chunks(size, sent))
        async for chunk in await store.open(info.key):
            received.update(chunk)
            received_size += len(chunk)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    print(
        f"\n[{blob_backend.name}] 50 MB round trip: {size} bytes in {elapsed:.2f} s,"
        f" peak traced memory {peak / MiB:.1f} MiB"
    )
    assert info.size == received_size == size
    assert info.sha256 == sent.hexdigest() == received.hexdigest()
    assert peak < 20 * MiB
