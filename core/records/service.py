"""Work records (hồ sơ, D30 Art. 29): open from the approved list or outside it, read, change.

A record's code is worked out by the unit's plugins (`hoso_format_record_code`) and is its `_id`:
opening the same list entry twice, from any number of workers at once, inserts one record; every
other request is told which record exists (409). Writes claim the record's next revision by
insert first (`RecordRevision`), so of two writers of one revision one wins and the other gets
409 on every engine.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from beanie.odm.utils.encoder import Encoder
from pymongo.errors import DuplicateKeyError

from core.audit.models import AuditAction
from core.audit.recording import audit
from core.documents.service import unit_or_invalid
from core.errors import Conflict, InvalidInput, NotFound
from core.identity.policy import Principal
from core.identity.roles import Action
from core.plugins import PluginError, call_first
from core.records.models import (
    COLLECTING,
    ArchivalFields,
    RecordRevision,
    RecordState,
    WorkRecord,
    record_revision_key,
)
from core.records.schemas import RecordOpen, RecordUpdate
from core.runtime import Runtime
from core.search.index import index_record
from core.units.tree import Unit

# A code is a dotted identifier: it is the record's `_id` and a part of other keys (`|` joins).
CODE_PATTERN = re.compile(r"^[A-Za-z0-9Đđ][A-Za-z0-9Đđ.\-]{0,99}$")
MAX_PAGE = 1000
STALLED_CLAIM = timedelta(seconds=30)

logger = logging.getLogger("hoso")


async def open_record(runtime: Runtime, actor: Principal, data: RecordOpen) -> WorkRecord:
    unit = unit_or_invalid(runtime, data.unit)
    actor.require(Action.MANAGE_RECORDS, unit.code, what=f"unit {unit.code}")
    if data.outside_list:
        assert data.number_and_symbol and data.title and data.retention
        ordinal, heading = _parse_number_and_symbol(data.number_and_symbol)
        printed = await _free_outside_number(unit, data.year, ordinal, heading)
        origin: dict[str, Any] = {
            "entry_id": None,
            "outside_list": True,
            "outside_reason": data.reason,
            "number_and_symbol": printed,
            "title": data.title,
            "retention": data.retention,
        }
        heading_symbol = heading
    else:
        entry = await _approved_entry(unit, data.year, data.entry_id or "")
        ordinal, heading_symbol = entry.number, entry.heading_symbol
        origin = {
            "entry_id": entry.entry_id,
            "outside_list": False,
            "number_and_symbol": entry.number_and_symbol,
            "title": entry.title,
            "retention": entry.retention,
        }
    code = record_code(
        runtime,
        unit,
        {**origin, "heading_symbol": heading_symbol, "unit": unit.code},
        data.year,
        ordinal,
    )
    now = runtime.clock()
    given = data.model_dump(
        exclude_unset=True,
        exclude={"unit", "year", "entry_id", "outside_list", "reason", "title", "creator"}
        | {"number_and_symbol", "retention"},
    )
    record = WorkRecord(
        id=code,
        unit=unit.code,
        year=data.year,
        **origin,
        **{name: value for name, value in given.items() if name != "archival"},
        archival=ArchivalFields(**given.get("archival", {})),
        creator=data.creator or actor.name,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    record.creator = record.creator[:30]
    try:
        await record.insert()
    except DuplicateKeyError:
        raise _exists(code, origin) from None
    await index_record(runtime, record.id)
    await audit(
        runtime,
        actor,
        AuditAction.RECORD_OPEN,
        unit=unit.code,
        target_kind="record",
        target_id=code,
        after=record,
        detail={"entry_id": record.entry_id, "outside_list": record.outside_list},
    )
    return record


def _exists(code: str, origin: dict[str, Any]) -> Conflict:
    where = (
        f"list entry {origin['number_and_symbol']}"
        if origin["entry_id"]
        else f"number and symbol {origin['number_and_symbol']}"
    )
    return Conflict(
        f"Record {code} is already open for {where}; file the documents in it "
        f"(GET /api/v1/records/{code}).",
        record=code,
    )


async def _approved_entry(unit: Unit, year: int, entry_id: str) -> Any:
    from core.records.lists import find_entry  # the list is its own module, built alongside

    entry = await find_entry(unit.code, year, entry_id)
    if entry is None:
        raise InvalidInput(
            f"The record list of unit {unit.code} for {year} has no entry {entry_id!r}; see "
            f"GET /api/v1/units/{unit.code}/record-lists/{year}.",
            errors=[{"field": "entry_id", "message": "no such entry in that year's list"}],
        )
    if entry.list_state != "approved":
        raise Conflict(
            f"The record list of unit {unit.code} for {year} is still a draft: records are "
            "opened from an approved list (D30 Art. 28). Have it approved, or open the record "
            "outside the list with a reason."
        )
    return entry


async def _free_outside_number(unit: Unit, year: int, ordinal: int, heading: str | None) -> str:
    """The number and symbol of a record opened outside the list, as the list prints them
    (`1.TH` → `01.TH`), once it is known not to be one of the list's own: a record outside the
    list must not take the code of an entry, which could then never get its record."""
    from core.records.lists import read_entries  # the list is its own module, built alongside

    if ordinal < 1:
        raise InvalidInput(
            "A record's number starts at 1.",
            errors=[{"field": "number_and_symbol", "message": "number 0"}],
        )
    printed = f"{ordinal:02d}" + (f".{heading}" if heading else "")
    for entry in await read_entries(unit.code, year):
        if entry.number == ordinal and (entry.heading_symbol == heading or heading is None):
            raise Conflict(
                f"{printed} is entry {entry.number_and_symbol} of unit {unit.code}'s record list "
                f"for {year} ({entry.title}); open it from the list (entry_id "
                f"{entry.entry_id!r}), or choose a number the list does not use."
            )
    return printed


def _parse_number_and_symbol(value: str) -> tuple[int, str | None]:
    number, _, symbol = value.partition(".")
    return int(number), symbol or None


def record_code(
    runtime: Runtime, unit: Unit, record: dict[str, Any], year: int, ordinal: int
) -> str:
    hooks = runtime.plugins.for_unit(unit)
    plugin, code = call_first(
        hooks.hoso_format_record_code, unit=unit, record=record, year=year, ordinal=ordinal
    )
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        who = f"Plugin '{plugin}'" if plugin else f"No plugin of unit {unit.code}"
        raise PluginError(
            f"{who} gave the record code {code!r}; expected a dotted code such as "
            "000.00.00.H25.2026.01.TH (letters, digits, dots and hyphens, at most 100)."
        )
    return code


async def get_record(actor: Principal, code: str, action: str = Action.READ_RECORDS) -> WorkRecord:
    """The record, if the caller may read its unit's records; 404 as for an unknown code
    otherwise (another unit's record does not exist for the caller)."""
    record = await WorkRecord.get(code) if CODE_PATTERN.match(code) else None
    if record is None or not actor.may(Action.READ_RECORDS, record.unit):
        shown = code if len(code) <= 100 else code[:100] + "…"
        raise NotFound(f"There is no record {shown!r}.")
    if action != Action.READ_RECORDS:
        actor.require(action, record.unit)
    return record


async def list_records(
    runtime: Runtime,
    actor: Principal,
    unit_code: str,
    *,
    year: int | None,
    state: RecordState | None,
    text: str | None = None,
) -> list[WorkRecord]:
    unit = runtime.units.get(unit_code)
    if unit is None or not actor.may(Action.READ_RECORDS, unit.code):
        raise NotFound(f"There is no unit {unit_code!r}.")
    query: dict[str, Any] = {"unit": unit.code}
    if year is not None:
        query["year"] = year
    if state is not None:
        query["state"] = state.value
    if text is not None:
        from core.search.service import matching_record_codes  # search builds on records

        query["_id"] = {"$in": await matching_record_codes(actor, text, unit.code)}
    # Codes begin with the unit and the year: in code order, the first 1,000 are the oldest
    # years' (not any 1,000). A cursor is for when a unit holds more.
    found = await WorkRecord.find(query).sort("+_id").limit(MAX_PAGE).to_list()
    return sorted(found, key=lambda record: (record.year, record.id))


async def update_record(
    runtime: Runtime, actor: Principal, code: str, data: RecordUpdate
) -> WorkRecord:
    record = await get_record(actor, code, Action.MANAGE_RECORDS)
    check_revision(record, data.revision)
    if record.state not in (*COLLECTING, RecordState.CLOSED):
        raise locked(record)
    changes = data.model_dump(exclude_unset=True, exclude={"revision"})
    if "archival" in changes:
        changes["archival"] = ArchivalFields(
            **{**record.archival.model_dump(), **changes["archival"]}
        )
    if not changes:
        return record
    if record.state is RecordState.CLOSED and {
        "capital_construction",
        "final_settlement_date",
    } & set(changes):
        from core.records.closing import due_date  # closing builds on this module

        changes["due_date"] = due_date(record.model_copy(update=changes), record.end_date)
    updated = await save_record(runtime, actor, record, changes, change="edit")
    await audit(
        runtime,
        actor,
        AuditAction.RECORD_EDIT,
        unit=record.unit,
        target_kind="record",
        target_id=record.id,
        before=record,
        after=updated,
        detail={"fields": sorted(changes), "revision": updated.revision},
    )
    return updated


def check_revision(record: WorkRecord, revision: int | None) -> None:
    if revision is not None and revision != record.revision:
        raise stale(record, revision)


def stale(record: WorkRecord, yours: int) -> Conflict:
    return Conflict(
        f"Record {record.id} has changed since you read it (your revision {yours}, current "
        f"{record.revision}). Read it again and re-apply your change.",
        current_revision=record.revision,
    )


def locked(record: WorkRecord) -> Conflict:
    if record.state is RecordState.ACCEPTED:
        return Conflict(
            f"Record {record.id} was accepted by the archive and is locked: neither it nor its "
            "documents can change.",
            record=record.id,
            state=record.state.value,
        )
    return Conflict(
        f"Record {record.id} is {record.state.value}: it cannot change now.",
        record=record.id,
        state=record.state.value,
    )


async def save_record(
    runtime: Runtime,
    actor: Principal | None,
    record: WorkRecord,
    changes: dict[str, Any],
    *,
    change: str,
) -> WorkRecord:
    """Write `changes` as the record's next revision: claim it by insert, then write the record
    by `_id`. 409 when another writer claimed that revision first."""
    now: datetime = runtime.clock()
    updated = record.model_copy(
        update={**changes, "revision": record.revision + 1, "updated_at": now}
    )
    updated = WorkRecord.model_validate(updated.model_dump())
    encoded = Encoder(to_db=True).encode(updated)
    claim = RecordRevision(
        id=record_revision_key(record.id, updated.revision),
        record_code=record.id,
        revision=updated.revision,
        change=change,
        at=now,
        actor=actor.name if actor else None,
        snapshot={name: value for name, value in encoded.items() if name != "_id"},
    )
    try:
        await claim.insert()
    except DuplicateKeyError:
        current = await WorkRecord.get(record.id)
        await _roll_forward_stalled(runtime, current or record)
        raise stale(current or record, record.revision) from None
    await WorkRecord.get_motor_collection().replace_one({"_id": record.id}, encoded)
    await index_record(runtime, record.id)
    return updated


async def _roll_forward_stalled(runtime: Runtime, current: WorkRecord) -> None:
    """A writer that claimed the next revision and stopped before writing the record (its worker
    killed) would block every later write: its claim holds the whole record and is the truth,
    so once it is older than STALLED_CLAIM the record is rolled forward to it (as documents are,
    core/documents/revisions.py). A younger claim belongs to a writer still at work."""
    claim = await RecordRevision.get(record_revision_key(current.id, current.revision + 1))
    if claim is None:
        return
    at = claim.at if claim.at.tzinfo else claim.at.replace(tzinfo=UTC)
    if runtime.clock() - at <= STALLED_CLAIM:
        return
    logger.warning(
        "record %s: revision %d was claimed at %s but never written; rolling forward to it",
        current.id,
        claim.revision,
        at.isoformat(),
    )
    await WorkRecord.get_motor_collection().replace_one(
        {"_id": current.id, "revision": current.revision}, {"_id": current.id, **claim.snapshot}
    )
    await index_record(runtime, current.id)
