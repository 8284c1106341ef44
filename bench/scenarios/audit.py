"""Append audit events from 16 concurrent writers to one chain, time an append at 10 and at 10,000
events, and verify the chain.

In-process, through `record_event` (no HTTP endpoint records events yet): the writers are split
over as many simulated service workers as the tier runs (each with its own memory of the chain
and no lock shared with the others), so they race in the database as workers do. Raw limits:
inserting event-sized documents under unique `_id`s at the same concurrency (what appending
cannot do without), and reading the whole collection once without a sort (what verifying cannot
do without).
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime
from typing import Any

from bench import load
from bench.fill import PROVINCE
from bench.report import Row, verdict
from bench.scenarios import Options
from bench.service import Tier
from core.app import create_app
from core.audit.hashing import event_hash
from core.audit.models import GENESIS_HASH, AuditChainMark, AuditEvent, event_key
from core.audit.service import record_event
from core.audit.verify import verify_chains
from core.runtime import Runtime

CLIENTS = 16
SECONDS = 120.0
LATENCY_SAMPLES = 30
AFTER = {"summary": "Về việc ban hành Quy chế làm việc", "revision": 2, "state": "draft"}


async def run(tier: Tier, options: Options) -> tuple[list[Row], list[str]]:
    count = options.scale(2000, 100)
    long_chain = options.scale(10_000, 500)
    app = create_app(tier.fresh("audit"))
    async with app.lifespan():
        runtime: Runtime = app.state.runtime
        workers = [_worker(runtime) for _ in range(tier.max_workers)]
        appended = await load.run(
            lambda i: _append(workers[i % len(workers)], PROVINCE),
            concurrency=CLIENTS,
            count=count,
            seconds=SECONDS,
        )
        verify_wall, scan_wall = await _verify_and_scan()
        (report,) = await verify_chains(chain=PROVINCE)
        raw = await load.run(_raw_insert(), concurrency=CLIENTS, count=count, seconds=SECONDS)

        short = await _latencies(runtime, "000.00.06.H25", 10)
        long = await _latencies(runtime, "000.00.05.H25", long_chain)

    sound = report.intact and report.events == appended.done and not appended.errors
    ratio = appended.rate / raw.rate if raw.rate else float("nan")
    rows = [
        Row(
            f"append audit events, {CLIENTS} writers on one chain, {len(workers)} worker(s)",
            f"{appended.rate:.0f}/s ({appended.done} events; chain intact: {report.intact})",
            f"{raw.rate:.0f}/s",
            ratio,
            "≥ 0.25× raw, chain intact",
            verdict(ratio >= 0.25 and sound),
        ),
        Row(
            f"append latency (p50) at 10 and {long_chain:,} events in the chain",
            f"{short * 1000:.1f} ms / {long * 1000:.1f} ms",
            "—",
            short / long if long else None,
            "no slower with the chain's size (≥ 0.8×)",
            verdict(long <= short / 0.8),
        ),
        Row(
            f"verify a chain of {report.events:,} events",
            f"{verify_wall:.2f} s",
            f"{scan_wall:.2f} s (one unsorted read of the collection)",
            scan_wall / verify_wall if verify_wall else None,
        ),
    ]
    notes = [
        f"audit: {appended.done} appends in {appended.wall:.1f} s (p50 "
        f"{appended.percentile(50) * 1000:.0f} ms, p95 {appended.percentile(95) * 1000:.0f} ms). "
        f"{appended.error_summary()} Raw: {raw.done} inserts in {raw.wall:.2f} s."
    ]
    return rows, notes


def _worker(runtime: Runtime) -> Runtime:
    return dataclasses.replace(runtime, audit_heads={}, audit_locks={})


async def _append(runtime: Runtime, chain: str) -> object:
    return await record_event(
        runtime,
        chain=chain,
        action="document.edit",
        actor="user-clerk-1",
        actor_kind="user",
        target_kind="document",
        target_id="6750a1b2c3d4e5f601234567",
        source="203.0.113.7",
        before={**AFTER, "revision": 1},
        after=AFTER,
        detail={"fields": ["summary"]},
    )


def _raw_insert() -> Any:
    collection = AuditEvent.get_motor_collection()
    counter = iter(range(1, 10**9))
    template = {"action": "document.edit", "actor": "user-clerk-1", "hash": "0" * 64}

    async def insert(_: int) -> None:
        key = event_key("raw", next(counter))
        await collection.insert_one({"_id": key, **template, "at": datetime.now(UTC)})

    return insert


async def _verify_and_scan() -> tuple[float, float]:
    started = time.monotonic()
    await verify_chains()
    verify_wall = time.monotonic() - started
    started = time.monotonic()
    await AuditEvent.get_motor_collection().find({}).to_list(None)
    return verify_wall, time.monotonic() - started


async def _latencies(runtime: Runtime, chain: str, size: int) -> float:
    """p50 of appends by a worker that starts, to a chain of `size` events (filled directly)."""
    await _fill(chain, size)
    samples = []
    for _ in range(LATENCY_SAMPLES):
        started = time.perf_counter()
        await _append(_worker(runtime), chain)
        samples.append(time.perf_counter() - started)
    return load.percentile(samples, 50)


async def _fill(chain: str, size: int) -> None:
    collection = AuditEvent.get_motor_collection()
    previous, batch = GENESIS_HASH, []
    at = datetime.now(UTC).replace(microsecond=0)
    for seq in range(1, size + 1):
        event: dict[str, Any] = {"format": 1, "chain": chain, "seq": seq, "at": at}
        event.update(action="document.edit", actor="u", actor_kind="user", target_kind="document")
        event.update(target_id=None, source=None, before=None, after=None, detail=None)
        event.update(_id=event_key(chain, seq), prev_hash=previous)
        event["hash"] = previous = event_hash(event)
        batch.append(event)
        if len(batch) == 1000 or seq == size:
            await collection.insert_many(batch)
            batch = []
    await AuditChainMark.get_motor_collection().insert_one({"_id": chain, "number": size})
