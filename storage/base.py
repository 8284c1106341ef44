"""The blob-store contract shared by every backend.

A blob is an immutable byte stream addressed by a key the store generates. Documents
reference blobs by key; everything else (names, ownership, versions) lives in the database.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO, Protocol, runtime_checkable

import anyio.to_thread

# Reads and spool writes move data in pieces of this size: large enough to keep the
# number of thread hops low, small enough that memory per transfer stays bounded.
CHUNK_SIZE = 1024 * 1024

DEFAULT_CONTENT_TYPE = "application/octet-stream"

# Keys look like "ab/cd/abcd…" (two shard levels taken from a uuid4 hex). Accepting only
# that exact shape rules out traversal ("..", absolute paths, backslashes) by construction
# and keeps filesystem directories small.
_KEY_RE = re.compile(r"(?P<a>[0-9a-f]{2})/(?P<b>[0-9a-f]{2})/(?P<hex>[0-9a-f]{32})")


class BlobError(Exception):
    """Base class of every error raised by a blob store."""


class BlobNotFound(BlobError):
    """No blob is stored under the key (malformed keys are reported the same way)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"blob not found: {key[:100]!r}")
        self.key = key


class BlobTooLarge(BlobError):
    """The incoming stream exceeded the size limit; nothing was stored."""

    def __init__(self, max_size: int) -> None:
        super().__init__(f"blob exceeds the maximum size of {max_size} bytes")
        self.max_size = max_size


class BlobStoreUnavailable(BlobError):
    """The backend cannot be reached or written; the message says what failed."""


@dataclass(frozen=True, slots=True)
class BlobInfo:
    key: str
    size: int
    # None when the blob was stored without a recorded digest (copied in by hand, or uploaded to
    # S3 in parts: see storage/s3.py).
    sha256: str | None
    content_type: str


@runtime_checkable
class BlobStore(Protocol):
    async def put(
        self,
        chunks: AsyncIterable[bytes],
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        max_size: int | None = None,
    ) -> BlobInfo:
        """Store the stream under a new key. On any failure nothing is left stored."""
        ...

    async def open(
        self, key: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        """Check that the blob exists (raising BlobNotFound now), then return its chunks.

        With `offset` and `length`, only the bytes [offset, offset + length) are read, as a
        stream like the whole blob; `length` None reads to the end. A range reaching past the
        end stops at the end: an offset at or past it yields no bytes. Negative values raise
        ValueError.
        """
        ...

    async def stat(self, key: str) -> BlobInfo: ...

    async def delete(self, key: str) -> None:
        """Remove the blob; a missing key is not an error."""
        ...

    async def presigned_get_url(self, key: str, expires: timedelta) -> str | None:
        """A URL a client can download from directly, or None if the backend has none."""
        ...

    async def check(self) -> None:
        """Raise BlobStoreUnavailable unless the store can currently be written."""
        ...

    async def close(self) -> None: ...


def check_range(offset: int, length: int | None) -> None:
    """Refuse a byte range no caller should ask for (a bug, not a client's input)."""
    if offset < 0 or (length is not None and length < 0):
        raise ValueError(f"a byte range needs offset >= 0 and length >= 0, not {offset}, {length}")


def clamp_range(offset: int, length: int | None, size: int) -> int:
    """How many bytes of a blob of `size` bytes the range [offset, offset + length) covers."""
    available = max(size - offset, 0)
    return available if length is None else min(length, available)


def new_key() -> str:
    hex_id = uuid.uuid4().hex
    return f"{hex_id[:2]}/{hex_id[2:4]}/{hex_id}"


def validate_key(key: str) -> str:
    """Return the key unchanged, or raise BlobNotFound if no store could have produced it."""
    match = _KEY_RE.fullmatch(key) if isinstance(key, str) else None
    if match is None or match["hex"][:4] != match["a"] + match["b"]:
        raise BlobNotFound(key if isinstance(key, str) else repr(key))
    return key


async def spool(
    chunks: AsyncIterable[bytes],
    sink: BinaryIO,
    *,
    max_size: int | None,
    where: str,
) -> tuple[int, str]:
    """Copy the stream into `sink` (a local file), returning (size, sha256 hex).

    Hashing and writing run in a worker thread so the event loop stays responsive, one piece at a
    time while the next piece is being received: the two overlap, and at most two pieces are held.
    Errors raised by the input stream propagate unchanged; write failures become
    BlobStoreUnavailable naming `where`. The caller owns `sink` and its cleanup; no write is
    under way once this returns or raises.
    """
    digest = hashlib.sha256()
    size = 0
    pending = bytearray()
    in_flight: asyncio.Future[None] | None = None

    def hash_and_write(data: bytes | bytearray) -> None:
        digest.update(data)
        sink.write(data)

    async def flush(data: bytes | bytearray) -> None:
        try:
            await anyio.to_thread.run_sync(hash_and_write, data)
        except OSError as exc:
            raise BlobStoreUnavailable(f"cannot write {where}: {exc}") from exc

    async def start_flush(data: bytes | bytearray) -> asyncio.Future[None]:
        # Pieces are hashed and written in order: the one before must be done first.
        if in_flight is not None:
            await in_flight
        return asyncio.ensure_future(flush(data))

    try:
        async for chunk in chunks:
            size += len(chunk)
            # Checked before writing, so an oversized stream is refused as soon as it crosses
            # the limit rather than after it has been buffered.
            if max_size is not None and size > max_size:
                raise BlobTooLarge(max_size)
            if not pending and len(chunk) >= CHUNK_SIZE:
                in_flight = await start_flush(chunk)  # already big: skip the copy into the buffer
                continue
            # Coalesce small chunks so a stream of tiny pieces doesn't cost a thread hop each.
            pending += chunk
            if len(pending) >= CHUNK_SIZE:
                in_flight = await start_flush(pending)
                pending = bytearray()
        if in_flight is not None:
            await in_flight
        if pending:
            await flush(pending)
    except BaseException:
        if in_flight is not None and not in_flight.done():
            # The caller closes and removes the sink next: let the write under way finish first.
            with anyio.CancelScope(shield=True):
                await asyncio.wait([in_flight])
        if in_flight is not None and in_flight.done() and not in_flight.cancelled():
            in_flight.exception()  # retrieved: the error being raised is the one that counts
        raise
    return size, digest.hexdigest()
