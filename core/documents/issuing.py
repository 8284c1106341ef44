"""Give a document its number: outgoing/internal documents are issued, incoming ones registered.

Order of work:
1. choose the register and try the number format through the unit's plugins, so a broken plugin
   fails before any number is used;
2. take the register entry for the document (unique per document: a retry gets the same number);
3. claim the printed `number/symbol` for the year (unique, D30 Art. 15), then write number,
   symbol and date on the document. The symbol is worked out from the document as
   it is at that moment, so an edit that slipped in between is not undone; if the document was
   deleted meanwhile, its entry is marked void and stays in the register book (no gap).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from core.audit.models import AuditAction
from core.audit.recording import audit
from core.documents.models import Direction, DocumentState, RevisionChange, StoredDocument
from core.documents.schemas import DocumentOut
from core.documents.service import check_revision, get_document, save_changes
from core.errors import Conflict, NotFound
from core.identity.policy import Principal
from core.identity.roles import Action
from core.numbering.models import RegisterEntry
from core.numbering.service import claim_printed, take_number, void_entry
from core.plugins import PluginError, call_first
from core.records.filing import file_on_numbering
from core.runtime import Runtime
from core.units.tree import Unit

SAVE_ATTEMPTS = 8
# Seconds to wait for another writer of the document, doubling from BASE_WAIT.
BASE_WAIT = 0.025
MAX_WAIT = 0.5

Changes = Callable[[StoredDocument, RegisterEntry], Awaitable[dict[str, Any]]]
# What else the numbering writes on the document: its workflow moving on (core.workflows).
Also = Callable[[StoredDocument], dict[str, Any]]


class StepMoved(Conflict):
    """The document left the workflow step it was numbered from: nothing is written, and the
    number taken stays held by the draft, as for any numbering that could not be written."""


async def issue_document(
    runtime: Runtime,
    actor: Principal,
    document_id: str,
    revision: int | None,
    *,
    also: Also | None = None,
) -> StoredDocument:
    """Outgoing or internal draft → issued, with number, symbol and date (D30 Art. 15).

    `also` gives the workflow's move when a transition issues it; without it, the clerk numbers
    it directly and the workflow follows (`numbered_outside_steps`)."""
    document = await _numberable(actor, document_id, revision)
    if document.direction is Direction.INCOMING:
        raise Conflict(
            "An incoming document is registered, not issued: "
            f"POST /api/v1/documents/{document.id}/register."
        )
    also = _workflow_move(runtime, actor, document, also)
    unit = _unit_of(runtime, document)
    register = _register_for(runtime, unit, document)
    _format(runtime, unit, document, number=1, register=register)  # fail before taking a number

    async def changes(current: StoredDocument, entry: RegisterEntry) -> dict[str, Any]:
        number_text, symbol = _format(
            runtime, unit, current, number=entry.number, register=entry.register_code
        )
        printed = f"{number_text}/{symbol}"
        assert current.id is not None
        holder = await claim_printed(
            unit=unit.code, year=entry.year, printed=printed, document_id=current.id
        )
        if holder is not None:
            raise PluginError(
                f"Register '{entry.register_code}' of unit {unit.code} prints number "
                f"{entry.number} as 'Số: {printed}', already printed on document {holder} in "
                f"{entry.year} (number and symbol are unique within a year, D30 Art. 15). The "
                "unit's plugins must give each register a symbol of its own; the number stays "
                "held by this draft until it is issued."
            )
        return {
            **also(current),
            "state": DocumentState.ISSUED,
            "register_code": entry.register_code,
            "register_year": entry.year,
            "number": entry.number,
            "number_text": number_text,
            "symbol": symbol,
            "issued_date": _local_date(runtime, entry),
        }

    entry = await _take(runtime, document, unit, register)
    issued = await _write_number(
        runtime, document, entry, changes, change=RevisionChange.ISSUE, actor=actor.name
    )
    await _record(runtime, actor, AuditAction.DOCUMENT_ISSUE, document, issued)
    await file_on_numbering(runtime, actor, issued)
    return issued


async def register_incoming(
    runtime: Runtime,
    actor: Principal,
    document_id: str,
    revision: int | None,
    *,
    also: Also | None = None,
) -> StoredDocument:
    """Incoming draft → registered, with its arrival number and date (D30 Art. 22); `also` as
    for `issue_document`."""
    document = await _numberable(actor, document_id, revision)
    if document.direction is not Direction.INCOMING:
        raise Conflict(
            f"Only incoming documents are registered; this one is {document.direction.value}: "
            f"POST /api/v1/documents/{document.id}/issue."
        )
    also = _workflow_move(runtime, actor, document, also)
    unit = _unit_of(runtime, document)

    async def changes(current: StoredDocument, entry: RegisterEntry) -> dict[str, Any]:
        return {
            **also(current),
            "state": DocumentState.REGISTERED,
            "register_code": entry.register_code,
            "register_year": entry.year,
            "arrival_number": entry.number,
            "arrival_date": _local_date(runtime, entry),
        }

    entry = await _take(runtime, document, unit, _register_for(runtime, unit, document))
    registered = await _write_number(
        runtime, document, entry, changes, change=RevisionChange.REGISTER, actor=actor.name
    )
    await _record(runtime, actor, AuditAction.DOCUMENT_REGISTER, document, registered)
    await file_on_numbering(runtime, actor, registered)
    return registered


def _workflow_move(
    runtime: Runtime, actor: Principal, document: StoredDocument, also: Also | None
) -> Also:
    if also is not None:
        also(document)  # refuse before a number is taken
        return also
    from core.workflows.engine import numbered_outside_steps

    numbered_outside_steps(runtime, actor, document)  # refuse before a number is taken

    def direct(current: StoredDocument) -> dict[str, Any]:
        try:
            return numbered_outside_steps(runtime, actor, current)
        except Conflict as exc:
            raise StepMoved(exc.detail, **exc.extensions) from None

    return direct


async def _record(
    runtime: Runtime,
    actor: Principal,
    action: str,
    before: StoredDocument,
    after: StoredDocument,
) -> None:
    await audit(
        runtime,
        actor,
        action,
        unit=after.unit,
        target_kind="document",
        target_id=str(after.id),
        before=before,
        after=after,
        detail={
            "register": after.register_code,
            "year": after.register_year,
            "number": after.number or after.arrival_number,
            "symbol": after.symbol,
        },
    )


async def _numberable(actor: Principal, document_id: str, revision: int | None) -> StoredDocument:
    document = await get_document(actor, document_id, Action.NUMBER_DOCUMENTS)
    if document.state is not DocumentState.DRAFT:
        shown = DocumentOut.of(document).number_and_symbol or f"số đến {document.arrival_number}"
        raise Conflict(f"The document is already {document.state.value} ({shown}).")
    if revision is not None:
        check_revision(document, revision)
    return document


def _unit_of(runtime: Runtime, document: StoredDocument) -> Unit:
    unit = runtime.units.get(document.unit)
    if unit is None:
        raise Conflict(
            f"The document belongs to unit {document.unit}, which is no longer in the units tree."
        )
    return unit


def _view(document: StoredDocument) -> dict[str, Any]:
    return DocumentOut.of(document).model_dump(mode="json")


def _register_for(runtime: Runtime, unit: Unit, document: StoredDocument) -> str:
    hooks = runtime.plugins.for_unit(unit)
    plugin, register = call_first(hooks.hoso_number_register, unit=unit, document=_view(document))
    if register is None:
        return document.direction.value
    if not isinstance(register, str) or not register.strip() or len(register) > 100:
        raise PluginError(
            f"Plugin '{plugin}' named the register {register!r}; a register is a short name "
            "such as 'outgoing'."
        )
    return register


def _format(
    runtime: Runtime, unit: Unit, document: StoredDocument, *, number: int, register: str
) -> tuple[str, str]:
    hooks = runtime.plugins.for_unit(unit)
    plugin, formatted = call_first(
        hooks.hoso_format_document_number,
        unit=unit,
        document=_view(document),
        number=number,
        register=register,
    )
    if (
        not isinstance(formatted, dict)
        or not isinstance(formatted.get("number"), str)
        or not isinstance(formatted.get("symbol"), str)
        or not 0 < len(formatted["number"]) <= 11  # CodeNumber S11
        or not 0 < len(formatted["symbol"]) <= 30  # CodeNotation S30
    ):
        who = f"Plugin '{plugin}'" if plugin else f"No plugin of unit {unit.code}"
        raise PluginError(
            f"{who} formatted number {number} of register '{register}' as {formatted!r}; "
            'expected {"number": "05", "symbol": "QĐ-UBND"} (number ≤ 11, symbol ≤ 30 '
            "characters)."
        )
    return formatted["number"], formatted["symbol"]


async def _take(
    runtime: Runtime, document: StoredDocument, unit: Unit, register: str
) -> RegisterEntry:
    now = runtime.clock()
    year = now.astimezone(runtime.settings.zone).year
    assert document.id is not None
    async with runtime.register_lock(unit.code, register, year):
        return await take_number(
            unit=unit.code,
            register=register,
            year=year,
            document_id=document.id,
            now=now,
            hints=runtime.register_hints,
        )


def _local_date(runtime: Runtime, entry: RegisterEntry) -> date:
    return entry.taken_at.astimezone(runtime.settings.zone).date()


async def _write_number(
    runtime: Runtime,
    document: StoredDocument,
    entry: RegisterEntry,
    changes: Changes,
    *,
    change: RevisionChange,
    actor: str | None = None,
) -> StoredDocument:
    """Write the entry's number on the document, re-reading it if an edit slipped in."""
    for attempt in range(SAVE_ATTEMPTS):
        try:
            return await save_changes(
                runtime, document, await changes(document, entry), change=change, actor=actor
            )
        except StepMoved:
            current = await StoredDocument.get(document.id)
            if current is not None and current.workflow is not None and current.workflow.final:
                # Ended meanwhile (a draft cancelled): the number will never be written.
                await void_entry(entry, "the workflow ended before its number was written")
            raise
        except (Conflict, NotFound):
            current = await StoredDocument.get(document.id)
            if current is None:
                await void_entry(entry, "the document was deleted before its number was written")
                raise NotFound(
                    f"The document was deleted while it was being numbered; number "
                    f"{entry.number} of register '{entry.register_code}' stays in the register "
                    "book, marked void."
                ) from None
            if current.state is not DocumentState.DRAFT:
                return current  # a concurrent call for the same document finished first
            if current.revision == document.revision:
                # Another writer claimed the next revision and is writing it: give it a moment.
                await asyncio.sleep(min(MAX_WAIT, BASE_WAIT * 2**attempt))
            document = current
    raise Conflict("The document keeps changing while being numbered; try again.")
