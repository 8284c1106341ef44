"""Smoke tests for the real-server launchers: each server starts, serves, survives what the
server tier needs (a crash and restart for FerretDB), and is stopped afterwards.

Skipped when the binaries are not built; build them with ``tests/servers/build.sh``.
"""

from __future__ import annotations

import io
import os
import signal
import urllib.request
from datetime import timedelta

import pytest

from .launch import FerretDBServer, MinioServer, server_binary, servers_bin_dir


def _needs(name: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        server_binary(name) is None,
        reason=f"{name} binary not built ({servers_bin_dir() / name}): run tests/servers/build.sh",
    )


@_needs("ferretdb")
def test_ferretdb_insert_find_unique_and_restart_after_crash() -> None:
    pymongo = pytest.importorskip("pymongo")
    from pymongo.errors import DuplicateKeyError

    with FerretDBServer() as server:
        assert server.running
        assert server.url == f"mongodb://127.0.0.1:{server.port}/"
        port, data_dir = server.port, server.data_dir

        client = pymongo.MongoClient(server.url, serverSelectionTimeoutMS=5000)
        try:
            docs = client["hoso_smoke"]["docs"]
            docs.create_index("code", unique=True)
            docs.insert_one({"code": "CV-1", "title": "first"})
            docs.insert_one({"code": "CV-2", "title": "second"})
            assert docs.find_one({"code": "CV-1"}, {"_id": 0}) == {"code": "CV-1", "title": "first"}
            with pytest.raises(DuplicateKeyError):
                docs.insert_one({"code": "CV-1", "title": "again"})
        finally:
            client.close()

        # A crash: SIGKILL, nothing flushed on purpose. Then the same server comes back.
        assert server.kill() == -signal.SIGKILL
        assert not server.running
        server.start()
        assert server.running
        assert (server.port, server.data_dir) == (port, data_dir)

        client = pymongo.MongoClient(server.url, serverSelectionTimeoutMS=5000)
        try:
            docs = client["hoso_smoke"]["docs"]
            assert sorted(d["code"] for d in docs.find()) == ["CV-1", "CV-2"]
            # The unique index survived the crash too.
            with pytest.raises(DuplicateKeyError):
                docs.insert_one({"code": "CV-2"})
        finally:
            client.close()

        process = server.process
    assert process is not None
    assert process.returncode == 0  # SIGTERM is a clean shutdown
    assert not server.running
    assert not server.tmp_dir.exists()


@_needs("minio")
def test_minio_bucket_multipart_and_presigned_get() -> None:
    pytest.importorskip("minio")
    part = 5 * 1024 * 1024
    payload = os.urandom(part + 512 * 1024)  # just over one part: a two-part upload

    with MinioServer() as server:
        assert server.running
        assert server.endpoint == f"127.0.0.1:{server.port}"
        assert len(server.secret_key) >= 8

        client = server.client()
        client.make_bucket("hoso-smoke")
        client.put_object(
            "hoso-smoke", "blobs/big.bin", io.BytesIO(payload), length=-1, part_size=part
        )
        stat = client.stat_object("hoso-smoke", "blobs/big.bin")
        assert stat.size == len(payload)
        assert stat.etag.endswith("-2"), stat.etag  # S3's mark of a multipart upload

        response = client.get_object("hoso-smoke", "blobs/big.bin")
        try:
            assert response.read() == payload
        finally:
            response.close()
            response.release_conn()

        url = client.presigned_get_object(
            "hoso-smoke", "blobs/big.bin", expires=timedelta(minutes=5)
        )
        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with no_proxy.open(url, timeout=30) as fetched:
            assert fetched.status == 200
            assert fetched.read() == payload

        process = server.process
    assert process is not None
    assert process.returncode is not None
    assert not server.running
    assert not server.tmp_dir.exists()
