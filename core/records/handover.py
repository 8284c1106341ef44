"""Handover to the agency archive (nộp lưu, D30 Art. 30-31): submit, accept or return, keep
longer with a reason, and the lists the unit and the archive work from.

- A closed record is due within 1 year of the end of its work; a capital construction record
  within 3 months of final settlement (`closing.due_date`). The unit sees those due within 30
  days and those overdue.
- Keeping one longer takes a reason and a new date at most 2 years past the due date.
- The archivist accepts a submitted record (it is then locked: it and its documents answer 409
  to every change) or returns it with a reason (state `returned`, which collects documents as an
  open record does; it is closed and submitted again).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from core.audit.models import AuditAction
from core.audit.recording import audit
from core.documents.models import DocumentState, StoredDocument
from core.errors import Conflict, InvalidInput, NotFound
from core.identity.policy import Principal
from core.identity.roles import Action
from core.records.closing import add_months
from core.records.lists import read_list
from core.records.models import Membership, RecordState, WorkRecord
from core.records.numbering import entry_rows
from core.records.service import check_revision, get_record, locked, save_record
from core.runtime import Runtime

WARN_DAYS = 30  # the system warns this long before a record is due (D30 Art. 30)
MAX_EXTENSION_MONTHS = 24  # kept at most 2 years past the due date


async def _transition(
    runtime: Runtime,
    actor: Principal,
    code: str,
    *,
    action: str,
    allowed: tuple[RecordState, ...],
    changes: dict[str, Any],
    audit_action: str,
    revision: int | None,
    detail: dict[str, Any] | None = None,
) -> WorkRecord:
    record = await get_record(actor, code, action)
    check_revision(record, revision)
    if record.state not in allowed:
        if record.state is RecordState.ACCEPTED:
            raise locked(record)
        wanted = " or ".join(state.value for state in allowed)
        raise Conflict(
            f"Record {record.id} is {record.state.value}; this needs it {wanted}.",
            record=record.id,
            state=record.state.value,
        )
    updated = await save_record(runtime, actor, record, changes, change=audit_action)
    await audit(
        runtime,
        actor,
        audit_action,
        unit=record.unit,
        target_kind="record",
        target_id=record.id,
        before=record,
        after=updated,
        detail=detail,
    )
    return updated


async def submit(runtime: Runtime, actor: Principal, code: str, revision: int | None) -> WorkRecord:
    return await _transition(
        runtime,
        actor,
        code,
        action=Action.MANAGE_RECORDS,
        allowed=(RecordState.CLOSED,),
        changes={"state": RecordState.SUBMITTED, "submitted_at": runtime.clock()},
        audit_action=AuditAction.RECORD_SUBMIT,
        revision=revision,
    )


async def accept(runtime: Runtime, actor: Principal, code: str, revision: int | None) -> WorkRecord:
    return await _transition(
        runtime,
        actor,
        code,
        action=Action.ACCEPT_RECORDS,
        allowed=(RecordState.SUBMITTED,),
        changes={
            "state": RecordState.ACCEPTED,
            "accepted_at": runtime.clock(),
            "accepted_by": actor.name,
            "returned_reason": None,
        },
        audit_action=AuditAction.RECORD_ACCEPT,
        revision=revision,
    )


async def return_record(
    runtime: Runtime, actor: Principal, code: str, reason: str, revision: int | None
) -> WorkRecord:
    return await _transition(
        runtime,
        actor,
        code,
        action=Action.ACCEPT_RECORDS,
        allowed=(RecordState.SUBMITTED,),
        changes={"state": RecordState.RETURNED, "returned_reason": reason, "submitted_at": None},
        audit_action=AuditAction.RECORD_RETURN,
        revision=revision,
        detail={"reason": reason},
    )


async def extend(
    runtime: Runtime,
    actor: Principal,
    code: str,
    *,
    until: date,
    reason: str,
    revision: int | None,
) -> WorkRecord:
    record = await get_record(actor, code, Action.APPROVE_RECORD_LIST)
    if record.due_date is None or record.state is not RecordState.CLOSED:
        raise Conflict(
            f"Record {record.id} is {record.state.value}: only a closed record, not yet "
            "submitted, is kept longer.",
            record=record.id,
        )
    latest = add_months(record.due_date, MAX_EXTENSION_MONTHS)
    if not record.due_date < until <= latest:
        raise InvalidInput(
            f"Record {record.id} is due on {record.due_date}; it may be kept until at most "
            f"{latest} (2 years past the due date, D30 Art. 30).",
            errors=[{"field": "until", "message": f"after {record.due_date}, by {latest}"}],
        )
    return await _transition(
        runtime,
        actor,
        code,
        action=Action.APPROVE_RECORD_LIST,
        allowed=(RecordState.CLOSED,),
        changes={"extended_until": until, "extension_reason": reason},
        audit_action=AuditAction.RECORD_EXTEND,
        revision=revision if revision is not None else record.revision,
        detail={"until": until.isoformat(), "reason": reason},
    )


def effective_due(record: WorkRecord) -> date | None:
    return record.extended_until or record.due_date


async def due_lists(
    runtime: Runtime, actor: Principal, unit_code: str, today: date | None = None
) -> tuple[list[WorkRecord], list[WorkRecord]]:
    """The unit's closed records not yet submitted: (due within 30 days, overdue)."""
    _unit_or_404(runtime, actor, unit_code)
    today = today or runtime.clock().astimezone(runtime.settings.zone).date()
    closed = await WorkRecord.find({"unit": unit_code, "state": RecordState.CLOSED.value}).to_list()
    due_soon, overdue = [], []
    for record in sorted(closed, key=lambda r: (effective_due(r) or date.max, r.id)):
        due = effective_due(record)
        if due is None:
            continue
        if due < today:
            overdue.append(record)
        elif due <= today + timedelta(days=WARN_DAYS):
            due_soon.append(record)
    return due_soon, overdue


def _unit_or_404(runtime: Runtime, actor: Principal, unit_code: str) -> None:
    unit = runtime.units.get(unit_code)
    if unit is None or not actor.may(Action.READ_RECORDS, unit.code):
        raise NotFound(f"There is no unit {unit_code!r}.")


async def figures(runtime: Runtime, actor: Principal, unit_code: str, year: int) -> dict[str, int]:
    """What the province counts (issue 16, item 7), for one unit and year.

    `closed` counts records closed at least once (closed, submitted, accepted, or returned
    after submission); `complete` those that passed the completeness check and were not sent
    back (closed, submitted, accepted); `submitted` those submitted or accepted.
    """
    _unit_or_404(runtime, actor, unit_code)
    records = await WorkRecord.find({"unit": unit_code, "year": year}).to_list()
    states = [record.state for record in records]
    entries_total = entries_with_record = 0
    try:
        stored = await read_list(unit_code, year)
    except NotFound:
        stored = None
    if stored is not None:
        opened = {record.entry_id for record in records if record.entry_id}
        for row in entry_rows(stored):
            assert row.entry is not None
            entries_total += 1
            entries_with_record += row.entry.entry_id in opened
    return {
        "records_created": len(records),
        "records_outside_list": sum(record.outside_list for record in records),
        "records_closed": sum(record.closed_at is not None for record in records),
        "records_complete": sum(
            state in (RecordState.CLOSED, RecordState.SUBMITTED, RecordState.ACCEPTED)
            for state in states
        ),
        "records_submitted": sum(
            state in (RecordState.SUBMITTED, RecordState.ACCEPTED) for state in states
        ),
        "records_accepted": states.count(RecordState.ACCEPTED),
        "list_entries": entries_total,
        "list_entries_with_record": entries_with_record,
    }


async def handover_list(
    runtime: Runtime, actor: Principal, unit_code: str, year: int | None
) -> list[WorkRecord]:
    """Records submitted or accepted (the handover list, mục lục hồ sơ nộp lưu)."""
    _unit_or_404(runtime, actor, unit_code)
    query: dict[str, Any] = {
        "unit": unit_code,
        "state": {"$in": [RecordState.SUBMITTED.value, RecordState.ACCEPTED.value]},
    }
    if year is not None:
        query["year"] = year
    found = await WorkRecord.find(query).to_list()
    return sorted(found, key=lambda record: (record.year, record.id))


async def refuse_if_archived(document: StoredDocument) -> None:
    """409 when the document is filed in a record the archive accepted: it is locked.

    Drafts are never in one (closing refuses them), so they cost no lookup: the membership
    lookup by document scans on FerretDB's SQLite backend, and drafts are what gets edited and
    uploaded to most."""
    if document.state is DocumentState.DRAFT:
        return
    for item in await Membership.find({"document_id": document.id}).to_list():
        record = await WorkRecord.get(item.record_code)
        if record is not None and record.state is RecordState.ACCEPTED:
            raise Conflict(
                f"Document {document.id} is in record {record.id}, which the archive accepted: "
                "it is locked and cannot change.",
                record=record.id,
            )
