"""Upload and download 1 MiB and 90 MiB files, one at a time, and the service's peak memory;
beside the same bytes put into and read from the blob store directly.

Uploads both ways the API takes them: the file as the request body (`?name=`) and
multipart/form-data (parsed as it arrives); both stream each file into the store, written once.

Raw: on the embedded tier, a file written (and fsynced, as the store does) in the blob folder and
read back, 1 MiB at a time; on the servers tier, the minio SDK's put_object (8 MiB parts, the
service's) and get_object on the same MinIO bucket.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import aiohttp

from bench import load
from bench.fill import DRAFT_BODY
from bench.report import Row, verdict
from bench.scenarios import Options
from bench.service import Tier, running_service
from core.settings import Settings

MiB = 1024 * 1024
PART_SIZE = 8 * MiB  # what storage/s3.py uses
MEMORY_LIMIT = 64 * MiB


async def run(tier: Tier, options: Options) -> tuple[list[Row], list[str]]:
    plan = {1 * MiB: options.scale(10, 2), 90 * MiB: options.scale(2, 1)}
    settings = tier.fresh("files")
    sources = {size: _make_file(tier.root / f"upload-{size // MiB}MiB.pdf", size) for size in plan}
    warm = _make_file(tier.root / "warm-up.pdf", 64 * 1024)
    served: dict[int, dict[str, float]] = {}
    with running_service(settings, workers=1) as service:
        async with load.http_client(service.base, 1) as http:
            created = await load.call(http, "POST", "/api/v1/documents", 201, json=DRAFT_BODY)
            files_url = f"/api/v1/documents/{created['id']}/files"
            await _through_service(http, files_url, warm, 1)  # loads every code path
            before = service.peak_rss()
            for size, repeats in plan.items():
                served[size] = await _through_service(http, files_url, sources[size], repeats)
            after = service.peak_rss()
    raw = {size: _raw(tier, settings, sources[size][0], plan[size]) for size in plan}

    rows = []
    for size in plan:
        for way, label, raw_index in (
            ("body", "upload {} MiB file as the body, 1 client", 0),
            ("multipart", "upload {} MiB file as multipart/form-data, 1 client", 0),
            ("download", "download {} MiB file, 1 client", 1),
        ):
            rate, raw_rate = served[size][way], raw[size][raw_index]
            rows.append(
                Row(
                    label.format(size // MiB),
                    f"{rate:.0f} MiB/s",
                    f"{raw_rate:.0f} MiB/s",
                    rate / raw_rate,
                    "≥ 0.8× raw",
                    verdict(rate / raw_rate >= 0.8),
                )
            )
    growth = after - before
    rows.append(
        Row(
            "service peak memory (VmHWM) over these transfers",
            f"+{growth / MiB:.1f} MiB ({before / MiB:.0f} → {after / MiB:.0f} MiB)",
            target="growth < 64 MiB",
            verdict=verdict(growth < MEMORY_LIMIT),
        )
    )
    counts = ", ".join(f"{n}× {size // MiB} MiB" for size, n in plan.items())
    notes = [
        f"files: {counts}, each uploaded as the body and as multipart/form-data, each upload "
        "downloaded whole; SHA-256 and size checked; raw: "
        + (
            "minio SDK on the same MinIO bucket"
            if tier.name == "servers"
            else "a file in the blob folder, written + fsync, read back"
        )
        + "."
    ]
    return rows, notes


def _make_file(path: Path, size: int) -> tuple[Path, str]:
    """Random bytes behind a PDF signature (the service checks a PDF starts with it)."""
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        written = 0
        while written < size:
            chunk = os.urandom(min(MiB, size - written))
            if written == 0:
                chunk = b"%PDF-1.7\n" + chunk[9:]
            digest.update(chunk)
            handle.write(chunk)
            written += len(chunk)
    return path, digest.hexdigest()


async def _through_service(
    http: aiohttp.ClientSession, files_url: str, source: tuple[Path, str], repeats: int
) -> dict[str, float]:
    """Upload the file `repeats` times each way, downloading each upload; MiB/s of each."""
    path, sha256 = source
    size = path.stat().st_size
    spent = {"body": 0.0, "multipart": 0.0, "download": 0.0}
    for _ in range(repeats):
        for way in ("body", "multipart"):
            started = time.perf_counter()
            with path.open("rb") as handle:
                if way == "body":
                    answer = await load.call(
                        http,
                        "POST",
                        files_url,
                        201,
                        params={"role": "attachment", "name": path.name},
                        data=handle,
                        headers={"Content-Type": "application/pdf"},
                    )
                else:
                    form = aiohttp.FormData()
                    form.add_field(
                        "files", handle, filename=path.name, content_type="application/pdf"
                    )
                    answer = await load.call(
                        http, "POST", files_url, 201, params={"role": "attachment"}, data=form
                    )
            spent[way] += time.perf_counter() - started
            stored = answer[0]
            if stored["sha256"] != sha256 or stored["size"] != size:
                raise RuntimeError(f"the service stored {stored['size']} bytes, not {size}")
            started = time.perf_counter()
            received = 0
            async with http.get(f"{files_url}/{stored['file_id']}/content") as download:
                load.check(download, 200)
                async for chunk in download.content.iter_chunked(MiB):
                    received += len(chunk)
            spent["download"] += time.perf_counter() - started
            if received != size:
                raise RuntimeError(f"downloaded {received} bytes of {size}")
    downloads = 2 * repeats
    return {
        "body": size * repeats / MiB / spent["body"],
        "multipart": size * repeats / MiB / spent["multipart"],
        "download": size * downloads / MiB / spent["download"],
    }


def _raw(tier: Tier, settings: Settings, path: Path, repeats: int) -> tuple[float, float]:
    size = path.stat().st_size
    up = down = 0.0
    for n in range(repeats):
        if tier.minio is not None:
            client, key = tier.minio.client(), f"raw/{path.name}-{n}"
            started = time.perf_counter()
            with path.open("rb") as handle:
                client.put_object(settings.s3_bucket, key, handle, size, part_size=PART_SIZE)
            up += time.perf_counter() - started
            started = time.perf_counter()
            response = client.get_object(settings.s3_bucket, key)
            try:
                while response.read(MiB, decode_content=False):
                    pass
            finally:
                response.close()
                response.release_conn()
            down += time.perf_counter() - started
        else:
            target = settings.blob_dir / f"raw-{n}"
            started = time.perf_counter()
            with path.open("rb") as source, target.open("wb") as sink:
                while chunk := source.read(MiB):
                    sink.write(chunk)
                sink.flush()
                os.fsync(sink.fileno())
            up += time.perf_counter() - started
            started = time.perf_counter()
            with target.open("rb") as handle:
                while handle.read(MiB):
                    pass
            down += time.perf_counter() - started
            target.unlink()
    return size * repeats / MiB / up, size * repeats / MiB / down
