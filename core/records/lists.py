"""The annual record list (danh mục hồ sơ) of a unit: start, edit, approve, amend, read.

See list_models.py for how a list is stored and numbered. Every write of a list claims its next
revision by inserting the revision's entry (`RecordListRevision`, keyed by list and revision):
the engine lets exactly one writer insert a key, on every engine (FerretDB 1.x does not apply
conditional updates atomically), so of two edits of the same revision one answers 409. Only then
is the list written, by its `_id`. A claim whose writer stopped before writing the list is
rolled forward by the next writer that loses to it, as for documents (core/documents/revisions).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from datetime import UTC, timedelta
from typing import Any

from beanie.odm.utils.encoder import Encoder
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pymongo.errors import DuplicateKeyError

from core.audit.models import AuditAction
from core.audit.recording import audit
from core.errors import Conflict, HosoError, InvalidInput, NotFound
from core.identity.policy import Principal
from core.identity.roles import Action
from core.plugins import PluginError, call_first
from core.records.list_edits import apply
from core.records.list_models import (
    Amendment,
    BigHeading,
    ListEntry,
    ListState,
    RecordList,
    RecordListRevision,
    SmallHeading,
    StoredEntry,
    list_key,
    list_revision_key,
    retention_text,
)
from core.records.list_schemas import (
    MAX_ENTRIES,
    AmendmentIn,
    BigHeadingIn,
    EntryIn,
    ListPatch,
    parse_retention,
)
from core.records.numbering import entry_rows, number_and_symbol
from core.runtime import Runtime
from core.units.tree import Unit

logger = logging.getLogger("hoso")

STALLED_CLAIM = timedelta(seconds=30)
DEFAULT_NUMBERING = "per_heading"


def new_id() -> str:
    return secrets.token_hex(6)


def lists_path(unit: str, year: int) -> str:
    return f"/api/v1/units/{unit}/record-lists/{year}"


# --- reading --------------------------------------------------------------------------------


def unit_for(runtime: Runtime, actor: Principal, code: str, action: str) -> Unit:
    """The unit, if `actor` may see its records (404 otherwise, as for an unknown unit) and do
    `action` there (403 naming the roles that may)."""
    unit = runtime.units.get(code)
    if unit is None:
        raise NotFound(f"There is no unit {code!r}; see GET /api/v1/units.")
    actor.require(Action.READ_RECORDS, code, what=f"unit {code!r} you can see")
    if action != Action.READ_RECORDS:
        actor.require(action, code)
    return unit


async def read_list(unit: str, year: int) -> RecordList:
    stored = await RecordList.get(list_key(unit, year))
    if stored is None:
        raise NotFound(
            f"Unit {unit} has no record list for {year}; start one with POST "
            f'{lists_path(unit, year)} and {{"from": "template"}} or '
            '{"from": "previous_year"}.'
        )
    return stored


async def get_list(runtime: Runtime, actor: Principal, unit: str, year: int) -> RecordList:
    unit_for(runtime, actor, unit, Action.READ_RECORDS)
    return await read_list(unit, year)


async def read_entries(unit: str, year: int) -> list[ListEntry]:
    """Every entry of `unit`'s list for `year`, numbered as the list stands (none without a
    list). One `_id` read; no policy check."""
    stored = await RecordList.get(list_key(unit, year))
    if stored is None:
        return []
    return [_entry_of(stored, row) for row in entry_rows(stored)]


async def find_entry(unit: str, year: int, entry_id: str) -> ListEntry | None:
    """The entry `entry_id` of `unit`'s list for `year`, numbered as the list stands; None when
    the unit has no list that year or the list no such entry. One `_id` read; no policy check
    (the caller has checked that its actor may see the unit's records)."""
    stored = await RecordList.get(list_key(unit, year))
    if stored is None:
        return None
    for row in entry_rows(stored):
        assert row.entry is not None
        if row.entry.entry_id == entry_id:
            return _entry_of(stored, row)
    return None


def _entry_of(stored: RecordList, row: Any) -> ListEntry:
    assert row.entry is not None and row.number is not None
    return ListEntry(
        entry_id=row.entry.entry_id,
        heading_symbol=row.big.symbol,
        heading_title=row.big.title,
        small_heading_title=row.small.title if row.small else None,
        number=row.number,
        number_and_symbol=number_and_symbol(row.number, row.big.symbol),
        title=row.entry.title,
        retention=retention_text(row.entry.retention_years),
        retention_years=row.entry.retention_years,
        responsible=row.entry.responsible,
        notes=row.entry.notes,
        exempt=row.entry.exempt,
        list_state=stored.state,
        year=stored.year,
        unit=stored.unit,
    )


# --- starting a list ------------------------------------------------------------------------


class _TemplateEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: str = Field(min_length=1, max_length=500)
    retention: str | int
    responsible: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=500)


class _TemplateSmall(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: str = Field(min_length=1, max_length=200)
    records: list[_TemplateEntry] = Field(default_factory=list)


class _TemplateBig(BaseModel):
    model_config = ConfigDict(extra="ignore")
    symbol: str = Field(pattern=r"^[A-ZĐ][A-Za-zĐđ0-9]{0,19}$")
    title: str = Field(min_length=1, max_length=200)
    headings: list[_TemplateSmall] = Field(default_factory=list)
    records: list[_TemplateEntry] = Field(default_factory=list)


class _Template(BaseModel):
    model_config = ConfigDict(extra="ignore")
    numbering: str = Field(DEFAULT_NUMBERING, pattern="^(whole_list|per_heading)$")
    headings: list[_TemplateBig] = Field(default_factory=list)


def _template(runtime: Runtime, unit: Unit, year: int) -> tuple[str, list[BigHeading]]:
    """The numbering the unit's plugins choose and the headings their template starts with."""
    hooks = runtime.plugins.for_unit(unit)
    plugin, answer = call_first(hooks.hoso_record_list_template, unit=unit, year=year)
    if answer is None:
        return DEFAULT_NUMBERING, []
    try:
        template = _Template.model_validate(answer)
        headings = [
            BigHeading(
                heading_id=new_id(),
                symbol=big.symbol,
                title=big.title,
                entries=[_from_template(entry) for entry in big.records],
                headings=[
                    SmallHeading(
                        heading_id=new_id(),
                        title=small.title,
                        entries=[_from_template(entry) for entry in small.records],
                    )
                    for small in big.headings
                ],
            )
            for big in template.headings
        ]
    except (ValidationError, ValueError) as exc:
        raise PluginError(
            f"Plugin '{plugin}' answered hoso_record_list_template for unit {unit.code} with a "
            f"template hoso cannot use ({str(exc).splitlines()[0]}…). Tell whoever runs the "
            "service."
        ) from None
    _check_symbols_unique(headings, field="template")
    return template.numbering, headings


def _from_template(entry: _TemplateEntry) -> StoredEntry:
    return StoredEntry(
        entry_id=new_id(),
        title=entry.title,
        retention_years=parse_retention(str(entry.retention)),
        responsible=entry.responsible,
        notes=entry.notes,
    )


def _copied(headings: list[BigHeading]) -> list[BigHeading]:
    """Last year's headings and entries, with ids of their own and no amendment marks."""

    def entries(old: list[StoredEntry]) -> list[StoredEntry]:
        return [e.model_copy(update={"entry_id": new_id(), "amendment": None}) for e in old]

    return [
        BigHeading(
            heading_id=new_id(),
            symbol=big.symbol,
            title=big.title,
            entries=entries(big.entries),
            headings=[
                SmallHeading(heading_id=new_id(), title=s.title, entries=entries(s.entries))
                for s in big.headings
            ],
        )
        for big in headings
    ]


async def create_list(
    runtime: Runtime, actor: Principal, code: str, year: int, start_from: str
) -> RecordList:
    unit = unit_for(runtime, actor, code, Action.MANAGE_RECORDS)
    key = list_key(code, year)
    existing = await RecordList.get(key)
    if existing is not None:
        raise _exists(existing)
    numbering, headings = _template(runtime, unit, year)
    if start_from == "previous_year":
        previous = await RecordList.get(list_key(code, year - 1))
        if previous is None:
            raise InvalidInput(
                f"Unit {code} has no record list for {year - 1} to copy; start from the "
                'template instead ({"from": "template"}).',
                errors=[{"field": "from", "message": f"no list for {year - 1}"}],
            )
        headings = _copied(previous.headings)
    now = runtime.clock()
    created = RecordList(
        id=key,
        unit=code,
        year=year,
        numbering=numbering,  # type: ignore[arg-type]
        started_from=start_from,  # type: ignore[arg-type]
        headings=headings,
        created_by=actor.name,
        created_at=now,
        updated_by=actor.name,
        updated_at=now,
    )
    try:
        await created.insert()
    except DuplicateKeyError:
        raise _exists(await read_list(code, year)) from None
    with contextlib.suppress(DuplicateKeyError):
        await _revision_entry(created, "create").insert()
    await _audit(
        runtime, actor, AuditAction.RECORD_LIST_CREATE, None, created, {"from": start_from}
    )
    return created


def _exists(existing: RecordList) -> Conflict:
    return Conflict(
        f"Unit {existing.unit} already has a record list for {existing.year} "
        f"({existing.state.value}, revision {existing.revision}); read it with GET "
        f"{lists_path(existing.unit, existing.year)}.",
        current_revision=existing.revision,
    )


# --- editing a draft ------------------------------------------------------------------------


def approved_conflict(stored: RecordList) -> Conflict:
    return Conflict(
        f"The record list of unit {stored.unit} for {stored.year} is approved (by "
        f"{stored.approved_by}, {stored.approved_at:%Y-%m-%d}): it no longer changes. To add "
        f"records to it, amend it: POST {lists_path(stored.unit, stored.year)}/amendments with "
        "the entries and the reason.",
        state=stored.state.value,
    )


def check_revision(stored: RecordList, revision: int | None) -> None:
    if revision is not None and revision != stored.revision:
        raise stale(revision, stored.revision)


def stale(yours: int, current: int) -> Conflict:
    return Conflict(
        f"The record list has changed since you read it (your revision {yours}, current "
        f"{current}). Read it again and re-apply your change.",
        current_revision=current,
    )


async def replace_headings(
    runtime: Runtime,
    actor: Principal,
    code: str,
    year: int,
    revision: int | None,
    sent: list[BigHeadingIn],
    *,
    change: str = "edit",
) -> RecordList:
    """Make a draft list's tree what `sent` says: entries and headings sent with their ids are
    kept (and moved where they now stand), those without are new, those left out removed."""
    stored = await _draft_to_change(runtime, actor, code, year, revision)
    return await _replace(runtime, actor, stored, sent, change=change)


async def patch_list(
    runtime: Runtime, actor: Principal, code: str, year: int, patch: ListPatch
) -> RecordList:
    """Apply `patch`'s operations, in order, to a draft list: all of them or none."""
    stored = await _draft_to_change(runtime, actor, code, year, patch.revision)
    return await _replace(runtime, actor, stored, apply(stored, patch.operations), change="edit")


async def _draft_to_change(
    runtime: Runtime, actor: Principal, code: str, year: int, revision: int | None
) -> RecordList:
    unit_for(runtime, actor, code, Action.MANAGE_RECORDS)
    stored = await read_list(code, year)
    if stored.state is not ListState.DRAFT:
        raise approved_conflict(stored)
    check_revision(stored, revision)
    return stored


async def _replace(
    runtime: Runtime, actor: Principal, stored: RecordList, sent: list[BigHeadingIn], *, change: str
) -> RecordList:
    headings = _rebuild(stored, sent)
    updated = await _write(runtime, actor, stored, {"headings": headings}, change=change)
    action = AuditAction.RECORD_LIST_IMPORT if change == "import" else AuditAction.RECORD_LIST_EDIT
    await _audit(runtime, actor, action, stored, updated)
    return updated


def _rebuild(stored: RecordList, sent: list[BigHeadingIn]) -> list[BigHeading]:
    known_entries = {
        entry.entry_id: entry
        for big in stored.headings
        for entry in [*big.entries, *(e for small in big.headings for e in small.entries)]
    }
    known_headings = {big.heading_id for big in stored.headings} | {
        small.heading_id for big in stored.headings for small in big.headings
    }
    errors: list[dict[str, str]] = []
    seen: set[str] = set()

    def item_id(given: str | None, known: Any, where: str, what: str) -> str:
        if given is None:
            return new_id()
        if given not in known:
            errors.append({"field": where, "message": f"no {what} {given} in this list"})
        elif given in seen:
            errors.append({"field": where, "message": f"{what} {given} sent twice"})
        seen.add(given)
        return given

    def entries(sent_entries: list[EntryIn], where: str) -> list[StoredEntry]:
        out = []
        for index, entry in enumerate(sent_entries):
            entry_id = item_id(entry.entry_id, known_entries, f"{where}.{index}.entry_id", "entry")
            kept = known_entries.get(entry_id)
            out.append(_stored_entry(entry, entry_id, kept.amendment if kept else None))
        return out

    headings = []
    for b, big in enumerate(sent):
        where = f"headings.{b}"
        headings.append(
            BigHeading(
                heading_id=item_id(
                    big.heading_id, known_headings, f"{where}.heading_id", "heading"
                ),
                symbol=big.symbol,
                title=big.title,
                entries=entries(big.entries, f"{where}.entries"),
                headings=[
                    SmallHeading(
                        heading_id=item_id(
                            small.heading_id,
                            known_headings,
                            f"{where}.headings.{s}.heading_id",
                            "heading",
                        ),
                        title=small.title,
                        entries=entries(small.entries, f"{where}.headings.{s}.entries"),
                    )
                    for s, small in enumerate(big.headings)
                ],
            )
        )
    if errors:
        raise InvalidInput("Some ids are not this list's; nothing was changed.", errors=errors)
    _check_symbols_unique(headings, field="headings")
    total = _count(headings)
    if total > MAX_ENTRIES:
        raise InvalidInput(
            f"A record list holds at most {MAX_ENTRIES} entries; this one would hold {total}.",
            errors=[{"field": "headings", "message": f"more than {MAX_ENTRIES} entries"}],
        )
    return headings


def _count(headings: list[BigHeading]) -> int:
    return sum(len(big.entries) + sum(len(s.entries) for s in big.headings) for big in headings)


def _stored_entry(entry: EntryIn, entry_id: str, amendment: int | None) -> StoredEntry:
    return StoredEntry(
        entry_id=entry_id,
        title=entry.title,
        retention_years=parse_retention(entry.retention),
        responsible=entry.responsible,
        notes=entry.notes,
        exempt=entry.exempt,
        amendment=amendment,
    )


def _check_symbols_unique(headings: list[BigHeading], *, field: str) -> None:
    seen: dict[str, int] = {}
    for index, big in enumerate(headings):
        if big.symbol in seen:
            raise InvalidInput(
                f"Big headings {seen[big.symbol] + 1} and {index + 1} have the same abbreviation "
                f"{big.symbol}: record numbers (01.{big.symbol}) would not tell them apart.",
                errors=[{"field": f"{field}.{index}.symbol", "message": "used twice"}],
            )
        seen[big.symbol] = index


# --- approving and amending -----------------------------------------------------------------


async def approve_list(
    runtime: Runtime, actor: Principal, code: str, year: int, revision: int | None
) -> RecordList:
    unit_for(runtime, actor, code, Action.APPROVE_RECORD_LIST)
    stored = await read_list(code, year)
    if stored.state is ListState.APPROVED:
        raise approved_conflict(stored)
    check_revision(stored, revision)
    if _count(stored.headings) == 0:
        raise Conflict(
            f"The record list of unit {code} for {year} has no entries; add them before "
            "approving it."
        )
    now = runtime.clock()
    changes = {"state": ListState.APPROVED, "approved_by": actor.name, "approved_at": now}
    updated = await _write(runtime, actor, stored, changes, change="approve")
    await _audit(runtime, actor, AuditAction.RECORD_LIST_APPROVE, stored, updated)
    return updated


async def amend_list(
    runtime: Runtime, actor: Principal, code: str, year: int, data: AmendmentIn
) -> RecordList:
    """Add entries to an approved list, with the reason: they are numbered after every entry
    the list had (see core/records/numbering.py), so no record's number changes."""
    unit_for(runtime, actor, code, Action.MANAGE_RECORDS)
    stored = await read_list(code, year)
    if stored.state is not ListState.APPROVED:
        raise Conflict(
            f"The record list of unit {code} for {year} is a draft: change it with PUT "
            f"{lists_path(code, year)}; amendments are for approved lists."
        )
    check_revision(stored, data.revision)
    if _count(stored.headings) + len(data.entries) > MAX_ENTRIES:
        raise InvalidInput(
            f"A record list holds at most {MAX_ENTRIES} entries.",
            errors=[{"field": "entries", "message": f"more than {MAX_ENTRIES} entries"}],
        )
    number = len(stored.amendments) + 1
    headings = [big.model_copy(deep=True) for big in stored.headings]
    places: dict[str, list[StoredEntry]] = {}
    for big in headings:
        places[big.heading_id] = big.entries
        for small in big.headings:
            places[small.heading_id] = small.entries
    errors = []
    added: list[str] = []
    for index, entry in enumerate(data.entries):
        if entry.entry_id is not None:
            errors.append(
                {"field": f"entries.{index}.entry_id", "message": "an amendment adds new entries"}
            )
        elif entry.heading_id not in places:
            errors.append(
                {"field": f"entries.{index}.heading_id", "message": "no such heading in the list"}
            )
        else:
            stored_entry = _stored_entry(entry, new_id(), number)
            places[entry.heading_id].append(stored_entry)
            added.append(stored_entry.entry_id)
    if errors:
        raise InvalidInput("Some entries cannot be added; nothing was changed.", errors=errors)
    now = runtime.clock()
    amendment = Amendment(number=number, reason=data.reason, entry_ids=added, by=actor.name, at=now)
    changes = {"headings": headings, "amendments": [*stored.amendments, amendment]}
    updated = await _write(runtime, actor, stored, changes, change="amend")
    await _audit(
        runtime,
        actor,
        AuditAction.RECORD_LIST_AMEND,
        stored,
        updated,
        {"amendment": number, "reason": data.reason, "entries": added},
    )
    return updated


# --- writing --------------------------------------------------------------------------------


async def _write(
    runtime: Runtime, actor: Principal, stored: RecordList, changes: dict[str, Any], *, change: str
) -> RecordList:
    updated = stored.model_copy(
        update={
            **changes,
            "revision": stored.revision + 1,
            "updated_by": actor.name,
            "updated_at": runtime.clock(),
        }
    )
    # Re-validate: model_copy does not, and a bad value must never reach the database.
    updated = RecordList.model_validate(updated.model_dump())
    try:
        await _revision_entry(updated, change).insert()
    except DuplicateKeyError:
        raise await _lost_claim(runtime, stored) from None
    encoded = Encoder(to_db=True).encode(updated)
    await RecordList.get_motor_collection().replace_one({"_id": stored.id}, encoded)
    return updated


def _revision_entry(body: RecordList, change: str) -> RecordListRevision:
    encoded = Encoder(to_db=True).encode(body)
    return RecordListRevision(
        id=list_revision_key(body.unit, body.year, body.revision),
        list_id=body.id,
        revision=body.revision,
        change=change,
        at=body.updated_at,
        actor=body.updated_by,
        snapshot={name: value for name, value in encoded.items() if name != "_id"},
    )


async def _lost_claim(runtime: Runtime, read: RecordList) -> HosoError:
    current = await RecordList.get(read.id)
    if current is None:  # lists are never deleted
        return NotFound(f"There is no record list {read.id}.")
    newest, revision = None, current.revision
    while (
        entry := await RecordListRevision.get(
            list_revision_key(current.unit, current.year, revision + 1)
        )
    ) is not None:
        newest, revision = entry, entry.revision
    if newest is None:
        return stale(read.revision, current.revision)
    at = newest.at if newest.at.tzinfo else newest.at.replace(tzinfo=UTC)
    if runtime.clock() - at > STALLED_CLAIM:
        logger.warning(
            "record list %s: revision %d was claimed but never written; rolling forward to it",
            current.id,
            newest.revision,
        )
        await RecordList.get_motor_collection().replace_one(
            {"_id": current.id, "revision": current.revision},
            {"_id": current.id, **newest.snapshot},
        )
    return stale(read.revision, newest.revision)


async def _audit(
    runtime: Runtime,
    actor: Principal,
    action: str,
    before: RecordList | None,
    after: RecordList,
    detail: dict[str, Any] | None = None,
) -> None:
    await audit(
        runtime,
        actor,
        action,
        unit=after.unit,
        target_kind="record_list",
        target_id=after.id,
        before=before,
        after=after,
        detail={"year": after.year, "revision": after.revision, **(detail or {})},
    )
