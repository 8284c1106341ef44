"""Documents: create, read, list, change and delete, with the rules of D30 and Circular 02."""

from __future__ import annotations

from datetime import date
from typing import Any

from beanie import PydanticObjectId
from beanie.odm.utils.encoder import Encoder
from bson import ObjectId
from bson.errors import InvalidId

from core.audit.models import AuditAction
from core.audit.recording import audit
from core.documents.models import (
    Direction,
    DocumentState,
    RevisionChange,
    Secrecy,
    StoredDocument,
)
from core.documents.revisions import claim_next, stale_revision
from core.documents.schemas import DocumentCreate, DocumentFields, DocumentOut, DocumentUpdate
from core.documents.types import DocumentType, type_for_unit
from core.errors import Conflict, HosoError, InvalidInput, NotFound, PermissionDenied
from core.identity.policy import Principal
from core.identity.roles import Action
from core.numbering.service import entry_of_document
from core.runtime import Runtime
from core.search.index import index_document
from core.text import fold
from core.units.tree import Unit
from core.workflows.starting import check_editable, start_status

# Once a document has its number (issued) or arrival number (registered) it is final: a mistake in
# content is fixed by a replacing document, in form by a correction letter (D30 Art. 14). Only
# these fields, which describe how the document is kept rather than what it says, stay editable.
EDITABLE_AFTER_NUMBERING = frozenset(
    {"keywords", "description", "access_mode", "due_date", "page_count", "language", "to_places"}
    | {"record_code", "answers"}
)

MAX_PAGE_SIZE = 200

# Fields that describe only one direction (D30 App. VI Part II): the sender's number, symbol and
# date and the places it names belong to an incoming document; recipients and the number of
# copies to an outgoing or internal one. Set on the other direction they would be kept unseen.
INCOMING_ONLY = ("original_number", "original_symbol", "original_date", "to_places")
OUTGOING_ONLY = ("recipients", "issued_amount")


def unit_or_invalid(runtime: Runtime, code: str, field: str = "unit") -> Unit:
    unit = runtime.units.get(code)
    if unit is None:
        raise InvalidInput(
            f"Unit {code!r} is not in the units tree; see GET /api/v1/units.",
            errors=[{"field": field, "message": "unknown unit"}],
        )
    return unit


def parse_id(value: str, what: str = "document") -> PydanticObjectId:
    try:
        return PydanticObjectId(ObjectId(value))
    except (InvalidId, TypeError):
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise NotFound(
            f"There is no {what} with id {shown!r}: ids are 24 hexadecimal characters."
        ) from None


async def get_document(
    actor: Principal, document_id: str, action: str = Action.READ_DOCUMENTS
) -> StoredDocument:
    """The document, if it exists for `actor` (its unit's, and its access mode's); 404 as for an
    unknown id otherwise. With another `action` than reading, the actor must hold it there too
    (403 naming the role that would)."""
    document = await StoredDocument.get(parse_id(document_id))
    if document is None or not actor.can_read_document(document):
        raise NotFound(f"There is no document with id {document_id!r}.")
    if action != Action.READ_DOCUMENTS:
        actor.require(action, document.unit)
    return document


async def create_document(
    runtime: Runtime, actor: Principal, data: DocumentCreate
) -> StoredDocument:
    unit = unit_or_invalid(runtime, data.unit)
    actor.require(Action.WRITE_DOCUMENTS, unit.code)
    doc_type = await type_for_unit(runtime, unit, data.type_code)
    fields = {name: value for name, value in _given_fields(data).items() if value is not None}
    _check_direction_fields(data.direction, fields)
    _check_secrecy(runtime, fields.get("secrecy"))
    await _check_answers(actor, fields.get("answers"))
    extra = fields.pop("extra", None) or {}
    issuing_body = fields.pop("issuing_body", None) or unit.name
    await doc_type.validate_extra(extra)
    if data.direction is Direction.INCOMING and not data.issuing_body:
        raise InvalidInput(
            "An incoming document needs the body that issued it (issuing_body).",
            errors=[{"field": "issuing_body", "message": "required for incoming documents"}],
        )
    now = runtime.clock()
    document = StoredDocument(
        # Its id made here, as the driver would make it: Beanie then takes the inserted id as it
        # is, instead of building a pydantic TypeAdapter at every insert to convert it.
        id=PydanticObjectId(),
        **fields,
        unit=unit.code,
        direction=data.direction,
        type_code=doc_type.code,
        type_name=doc_type.name,
        type_symbol=doc_type.symbol,
        issuing_body=issuing_body,
        summary_folded=fold(data.summary),
        extra=extra,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    document.workflow = start_status(
        runtime, DocumentOut.of(document).model_dump(mode="json"), unit, actor.name, now
    )
    await document.insert()
    await _check_type_unchanged(runtime, unit, doc_type, document)
    await index_document(runtime, document.id)
    await audit(
        runtime,
        actor,
        AuditAction.DOCUMENT_CREATE,
        unit=document.unit,
        target_kind="document",
        target_id=str(document.id),
        after=document,
    )
    return document


async def _check_type_unchanged(
    runtime: Runtime, unit: Unit, checked: DocumentType, document: StoredDocument
) -> None:
    """A type defined through the API may have begun a schema change while this document was
    checked. The change first marks its new schema pending, then looks at the documents stored;
    this looks at the type again once the document is stored. One of the two always sees the
    other, so no document escapes the new schema (no transaction needed; see types_api)."""
    if not any(source.startswith("unit:") for source in checked.sources):
        return  # plugin types do not change while the service runs
    current = await type_for_unit(runtime, unit, checked.code)
    if (current.schema, current.pending_schema) == (checked.schema, checked.pending_schema):
        return
    try:
        await current.validate_extra(document.extra)
    except HosoError as exc:
        await document.delete()
        raise Conflict(
            f"Document type {checked.code} changed while the document was being created, and "
            f"its extra fields no longer fit ({exc.detail}). Nothing was stored: read the type "
            "and send the document again."
        ) from None


async def duplicate_warnings(actor: Principal, document: StoredDocument) -> list[str]:
    """An incoming document received twice (same sender, number and symbol) is a common slip:
    the clerk is warned, not stopped, since a resend can be legitimate (D30 App. VI). Only twins
    the clerk can read are named: a restricted one they may not see does not exist for them."""
    if document.direction is not Direction.INCOMING or not document.original_number:
        return []
    visible = actor.document_filter()
    if visible is None:
        return []
    twins = (
        await StoredDocument.find(
            {
                "$and": [visible],
                "unit": document.unit,
                "direction": Direction.INCOMING.value,
                "original_number": document.original_number,
                "original_symbol": document.original_symbol,
                "issuing_body": document.issuing_body,
                "_id": {"$ne": document.id},
            }
        )
        .limit(5)
        .to_list()
    )
    return [
        f"Incoming document {twin.id} has the same sender, number and symbol "
        f"({document.issuing_body}, {document.original_number}/{document.original_symbol or ''}); "
        "check that this one is not received twice."
        for twin in twins
    ]


async def update_document(
    runtime: Runtime, actor: Principal, document_id: str, data: DocumentUpdate
) -> StoredDocument:
    from core.records.handover import refuse_if_archived  # records depend on documents

    document = await get_document(actor, document_id, Action.WRITE_DOCUMENTS)
    check_revision(document, data.revision)
    await refuse_if_archived(document)
    changes = _given_fields(data)
    changes.pop("revision")
    sent = sorted(changes)  # what the client changed, before the fields derived from it
    if {"access_mode", "readers"} & set(changes) and not _may_set_readers(actor, document):
        raise PermissionDenied(
            "Only the person who made the document and its unit's leaders decide who may read "
            "it (access_mode, readers).",
            fields=sorted({"access_mode", "readers"} & set(changes)),
        )
    if not changes:
        return document  # nothing to change: no new revision
    check_editable(runtime, document, "content")
    if "type_code" in changes and changes["type_code"] != document.type_code:
        changes["workflow"] = _workflow_for_new_type(runtime, actor, document, changes)
    if document.state is not DocumentState.DRAFT:
        locked = sorted(set(changes) - EDITABLE_AFTER_NUMBERING)
        if locked:
            raise Conflict(
                f"The document is {document.state.value}; {', '.join(locked)} can no longer "
                "change. Fix its content with a replacing document (D30 Art. 14).",
                fields=locked,
            )
    _check_direction_fields(document.direction, changes)
    _check_secrecy(runtime, changes.get("secrecy"))
    await _check_answers(actor, changes.get("answers"))
    if document.state is DocumentState.DRAFT:
        # Checked on every change of a draft, not only when `extra` changes: the type's schema
        # may have changed since (a plugin upgraded), and a draft must satisfy it to be issued.
        unit = unit_or_invalid(runtime, document.unit)
        doc_type = await type_for_unit(runtime, unit, changes.get("type_code", document.type_code))
        extra = changes.get("extra", document.extra)
        changes["extra"] = extra or {}
        await doc_type.validate_extra(changes["extra"])
        changes.update(type_name=doc_type.name, type_symbol=doc_type.symbol)
    if changes.get("summary"):
        changes["summary_folded"] = fold(changes["summary"])
    if _changes_nothing(document, changes):
        return document  # the values sent are those stored: no new revision
    updated = await save_changes(
        runtime, document, changes, change=RevisionChange.EDIT, actor=actor.name
    )
    await audit(
        runtime,
        actor,
        AuditAction.DOCUMENT_EDIT,
        unit=document.unit,
        target_kind="document",
        target_id=str(document.id),
        before=document,
        after=updated,
        detail={"fields": sent, "revision": updated.revision},
    )
    return updated


def _workflow_for_new_type(
    runtime: Runtime, actor: Principal, document: StoredDocument, changes: dict[str, Any]
) -> Any:
    """A new type may mean another workflow (a unit's decisions pass a legal review): chosen
    again while the document is at its workflow's start, refused once it has moved on."""
    status = document.workflow
    definition = runtime.workflows.get(status.name) if status else None
    if status is None or definition is None:
        return status
    if status.step != definition.start or status.last is None or status.last.kind != "start":
        raise Conflict(
            f"The document's workflow has moved on (step '{status.step}'); its type can only "
            "change before the first step is taken, since the type chooses the workflow.",
            current_step=status.step,
            fields=["type_code"],
        )
    view = DocumentOut.of(document.model_copy(update={"type_code": changes["type_code"]}))
    unit = unit_or_invalid(runtime, document.unit)
    return start_status(runtime, view.model_dump(mode="json"), unit, actor.name, runtime.clock())


def _may_set_readers(actor: Principal, document: StoredDocument) -> bool:
    """Who decides who may read a document: its maker and its unit's leaders (a document stored
    before its maker was recorded: whoever may change it)."""
    return document.created_by in (None, actor.name) or actor.may(
        Action.READ_RESTRICTED, document.unit
    )


def _changes_nothing(document: StoredDocument, changes: dict[str, Any]) -> bool:
    fields = set(changes)
    after = StoredDocument.model_validate({**document.model_dump(), **changes})
    return after.model_dump(include=fields) == document.model_dump(include=fields)


async def delete_document(
    runtime: Runtime, actor: Principal, document_id: str, revision: int | None
) -> None:
    from core.documents.files import delete_all_files  # files depend on documents, not back

    document = await get_document(actor, document_id, Action.WRITE_DOCUMENTS)
    if revision is not None:
        check_revision(document, revision)
    if document.state is not DocumentState.DRAFT:
        raise Conflict(
            f"The document is {document.state.value}: its number stays in the register, so it "
            "cannot be deleted."
        )
    check_editable(runtime, document, "existence")
    held = await entry_of_document(document.id)
    if held is not None and held.void_reason is None:
        # An issue that failed half-way (or is running now) holds a number for this draft:
        # issuing it again writes that number; deleting it would leave the number orphaned.
        raise Conflict(
            f"The draft holds number {held.number} of register '{held.register_code}' "
            f"({held.year}); issue it again to finish numbering. It cannot be deleted."
        )
    # The deletion is a revision too: claimed like an edit, so that of an edit (or an issue) and
    # a deletion of the same revision only one wins. Its entry keeps what was deleted.
    deleted, encoded = _next_revision(runtime, document, {})
    await claim_next(
        runtime,
        document,
        encoded,
        change=RevisionChange.DELETE,
        at=deleted.updated_at,
        actor=actor.name,
    )
    await StoredDocument.get_motor_collection().delete_one({"_id": document.id})
    await delete_all_files(runtime, document.id)
    await index_document(runtime, document.id)
    await audit(
        runtime,
        actor,
        AuditAction.DOCUMENT_DELETE,
        unit=document.unit,
        target_kind="document",
        target_id=str(document.id),
        before=document,
    )


def check_revision(document: StoredDocument, revision: int) -> None:
    if revision != document.revision:
        raise stale_revision(revision, document.revision)


async def save_changes(
    runtime: Runtime,
    document: StoredDocument,
    changes: dict[str, Any],
    *,
    change: RevisionChange,
    actor: str | None = None,
) -> StoredDocument:
    """Write `changes` as the next revision, only if nobody else wrote since `document` was
    read (409 otherwise; 404 if it was deleted). See `core.documents.revisions`."""
    updated, encoded = _next_revision(runtime, document, changes)
    await claim_next(runtime, document, encoded, change=change, at=updated.updated_at, actor=actor)
    # Filtered on `_id` alone: the claim already made this the only writer of this revision.
    result = await StoredDocument.get_motor_collection().replace_one({"_id": document.id}, encoded)
    if result.matched_count == 0:
        raise NotFound(f"There is no document with id {document.id}: it was deleted meanwhile.")
    await index_document(runtime, document.id)
    return updated


def _next_revision(
    runtime: Runtime, document: StoredDocument, changes: dict[str, Any]
) -> tuple[StoredDocument, dict[str, Any]]:
    """The document with `changes` as its next revision, and as it is stored."""
    updated = document.model_copy(
        update={**changes, "revision": document.revision + 1, "updated_at": runtime.clock()}
    )
    # Re-validate: model_copy does not, and a bad value must never reach the database.
    updated = StoredDocument.model_validate(updated.model_dump())
    return updated, Encoder(to_db=True).encode(updated)


async def list_documents(
    actor: Principal,
    *,
    units: list[str] | None,
    direction: Direction | None,
    type_code: str | None,
    state: DocumentState | None,
    date_from: date | None,
    date_to: date | None,
    text: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[StoredDocument], str | None]:
    visible = actor.document_filter()
    if visible is None:
        return [], None  # the caller reads no unit's documents
    if units is not None:
        # Another unit's code answers as a unit with no documents would: what it holds is
        # not the caller's to know, not even whether it holds anything.
        units = [code for code in units if actor.may(Action.READ_DOCUMENTS, code)]
        if not units:
            return [], None
    query: dict[str, Any] = {"$and": [visible]}
    if units is not None:
        query["unit"] = units[0] if len(units) == 1 else {"$in": units}
    if direction:
        query["direction"] = direction.value
    if type_code:
        query["type_code"] = type_code
    if state:
        query["state"] = state.value
    if date_from or date_to:
        span = _date_span(date_from, date_to)
        query["$and"].append({"$or": [{"issued_date": span}, {"arrival_date": span}]})
    if cursor:
        query["_id"] = {"$lt": _cursor_id(cursor)}
    if text is not None:
        # The same matching as /api/v1/search; the ids found are then read as the list reads.
        from core.search.service import matching_document_ids  # search builds on documents

        ids = await matching_document_ids(actor, text, query.get("_id"), units)
        query["_id"] = {"$in": ids}
    found = await StoredDocument.find(query).sort([("_id", -1)]).limit(limit + 1).to_list()
    more = len(found) > limit
    items = found[:limit]
    return items, (str(items[-1].id) if more else None)


def _date_span(date_from: date | None, date_to: date | None) -> dict[str, Any]:
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(
            "date_from is after date_to.",
            errors=[{"field": "date_from", "message": "after date_to"}],
        )
    encoder = Encoder(to_db=True)
    span: dict[str, Any] = {}
    if date_from:
        span["$gte"] = encoder.encode(date_from)
    if date_to:
        span["$lte"] = encoder.encode(date_to)
    return span


def _cursor_id(cursor: str) -> ObjectId:
    try:
        return ObjectId(cursor)
    except (InvalidId, TypeError):
        raise InvalidInput(
            "The cursor is not one this service gave out; start again without it.",
            errors=[{"field": "cursor", "message": "invalid cursor"}],
        ) from None


def _given_fields(data: DocumentFields) -> dict[str, Any]:
    """The fields the client actually sent (already NFC: see schemas._Strict)."""
    given = {name: getattr(data, name) for name in data.model_fields_set}
    if isinstance(data, DocumentCreate):
        for name in ("unit", "direction", "type_code"):
            given.pop(name, None)
    return given


def _check_direction_fields(direction: Direction, fields: dict[str, Any]) -> None:
    """Refuse values in fields the document's direction does not have (null or [] is fine)."""
    other = INCOMING_ONLY if direction is not Direction.INCOMING else OUTGOING_ONLY
    misplaced = [name for name in other if fields.get(name) not in (None, [])]
    if not misplaced:
        return
    kind = "incoming" if direction is not Direction.INCOMING else "outgoing and internal"
    raise InvalidInput(
        f"{', '.join(misplaced)} belong to {kind} documents only; this one is "
        f"{direction.value}. Leave them out.",
        errors=[{"field": name, "message": f"only for {kind} documents"} for name in misplaced],
    )


async def _check_answers(actor: Principal, answered: str | None) -> None:
    """A reply names a document the caller can read."""
    if answered is None:
        return
    try:
        await get_document(actor, answered)
    except NotFound:
        raise InvalidInput(
            f"answers names document {answered}, which does not exist or which you cannot read.",
            errors=[{"field": "answers", "message": "no such document"}],
        ) from None


def _check_secrecy(runtime: Runtime, secrecy: Secrecy | None) -> None:
    if secrecy and secrecy is not Secrecy.NONE and not runtime.settings.accept_secret_documents:
        raise InvalidInput(
            "Secret documents (Mật, Tối mật, Tuyệt mật) are handled outside this system under the "
            "law on protecting state secrets.",
            errors=[{"field": "secrecy", "message": "not accepted by this service"}],
        )
