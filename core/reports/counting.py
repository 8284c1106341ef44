"""Counting what the reports show, straight from the stored data, month by month for one year.

A report makes at most four queries however many documents and records it covers (each reads
only the fields it counts, for every unit of the report at once):

1. the year's registered incoming and issued outgoing documents of the units;
2. the revisions at which those outgoing documents waited to be numbered (their deadline then);
3. the units' records with a date in the year, or of the year's lists;
4. the units' record lists of the year (one `_id` read each, in one query).

Definitions (the README's "Reports" section says them for users):

- incoming: registered, counted in the month of its arrival date. On time: its handling was
  finished (the workflow reached a final step) on or before its deadline, the assignment's
  deadline (`assignment.due`) or else the document's own `due_date`. Late: finished after it, or
  not finished and the deadline has passed (as of the day the report is made). Pending: not
  finished, deadline not passed. No deadline: neither deadline set.
- outgoing: issued, counted in the month of its issue date. On time: numbered on or before the
  deadline of the step its workflow numbers it from (Decree 30: `signed`, numbered the day of
  signing or the next working day, Art. 15). Late: numbered after it. No deadline: numbered
  outside the workflow's steps (signed on paper), or at a step without a deadline.
- records: created (in the month of `created_at`); complete (of those created in the month, the
  ones closed, submitted or accepted now: closing checked their completeness, and a record the
  archive returned counts again once closed again); closed, submitted, accepted (in the month of
  the latest closing, submission, acceptance, when the record is still in that state or beyond).
- electronic records: the entries of the year's list, less those exempt (state secret, complex
  components); covered, those with a record opened from them, by the end of the month counted.

Dates and times are the agencies' (the `timezone` setting): a record created at 23:30 on 31
January in Hà Tĩnh counts in January.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from beanie.odm.utils.encoder import Encoder

from core.documents.models import DocumentRevision, StoredDocument
from core.records.list_models import RecordList, list_key
from core.records.models import RecordState, WorkRecord
from core.runtime import Runtime
from core.workflows.definitions import Effect

# After the year: a record opened then does not cover the entry in any month of the year.
NEVER = 13

DONE_STATES = frozenset(
    {RecordState.CLOSED.value, RecordState.SUBMITTED.value, RecordState.ACCEPTED.value}
)
SUBMITTED_STATES = frozenset({RecordState.SUBMITTED.value, RecordState.ACCEPTED.value})

INCOMING = ("in", "in_on_time", "in_late", "in_pending", "in_no_deadline")
OUTGOING = ("out", "out_on_time", "out_late", "out_no_deadline")
RECORDS = ("created", "complete", "closed", "submitted", "accepted")
METRICS = INCOMING + OUTGOING + RECORDS


@dataclass
class UnitCounts:
    """One unit's figures for a year: the flows per month, and its list's entries."""

    months: dict[int, Counter[str]] = field(
        default_factory=lambda: {month: Counter() for month in range(1, 13)}
    )
    list_state: str | None = None  # draft | approved; None: no list for the year
    entries: int = 0
    exempt_state_secret: int = 0
    exempt_complex: int = 0
    # For each counted entry with a record: the month its first record was opened (1 for one
    # opened before the year, NEVER for one opened after it).
    covered_from: list[int] = field(default_factory=list)

    def flows(self, month: int | None) -> Counter[str]:
        """The flows of one month, or of the whole year."""
        if month is not None:
            return Counter(self.months[month])
        total: Counter[str] = Counter()
        for counts in self.months.values():
            total.update(counts)
        return total

    def covered_by(self, month: int | None) -> int:
        """Counted entries with a record opened by the end of `month` (of the year: December)."""
        last = month or 12
        return sum(1 for first in self.covered_from if first <= last)


class Clock:
    """The agencies' calendar: local dates of stored moments, and UTC bounds of local days."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def local(self, moment: datetime) -> datetime:
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(self.zone)

    def start_of(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)


async def count_year(runtime: Runtime, units: list[str], year: int) -> dict[str, UnitCounts]:
    """Every unit's figures for `year`, month by month (see the module's docstring)."""
    clock = Clock(runtime.settings.zone)
    today = clock.local(runtime.clock()).date()
    counts = {code: UnitCounts() for code in units}
    await _count_documents(runtime, counts, year, clock, today)
    first_records = await _count_records(counts, year, clock)
    await _count_lists(counts, year, first_records)
    return counts


def _stored_date(value: Any) -> date | None:
    """A date field as the database gives it back (BSON has dates with a time only)."""
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


async def _count_documents(
    runtime: Runtime, counts: dict[str, UnitCounts], year: int, clock: Clock, today: date
) -> None:
    encoder = Encoder(to_db=True)
    span = {"$gte": encoder.encode(date(year, 1, 1)), "$lte": encoder.encode(date(year, 12, 31))}
    query = {
        "unit": {"$in": sorted(counts)},
        "$or": [
            {"direction": "incoming", "state": "registered", "arrival_date": span},
            {"direction": "outgoing", "state": "issued", "issued_date": span},
        ],
    }
    fields = ["unit", "direction", "arrival_date", "issued_date", "due_date", "assignment"]
    projection = {name: 1 for name in [*fields, "workflow"]}
    outgoing: list[dict[str, Any]] = []
    async for row in StoredDocument.get_motor_collection().find(query, projection):
        if row["direction"] == "incoming":
            _count_incoming(counts[row["unit"]], row, clock, today)
        else:
            outgoing.append(row)
    if not outgoing:
        return
    deadlines = await _numbering_deadlines(runtime, sorted(counts), year, clock)
    for row in outgoing:
        issued = _stored_date(row["issued_date"])
        assert issued is not None
        deadline = deadlines.get(row["_id"])
        month = counts[row["unit"]].months[issued.month]
        month["out"] += 1
        if deadline is None:
            month["out_no_deadline"] += 1
        elif issued <= deadline:
            month["out_on_time"] += 1
        else:
            month["out_late"] += 1


def _count_incoming(unit: UnitCounts, row: dict[str, Any], clock: Clock, today: date) -> None:
    arrived = _stored_date(row["arrival_date"])
    assert arrived is not None
    month = unit.months[arrived.month]
    month["in"] += 1
    assignment = row.get("assignment") or {}
    deadline = _stored_date(assignment.get("due")) or _stored_date(row.get("due_date"))
    status = row.get("workflow") or {}
    if deadline is None:
        month["in_no_deadline"] += 1
    elif status.get("final"):
        finished = clock.local(status["since"]).date()
        month["in_on_time" if finished <= deadline else "in_late"] += 1
    else:
        month["in_late" if today > deadline else "in_pending"] += 1


async def _numbering_deadlines(
    runtime: Runtime, units: list[str], year: int, clock: Clock
) -> dict[Any, date | None]:
    """Per outgoing document of the units: the deadline it had at the step its workflow numbers
    it from, at the last revision it stood there (None: no deadline at that step)."""
    steps: dict[str, set[str]] = {}
    for name, definition in runtime.workflows.definitions.items():
        numbering = definition.effect_transition(Effect.ISSUE)
        if numbering is not None:
            steps[name] = set(numbering.from_states)
    if not steps:
        return {}
    query = {
        "snapshot.unit": {"$in": units},
        "snapshot.direction": "outgoing",
        "snapshot.workflow.step": {"$in": sorted(set().union(*steps.values()))},
        # It waited there before it was numbered, so before the end of the year counted.
        # Not earlier than the year before: what is numbered in a year waited there in it, or at
        # the end of the year before; older history is not read.
        "at": {
            "$gte": clock.start_of(date(year - 1, 1, 1)),
            "$lt": clock.start_of(date(year + 1, 1, 1)),
        },
    }
    projection = {"document_id": 1, "revision": 1, "snapshot.workflow": 1}
    found: dict[Any, tuple[int, date | None]] = {}
    async for row in DocumentRevision.get_motor_collection().find(query, projection):
        status = row["snapshot"]["workflow"]
        if status["step"] not in steps.get(status["name"], ()):
            continue
        known = found.get(row["document_id"])
        if known is None or known[0] < row["revision"]:
            found[row["document_id"]] = (row["revision"], _stored_date(status.get("due")))
    return {document: deadline for document, (_, deadline) in found.items()}


async def _count_records(
    counts: dict[str, UnitCounts], year: int, clock: Clock
) -> dict[tuple[str, str], int]:
    """Count the record flows; answer, per (unit, entry) of the year's lists with a record, the
    month its first record was opened."""
    span = {
        "$gte": clock.start_of(date(year, 1, 1)),
        "$lt": clock.start_of(date(year + 1, 1, 1)),
    }
    moments = ("created_at", "closed_at", "submitted_at", "accepted_at")
    query = {
        "unit": {"$in": sorted(counts)},
        "$or": [{"year": year}, *({name: span} for name in moments)],
    }
    projection = {name: 1 for name in ("unit", "year", "entry_id", "state", *moments)}
    first_record: dict[tuple[str, str], int] = {}
    async for row in WorkRecord.get_motor_collection().find(query, projection):
        unit = counts[row["unit"]]
        state = row["state"]
        created = _month_in(row["created_at"], year, clock)
        if created is not None:
            unit.months[created]["created"] += 1
            if state in DONE_STATES:
                unit.months[created]["complete"] += 1
        for moment, metric, states in (
            ("closed_at", "closed", DONE_STATES),
            ("submitted_at", "submitted", SUBMITTED_STATES),
            ("accepted_at", "accepted", {RecordState.ACCEPTED.value}),
        ):
            month = _month_in(row.get(moment), year, clock)
            if month is not None and state in states:
                unit.months[month][metric] += 1
        if row["year"] == year and row.get("entry_id"):
            opened = clock.local(row["created_at"]).date()
            first = 1 if opened.year < year else NEVER if opened.year > year else opened.month
            key = (row["unit"], row["entry_id"])
            first_record[key] = min(first, first_record.get(key, NEVER))
    return first_record


def _month_in(moment: datetime | None, year: int, clock: Clock) -> int | None:
    if moment is None:
        return None
    local = clock.local(moment)
    return local.month if local.year == year else None


async def _count_lists(
    counts: dict[str, UnitCounts], year: int, first_records: dict[tuple[str, str], int]
) -> None:
    keys = [list_key(code, year) for code in sorted(counts)]
    projection = {"unit": 1, "state": 1, "headings": 1}
    async for stored in RecordList.get_motor_collection().find({"_id": {"$in": keys}}, projection):
        unit = counts[stored["unit"]]
        unit.list_state = stored["state"]
        for heading in stored.get("headings", []):
            for entry in _entries(heading):
                unit.entries += 1
                if entry.get("exempt") == "state_secret":
                    unit.exempt_state_secret += 1
                elif entry.get("exempt") == "complex":
                    unit.exempt_complex += 1
                elif (first := first_records.get((stored["unit"], entry["entry_id"]))) is not None:
                    unit.covered_from.append(first)


def _entries(heading: dict[str, Any]) -> list[dict[str, Any]]:
    """A big heading's entries: its own, then those of its small headings."""
    found = list(heading.get("entries", []))
    for small in heading.get("headings", []):
        found.extend(small.get("entries", []))
    return found
