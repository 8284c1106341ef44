"""Every change becomes an event on its unit's chain: numbered 1..N, each following the one
before, whatever the number of writers, at a cost that does not grow with the chain."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from litestar import Litestar

from core.app import create_app
from core.audit.hashing import event_hash, value_digest
from core.audit.models import GENESIS_HASH, PROVINCE_CHAIN, AuditEvent, event_key
from core.audit.service import record_event
from core.audit.verify import verify_chains
from core.runtime import Runtime
from core.settings import Settings
from tests.audit.conftest import (
    CLERK,
    FINANCE,
    PROVINCE,
    append,
    append_many,
    events,
    marks,
    running,
    stored,
)


async def test_an_event_says_who_what_when_where_and_the_digests_before_and_after(
    make_settings: Callable[..., Settings],
) -> None:
    hanoi = timezone(timedelta(hours=7))
    app = create_app(make_settings(), clock=lambda: datetime(2026, 5, 4, 10, 0, 0, 123456, hanoi))
    before = {"summary": "Về việc A", "revision": 1}
    after = {"revision": 2, "summary": "Về việc B"}
    async with running(app) as runtime:
        event = await append(runtime, before=before, after=after, detail={"fields": ["summary"]})

        raw = await stored(PROVINCE, 1)

    assert event.id == raw["_id"] == event_key(PROVINCE, 1)
    assert (raw["chain"], raw["seq"], raw["action"]) == (PROVINCE, 1, "document.edit")
    assert (raw["actor"], raw["actor_kind"], raw["source"]) == (CLERK, "user", "203.0.113.7")
    assert (raw["target_kind"], raw["target_id"]) == ("document", "doc-1")
    assert raw["at"].replace(tzinfo=UTC) == datetime(2026, 5, 4, 3, 0, 0, 123000, UTC)
    assert event.at == datetime(2026, 5, 4, 3, 0, 0, 123000, UTC)
    assert raw["before"] == value_digest(before) != raw["after"]
    assert raw["after"] == value_digest({"summary": "Về việc B", "revision": 2})  # key order
    assert raw["detail"] == {"fields": ["summary"]}
    assert raw["prev_hash"] == GENESIS_HASH
    assert raw["hash"] == event_hash(raw) == event.hash


async def test_a_creation_has_no_before_and_a_deletion_no_after(app: Litestar) -> None:
    async with running(app) as runtime:
        created = await append(runtime, action="document.create", before=None)
        deleted = await append(runtime, action="document.delete", after=None)

    assert created.before is None and created.after is not None
    assert deleted.before is not None and deleted.after is None


async def test_each_unit_has_its_own_chain_and_the_province_one_takes_the_rest(
    app: Litestar,
) -> None:
    async with running(app) as runtime:
        await append_many(runtime, 3, PROVINCE)
        await append_many(runtime, 2, FINANCE)
        sign_in = await append(
            runtime,
            PROVINCE_CHAIN,
            action="sign_in",
            target_kind="user",
            target_id=CLERK,
            before=None,
            after=None,
        )
        second = await append(runtime, FINANCE)

        reports = {report.chain: report for report in await verify_chains()}

    assert (sign_in.chain, sign_in.seq, sign_in.prev_hash) == (PROVINCE_CHAIN, 1, GENESIS_HASH)
    assert second.seq == 3
    assert {chain: (r.events, r.intact) for chain, r in reports.items()} == {
        PROVINCE: (3, True),
        FINANCE: (3, True),
        PROVINCE_CHAIN: (1, True),
    }


async def test_a_chain_name_with_the_key_separator_is_refused(app: Litestar) -> None:
    async with running(app) as runtime:
        with pytest.raises(ValueError, match="unit code"):
            await append(runtime, "000.00.00.H25|000000000001")
        with pytest.raises(ValueError, match="unit code"):
            await append(runtime, "")

        assert await events().count_documents({}) == 0


async def test_many_requests_of_one_worker_append_1_to_n_each_following_the_last(
    app: Litestar,
) -> None:
    async with running(app) as runtime:
        appended = await asyncio.gather(*(append(runtime, target_id=f"doc-{n}") for n in range(60)))

        chain = await chain_of(PROVINCE)
        (report,) = await verify_chains()

    assert sorted(event.seq for event in appended) == list(range(1, 61))
    assert [event["seq"] for event in chain] == list(range(1, 61))
    assert {event["target_id"] for event in chain} == {f"doc-{n}" for n in range(60)}
    assert report.intact and report.head_seq == 60 and report.mark == 60


WORKERS = 4
PER_WORKER = 50


@pytest.mark.races
async def test_workers_racing_on_one_chain_leave_no_gap_and_no_fork(app: Litestar) -> None:
    """Each worker has its own memory of the chain and no lock shared with the others: only the
    database's unique `_id` keeps them apart."""
    async with running(app) as runtime:
        workers = [fresh_worker(runtime) for _ in range(WORKERS)]

        appended = await asyncio.gather(
            *(
                append(worker, target_id=f"doc-{w}-{n}")
                for n in range(PER_WORKER)
                for w, worker in enumerate(workers)
            )
        )

        chain = await chain_of(PROVINCE)
        (report,) = await verify_chains()
        mark = await marks().find_one({"_id": PROVINCE})

    total = WORKERS * PER_WORKER
    assert sorted(event.seq for event in appended) == list(range(1, total + 1))
    assert [event["seq"] for event in chain] == list(range(1, total + 1))
    assert len({event["target_id"] for event in chain}) == total
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(chain))
    assert report.intact and report.events == total
    # The mark is a lower bound written without atomic updates on FerretDB: never past the end.
    assert 1 <= mark["number"] <= total


async def test_a_worker_appends_without_reading_any_event(
    app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FerretDB 1.24 (SQLite) answers a read by `_id` by scanning the collection up to the
    document: appending must not read the chain, whatever its size."""
    async with running(app) as runtime:
        await append_many(runtime, 300)
        reads = counting_event_reads(monkeypatch)

        warm = await append(runtime)  # this worker wrote 300: its memory says where to go on
        cold = await append(fresh_worker(runtime))  # a worker that starts: the chain's mark
        behind = await append(runtime)  # its memory says 301: refused once, then the mark
        (report,) = await verify_chains()

    assert (warm.seq, cold.seq, behind.seq) == (301, 302, 303)
    assert (cold.prev_hash, behind.prev_hash) == (warm.hash, cold.hash)
    assert reads == []
    assert report.intact and report.mark == 303


async def test_the_first_event_of_a_new_chain_reads_no_event(
    app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(app) as runtime:
        await append_many(runtime, 50, PROVINCE)
        reads = counting_event_reads(monkeypatch)

        first = await append(fresh_worker(runtime), FINANCE)

    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert reads == []


async def test_a_chain_whose_mark_was_lost_goes_on_after_its_last_event(
    app: Litestar,
) -> None:
    async with running(app) as runtime:
        await append_many(runtime, 40)
        await marks().delete_many({})

        after = await append(fresh_worker(runtime))
        (report,) = await verify_chains()

    assert after.seq == 41
    assert report.intact and report.mark == 41


async def test_recording_goes_on_after_an_event_was_deleted_and_verify_reports_it(
    app: Litestar,
) -> None:
    async with running(app) as runtime:
        await append_many(runtime, 5)
        await events().delete_one({"_id": event_key(PROVINCE, 5)})

        after = await append(fresh_worker(runtime))
        (report,) = await verify_chains()

    assert after.seq == 6
    assert report.broken is not None
    assert (report.broken.seq, report.broken.kind) == (5, "deleted")


async def test_the_recorded_event_reads_back_as_it_was_answered(app: Litestar) -> None:
    async with running(app) as runtime:
        event = await record_event(
            runtime,
            chain=PROVINCE,
            action="file.download",
            actor="token-7",
            actor_kind="token",
            target_kind="file",
            target_id="file-9",
            source=None,
            detail={"amount": 1.5, "names": ["Nguyễn Văn An"], "at": datetime(2026, 1, 2)},
        )

        read = await AuditEvent.get(event.id)

    assert (event.before, event.after) == (None, None)
    assert event.detail == {"amount": 1.5, "names": ["Nguyễn Văn An"], "at": "2026-01-02T00:00:00"}
    assert read is not None and read.model_dump() == event.model_dump()


def fresh_worker(runtime: Runtime) -> Runtime:
    """Another service worker on the same database: no memory of the chains, locks of its own."""
    return dataclasses.replace(runtime, audit_heads={}, audit_locks={})


async def chain_of(chain: str) -> list[dict[str, Any]]:
    found = await events().find({"chain": chain}).to_list(None)
    return sorted(found, key=lambda event: event["seq"])


class _CountingEvents:
    """The events collection, noting each single read: its key and whether it was there."""

    def __init__(self, real: Any, reads: list[tuple[str, bool]]) -> None:
        self._real, self._reads = real, reads

    async def find_one(self, query: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        found = await self._real.find_one(query, *args, **kwargs)
        self._reads.append((query["_id"], found is not None))
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def counting_event_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    reads: list[tuple[str, bool]] = []
    proxy = _CountingEvents(AuditEvent.get_motor_collection(), reads)
    monkeypatch.setattr(AuditEvent, "get_motor_collection", classmethod(lambda cls: proxy))
    return reads
