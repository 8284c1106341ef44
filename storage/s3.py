"""Blob store on any S3-compatible server (MinIO, versitygw, Ceph RGW, AWS S3, ...).

Only plain S3 operations are used: PUT/multipart upload, GET, HEAD, DELETE, presigned GET,
HEAD/PUT bucket. The `minio` SDK is synchronous, so every call runs in a worker thread.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable
from datetime import timedelta
from typing import BinaryIO, TypeVar

import anyio
import anyio.to_thread
import certifi
import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from minio.helpers import MAX_MULTIPART_COUNT, MAX_PART_SIZE, MIN_PART_SIZE, check_bucket_name

from storage.base import (
    CHUNK_SIZE,
    DEFAULT_CONTENT_TYPE,
    BlobInfo,
    BlobNotFound,
    BlobStoreUnavailable,
    check_range,
    clamp_range,
    new_key,
    spool,
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
        # Spooling to disk first means the size limit is enforced before anything reaches
        # S3, the digest can be stored as object metadata, and the SDK knows the length, so
        # it uploads in parts with memory bounded by the part size, not the object size.
        spool_file = await self._create_spool_file()
        try:
            size, sha256 = await spool(
                chunks, spool_file, max_size=max_size, where="the upload spool file"
            )
            await anyio.to_thread.run_sync(spool_file.seek, 0)
            upload = functools.partial(
                self._client.put_object,
                self._bucket,
                key,
                spool_file,
                size,
                content_type=content_type,
                metadata={_SHA256_HEADER: sha256},
                # Grow parts only when the object would otherwise need more than S3's
                # 10,000 parts (beyond ~78 GiB at the default part size).
                part_size=max(self._part_size, math.ceil(size / MAX_MULTIPART_COUNT)),
                # Parallel parts would each sit in memory as well; one at a time keeps the
                # memory an upload needs independent of the object size.
                num_parallel_uploads=1,
            )
            try:
                await self._run("upload the blob", upload)
            except BaseException:
                # The object may exist even though the call failed (response lost, or
                # cancelled after completion); the key is fresh, so removing it is safe.
                with anyio.CancelScope(shield=True):
                    await self._remove_quietly(key)
                raise
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_close_quietly, spool_file)
        return BlobInfo(key=key, size=size, sha256=sha256, content_type=content_type)

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

    async def _create_spool_file(self) -> BinaryIO:
        try:
            # Anonymous temp file: the OS deletes it even if the process dies. Honours TMPDIR.
            return await anyio.to_thread.run_sync(
                functools.partial(tempfile.TemporaryFile, prefix="hoso-upload-")
            )
        except OSError as exc:
            raise BlobStoreUnavailable(
                f"cannot create the upload spool file in {tempfile.gettempdir()}: {exc}"
            ) from exc

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


def _close_quietly(handle: BinaryIO) -> None:
    with contextlib.suppress(OSError):
        handle.close()
