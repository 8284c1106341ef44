"""Blob store on a local (or mounted) directory.

Layout under `root`:
    ab/cd/<hex>            the blob bytes
    ab/cd/<hex>.meta.json  size, sha256 and content type, so stat never rereads the data
    .tmp/                  in-progress writes; same filesystem, so the final rename is atomic
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, NamedTuple, TypeVar

import anyio.to_thread

from storage.base import (
    CHUNK_SIZE,
    DEFAULT_CONTENT_TYPE,
    BlobInfo,
    BlobNotFound,
    BlobStoreUnavailable,
    check_range,
    new_key,
    spool,
    validate_key,
)

T = TypeVar("T")

_META_SUFFIX = ".meta.json"


class FilesystemBlobStore:
    def __init__(self, root: Path) -> None:
        self._root = Path(root)
        self._tmp_dir = self._root / ".tmp"

    def __repr__(self) -> str:
        return f"FilesystemBlobStore({str(self._root)!r})"

    async def put(
        self,
        chunks: AsyncIterable[bytes],
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        max_size: int | None = None,
    ) -> BlobInfo:
        key = new_key()
        files = self._files(key)
        sink: BinaryIO | None = None
        try:
            create = functools.partial(self._create_temp, files.tmp_data)
            sink = await self._io("create a temporary file", create)
            size, sha256 = await spool(
                chunks, sink, max_size=max_size, where=f"temporary file {files.tmp_data}"
            )
            info = BlobInfo(key=key, size=size, sha256=sha256, content_type=content_type)
            await self._io("store the blob", functools.partial(_commit, sink, info, files))
        except BaseException:
            # Whatever went wrong (too large, input stream error, disk error, cancellation),
            # remove every file this put may have created. The key is fresh, so its final
            # paths cannot belong to anyone else. Shielded so cancellation can't skip it.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(_discard, sink, files)
            raise
        return info

    async def open(
        self, key: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        check_range(offset, length)
        # Fail here, before any chunk, so an HTTP layer can still answer 404. The file itself
        # is opened lazily by the iterator, so an iterator that is never consumed holds
        # nothing open.
        data_path = self._files(key).data
        exists = await self._io("look up the blob", data_path.is_file)
        if not exists:
            raise BlobNotFound(key)
        return self._read(key, data_path, offset, length)

    async def _read(
        self, key: str, data_path: Path, offset: int, length: int | None
    ) -> AsyncIterator[bytes]:
        open_at = functools.partial(_open_blob, key, data_path, offset)
        handle = await self._io("open the blob", open_at)
        remaining = length  # None: up to the end of the file
        try:
            while remaining is None or remaining > 0:
                want = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                chunk = await self._io("read the blob", functools.partial(handle.read, want))
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            # Closing a read-only file never flushes, so doing it inline cannot block.
            handle.close()

    async def stat(self, key: str) -> BlobInfo:
        files = self._files(key)
        return await self._io("read blob metadata", functools.partial(_read_info, key, files))

    async def delete(self, key: str) -> None:
        try:
            files = self._files(key)
        except BlobNotFound:
            return  # a malformed key names nothing, so there is nothing to delete
        # Data first: its presence is what makes the blob exist, so a crash between the two
        # unlinks leaves at most an orphaned sidecar, never a blob without metadata.
        await self._io("delete the blob", functools.partial(_unlink, files.data, files.meta))

    async def presigned_get_url(self, key: str, expires: timedelta) -> str | None:
        validate_key(key)
        return None  # files are served through the application

    async def check(self) -> None:
        await anyio.to_thread.run_sync(self._probe)

    async def close(self) -> None:
        return None  # holds no resources between calls

    def _files(self, key: str) -> _BlobFiles:
        data = self._root / validate_key(key)
        return _BlobFiles(
            data=data,
            meta=data.with_name(data.name + _META_SUFFIX),
            # Named after the key rather than random: cleanup knows them without bookkeeping,
            # and uuid4 keys never collide.
            tmp_data=self._tmp_dir / f"{data.name}.data",
            tmp_meta=self._tmp_dir / f"{data.name}.meta",
        )

    async def _io(self, action: str, func: Callable[[], T]) -> T:
        """Run blocking file work in a thread; OS errors become BlobStoreUnavailable."""
        try:
            return await anyio.to_thread.run_sync(func)
        except OSError as exc:
            raise BlobStoreUnavailable(
                f"cannot {action} in blob directory {self._root}: {exc}"
            ) from exc

    def _create_temp(self, path: Path) -> BinaryIO:
        self._tmp_dir.mkdir(parents=True, exist_ok=True)
        return path.open("xb")  # exclusive: never reuse someone else's temp file

    def _probe(self) -> None:
        try:
            self._tmp_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BlobStoreUnavailable(
                f"blob directory {self._root} cannot be created: {exc.strerror or exc}"
            ) from exc
        probe = self._tmp_dir / f"probe-{uuid.uuid4().hex}"
        try:
            with probe.open("xb") as handle:
                handle.write(b"ok")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise BlobStoreUnavailable(
                f"blob directory {self._root} is not writable: {exc.strerror or exc}"
            ) from exc
        finally:
            with contextlib.suppress(OSError):
                probe.unlink(missing_ok=True)


class _BlobFiles(NamedTuple):
    data: Path
    meta: Path
    tmp_data: Path
    tmp_meta: Path


def _commit(sink: BinaryIO, info: BlobInfo, files: _BlobFiles) -> None:
    # Data must be on disk before the rename makes it visible, or a crash could expose a
    # truncated blob under its final name.
    sink.flush()
    os.fsync(sink.fileno())
    sink.close()
    meta = {"size": info.size, "sha256": info.sha256, "content_type": info.content_type}
    with files.tmp_meta.open("x", encoding="utf-8") as handle:
        json.dump(meta, handle)
        handle.flush()
        os.fsync(handle.fileno())
    files.data.parent.mkdir(parents=True, exist_ok=True)
    # Sidecar first: once the data file appears, its metadata is already in place.
    os.replace(files.tmp_meta, files.meta)
    os.replace(files.tmp_data, files.data)
    _fsync_dir(files.data.parent)


def _read_info(key: str, files: _BlobFiles) -> BlobInfo:
    try:
        size = files.data.stat().st_size
    except FileNotFoundError:
        raise BlobNotFound(key) from None
    try:
        meta = json.loads(files.meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}  # a blob without a readable sidecar is still served, just without a digest
    if not isinstance(meta, dict):
        meta = {}
    sha256 = meta.get("sha256")
    content_type = meta.get("content_type")
    return BlobInfo(
        key=key,
        size=size,
        sha256=sha256 if isinstance(sha256, str) else None,
        content_type=content_type if isinstance(content_type, str) else DEFAULT_CONTENT_TYPE,
    )


def _open_blob(key: str, data_path: Path, offset: int) -> BinaryIO:
    try:
        handle = data_path.open("rb")
    except FileNotFoundError:
        raise BlobNotFound(key) from None  # deleted between open() and the first read
    try:
        handle.seek(offset)  # past the end is allowed: the first read then returns nothing
    except BaseException:
        handle.close()
        raise
    return handle


def _unlink(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _discard(sink: BinaryIO | None, paths: Iterable[Path]) -> None:
    """Best-effort cleanup after a failed put; must not mask the original error."""
    if sink is not None:
        with contextlib.suppress(OSError):
            sink.close()
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
