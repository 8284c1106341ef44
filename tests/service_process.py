"""Run the service as a user does, `python -m core serve`, in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import IO

import httpx

from core.settings import Settings
from tests.servers.launch import free_port

REPO = Path(__file__).resolve().parent.parent


def service_env(settings: Settings, port: int) -> dict[str, str]:
    """Environment that makes a `hoso serve` process use the same stores as `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    env.update(
        HOSO_PORT=str(port),
        HOSO_BLOB_DIR=str(settings.blob_dir),
        HOSO_DATA_DIR=str(settings.data_dir),
        HOSO_IN_MEMORY_DATABASE=str(settings.in_memory_database).lower(),
        HOSO_MONGODB_DATABASE=settings.mongodb_database,
        HOSO_LOG_LEVEL="warning",
    )
    if settings.bootstrap_token:
        env["HOSO_BOOTSTRAP_TOKEN"] = settings.bootstrap_token
    if settings.mongodb_url:
        env["HOSO_MONGODB_URL"] = settings.mongodb_url
    if settings.s3_endpoint:
        env.update(
            HOSO_S3_ENDPOINT=settings.s3_endpoint,
            HOSO_S3_ACCESS_KEY=settings.s3_access_key,
            HOSO_S3_SECRET_KEY=settings.s3_secret_key,
            HOSO_S3_BUCKET=settings.s3_bucket,
        )
    return env


@contextmanager
def running_service(
    settings: Settings, timeout: float = 30, stderr: IO[bytes] | None = None
) -> Iterator[tuple[str, int]]:
    """Start a service process; yield its base URL and pid once /health answers; stop it.

    What the process writes to stderr goes to `stderr` when given (a file the test reads),
    else to a temporary file shown if the service does not start."""
    port = free_port()
    with tempfile.TemporaryFile() if stderr is None else nullcontext(stderr) as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "core", "serve"],
            cwd=REPO,
            env=service_env(settings, port),
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    errors.seek(0)
                    said = errors.read()[-3000:].decode("utf-8", "replace")
                    raise RuntimeError(f"the service on port {port} did not start:\n{said}")
                time.sleep(0.2)
            yield base, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
