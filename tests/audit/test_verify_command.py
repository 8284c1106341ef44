"""`hoso audit verify` as an operator runs it against the service's database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from typer.testing import CliRunner

from core.app import create_app
from core.audit.models import PROVINCE_CHAIN, event_key
from core.cli import app as hoso_cli
from core.settings import Settings
from tests.audit.conftest import FINANCE, PROVINCE, append, append_many, events
from tests.conftest import _drop_database
from tests.servers.launch import free_port

REPO = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def kept_database(settings: Settings) -> AsyncIterator[Litestar]:
    """The service on a database kept on disk or on the server (a command cannot see the
    in-memory one), dropped at the end. Open it with `app.lifespan()`."""
    app = create_app(settings)
    try:
        yield app
    finally:
        await _drop_database(app)


async def hoso(*args: str, env: dict[str, str]) -> Any:
    """The `hoso` command, run in this process (no new interpreter each time) in a thread of its
    own, as it runs its own event loop; exit code, stdout and stderr apart, as a terminal shows."""
    result = await asyncio.to_thread(CliRunner().invoke, hoso_cli, list(args), env=env)
    result.returncode = result.exit_code
    return result


def environment_of(settings: Settings) -> dict[str, str]:
    env = {
        "HOSO_MONGODB_DATABASE": settings.mongodb_database,
        "HOSO_DATA_DIR": str(settings.data_dir),
        "HOSO_UNITS_FILE": str(settings.units_file),
    }
    if settings.mongodb_url is not None:
        env["HOSO_MONGODB_URL"] = settings.mongodb_url
    return env


async def test_an_intact_history_exits_0_and_prints_each_chains_head(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(in_memory_database=False)
    async with kept_database(settings) as app:
        async with app.lifespan():
            runtime = app.state.runtime
            province = await append_many(runtime, 4, PROVINCE)
            finance = await append_many(runtime, 2, FINANCE)
            sign_in = await append(runtime, PROVINCE_CHAIN, action="sign_in")

        result = await hoso("audit", "verify", env=environment_of(settings))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{PROVINCE}: 4 events intact; head 4 {province[-1].hash}",
        f"{FINANCE}: 2 events intact; head 2 {finance[-1].hash}",
        f"{PROVINCE_CHAIN}: 1 events intact; head 1 {sign_in.hash}",
        "audit history intact: 3 chains, 7 events",
    ]


async def test_a_tampered_history_exits_1_naming_the_first_broken_link_of_each_chain(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(in_memory_database=False)
    async with kept_database(settings) as app:
        async with app.lifespan():
            runtime = app.state.runtime
            await append_many(runtime, 6, PROVINCE)
            await append_many(runtime, 3, FINANCE)
            await events().update_one(
                {"_id": event_key(PROVINCE, 3)}, {"$set": {"source": "10.0.0.1"}}
            )
            await events().delete_one({"_id": event_key(PROVINCE, 5)})

        everything = await hoso("audit", "verify", env=environment_of(settings))
        finance_only = await hoso(
            "audit", "verify", "--unit", FINANCE, env=environment_of(settings)
        )

    assert everything.returncode == 1, everything.stdout + everything.stderr
    assert everything.stdout.splitlines()[0] == (
        f"{PROVINCE}: BROKEN at event 3 (edited): event 3 does not match its hash: it was "
        "changed after it was written; 2 events intact before it"
    )
    assert everything.stdout.splitlines()[1].startswith(f"{FINANCE}: 3 events intact; head 3 ")
    assert everything.stdout.splitlines()[2] == "audit history BROKEN: 1 of 2 chains"
    assert finance_only.returncode == 0, finance_only.stdout + finance_only.stderr
    assert finance_only.stdout.splitlines()[-1] == "audit history intact: 1 chains, 3 events"


async def test_the_last_events_deleted_exit_1(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(in_memory_database=False)
    async with kept_database(settings) as app:
        async with app.lifespan():
            await append_many(app.state.runtime, 5, PROVINCE)
            await events().delete_one({"_id": event_key(PROVINCE, 5)})

        result = await hoso("audit", "verify", "--unit", PROVINCE, env=environment_of(settings))

    assert result.returncode == 1
    assert result.stdout.startswith(f"{PROVINCE}: BROKEN at event 5 (truncated): events 5 to 5")


async def test_a_history_that_cannot_be_read_exits_2_saying_why() -> None:
    port = free_port()
    unreachable = {
        "HOSO_MONGODB_URL": f"mongodb://127.0.0.1:{port}/",
        "HOSO_MONGODB_TIMEOUT_SECONDS": "1",
    }

    result = await hoso("audit", "verify", env=unreachable)
    in_memory = await hoso("audit", "verify", env={"HOSO_IN_MEMORY_DATABASE": "true"})

    assert result.returncode == 2
    assert f"cannot reach the database at mongodb://127.0.0.1:{port}/" in result.stderr
    assert "Traceback" not in result.stderr
    assert in_memory.returncode == 2
    assert "in_memory_database is set: there is no kept audit history" in in_memory.stderr
