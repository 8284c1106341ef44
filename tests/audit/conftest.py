"""Helpers for audit tests: a running service's runtime, events appended, the raw collections."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar

from core.audit.models import AuditChainMark, AuditEvent, event_key
from core.audit.service import record_event
from core.runtime import Runtime
from tests.conftest import concurrent_client

PROVINCE = "000.00.00.H25"
FINANCE = "000.00.06.H25"
CLERK = "user-clerk-1"


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[Runtime]:
    """The app's runtime with its database open, in this test's event loop (dropped after)."""
    async with concurrent_client(app):
        yield app.state.runtime


async def append(runtime: Runtime, chain: str = PROVINCE, **fields: Any) -> AuditEvent:
    """One event as a clerk's edit of a document would write it; `fields` override."""
    values: dict[str, Any] = {
        "chain": chain,
        "action": "document.edit",
        "actor": CLERK,
        "actor_kind": "user",
        "target_kind": "document",
        "target_id": "doc-1",
        "source": "203.0.113.7",
        "before": {"summary": "Về việc A", "revision": 1},
        "after": {"summary": "Về việc B", "revision": 2},
    }
    values.update(fields)
    return await record_event(runtime, **values)


async def append_many(runtime: Runtime, count: int, chain: str = PROVINCE) -> list[AuditEvent]:
    return [await append(runtime, chain, detail={"n": n}) for n in range(1, count + 1)]


def events() -> Any:
    """The raw collection of events: what someone with database access would edit."""
    return AuditEvent.get_motor_collection()


def marks() -> Any:
    return AuditChainMark.get_motor_collection()


async def stored(chain: str, seq: int) -> dict[str, Any]:
    found = await events().find_one({"_id": event_key(chain, seq)})
    assert found is not None, f"{chain} #{seq} is not stored"
    return found
