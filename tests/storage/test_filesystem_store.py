"""Filesystem-only behaviour: directory health, on-disk layout, failures of the disk."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from storage import BlobNotFound, BlobStoreUnavailable, FilesystemBlobStore


async def chunks_of(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


# Tests run as root, for whom chmod cannot make a directory unwritable; a regular file where
# a directory should be fails for everyone.
def blob_dir_below_a_file(tmp_path: Path) -> Path:
    (tmp_path / "not-a-dir").write_text("x")
    return tmp_path / "not-a-dir" / "blobs"


def blob_dir_that_is_a_file(tmp_path: Path) -> Path:
    (tmp_path / "blobs").write_text("x")
    return tmp_path / "blobs"


broken_blob_dirs = pytest.mark.parametrize(
    "make_broken_dir", [blob_dir_below_a_file, blob_dir_that_is_a_file]
)


async def test_check_creates_a_missing_directory(tmp_path: Path) -> None:
    root = tmp_path / "var" / "blobs"

    await FilesystemBlobStore(root).check()

    assert root.is_dir()
    assert files_under(root) == []


@broken_blob_dirs
async def test_check_reports_an_unusable_directory(
    tmp_path: Path, make_broken_dir: Callable[[Path], Path]
) -> None:
    root = make_broken_dir(tmp_path)

    with pytest.raises(BlobStoreUnavailable) as raised:
        await FilesystemBlobStore(root).check()

    assert str(root) in str(raised.value)
    assert "Not a directory" in str(raised.value) or "File exists" in str(raised.value)


@broken_blob_dirs
async def test_put_into_an_unusable_directory_is_unavailable(
    tmp_path: Path, make_broken_dir: Callable[[Path], Path]
) -> None:
    root = make_broken_dir(tmp_path)

    with pytest.raises(BlobStoreUnavailable):
        await FilesystemBlobStore(root).put(chunks_of(b"data"))


async def test_disk_failure_during_put_is_unavailable_and_leaves_nothing(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    store = FilesystemBlobStore(root)

    async def temp_dir_vanishes_midway() -> AsyncIterator[bytes]:
        yield b"first"
        shutil.rmtree(root / ".tmp")  # the commit can no longer write or rename
        yield b"second"

    with pytest.raises(BlobStoreUnavailable) as raised:
        await store.put(temp_dir_vanishes_midway())

    assert str(root) in str(raised.value)
    assert files_under(root) == []


async def test_successful_put_leaves_no_temporary_files(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    store = FilesystemBlobStore(root)

    info = await store.put(chunks_of(b"data"), content_type="text/plain")

    assert files_under(root / ".tmp") == []
    assert [p.relative_to(root).as_posix() for p in files_under(root)] == sorted(
        [info.key, f"{info.key}.meta.json"]
    )


async def test_sidecar_records_size_digest_and_content_type(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    store = FilesystemBlobStore(root)
    info = await store.put(chunks_of(b"data"), content_type="text/plain")

    meta = json.loads((root / f"{info.key}.meta.json").read_text())

    assert meta == {"size": 4, "sha256": info.sha256, "content_type": "text/plain"}


async def test_blob_without_sidecar_is_served_without_digest(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    store = FilesystemBlobStore(root)
    info = await store.put(chunks_of(b"data"), content_type="text/plain")
    (root / f"{info.key}.meta.json").unlink()

    stat = await store.stat(info.key)

    assert (stat.size, stat.sha256, stat.content_type) == (4, None, "application/octet-stream")


async def test_traversal_keys_never_touch_files_outside_the_directory(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    store = FilesystemBlobStore(root)
    await store.check()
    victim = tmp_path / "victim"
    victim.write_text("keep me")

    for key in ["../victim", str(victim), "ab/../../victim"]:
        await store.delete(key)
        with pytest.raises(BlobNotFound):
            await store.stat(key)

    assert victim.read_text() == "keep me"
