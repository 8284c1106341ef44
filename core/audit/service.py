"""Write audit events onto their chain, and read them back.

Appending is a gapless sequence claimed by insert (core/sequences.py), as register numbers are:
event `seq` of a chain is inserted under `event_key(chain, seq)` only once event `seq - 1` is
known written, and carries that event's hash; a refused `_id` means another writer appended
first, so the writer goes on after it. No gap (seq + 1 is tried only after seq is known), no
fork (the unique `_id`), under any number of workers, on engines without atomic updates
(FerretDB 1.x).

Cost does not grow with the chain, because events are only ever inserted, never read, on the
way: the hash an event must carry comes from this worker's memory of the chain (the last seq and
hash it wrote), else from the chain's mark, which holds the seq and hash of an event known
written (`AuditChainMark`, one small document per chain, raised after every append). Only when
the mark lags behind the event a writer collided with (several writers at once) does it read
that one event, after a few short waits for the mark. This matters on FerretDB 1.24 with
SQLite, where a read by `_id` scans the collection up to the document.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pymongo.errors import DuplicateKeyError

from core.audit.hashing import event_hash, plain_json, utc_millis, value_digest
from core.audit.models import (
    EVENT_FORMAT,
    GENESIS_HASH,
    AuditChainMark,
    AuditEvent,
    check_chain_name,
    event_key,
)
from core.errors import InvalidInput
from core.sequences import TAKEN, Claimed, GaplessSequence, Mark, Outcome

if TYPE_CHECKING:
    from core.runtime import Runtime

logger = logging.getLogger("hoso")

MAX_PAGE = 1000
# How long to wait, each time, for a chain's mark to catch up before reading an event (seconds).
MARK_WAITS = (0.0, 0.002, 0.005, 0.01)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


async def record_event(
    runtime: Runtime,
    *,
    chain: str,
    action: str,
    actor: str | None,
    actor_kind: str,
    target_kind: str,
    target_id: str | None,
    source: str | None,
    before: Any = None,
    after: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to `chain` (a unit code, or PROVINCE_CHAIN) and answer it as stored.

    `before` and `after` are the target's state around the change (a pydantic model or JSON-like
    value, None when there is none); only their digests are kept (`value_digest`). `detail` is a
    small JSON-like dict kept as it is (ids, names, counts: no secrets). The time is
    `runtime.clock()`.
    """
    check_chain_name(chain)
    fields: dict[str, Any] = {
        "format": EVENT_FORMAT,
        "chain": chain,
        "at": utc_millis(runtime.clock()),
        "action": str(action),
        "actor": actor,
        "actor_kind": actor_kind,
        "target_kind": target_kind,
        "target_id": target_id,
        "source": source,
        "before": value_digest(before),
        "after": value_digest(after),
        "detail": None if detail is None else plain_json(detail),
    }
    heads = runtime.audit_heads
    events = AuditEvent.get_motor_collection()

    async def claim(seq: int, mark: Mark | None) -> Outcome[dict[str, Any]]:
        prev_hash = await _hash_before(chain, seq, heads, mark)
        if prev_hash is None:
            return TAKEN  # the mark says `seq` is written already
        stored = {"_id": event_key(chain, seq), **fields, "seq": seq, "prev_hash": prev_hash}
        stored["hash"] = event_hash(stored)
        try:
            await events.insert_one(stored)
        except DuplicateKeyError:
            return TAKEN
        heads[chain] = (seq, stored["hash"])
        return Claimed(stored, seq, mark_fields={"hash": stored["hash"]})

    # Within a worker, appends to one chain go one after another: only workers race in the
    # database, not every request. Correctness never rests on this lock.
    async with runtime.audit_lock(chain):
        known = heads.get(chain)
        outcome = await chain_sequence(chain).claim_next(
            claim, known=None if known is None else known[0]
        )
    return AuditEvent.model_validate(outcome.item)


def chain_sequence(chain: str) -> GaplessSequence:
    events = AuditEvent.get_motor_collection()

    async def exists(seq: int) -> bool:
        return await events.find_one({"_id": event_key(chain, seq)}, {"_id": 1}) is not None

    return GaplessSequence(
        name=f"audit chain '{chain}'",
        marks=AuditChainMark.get_motor_collection(),
        mark_key=chain,
        exists=exists,
    )


async def _hash_before(
    chain: str, seq: int, heads: dict[str, tuple[int, str]], mark: Mark | None
) -> str | None:
    """The hash of event `seq - 1` (known written), or None when the mark says `seq` is written
    too. From this worker's memory or the chain's mark; a read of the event itself only when the
    mark stays behind."""
    if seq == 1:
        return GENESIS_HASH
    if heads.get(chain, (0, ""))[0] == seq - 1:
        return heads[chain][1]
    waits = iter(MARK_WAITS)
    while True:
        if mark is not None and mark.number >= seq:
            return None
        if mark is not None and mark.number == seq - 1 and isinstance(mark.fields.get("hash"), str):
            return str(mark.fields["hash"])
        wait = next(waits, None)
        if wait is None:
            break
        # The writer of `seq - 1` has not raised the mark yet (or lost that write to a slower
        # one): give it a moment, as reading the event may cost a scan.
        await asyncio.sleep(wait)
        mark = await chain_sequence(chain).stored_mark()
    stored = await AuditEvent.get_motor_collection().find_one(
        {"_id": event_key(chain, seq - 1)}, {"hash": 1}
    )
    if stored is None or not isinstance(stored.get("hash"), str):
        # Written, then removed (or stripped of its hash) behind the service's back. The chain
        # goes on, so that the service keeps working and recording; `verify` reports the break.
        logger.error(
            "audit chain %s: event %d is missing or has no hash; run `hoso audit verify`",
            chain,
            seq - 1,
        )
        return ""
    return str(stored["hash"])


async def list_events(
    *,
    chain: str | None = None,
    target_id: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
    oldest_first: bool = False,
) -> tuple[list[AuditEvent], str | None]:
    """Events matching every filter given, newest first (or oldest first), and the cursor of the
    next page (None at the end). `since` is included, `until` is not; naive times are UTC.

    By time then key: the order in which things happened, across chains. These reads filter and
    sort on fields other than `_id`, which MongoDB serves from indexes and FerretDB 1.x by
    scanning: they are for people reading a history, not for every request.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_PAGE}.",
            errors=[{"field": "limit", "message": f"between 1 and {MAX_PAGE}"}],
        )
    clauses: list[dict[str, Any]] = []
    for field, value in (("chain", chain), ("target_id", target_id), ("actor", actor)):
        if value is not None:
            clauses.append({field: value})
    if since is not None and until is not None and since >= until:
        raise InvalidInput(
            "since must be before until.",
            errors=[{"field": "since", "message": "not before until"}],
        )
    if since is not None:
        clauses.append({"at": {"$gte": utc_millis(since)}})
    if until is not None:
        clauses.append({"at": {"$lt": utc_millis(until)}})
    direction = 1 if oldest_first else -1
    if cursor is not None:
        at, key = _read_cursor(cursor)
        beyond = "$gt" if oldest_first else "$lt"
        clauses.append({"$or": [{"at": {beyond: at}}, {"at": at, "_id": {beyond: key}}]})
    query: dict[str, Any] = {"$and": clauses} if len(clauses) > 1 else (clauses or [{}])[0]
    found = (
        await AuditEvent.find(query)
        .sort([("at", direction), ("_id", direction)])
        .limit(limit + 1)
        .to_list()
    )
    page = found[:limit]
    return page, (_cursor_after(page[-1]) if len(found) > limit else None)


def _cursor_after(event: AuditEvent) -> str:
    millis = (utc_millis(event.at) - _EPOCH) // _MILLISECOND
    raw = json.dumps([millis, event.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        millis, key = json.loads(raw)
        if not isinstance(millis, int) or not isinstance(key, str):
            raise ValueError
        at = _EPOCH + millis * _MILLISECOND
    except (binascii.Error, ValueError, TypeError, OverflowError, OSError):
        raise InvalidInput(
            "The cursor is not one this service gave out; start again without it.",
            errors=[{"field": "cursor", "message": "invalid cursor"}],
        ) from None
    return at, key
