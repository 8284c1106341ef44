"""Blob store on any S3-compatible server (MinIO, versitygw, Ceph RGW, AWS S3, ...).

Only plain S3 operations are used: PUT/multipart upload, GET, HEAD, DELETE, presigned GET,
HEAD/PUT bucket. The `minio` SDK is synchronous, so every call runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable
from datetime import timedelta
from typing import TypeVar

import anyio
import anyio.to_thread
import certifi
import urllib3
from minio import Minio
from minio.datatypes import Part
from minio.error import MinioException, S3Error
from minio.helpers import MAX_MULTIPART_COUNT, MAX_PART_SIZE, MIN_PART_SIZE, check_bucket_name

from storage.base import (
    CHUNK_SIZE,
    DEFAULT_CONTENT_TYPE,
    BlobInfo,
    BlobNotFound,
    BlobStoreUnavailable,
    BlobTooLarge,
    check_range,
    clamp_range,
    new_key,
    validate_key,
)

T = TypeVar("T")

# A refused or black-holed endpoint must fail fast (health checks, request handlers), while
# a slow server writing a large part still gets time to answer. Two connect attempts fit
# inside the check timeout, which stays under the 3 s a health endpoint typically allows.
_CONNECT_TIMEOUT = 1.0
_READ_TIMEOUT = 60.0
_CHECK_TIMEOUT = 2.5

_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "NoSuchObject"})
_SHA256_HEADER = "x-amz-meta-sha256"


class S3BlobStore:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        region: str | None = None,
        part_size: int = 8 * 1024 * 1024,
    ) -> None:
        # Misconfiguration should fail at startup, not on the first upload.
        check_bucket_name(bucket, strict=True)
        if not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
            raise ValueError(f"part_size must be between {MIN_PART_SIZE} and {MAX_PART_SIZE}")
        self._bucket = bucket
        # The SDK keeps the previous part referenced while it reads the next one, so an
        # upload holds up to two parts in memory: 8 MiB parts keep that near 16 MiB.
        self._part_size = part_size
        self._url = f"{'https' if secure else 'http'}://{endpoint}"
        # The SDK's default pool waits 5 minutes to connect and retries 5 times, which would
        # stall health checks and requests for minutes when the server is down.
        self._http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=_CONNECT_TIMEOUT, read=_READ_TIMEOUT),
            maxsize=10,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
            retries=urllib3.Retry(
                total=3,
                connect=1,
                read=1,
                backoff_factor=0.2,
                status_forcelist=(500, 502, 503, 504),
                # A starting MinIO answers 503 with "Retry-After: 60"; honouring it would stall
                # a request (and /health) for a minute instead of failing fast.
                respect_retry_after_header=False,
            ),
        )
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=self._http,
        )
        self._bucket_ready = False
        self._bucket_lock = anyio.Lock()

    def __repr__(self) -> str:
        return f"S3BlobStore({self._url!r}, bucket={self._bucket!r})"

    async def start(self) -> None:
        """Create the bucket if it is missing. Cheap after the first success."""
        if self._bucket_ready:
            return
        async with self._bucket_lock:
            if not self._bucket_ready:
                await self._run("create the bucket", self._create_bucket_if_missing)
                self._bucket_ready = True

    async def put(
        self,
        chunks: AsyncIterable[bytes],
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        max_size: int | None = None,
    ) -> BlobInfo:
        # Before reading the client's data: if S3 is down, say so without consuming it.
        await self.start()
        key = new_key()
        # Streamed straight to S3, the bytes written once: a stream that fits in one part is one
        # PUT; a longer one is a multipart upload of parts gathered in memory, the next part
        # filling while the last one is sent (at most two parts held, whatever the object's
        # size). The limit is enforced as the bytes arrive.
        writer = _ObjectWriter(self, key, content_type)
        digest = hashlib.sha256()
        size = 0
        try:
            buffer = _PartBuffer(self._part_size)
            async for chunk in chunks:
                size += len(chunk)
                if max_size is not None and size > max_size:
                    raise BlobTooLarge(max_size)
                rest: bytes | memoryview = chunk
                while rest:
                    rest = buffer.add(rest)
                    if buffer.full:
                        await writer.send_part(buffer, digest)  # and empties the buffer
            if writer.upload_id is None:
                await writer.put_whole(buffer, digest)
            else:
                await writer.send_part(buffer, digest)
                await writer.complete()
        except BaseException:
            # Whatever went wrong (too large, input stream error, S3 error, cancellation): the
            # object or upload may exist even though a call failed (response lost, or cancelled
            # after completion); the key is fresh, so removing it is safe.
            with anyio.CancelScope(shield=True):
                await writer.discard()
            raise
        return BlobInfo(key=key, size=size, sha256=digest.hexdigest(), content_type=content_type)

    async def open(
        self, key: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        check_range(offset, length)
        # HEAD first, so a missing blob is reported before any chunk; the GET happens when
        # iteration starts, so an iterator that is never consumed holds no connection. The
        # size it gives bounds the range: S3 answers a range past the end with an error.
        size = (await self.stat(key)).size
        count = clamp_range(offset, length, size)
        if count == 0:
            return _no_chunks()
        return self._read(key, offset, count, whole=count == size)

    async def _read(
        self, key: str, offset: int, count: int, *, whole: bool
    ) -> AsyncIterator[bytes]:
        get = functools.partial(
            self._client.get_object,
            self._bucket,
            key,
            # A Range header only for part of the object (0, 0 sends none).
            offset=0 if whole else offset,
            length=0 if whole else count,
        )
        response = await self._run("download the blob", get, key=key)
        try:
            if not whole and response.status != 206:
                raise BlobStoreUnavailable(
                    f"S3 storage at {self._url} (bucket {self._bucket!r}) answered a byte range "
                    f"request with status {response.status}, not 206"
                )
            remaining = count
            while remaining > 0:
                read = functools.partial(
                    response.read, min(CHUNK_SIZE, remaining), decode_content=False
                )
                chunk = await self._run("download the blob", read)
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
        finally:
            # Neither call waits on the network: close() drops an unfinished connection.
            response.close()
            response.release_conn()

    async def stat(self, key: str) -> BlobInfo:
        head = functools.partial(self._client.stat_object, self._bucket, validate_key(key))
        obj = await self._run("read blob metadata", head, key=key)
        sha256 = obj.metadata.get(_SHA256_HEADER) if obj.metadata is not None else None
        return BlobInfo(
            key=key,
            size=obj.size or 0,
            sha256=sha256,
            content_type=obj.content_type or DEFAULT_CONTENT_TYPE,
        )

    async def delete(self, key: str) -> None:
        try:
            remove = functools.partial(self._client.remove_object, self._bucket, validate_key(key))
            # S3 already treats deleting a missing key as success; a missing bucket is the
            # only not-found case left.
            await self._run("delete the blob", remove, key=key)
        except BlobNotFound:
            return

    async def presigned_get_url(self, key: str, expires: timedelta) -> str | None:
        sign = functools.partial(
            self._client.presigned_get_object, self._bucket, validate_key(key), expires=expires
        )
        return await self._run("sign a download URL", sign)

    async def check(self) -> None:
        # Always asks the server (never trusts the cached bucket flag), bounded in time even
        # if DNS or the network hangs: the abandoned thread finishes on its own.
        with anyio.move_on_after(_CHECK_TIMEOUT) as scope:
            await self._run("reach the bucket", self._create_bucket_if_missing, abandon=True)
            self._bucket_ready = True
        if scope.cancelled_caught:
            raise BlobStoreUnavailable(
                f"S3 endpoint {self._url} did not answer within {_CHECK_TIMEOUT:g} s"
            )

    async def close(self) -> None:
        self._http.clear()

    def _create_bucket_if_missing(self) -> None:
        if self._client.bucket_exists(self._bucket):
            return
        try:
            self._client.make_bucket(self._bucket)
        except S3Error as exc:
            # Another process created it between the two calls.
            if exc.code != "BucketAlreadyOwnedByYou":
                raise

    async def _remove_quietly(self, key: str) -> None:
        with contextlib.suppress(BlobNotFound, BlobStoreUnavailable):
            await self._run(
                "remove a failed upload",
                functools.partial(self._client.remove_object, self._bucket, key),
                key=key,
            )

    async def _run(
        self,
        action: str,
        func: Callable[[], T],
        *,
        key: str | None = None,
        abandon: bool = False,
    ) -> T:
        """Run an SDK call in a thread and turn its failures into blob-store errors.

        Not-found codes become BlobNotFound only when `key` says what was looked up;
        everything else means the store is unusable right now.
        """
        try:
            return await anyio.to_thread.run_sync(func, abandon_on_cancel=abandon)
        except S3Error as exc:
            if key is not None and exc.code in _NOT_FOUND_CODES:
                raise BlobNotFound(key) from exc
            raise BlobStoreUnavailable(
                f"S3 storage at {self._url} (bucket {self._bucket!r}) refused to {action}: "
                f"{exc.code}: {exc.message}"
            ) from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
            raise BlobStoreUnavailable(
                f"S3 storage at {self._url} (bucket {self._bucket!r}) could not {action}: {reason}"
            ) from exc


async def _no_chunks() -> AsyncIterator[bytes]:
    return
    yield  # an async generator that yields nothing


class _PartBuffer:
    """The bytes of one part, gathered as they arrive. It grows with its content (most files are
    far smaller than a part), and is refilled from the start once its part is sent."""

    def __init__(self, part_size: int) -> None:
        self.part_size = part_size
        self.data = bytearray()
        self.filled = 0

    @property
    def full(self) -> bool:
        return self.filled == self.part_size

    def add(self, chunk: bytes | memoryview) -> bytes | memoryview:
        """Take what fits of `chunk`; return the rest."""
        room = self.part_size - self.filled
        piece = chunk if len(chunk) <= room else memoryview(chunk)[:room]
        end = self.filled + len(piece)
        if len(self.data) >= end:
            self.data[self.filled : end] = piece
        else:
            self.data += piece
        self.filled = end
        return b"" if len(chunk) <= room else memoryview(chunk)[room:]

    def take(self) -> bytes:
        """The part's bytes, the buffer emptied for the next part. A copy, not a view: the SDK
        sends bytes in one call, which matters while the event loop's thread holds the GIL (a
        view goes out in 16 KiB sends, each waiting for the GIL)."""
        data = bytes(memoryview(self.data)[: self.filled])
        self.filled = 0
        return data


class _Handoff:
    """Bytes handed to a worker thread, and let go of there once taken: anyio's worker threads
    keep their last job (function and arguments) until the next one, which would keep a part in
    memory for as long as the thread idles."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def take(self) -> bytes:
        data, self._data = self._data, b""
        return data


class _ObjectWriter:
    """One object being written: a single PUT, or a multipart upload with one part in flight.

    A multipart upload whose size is unknown at its start uses the SDK's own part calls
    (`_create_multipart_upload`, `_upload_part`, `_complete_multipart_upload`,
    `_abort_multipart_upload`: what its `put_object` is made of), because `put_object` copies
    each part several times when the length is unknown.

    The digest is known only at the end: an object of one PUT carries it as metadata
    (x-amz-meta-sha256), one uploaded in parts does not. Setting it afterwards takes a copy of the
    object onto itself, which MinIO answers by writing the whole object again (245 ms for 90 MiB,
    as long as the upload's own writes); the database records every file's digest anyway."""

    def __init__(self, store: S3BlobStore, key: str, content_type: str) -> None:
        self._store = store
        self._client = store._client
        self._bucket = store._bucket
        self._key = key
        self._content_type = content_type
        self.upload_id: str | None = None
        self._parts: list[Part] = []
        self._in_flight: asyncio.Future[None] | None = None
        self._stored = False  # an object may exist under the key

    async def put_whole(self, buffer: _PartBuffer, digest: hashlib._Hash) -> None:
        handoff = _Handoff(buffer.take())

        def put() -> None:
            data = handoff.take()
            digest.update(data)
            self._client._put_object(
                self._bucket, self._key, data, self._headers(digest.hexdigest())
            )

        self._stored = True
        await self._store._run("upload the blob", put)

    async def send_part(self, buffer: _PartBuffer, digest: hashlib._Hash) -> None:
        """Start sending `buffer` as the next part, once the part before it has been sent."""
        await self._wait_for_part_in_flight()
        if self.upload_id is None:
            create = functools.partial(
                self._client._create_multipart_upload, self._bucket, self._key, self._headers()
            )
            self.upload_id = await self._store._run("start a multipart upload", create)
        if len(self._parts) + 1 > MAX_MULTIPART_COUNT:
            raise BlobStoreUnavailable(
                f"S3 storage takes at most {MAX_MULTIPART_COUNT} parts of "
                f"{self._store._part_size} bytes: the object is too large for the part size"
            )
        number = len(self._parts) + 1
        handoff = _Handoff(buffer.take())

        def upload() -> None:
            data = handoff.take()
            digest.update(data)  # parts are hashed in order: one is in flight at a time
            etag = self._client._upload_part(
                self._bucket, self._key, data, None, self.upload_id, number
            )
            self._parts.append(Part(number, etag))

        self._in_flight = asyncio.ensure_future(self._store._run("upload a part", upload))

    async def complete(self) -> None:
        await self._wait_for_part_in_flight()
        complete = functools.partial(
            self._client._complete_multipart_upload,
            self._bucket,
            self._key,
            self.upload_id,
            self._parts,
        )
        self._stored = True
        await self._store._run("complete the multipart upload", complete)

    async def discard(self) -> None:
        """Take back whatever this upload may have stored; never raises."""
        with contextlib.suppress(BaseException):
            await self._wait_for_part_in_flight()
        if self.upload_id is not None:  # refused harmlessly once the upload is complete
            abort = functools.partial(
                self._client._abort_multipart_upload, self._bucket, self._key, self.upload_id
            )
            with contextlib.suppress(BlobStoreUnavailable, BlobNotFound):
                await self._store._run("abort a multipart upload", abort)
        if self._stored:
            await self._store._remove_quietly(self._key)

    def _headers(self, sha256: str | None = None) -> dict[str, str]:
        headers = {"Content-Type": self._content_type}
        if sha256 is not None:
            headers[_SHA256_HEADER] = sha256
        return headers

    async def _wait_for_part_in_flight(self) -> None:
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            await in_flight
