"""A unit's history read back: per document, per user, per time range, a page at a time."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar

from core.app import create_app
from core.audit.models import AuditEvent
from core.audit.service import list_events
from core.errors import InvalidInput
from core.runtime import Runtime
from core.settings import Settings
from tests.audit.conftest import FINANCE, PROVINCE, append, running

START = datetime(2026, 5, 4, 1, 0, tzinfo=UTC)


class StepClock:
    """A minute later at every reading."""

    def __init__(self) -> None:
        self.readings = 0

    def __call__(self) -> datetime:
        self.readings += 1
        return START + timedelta(minutes=self.readings - 1)


@pytest.fixture
def app(make_settings: Callable[..., Settings]) -> Litestar:
    return create_app(make_settings(), clock=StepClock())


async def history(runtime: Runtime) -> None:
    """Minute 0..7: two clerks edit two documents in two units; one signs in."""
    await append(runtime, PROVINCE, actor="an", target_id="doc-1")  # 01:00
    await append(runtime, PROVINCE, actor="binh", target_id="doc-2")  # 01:01
    await append(runtime, FINANCE, actor="an", target_id="doc-3")  # 01:02
    await append(runtime, PROVINCE, actor="an", target_id="doc-1")  # 01:03
    await append(runtime, "_province", actor="an", action="sign_in", target_id=None)  # 01:04
    await append(runtime, PROVINCE, actor="binh", target_id="doc-1")  # 01:05
    await append(runtime, FINANCE, actor="binh", target_id="doc-3")  # 01:06
    await append(runtime, PROVINCE, actor="an", target_id="doc-2")  # 01:07


def minutes(events: list[AuditEvent]) -> list[int]:
    return [int((event.at - START).total_seconds() // 60) for event in events]


async def test_a_documents_history_newest_first(app: Litestar) -> None:
    async with running(app) as runtime:
        await history(runtime)

        found, cursor = await list_events(chain=PROVINCE, target_id="doc-1")

    assert minutes(found) == [5, 3, 0]
    assert [(event.actor, event.seq) for event in found] == [("binh", 4), ("an", 3), ("an", 1)]
    assert cursor is None


async def test_what_a_user_did_across_units_oldest_first(app: Litestar) -> None:
    async with running(app) as runtime:
        await history(runtime)

        found, _ = await list_events(actor="an", oldest_first=True)

    assert minutes(found) == [0, 2, 3, 4, 7]
    assert [event.chain for event in found] == [PROVINCE, FINANCE, PROVINCE, "_province", PROVINCE]


async def test_a_time_range_includes_its_start_and_not_its_end(app: Litestar) -> None:
    async with running(app) as runtime:
        await history(runtime)

        found, _ = await list_events(
            since=START + timedelta(minutes=2), until=START + timedelta(minutes=5)
        )
        in_unit, _ = await list_events(
            chain=FINANCE, since=START.replace(tzinfo=None) + timedelta(minutes=3)
        )

    assert minutes(found) == [4, 3, 2]
    assert minutes(in_unit) == [6]


@pytest.mark.parametrize("oldest_first", [False, True])
async def test_pages_follow_one_another_without_loss_or_repeat(
    app: Litestar, oldest_first: bool
) -> None:
    async with running(app) as runtime:
        await history(runtime)
        pages: list[list[int]] = []
        cursor = None
        while True:
            found, cursor = await list_events(limit=3, cursor=cursor, oldest_first=oldest_first)
            pages.append(minutes(found))
            if cursor is None:
                break

    expected = list(range(8)) if oldest_first else list(range(7, -1, -1))
    assert pages == [expected[0:3], expected[3:6], expected[6:8]]


async def test_events_of_the_same_millisecond_are_paged_by_key(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(), clock=lambda: START)
    async with running(app) as runtime:
        for _ in range(5):
            await append(runtime)
        first, cursor = await list_events(limit=2)
        second, cursor = await list_events(limit=2, cursor=cursor)
        third, cursor = await list_events(limit=2, cursor=cursor)

    assert [[event.seq for event in page] for page in (first, second, third)] == [
        [5, 4],
        [3, 2],
        [1],
    ]
    assert cursor is None


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    ["nonsense!", encoded("[]"), encoded('["a", 1]'), encoded('[999999999999999999, "x"]')],
)
async def test_a_cursor_the_service_did_not_give_is_refused(app: Litestar, cursor: str) -> None:
    async with running(app):
        with pytest.raises(InvalidInput) as refused:
            await list_events(cursor=cursor)

    assert refused.value.extensions["errors"] == [{"field": "cursor", "message": "invalid cursor"}]


async def test_a_range_that_ends_before_it_starts_and_a_bad_limit_are_refused(
    app: Litestar,
) -> None:
    async with running(app):
        with pytest.raises(InvalidInput, match="since must be before until"):
            await list_events(since=START, until=START)
        with pytest.raises(InvalidInput, match="limit"):
            await list_events(limit=0)
