"""A 50 MB file goes through a running service without the service holding it in memory."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from tests.accounts import ADMIN_HEADERS
from tests.documents.conftest import outgoing
from tests.service_process import running_service

SIZE = 50 * 1024 * 1024
# Peak resident memory the service may gain while taking and giving back the file. Measured:
# about +7 MiB with files on disk, +19 MiB with MinIO (the S3 client holds up to two 8 MiB parts).
ALLOWED_GROWTH = 30 * 1024 * 1024


def peak_rss(pid: int) -> int:
    """VmHWM: the most resident memory the process has ever had, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


@pytest.fixture
def service(settings: Settings) -> Iterator[tuple[str, int]]:
    with running_service(settings) as (base, pid):
        yield base, pid


@pytest.fixture
def big_file(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "Hồ sơ quét.pdf"
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for n in range(SIZE // (1024 * 1024)):
            # Random bytes behind a PDF's signature: the service checks that a PDF starts with it.
            head = b"%PDF-1.7\n" if n == 0 else b""
            chunk = head + os.urandom(1024 * 1024 - len(head))
            digest.update(chunk)
            handle.write(chunk)
    return path, digest.hexdigest()


def upload_and_download(base: str, document_id: str, path: Path, name: str) -> tuple[dict, str]:
    with path.open("rb") as handle:
        response = httpx.post(
            f"{base}/api/v1/documents/{document_id}/files",
            files=[("files", (name, handle, "application/pdf"))],
            params={"role": "attachment"},
            headers=ADMIN_HEADERS,
            timeout=120,
        )
    assert response.status_code == 201, response.text
    stored = response.json()[0]
    digest = hashlib.sha256()
    url = f"{base}/api/v1/documents/{document_id}/files/{stored['file_id']}/content"
    with httpx.stream("GET", url, headers=ADMIN_HEADERS, timeout=120) as download:
        assert download.status_code == 200
        for chunk in download.iter_bytes():
            digest.update(chunk)
    return stored, digest.hexdigest()


def test_50_mb_upload_and_download_keep_the_service_memory_flat(
    service: tuple[str, int], big_file: tuple[Path, str], tmp_path: Path
) -> None:
    base, pid = service
    path, expected_sha256 = big_file
    document = httpx.post(
        f"{base}/api/v1/documents", json=outgoing(), headers=ADMIN_HEADERS, timeout=10
    ).json()
    small = tmp_path / "warm-up.pdf"
    small.write_bytes(b"%PDF-1.4 warm up" * 1000)
    upload_and_download(base, document["id"], small, "warm-up.pdf")  # load every code path
    before = peak_rss(pid)

    started = time.monotonic()
    stored, downloaded_sha256 = upload_and_download(base, document["id"], path, path.name)
    seconds = time.monotonic() - started
    growth = peak_rss(pid) - before

    print(
        f"\n50 MB through the API: {seconds:.1f} s up+down, service peak RSS "
        f"{before / 2**20:.0f} MiB → {(before + growth) / 2**20:.0f} MiB "
        f"(+{growth / 2**20:.1f} MiB)"
    )
    assert stored["size"] == SIZE
    assert stored["sha256"] == expected_sha256
    assert downloaded_sha256 == expected_sha256
    assert growth < ALLOWED_GROWTH, f"service memory grew by {growth / 2**20:.1f} MiB"
