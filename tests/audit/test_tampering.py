"""Someone with access to the database changes the history behind the service's back: each kind
of change is caught, at the first event it breaks."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from core.audit.hashing import event_hash
from core.audit.models import event_key
from core.audit.verify import BreakKind, ChainReport, verify_chains
from tests.audit.conftest import FINANCE, PROVINCE, append, append_many, events, running, stored

EVENTS = 10


async def test_an_untouched_history_is_intact_and_names_each_chains_head(app: Litestar) -> None:
    async with running(app) as runtime:
        appended = await append_many(runtime, EVENTS)
        await append_many(runtime, 2, FINANCE)

        reports = await verify_chains()

    assert [(r.chain, r.events, r.checked, r.mark, r.broken) for r in reports] == [
        (PROVINCE, EVENTS, EVENTS, EVENTS, None),
        (FINANCE, 2, 2, 2, None),
    ]
    assert (reports[0].head_seq, reports[0].head_hash) == (EVENTS, appended[-1].hash)


async def test_a_history_stored_again_in_another_order_is_intact(app: Litestar) -> None:
    """A restore may put events back in any order: verify does not depend on it."""
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        await append_many(runtime, 3, FINANCE)
        everything = await events().find({}).to_list(None)
        await events().delete_many({})
        for event in [*everything[::2], *reversed(everything[1::2])]:
            await events().insert_one(event)

        reports = await verify_chains()

    assert [(r.chain, r.intact, r.events) for r in reports] == [
        (PROVINCE, True, EVENTS),
        (FINANCE, True, 3),
    ]


async def test_an_edited_event_is_caught_where_it_was_edited(app: Litestar) -> None:
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        await events().update_one({"_id": event_key(PROVINCE, 5)}, {"$set": {"actor": "someone"}})

        report = await only_report()

    assert_broken(report, 5, BreakKind.EDITED)
    assert (report.checked, report.head_seq) == (4, 4)


async def test_a_field_added_to_an_event_is_an_edit(app: Litestar) -> None:
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        await events().update_one({"_id": event_key(PROVINCE, 3)}, {"$set": {"note": "approved"}})

        assert_broken(await only_report(), 3, BreakKind.EDITED)


async def test_an_edit_with_its_hash_recomputed_breaks_the_next_link(app: Litestar) -> None:
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        await rewrite(5, actor="someone")

        assert_broken(await only_report(), 6, BreakKind.RELINKED)


async def test_a_deleted_event_in_the_middle_is_caught(app: Litestar) -> None:
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        await events().delete_one({"_id": event_key(PROVINCE, 4)})

        report = await only_report()

    assert_broken(report, 4, BreakKind.DELETED)
    assert report.events == EVENTS - 1


async def test_the_last_events_deleted_are_caught_by_the_chains_mark(app: Litestar) -> None:
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        await events().delete_many({"_id": {"$in": [event_key(PROVINCE, s) for s in (9, 10)]}})

        report = await only_report()

    assert_broken(report, 9, BreakKind.TRUNCATED)
    assert "events 9 to 10 are missing" in report.broken.detail  # type: ignore[union-attr]
    assert (report.checked, report.mark) == (8, EVENTS)


async def test_every_event_deleted_is_caught_by_the_chains_mark(app: Litestar) -> None:
    async with running(app) as runtime:
        await append_many(runtime, 3)
        await events().delete_many({})

        report = await only_report()

    assert_broken(report, 1, BreakKind.TRUNCATED)
    assert (report.events, report.head_hash) == (0, None)


async def test_two_events_swapped_are_caught_at_the_first_of_them(app: Litestar) -> None:
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        fifth, seventh = await stored(PROVINCE, 5), await stored(PROVINCE, 7)
        await put(5, {**seventh, "_id": event_key(PROVINCE, 5)})
        await put(7, {**fifth, "_id": event_key(PROVINCE, 7)})

        assert_broken(await only_report(), 5, BreakKind.MISPLACED)


async def test_two_events_swapped_and_renumbered_with_hashes_recomputed_are_caught(
    app: Litestar,
) -> None:
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        fifth, seventh = await stored(PROVINCE, 5), await stored(PROVINCE, 7)
        await put(5, resealed({**seventh, "seq": 5}))
        await put(7, resealed({**fifth, "seq": 7}))

        assert_broken(await only_report(), 5, BreakKind.RELINKED)


async def test_a_forged_event_slipped_into_the_middle_is_caught(app: Litestar) -> None:
    """The forger renumbers every later event (each hash recomputed) to make room."""
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        later = [await stored(PROVINCE, seq) for seq in range(6, EVENTS + 1)]
        for event in reversed(later):
            await put(event["seq"] + 1, resealed({**event, "seq": event["seq"] + 1}))
        fifth = await stored(PROVINCE, 5)
        forged = {**fifth, "seq": 6, "actor": "someone", "prev_hash": fifth["hash"]}
        await put(6, resealed(forged))

        report = await only_report()

    assert_broken(report, 7, BreakKind.RELINKED)
    assert report.events == EVENTS + 1


async def test_a_forged_event_appended_with_a_wrong_link_is_caught(app: Litestar) -> None:
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        ninth = await stored(PROVINCE, 9)
        await put(EVENTS + 1, resealed({**ninth, "seq": EVENTS + 1, "actor": "someone"}))

        assert_broken(await only_report(), EVENTS + 1, BreakKind.RELINKED)


async def test_a_forged_event_past_the_end_of_the_chain_is_caught(app: Litestar) -> None:
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        tenth = await stored(PROVINCE, EVENTS)
        await put(EVENTS + 3, resealed({**tenth, "seq": EVENTS + 3}))

        assert_broken(await only_report(), EVENTS + 1, BreakKind.DELETED)


async def test_an_event_stored_under_a_key_of_no_chain_is_caught(app: Litestar) -> None:
    """It would show in the unit's history (its `chain` field says so) without being on it."""
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        tenth = await stored(PROVINCE, EVENTS)
        await events().insert_one({**tenth, "_id": "forged-1"})

        report = await only_report()

    assert_broken(report, None, BreakKind.STRAY)
    assert "'forged-1'" in report.broken.detail  # type: ignore[union-attr]


async def test_an_event_moved_to_another_chain_is_caught_in_both(app: Litestar) -> None:
    async with running(app) as runtime:
        await append_many(runtime, 3, PROVINCE)
        await append_many(runtime, 3, FINANCE)
        moved = await stored(PROVINCE, 3)
        await events().delete_one({"_id": moved["_id"]})
        await events().insert_one({**moved, "_id": event_key(FINANCE, 4)})

        reports = {report.chain: report for report in await verify_chains()}

    assert_broken(reports[PROVINCE], 3, BreakKind.TRUNCATED)
    assert_broken(reports[FINANCE], 4, BreakKind.MISPLACED)


async def test_one_chain_can_be_checked_alone(app: Litestar) -> None:
    async with running(app) as runtime:
        await append_many(runtime, 3, PROVINCE)
        await append_many(runtime, 3, FINANCE)
        await events().delete_one({"_id": event_key(PROVINCE, 2)})

        finance = await verify_chains(chain=FINANCE)
        province = await verify_chains(chain=PROVINCE)
        nothing = await verify_chains(chain="000.00.99.H25")

    assert [(r.chain, r.intact, r.events) for r in finance] == [(FINANCE, True, 3)]
    assert [(r.chain, r.intact) for r in province] == [(PROVINCE, False)]
    assert [(r.chain, r.intact, r.events, r.mark) for r in nothing] == [
        ("000.00.99.H25", True, 0, None)
    ]


async def test_a_consistent_rewrite_of_the_tail_is_seen_only_against_a_head_kept_elsewhere(
    app: Litestar,
) -> None:
    """Without a secret, whoever can write the database can recompute every later hash: the
    chain then verifies, but its head is no longer the one an operator noted."""
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        (noted,) = await verify_chains()
        previous = (await stored(PROVINCE, 7))["prev_hash"]
        for seq in range(7, EVENTS + 1):
            changes: dict[str, Any] = {"prev_hash": previous}
            if seq == 7:
                changes["actor"] = "someone"
            previous = await rewrite(seq, **changes)

        (later,) = await verify_chains()

    assert later.intact and later.head_seq == noted.head_seq
    assert later.head_hash != noted.head_hash


async def test_appending_goes_on_while_a_verify_runs(app: Litestar) -> None:
    async with running(app) as runtime:
        await append_many(runtime, EVENTS)
        (report,) = await verify_chains()
        await append(runtime)

        (after,) = await verify_chains()

    assert report.intact and after.intact and after.head_seq == EVENTS + 1


async def only_report() -> ChainReport:
    (report,) = await verify_chains()
    return report


def assert_broken(report: ChainReport, seq: int | None, kind: BreakKind) -> None:
    assert report.broken is not None, report
    assert (report.broken.seq, report.broken.kind) == (seq, kind), report.broken


def resealed(event: dict[str, Any]) -> dict[str, Any]:
    """`event` under the key its fields name, with its hash recomputed, as a forger would."""
    event = {**event, "_id": event_key(event["chain"], event["seq"])}
    return {**event, "hash": event_hash(event)}


async def put(seq: int, event: dict[str, Any]) -> None:
    """Store `event` as event `seq` of the province's chain, replacing whatever is there."""
    key = event_key(PROVINCE, seq)
    await events().delete_one({"_id": key})
    await events().insert_one({**event, "_id": key})


async def rewrite(seq: int, **changes: Any) -> str:
    """Change event `seq` and recompute its hash; answer the new hash."""
    event = resealed({**await stored(PROVINCE, seq), **changes})
    await put(seq, event)
    return event["hash"]
