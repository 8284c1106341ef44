"""S3 servers for tests: where one lives, a throwaway moto server, a fresh bucket."""

from __future__ import annotations

import contextlib
import select
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from minio import Minio

from storage import S3BlobStore


@dataclass(frozen=True)
class S3Endpoint:
    endpoint: str  # "host:port", as the minio SDK and S3BlobStore expect
    access_key: str
    secret_key: str
    secure: bool = False

    def client(self) -> Minio:
        """A plain SDK client, for inspecting buckets independently of the store."""
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=self.secure,
        )

    def store(self, bucket: str, **options: object) -> S3BlobStore:
        return S3BlobStore(
            self.endpoint,
            self.access_key,
            self.secret_key,
            bucket,
            secure=self.secure,
            **options,  # type: ignore[arg-type]
        )


# Runs in a separate process so the server's memory (it keeps objects in RAM) does not show
# up in the client-side memory measurements, and its global state can't leak into tests.
_MOTO_SERVER_SCRIPT = """
import logging, sys
from moto.server import ThreadedMotoServer
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # serve until the parent closes stdin (or exits)
server.stop()
"""


@contextlib.contextmanager
def start_moto_s3(startup_timeout: float = 30.0) -> Iterator[S3Endpoint]:
    """Run moto's ThreadedMotoServer on a free port of 127.0.0.1 until the block exits."""
    process = subprocess.Popen(
        [sys.executable, "-c", _MOTO_SERVER_SCRIPT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        ready, _, _ = select.select([process.stdout], [], [], startup_timeout)
        port = process.stdout.readline().strip() if ready else ""
        if not port.isdigit():
            raise RuntimeError(f"moto S3 server did not start within {startup_timeout} s")
        yield S3Endpoint(f"127.0.0.1:{port}", access_key="testing", secret_key="testing")
    finally:
        process.stdin.close()  # the server's signal to stop
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


@contextlib.contextmanager
def fresh_bucket(endpoint: S3Endpoint) -> Iterator[str]:
    """A bucket name no test has used; whatever ends up in it is removed afterwards.

    The bucket is not created here: creating it is the store's job.
    """
    name = f"hoso-test-{uuid.uuid4().hex[:16]}"
    try:
        yield name
    finally:
        client = endpoint.client()
        with contextlib.suppress(Exception):
            if client.bucket_exists(name):
                for obj in client.list_objects(name, recursive=True):
                    client.remove_object(name, obj.object_name)
                client.remove_bucket(name)
