"""Check the audit chains and say, per chain, whether it is intact and where it first breaks.

How a run goes, and why:

1. Read the chains' marks first. A mark is raised only after its event is written, so every
   event a mark read now names exists now: an event appended while the run goes on can never
   make the chain look cut short.
2. Read every event once, in the order the database keeps them, without a sort (FerretDB 1.x
   sorts by scanning, and its SQLite backend even answers a read by `_id` by scanning up to the
   document: one read per event would cost the square of the history). Each event must say it
   is the one its key names and hash to its `hash`; its `prev_hash` must be the hash of the
   event before it, checked as soon as both have been seen. Events come back about in the order
   they were written, so only a few hashes per chain wait for their neighbour at any time: the
   memory used follows the number of chains, not of events. Every read sees, for any event it
   sees, the events written before it (a single statement's snapshot on SQLite and PostgreSQL,
   insertion order on MongoDB).
3. At the end, a seq missing below the last event present is a deletion; a mark past the last
   event present means the last events were deleted.

What is caught: an event edited (its content no longer hashes to `hash`; a field added counts),
moved or swapped (its fields disagree with its key), deleted in the middle or at the end,
reordered or inserted (an event whose `prev_hash` is not the hash of the event before it), and
documents put into the collection under keys that are no event key of the chain they claim. Of
these, the one at the lowest seq is reported for each chain.

What cannot be caught from the database alone: someone with write access who rewrites a chain
from some event to its end with hashes recomputed (SHA-256 has no secret), or who removes the last
events and lowers the mark to match, leaves a chain that verifies. Against that, record the head
(seq and hash) `hoso audit verify` prints somewhere the database's writers cannot reach: a later
run whose chain no longer holds that hash at that seq shows the rewrite. The mark may also lag a
little behind the last event (its writes are not atomic on FerretDB, and a crash can come between
an event and its mark); removing events past the mark is not seen either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.audit.hashing import event_hash
from core.audit.models import (
    GENESIS_HASH,
    AuditChainMark,
    AuditEvent,
    check_chain_name,
    parse_event_key,
)


class BreakKind(StrEnum):
    # In the order they are reported when two fall on the same event.
    MISPLACED = "misplaced"
    EDITED = "edited"
    RELINKED = "relinked"
    DELETED = "deleted"
    TRUNCATED = "truncated"
    STRAY = "stray"


_PRIORITY = {kind: rank for rank, kind in enumerate(BreakKind)}


@dataclass(frozen=True)
class BrokenLink:
    """Where a chain first breaks: the seq (None for an event whose key names none) and why."""

    seq: int | None
    kind: BreakKind
    detail: str


@dataclass(frozen=True)
class ChainReport:
    chain: str
    events: int  # events stored in the chain (keys present)
    checked: int  # events from seq 1 found intact before the break (all of them when intact)
    head_seq: int  # the last intact event: what an operator records elsewhere, with head_hash
    head_hash: str | None  # None when the chain is empty or broken
    mark: int | None  # the chain's stored high-water mark
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


async def verify_chains(*, chain: str | None = None) -> list[ChainReport]:
    """Check every chain (or only `chain`); one report per chain, in chain order.

    One read of the events, linear in their number. A chain with no event and no mark is
    reported as intact with 0 events.
    """
    if chain is not None:
        check_chain_name(chain)
    marks = await _marks(chain)
    chains: dict[str, _Chain] = {}
    query: dict[str, Any] = {}
    if chain is not None:
        # Its keys ("|" is followed by "}" in ASCII), and anything else that claims to be in it.
        query = {"$or": [{"_id": {"$gte": f"{chain}|", "$lt": f"{chain}}}"}}, {"chain": chain}]}
    async for stored in AuditEvent.get_motor_collection().find(query):
        _take(chains, stored, chain)
    names = set(marks) | set(chains) | ({chain} if chain is not None else set())
    if chain is not None:
        names &= {chain}
    return [chains.get(name, _Chain()).report(name, marks.get(name)) for name in sorted(names)]


async def _marks(chain: str | None) -> dict[str, int]:
    query = {} if chain is None else {"_id": chain}
    marks: dict[str, int] = {}
    async for stored in AuditChainMark.get_motor_collection().find(query):
        if isinstance(stored.get("number"), int):
            marks[str(stored["_id"])] = stored["number"]
    return marks


def _take(chains: dict[str, _Chain], stored: Mapping[str, Any], only: str | None) -> None:
    key, claimed = stored.get("_id"), stored.get("chain")
    parsed = parse_event_key(key)
    if parsed is None:
        name = claimed if isinstance(claimed, str) else str(key).partition("|")[0]
        chains.setdefault(name, _Chain()).strays.append(str(key))
        return
    name, seq = parsed
    if isinstance(claimed, str) and claimed != name:
        # It would show in that chain's history without being on it.
        chains.setdefault(claimed, _Chain()).strays.append(str(key))
    if only is None or name == only:
        chains.setdefault(name, _Chain()).take(name, seq, stored)


@dataclass
class _Chain:
    """What one pass over a chain's events has found so far."""

    count: int = 0
    last: int = 0
    seen_first: bool = False
    # The hash of an event whose successor has not been seen yet, by seq.
    hashes: dict[int, Any] = field(default_factory=dict)
    # The prev_hash of an event whose predecessor has not been seen yet, by seq.
    expected: dict[int, Any] = field(default_factory=dict)
    strays: list[str] = field(default_factory=list)
    first_break: BrokenLink | None = None

    def take(self, chain: str, seq: int, stored: Mapping[str, Any]) -> None:
        self.count += 1
        self.last = max(self.last, seq)
        self.seen_first = self.seen_first or seq == 1
        if stored.get("chain") != chain or stored.get("seq") != seq:
            self.note(
                seq,
                BreakKind.MISPLACED,
                f"the event stored as {chain} #{seq} says it is {stored.get('chain')} "
                f"#{stored.get('seq')}: events were moved or swapped",
            )
        elif not _hashes_to_its_hash(stored):
            self.note(
                seq,
                BreakKind.EDITED,
                f"event {seq} does not match its hash: it was changed after it was written",
            )
        own, link = stored.get("hash"), stored.get("prev_hash")
        if seq == 1:
            self.check_link(1, link, GENESIS_HASH)
        elif seq - 1 in self.hashes:
            self.check_link(seq, link, self.hashes.pop(seq - 1))
        else:
            self.expected[seq] = link
        if seq + 1 in self.expected:
            self.check_link(seq + 1, self.expected.pop(seq + 1), own)
        else:
            self.hashes[seq] = own

    def check_link(self, seq: int, link: Any, previous: Any) -> None:
        if link != previous:
            self.note(
                seq,
                BreakKind.RELINKED,
                f"event {seq} does not follow event {seq - 1} (its prev_hash is not that "
                "event's hash): events were inserted, removed or reordered before it",
            )

    def note(self, seq: int | None, kind: BreakKind, detail: str) -> None:
        found = BrokenLink(seq, kind, detail)
        if self.first_break is None or _order(found) < _order(self.first_break):
            self.first_break = found

    def report(self, chain: str, mark: int | None) -> ChainReport:
        missing = [seq + 1 for seq in self.hashes if seq < self.last]
        if self.count and not self.seen_first:
            missing.append(1)
        if missing:
            first = min(missing)
            self.note(
                first,
                BreakKind.DELETED,
                f"event {first} is missing while events up to {self.last} exist: it was deleted",
            )
        if mark is not None and mark > self.last:
            self.note(
                self.last + 1,
                BreakKind.TRUNCATED,
                f"events {self.last + 1} to {mark} are missing: the chain's mark says {mark} "
                f"were written, the last present is {self.last}; the last events were deleted",
            )
        if self.strays:
            self.note(
                None,
                BreakKind.STRAY,
                f"{len(self.strays)} stored event(s) claim to be on this chain without being "
                f"in it (keys such as {self.strays[0]!r}): put into the database directly",
            )
        broken = self.first_break
        checked = self.last if broken is None or broken.seq is None else broken.seq - 1
        head = self.hashes.get(self.last) if broken is None and self.count else None
        return ChainReport(
            chain=chain,
            events=self.count,
            checked=checked,
            head_seq=checked,
            head_hash=head if isinstance(head, str) else None,
            mark=mark,
            broken=broken,
        )


def _order(found: BrokenLink) -> tuple[float, int]:
    return (float("inf") if found.seq is None else found.seq, _PRIORITY[found.kind])


def _hashes_to_its_hash(stored: Mapping[str, Any]) -> bool:
    try:
        return event_hash(stored) == stored.get("hash")
    except (TypeError, ValueError):  # a field JSON cannot hold: put there by hand
        return False
