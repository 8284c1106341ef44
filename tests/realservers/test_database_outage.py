"""When the database goes away, /health says so within seconds, and the service comes back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import pytest
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.settings import Settings
from tests.accounts import admin_client
from tests.conftest import ON_FERRETDB
from tests.documents.conftest import create, outgoing
from tests.servers.launch import FerretDBServer

pytestmark = pytest.mark.skipif(
    not ON_FERRETDB, reason="kills and restarts a FerretDB server (HOSO_TEST_MONGODB=ferretdb)"
)


@pytest.fixture
def own_ferretdb() -> Iterator[FerretDBServer]:
    """A FerretDB of this test's own, so stopping it disturbs no other test."""
    with FerretDBServer() as server:
        yield server


async def wait_for_status(client: AsyncTestClient, status: int, within: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        response = await client.get("/health")
        if response.status_code == status:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    pytest.fail(f"/health did not answer {status} within {within} s")


async def test_killed_database_turns_health_503_within_5_s_and_the_service_recovers(
    own_ferretdb: FerretDBServer, make_settings: Callable[..., Settings]
) -> None:
    app = create_app(make_settings(mongodb_url=own_ferretdb.url))
    async with admin_client(app) as client:
        assert (await client.get("/health")).status_code == 200
        before = await create(client, outgoing())

        own_ferretdb.kill()
        took = await wait_for_status(client, 503, within=5)
        down = (await client.get("/health")).json()
        refused = await client.post("/api/v1/documents", json=outgoing())

        own_ferretdb.start()
        recovered_in = await wait_for_status(client, 200, within=20)
        after = await create(client, outgoing())
        kept = await client.get(f"/api/v1/documents/{before['id']}")

    print(f"\n/health: 503 {took:.1f} s after the kill; 200 {recovered_in:.1f} s after restart")
    assert down["checks"]["database"]["status"] == "unavailable"
    assert down["checks"]["blobs"]["status"] == "ok"
    assert down["detail"].startswith("database:")
    assert refused.status_code == 503
    assert "database" in refused.json()["detail"]
    assert after["id"] != before["id"]
    assert kept.status_code == 200
