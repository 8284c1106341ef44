"""Closing a record (kết thúc hồ sơ, D30 Art. 29.3): dates, totals and the document list.

Closing refuses a record that still holds drafts (they are not documents of the work yet: remove
them, or issue them), copies of a document it already holds (the same letter received twice, the
same number and symbol), and one missing a component its unit's plugins require
(`hoso_record_requirements`); both answers name what to fix. Otherwise it sets the start and end
dates and the document and page totals from the filed documents, numbers them 1..n in their
order (the list, biên mục, is GET /api/v1/records/{code}/documents), and works out when the
record is due at the archive.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from core.audit.models import AuditAction
from core.audit.recording import audit
from core.documents.models import DocumentState, StoredDocument
from core.errors import Conflict, InvalidInput
from core.identity.policy import Principal
from core.identity.roles import Action
from core.plugins import PluginError, call_in_registration_order
from core.records.filing import memberships
from core.records.models import COLLECTING, Membership, RecordState, WorkRecord
from core.records.schemas import RecordOut, printed_number
from core.records.service import check_revision, get_record, locked, save_record
from core.runtime import Runtime


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(record: WorkRecord, end: date | None) -> date | None:
    """Within 1 year of the end of the work; capital construction records within 3 months of
    final settlement (D30 Art. 30)."""
    if record.capital_construction and record.final_settlement_date:
        return add_months(record.final_settlement_date, 3)
    return add_months(end, 12) if end else None


async def close_record(
    runtime: Runtime, actor: Principal, code: str, revision: int | None
) -> WorkRecord:
    record = await get_record(actor, code, Action.MANAGE_RECORDS)
    check_revision(record, revision)
    if record.state is RecordState.CLOSED:
        raise Conflict(f"Record {record.id} is closed already.", record=record.id)
    if record.state not in COLLECTING:
        raise locked(record)
    filed = await _filed(record)
    if not filed:
        raise InvalidInput(
            f"Record {record.id} holds no documents: file the documents of the work first.",
            errors=[{"field": "documents", "message": "none filed"}],
        )
    drafts = [(item, document) for item, document in filed if document.state is DocumentState.DRAFT]
    if drafts:
        raise InvalidInput(
            f"Record {record.id} holds {len(drafts)} draft(s); drafts are not kept in a closed "
            "record (D30 Art. 29.3): issue them or take them out "
            f"(DELETE /api/v1/records/{record.id}/documents/<id>).",
            errors=[
                {
                    "field": "documents",
                    "message": f"draft {document.id} (number {item.order})"
                    + _summary_for(actor, document),
                }
                for item, document in drafts
            ],
        )
    copies = _duplicate_copies(filed)
    if copies:
        raise InvalidInput(
            f"Record {record.id} holds {len(copies)} copy(ies) of a document it already holds "
            "(the same number and symbol, or the same sender's number, from the same body); a "
            "closed record keeps one of each (D30 Art. 29.3): take the copies out "
            f"(DELETE /api/v1/records/{record.id}/documents/<id>).",
            errors=[
                {
                    "field": "documents",
                    "message": f"document {copy.id} (number {item.order}) is a copy of "
                    f"{original.id}" + _summary_for(actor, copy),
                }
                for item, copy, original in copies
            ],
        )
    missing = _missing(runtime, record, [document for _, document in filed])
    if missing:
        raise InvalidInput(
            f"Record {record.id} is incomplete: it lacks "
            f"{', '.join(item['name'] for item in missing)}. File them, then close it.",
            errors=[
                {"field": "documents", "message": f"missing {item['name']} ({item['type_code']})"}
                for item in missing
            ],
            missing=missing,
        )
    dates = [d for _, document in filed if (d := _date_of(document)) is not None]
    start = min(dates) if dates else record.start_date
    end = max(dates) if dates else None
    changes: dict[str, Any] = {
        "state": RecordState.CLOSED,
        "start_date": start,
        "end_date": end,
        "doc_total": len(filed),
        "page_total": sum(document.page_count or 0 for _, document in filed),
        "closed_at": runtime.clock(),
        "due_date": due_date(record, end),
    }
    closed = await save_record(runtime, actor, record, changes, change="close")
    # A filing or a removal may have landed between the reading above and the closed state
    # being written (it checked the state before this close saved it). The closed record must
    # hold exactly what was checked and counted: if not, put it back as it was and say so.
    now_filed = {item.document_id for item in await memberships(record.id)}
    if now_filed != {item.document_id for item, _ in filed}:
        reverted = {
            name: getattr(record, name)
            for name in ("state", "start_date", "end_date", "doc_total", "page_total", "due_date")
        }
        await save_record(runtime, actor, closed, {**reverted, "closed_at": None}, change="reopen")
        raise Conflict(
            f"Documents were filed in or taken out of record {record.id} while it was being "
            "closed; it stays open. Look at its documents and close it again.",
            record=record.id,
        )
    collection = Membership.get_motor_collection()
    for position, (item, _) in enumerate(filed, start=1):
        if item.order != position:
            await collection.update_one({"_id": item.id}, {"$set": {"order": position}})
    await audit(
        runtime,
        actor,
        AuditAction.RECORD_CLOSE,
        unit=record.unit,
        target_kind="record",
        target_id=record.id,
        before=record,
        after=closed,
        detail={
            "documents": [
                {
                    "order": position,
                    "number_and_symbol": printed_number(document),
                    "date": str(_date_of(document)),
                }
                for position, (_, document) in enumerate(filed, start=1)
            ]
        },
    )
    return closed


def _summary_for(actor: Principal, document: StoredDocument) -> str:
    """A document's summary in a message, for whoever may read it; its id alone otherwise (a
    restricted document's summary is for its readers)."""
    return f": {document.summary}" if actor.can_read_document(document) else ""


def _identity(document: StoredDocument) -> tuple[Any, ...] | None:
    """What makes two stored documents one document of the work: the number and symbol it was
    issued under (outgoing, internal), or the sender's number, symbol and date (incoming), with
    the body that issued it. None for a document without a number yet."""
    if document.number is not None and document.symbol:
        return ("issued", document.unit, document.register_year, document.number, document.symbol)
    if document.original_number:
        return (
            "received",
            document.issuing_body,
            document.original_number,
            document.original_symbol,
            document.original_date,
        )
    return None


def _duplicate_copies(
    filed: list[tuple[Membership, StoredDocument]],
) -> list[tuple[Membership, StoredDocument, StoredDocument]]:
    """Each filed document that repeats one filed before it in the record's order."""
    first: dict[tuple[Any, ...], StoredDocument] = {}
    copies = []
    for item, document in filed:
        key = _identity(document)
        if key is None:
            continue
        if key in first:
            copies.append((item, document, first[key]))
        else:
            first[key] = document
    return copies


async def _filed(record: WorkRecord) -> list[tuple[Membership, StoredDocument]]:
    found = []
    for item in await memberships(record.id):
        document = await StoredDocument.get(item.document_id)
        if document is None:  # a filed draft deleted since: nothing left to keep
            await Membership.get_motor_collection().delete_one({"_id": item.id})
            continue
        found.append((item, document))
    return found


def _date_of(document: StoredDocument) -> date | None:
    return document.issued_date or document.arrival_date


def requirements(runtime: Runtime, record: WorkRecord) -> list[dict[str, str]]:
    unit = runtime.units.get(record.unit)
    if unit is None:
        return []
    hooks = runtime.plugins.for_unit(unit)
    view = RecordOut.of(record).model_dump(mode="json")
    found: list[dict[str, str]] = []
    for _, answer in call_in_registration_order(
        hooks.hoso_record_requirements, unit=unit, record=view
    ):
        for item in answer or []:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("name"), str)
                and isinstance(item.get("type_code"), str)
            ):
                raise PluginError(
                    f"A plugin of unit {unit.code} gave the record requirement {item!r}; "
                    'expected {"name": "Tờ trình", "type_code": "TTR"}.'
                )
            found.append({"name": item["name"], "type_code": item["type_code"]})
    return found


def _missing(
    runtime: Runtime, record: WorkRecord, documents: list[StoredDocument]
) -> list[dict[str, str]]:
    held = {document.type_code for document in documents}
    return [item for item in requirements(runtime, record) if item["type_code"] not in held]
