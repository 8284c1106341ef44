"""Filing: documents added to, removed from and reordered in a record (D30 Art. 29.2).

A filed document is a `Membership` (`<code>|<document id>`): an entry pointing at the document,
so one document may sit in several records without being copied, and at most once in each.
Its order number is a `FilingSlot` claimed by insert through `core.sequences` (one writer per
number on every engine), so documents filed at the same time never share one. A removed
document's slot stays taken: filing never gives a number twice.

Reordering numbers the documents 1..n anew under a claimed record revision (two reorders cannot
both win). New filings still claim slots past the highest ever taken, which is at least n, so a
filing racing a reorder never gets a number the reorder gives out.
"""

from __future__ import annotations

import logging
from typing import Any

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from core.audit.models import AuditAction
from core.audit.recording import audit
from core.documents.models import Secrecy, StoredDocument
from core.documents.schemas import DocumentOut
from core.documents.service import get_document, parse_id
from core.errors import Conflict, HosoError, InvalidInput, NotFound
from core.identity.policy import Principal
from core.identity.roles import Action
from core.plugins import call_first
from core.records.models import (
    COLLECTING,
    FilingMark,
    FilingSlot,
    Membership,
    WorkRecord,
    membership_key,
    slot_key,
)
from core.records.service import check_revision, get_record, locked, save_record
from core.runtime import Runtime
from core.sequences import TAKEN, Claimed, GaplessSequence, Mark, Outcome

logger = logging.getLogger("hoso")


def _sequence(code: str) -> GaplessSequence:
    async def exists(number: int) -> bool:
        return await FilingSlot.get(slot_key(code, number)) is not None

    return GaplessSequence(
        name=f"the order numbers of record {code}",
        marks=FilingMark.get_motor_collection(),
        mark_key=code,
        exists=exists,
    )


async def file_document(
    runtime: Runtime, actor: Principal, code: str, document_id: str
) -> tuple[Membership, StoredDocument]:
    record = await get_record(actor, code, Action.MANAGE_RECORDS)
    document = await get_document(actor, document_id)
    membership = await _file(runtime, record, document, by=actor.name, automatic=False)
    await _audit_filing(runtime, actor, record, membership)
    return membership, document


async def _file(
    runtime: Runtime,
    record: WorkRecord,
    document: StoredDocument,
    *,
    by: str | None,
    automatic: bool,
) -> Membership:
    if record.state not in COLLECTING:
        raise locked(record)
    if document.unit != record.unit:
        raise InvalidInput(
            f"Document {document.id} belongs to unit {document.unit}; record {record.id} holds "
            f"documents of unit {record.unit} only.",
            errors=[{"field": "document_id", "message": "another unit's document"}],
        )
    _check_secrecy(runtime, record, document)
    assert document.id is not None
    key = membership_key(record.id, document.id)
    held = await Membership.get(key)
    if held is not None:
        raise _filed_already(record, held)
    now = runtime.clock()

    async def claim(number: int, mark: Mark | None) -> Outcome[FilingSlot]:
        slot = FilingSlot(
            id=slot_key(record.id, number),
            record_code=record.id,
            number=number,
            document_id=document.id,
            at=now,
        )
        try:
            await slot.insert()
        except DuplicateKeyError:
            return TAKEN
        return Claimed(slot, number)

    claimed = await _sequence(record.id).claim_next(claim)
    assert isinstance(claimed, Claimed)
    membership = Membership(
        id=key,
        record_code=record.id,
        document_id=document.id,
        unit=record.unit,
        order=claimed.number,
        filed_at=now,
        filed_by=by,
        automatic=automatic,
    )
    try:
        await membership.insert()
    except DuplicateKeyError:
        # The same document filed by another request at the same moment: its number stays
        # unused (numbers are never given twice).
        raise _filed_already(record, await Membership.get(key)) from None
    # A close (or submission) that read the record's documents before this one was inserted
    # must not end with it inside: look again, and take it back out if so.
    current = await WorkRecord.get(record.id)
    if current is None or current.state not in COLLECTING:
        await Membership.get_motor_collection().delete_one({"_id": key})
        raise locked(current or record)
    return membership


def _filed_already(record: WorkRecord, held: Membership | None) -> Conflict:
    number = f" as number {held.order}" if held else ""
    return Conflict(
        f"The document is filed in record {record.id} already{number}.",
        record=record.id,
        order=held.order if held else None,
    )


def _check_secrecy(runtime: Runtime, record: WorkRecord, document: StoredDocument) -> None:
    if document.secrecy is Secrecy.NONE:
        return
    unit = runtime.units.get(record.unit)
    allowed = bool(unit and unit.settings_for("decree30").get("secret_documents_in_records"))
    if not allowed:
        raise InvalidInput(
            f"Document {document.id} is {document.secrecy.value} (a state secret): unit "
            f"{record.unit} does not allow secret documents in electronic records (plugin "
            "setting decree30.secret_documents_in_records). Keep it in the paper record.",
            errors=[{"field": "document_id", "message": "secret documents are not filed"}],
        )


async def _audit_filing(
    runtime: Runtime, actor: Principal | None, record: WorkRecord, membership: Membership
) -> None:
    await audit(
        runtime,
        actor,
        AuditAction.RECORD_FILE,
        unit=record.unit,
        target_kind="record",
        target_id=record.id,
        after=membership,
        detail={
            "document_id": str(membership.document_id),
            "order": membership.order,
            "automatic": membership.automatic,
        },
    )


async def remove_document(runtime: Runtime, actor: Principal, code: str, document_id: str) -> None:
    record = await get_record(actor, code, Action.MANAGE_RECORDS)
    if record.state not in COLLECTING:
        raise locked(record)
    key = membership_key(record.id, parse_id(document_id))
    held = await Membership.get(key)
    if held is None:
        raise NotFound(f"Document {document_id} is not filed in record {record.id}.")
    await Membership.get_motor_collection().delete_one({"_id": key})
    await audit(
        runtime,
        actor,
        AuditAction.RECORD_UNFILE,
        unit=record.unit,
        target_kind="record",
        target_id=record.id,
        before=held,
        detail={"document_id": document_id, "order": held.order},
    )


async def memberships(code: str) -> list[Membership]:
    found = await Membership.find({"record_code": code}).to_list()
    return sorted(found, key=lambda membership: membership.order)


async def filed_documents(
    actor: Principal, code: str
) -> tuple[WorkRecord, list[tuple[Membership, StoredDocument | None]]]:
    """The record's documents in order; those the caller may not read show only their id."""
    record = await get_record(actor, code)
    filed = await memberships(record.id)
    return record, [(item, await _readable(actor, item.document_id)) for item in filed]


async def _readable(actor: Principal, document_id: PydanticObjectId) -> StoredDocument | None:
    document = await StoredDocument.get(document_id)
    return document if document is not None and actor.can_read_document(document) else None


async def reorder(
    runtime: Runtime,
    actor: Principal,
    code: str,
    order: list[str],
    revision: int | None = None,
) -> list[Membership]:
    record = await get_record(actor, code, Action.MANAGE_RECORDS)
    check_revision(record, revision)
    if record.state not in COLLECTING:
        raise locked(record)
    current = {str(item.document_id): item for item in await memberships(record.id)}
    duplicates = sorted({item for item in order if order.count(item) > 1})
    missing = sorted(set(current) - set(order))
    unknown = sorted(set(order) - set(current))
    if duplicates or missing or unknown:
        errors: list[dict[str, Any]] = [
            {"field": "documents", "message": f"named twice: {item}"} for item in duplicates
        ]
        errors += [{"field": "documents", "message": f"left out: {item}"} for item in missing]
        errors += [{"field": "documents", "message": f"not filed here: {item}"} for item in unknown]
        raise InvalidInput(
            f"Send every document filed in record {record.id}, each once, in the order wanted.",
            errors=errors,
        )
    # Two reorders of one revision: one claims it, the other answers 409.
    await save_record(runtime, actor, record, {}, change="reorder")
    before = {name: item.order for name, item in current.items()}
    collection = Membership.get_motor_collection()
    for position, document_id in enumerate(order, start=1):
        held = current[document_id]
        if held.order != position:
            await collection.update_one({"_id": held.id}, {"$set": {"order": position}})
            held.order = position
    await audit(
        runtime,
        actor,
        AuditAction.RECORD_REORDER,
        unit=record.unit,
        target_kind="record",
        target_id=record.id,
        detail={"before": before, "after": {name: i for i, name in enumerate(order, start=1)}},
    )
    return sorted(current.values(), key=lambda item: item.order)


async def file_on_numbering(runtime: Runtime, actor: Principal, document: StoredDocument) -> None:
    """Called once a document is issued or registered: file it where the unit's plugins say
    (`hoso_choose_record`). Never raises: the document is numbered whatever happens here; a
    failure is logged and written to the history."""
    code: Any = None
    try:
        unit = runtime.units.get(document.unit)
        if unit is None:
            return
        hooks = runtime.plugins.for_unit(unit)
        view = DocumentOut.of(document).model_dump(mode="json")
        view["answers_records"] = await _records_holding(document.answers, document.unit)
        _, code = call_first(hooks.hoso_choose_record, unit=unit, document=view)
        if code is None:
            return
        if not isinstance(code, str):
            raise InvalidInput(f"the plugins chose {code!r}, which is not a record code")
        record = await WorkRecord.get(code)
        if record is None or record.unit != document.unit:
            raise NotFound(f"there is no record {code} of unit {document.unit}")
        membership = await _file(runtime, record, document, by=actor.name, automatic=True)
        await _audit_filing(runtime, actor, record, membership)
    except Conflict as exc:
        if "filed in record" in exc.detail:
            return  # a retried issue: filed the first time
        await _filing_failed(runtime, actor, document, code, exc)
    except Exception as exc:  # noqa: BLE001 - numbering is done; this must not undo it
        await _filing_failed(runtime, actor, document, code, exc)


async def _records_holding(document_id: str | None, unit: str) -> list[str]:
    """Codes of the unit's records still collecting that hold `document_id`, oldest first."""
    if document_id is None:
        return []
    found = await Membership.find({"document_id": PydanticObjectId(document_id)}).to_list()
    codes = []
    for item in sorted(found, key=lambda membership: membership.filed_at):
        record = await WorkRecord.get(item.record_code)
        if record is not None and record.unit == unit and record.state in COLLECTING:
            codes.append(record.id)
    return codes


async def _filing_failed(
    runtime: Runtime, actor: Principal, document: StoredDocument, code: Any, exc: Exception
) -> None:
    reason = exc.detail if isinstance(exc, HosoError) else f"{type(exc).__name__}: {exc}"
    logger.warning("document %s was not filed in record %r: %s", document.id, code, reason)
    await audit(
        runtime,
        actor,
        AuditAction.RECORD_FILE_FAILED,
        unit=document.unit,
        target_kind="document",
        target_id=str(document.id),
        detail={"record": code if isinstance(code, str) else None, "reason": reason[:500]},
    )
