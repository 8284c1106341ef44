"""Give a document its number: outgoing/internal documents are issued, incoming ones registered.

Order of work (each step safe to repeat): take the register entry for the document (unique per
document, so a retry gets the same number) → format number and symbol through the unit's plugins
→ write them on the document. If the last write loses a race with an edit, it is retried: the
number already belongs to the document, so it is never lost and never handed to another.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from core.documents.models import Direction, DocumentState, StoredDocument
from core.documents.schemas import DocumentOut
from core.documents.service import check_revision, get_document, save_changes
from core.errors import Conflict, HosoError
from core.numbering.models import RegisterEntry
from core.numbering.service import take_number
from core.runtime import Runtime
from core.units.tree import Unit

SAVE_ATTEMPTS = 5


class PluginMisbehaved(HosoError):
    status_code = 500
    title = "Plugin error"


async def issue_document(
    runtime: Runtime, document_id: str, revision: int | None
) -> StoredDocument:
    """Outgoing or internal draft → issued, with number, symbol and date (D30 Art. 15)."""
    document = await _numberable(document_id, revision, DocumentState.ISSUED)
    if document.direction is Direction.INCOMING:
        raise Conflict(
            "An incoming document is registered, not issued: "
            f"POST /api/v1/documents/{document.id}/register."
        )
    unit, hooks, view = _unit_hooks_view(runtime, document)
    entry = await _take(runtime, document, unit, hooks, view)
    formatted = hooks.hoso_format_document_number(
        unit=unit, document=view, number=entry.number, register=entry.register_code
    )
    number_text, symbol = _checked_format(formatted, unit)
    changes = {
        "state": DocumentState.ISSUED,
        "register_code": entry.register_code,
        "register_year": entry.year,
        "number": entry.number,
        "number_text": number_text,
        "symbol": symbol,
        "issued_date": _local_date(runtime, entry),
    }
    return await _save_with_retry(runtime, document, changes)


async def register_incoming(
    runtime: Runtime, document_id: str, revision: int | None
) -> StoredDocument:
    """Incoming draft → registered, with its arrival number and date (D30 Art. 22)."""
    document = await _numberable(document_id, revision, DocumentState.REGISTERED)
    if document.direction is not Direction.INCOMING:
        raise Conflict(
            f"Only incoming documents are registered; this one is {document.direction.value}: "
            f"POST /api/v1/documents/{document.id}/issue."
        )
    unit, hooks, view = _unit_hooks_view(runtime, document)
    entry = await _take(runtime, document, unit, hooks, view)
    changes = {
        "state": DocumentState.REGISTERED,
        "register_code": entry.register_code,
        "register_year": entry.year,
        "arrival_number": entry.number,
        "arrival_date": _local_date(runtime, entry),
    }
    return await _save_with_retry(runtime, document, changes)


async def _numberable(
    document_id: str, revision: int | None, target: DocumentState
) -> StoredDocument:
    document = await get_document(document_id)
    if document.state is not DocumentState.DRAFT:
        shown = DocumentOut.of(document).number_and_symbol or f"số đến {document.arrival_number}"
        raise Conflict(f"The document is already {document.state.value} ({shown}).")
    if revision is not None:
        check_revision(document, revision)
    return document


def _unit_hooks_view(runtime: Runtime, document: StoredDocument) -> tuple[Unit, Any, dict]:
    unit = runtime.units.get(document.unit)
    if unit is None:
        raise Conflict(
            f"The document belongs to unit {document.unit}, which is no longer in the units tree."
        )
    view = DocumentOut.of(document).model_dump(mode="json")
    return unit, runtime.plugins.for_unit(unit), view


async def _take(
    runtime: Runtime, document: StoredDocument, unit: Unit, hooks: Any, view: dict
) -> RegisterEntry:
    register = hooks.hoso_number_register(unit=unit, document=view) or document.direction.value
    if not isinstance(register, str) or not register.strip():
        raise PluginMisbehaved(f"A plugin of unit {unit.code} named no register: {register!r}.")
    now = runtime.clock()
    year = now.astimezone(runtime.settings.zone).year
    assert document.id is not None
    async with runtime.register_lock(unit.code, register, year):
        return await take_number(
            unit=unit.code, register=register, year=year, document_id=document.id, now=now
        )


def _checked_format(formatted: Any, unit: Unit) -> tuple[str, str]:
    if (
        not isinstance(formatted, dict)
        or not isinstance(formatted.get("number"), str)
        or not isinstance(formatted.get("symbol"), str)
        or len(formatted["number"]) > 11  # CodeNumber S11
        or len(formatted["symbol"]) > 30  # CodeNotation S30
    ):
        raise PluginMisbehaved(
            f"The number format of unit {unit.code} returned {formatted!r}; expected "
            '{"number": "05", "symbol": "QĐ-UBND"} (number ≤ 11, symbol ≤ 30 characters).'
        )
    return formatted["number"], formatted["symbol"]


def _local_date(runtime: Runtime, entry: RegisterEntry) -> date:
    return entry.taken_at.astimezone(runtime.settings.zone).date()


async def _save_with_retry(
    runtime: Runtime, document: StoredDocument, changes: dict[str, Any]
) -> StoredDocument:
    for _ in range(SAVE_ATTEMPTS):
        try:
            return await save_changes(runtime, document, changes)
        except Conflict:
            document = await get_document(str(document.id))
            if document.state is not DocumentState.DRAFT:
                return document  # a concurrent call for the same document finished first
    raise Conflict("The document keeps changing while being numbered; try again.")
