"""`/api/v1/document-types`: the types a unit can use, and types defined at runtime."""

from __future__ import annotations

import json
from typing import Any

import anyio.to_thread
from beanie import PydanticObjectId
from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from pydantic import BaseModel, Field
from pymongo.errors import DuplicateKeyError

from core.audit.models import AuditAction
from core.audit.recording import audit
from core.documents.models import CustomDocumentType, StoredDocument
from core.documents.schemas import DocumentTypeCreate, DocumentTypeOut, DocumentTypeUpdate
from core.documents.service import unit_or_invalid
from core.documents.types import DocumentType, check_type_schema, plugin_types, types_for_unit
from core.errors import Conflict, HosoError, InvalidInput, NotFound
from core.identity.policy import Principal
from core.identity.roles import Action
from core.openapi import API_PREFIX, LOCATION, created_at
from core.runtime import Runtime
from core.units.tree import Unit


def _out(doc_type: DocumentType) -> DocumentTypeOut:
    return DocumentTypeOut(
        code=doc_type.code,
        name=doc_type.name,
        symbol=doc_type.symbol,
        extra_schema=doc_type.schema,
        sources=list(doc_type.sources),
    )


class DocumentTypeController(Controller):
    path = "/document-types"
    tags = ["document types"]

    @get("/", summary="The document types of a unit (its plugins' and its own)", problems=(500,))
    async def list_document_types(
        self, runtime: NamedDependency[Runtime], actor: NamedDependency[Principal], unit: str
    ) -> list[DocumentTypeOut]:
        known = unit_or_invalid(runtime, unit)
        actor.require(Action.READ_TYPES, known.code, what=f"unit {unit!r} you can see")
        found = await types_for_unit(runtime, known)
        return [_out(doc_type) for doc_type in found.values()]

    @get(
        "/{unit:str}/{code:str}",
        summary="One type as a unit sees it (given by a plugin, or defined by it or a unit above)",
    )
    async def get_document_type(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        unit: str,
        code: str,
    ) -> DocumentTypeOut:
        found = runtime.units.get(unit)
        if found is None:
            raise NotFound(f"There is no unit {unit!r}; see GET {API_PREFIX}/units.")
        actor.require(Action.READ_TYPES, unit, what=f"unit {unit!r} you can see")
        types = await types_for_unit(runtime, found)
        if code not in types:
            raise NotFound(
                f"Unit {unit} has no document type {code!r}; see GET "
                f"{API_PREFIX}/document-types?unit={unit}."
            )
        return _out(types[code])

    @post(
        "/",
        summary="Define a document type for a unit and the units below it",
        problems=(409, 500),
        response_headers=[LOCATION],
    )
    async def create_document_type(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        data: DocumentTypeCreate,
    ) -> Response[DocumentTypeOut]:
        unit = unit_or_invalid(runtime, data.unit)
        actor.require(Action.MANAGE_TYPES, unit.code)
        # Linear, but a large schema still takes a moment: keep it off the event loop.
        await anyio.to_thread.run_sync(check_type_schema, data.extra_schema)
        _check_no_plugin_gives(runtime, unit, data.code)
        inherited = await _inherited_definition(runtime, unit, data.code)
        schema_json = json.dumps(data.extra_schema, ensure_ascii=False)
        now = runtime.clock()
        stored = CustomDocumentType(
            unit=unit.code,
            code=data.code,
            name=data.name,
            symbol=data.symbol,
            # Redefining a type of a unit above changes the schema of the documents of that type
            # here and below: done like a schema change (see `_change_schema`), the inherited
            # schema holding until the documents are found to fit the new one.
            extra_schema_json=inherited.extra_schema_json if inherited else schema_json,
            pending_schema_json=schema_json if inherited else None,
            created_at=now,
            updated_at=now,
        )
        try:
            await stored.insert()
        except DuplicateKeyError:
            raise Conflict(f"Unit {unit.code} already defines type {data.code}.") from None
        if inherited is not None:
            try:
                await _check_documents_fit(runtime, stored, data.extra_schema)
            except BaseException:
                await stored.delete()
                raise
            await stored.set({"extra_schema_json": schema_json, "pending_schema_json": None})
        # Where the type is read, and changed.
        await audit(
            runtime,
            actor,
            AuditAction.TYPE_DEFINE,
            unit=unit.code,
            target_kind="document_type",
            target_id=f"{unit.code}/{data.code}",
            after=stored,
        )
        return created_at(
            f"{API_PREFIX}/document-types/{unit.code}/{data.code}", _out(_as_type(stored))
        )

    @patch(
        "/{unit:str}/{code:str}",
        summary="Change a type defined through the API",
        problems=(404, 409, 500),
    )
    async def update_document_type(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        unit: str,
        code: str,
        data: DocumentTypeUpdate,
    ) -> DocumentTypeOut:
        if runtime.units.get(unit) is not None:
            actor.require(Action.MANAGE_TYPES, unit, what=f"type {code!r} of unit {unit!r}")
        stored = await CustomDocumentType.find_one({"unit": unit, "code": code})
        if stored is None:
            raise NotFound(f"Unit {unit} defines no type {code} (plugin types cannot be changed).")
        for required in ("name", "extra_schema"):
            if required in data.model_fields_set and getattr(data, required) is None:
                raise InvalidInput(
                    f"{required} cannot be emptied; leave it out to keep it.",
                    errors=[{"field": required, "message": "cannot be null"}],
                )
        changes: dict[str, Any] = {}
        if data.name is not None:
            changes["name"] = data.name
        if "symbol" in data.model_fields_set:
            changes["symbol"] = data.symbol
        if data.extra_schema is not None:
            await anyio.to_thread.run_sync(check_type_schema, data.extra_schema)
            await _change_schema(runtime, stored, data.extra_schema)
            changes["extra_schema_json"] = json.dumps(data.extra_schema, ensure_ascii=False)
            changes["pending_schema_json"] = None  # the change is done: the new schema holds
        before = stored.model_copy()
        changes["updated_at"] = runtime.clock()
        await stored.set(changes)
        await audit(
            runtime,
            actor,
            AuditAction.TYPE_CHANGE,
            unit=unit,
            target_kind="document_type",
            target_id=f"{unit}/{code}",
            before=before,
            after=stored,
        )
        return _out(_as_type(stored))


def _check_no_plugin_gives(runtime: Runtime, unit: Unit, code: str) -> None:
    """The type applies to every unit below too: it must not hide a type a plugin gives one."""
    for below in runtime.units.subtree(unit.code):
        if code in plugin_types(runtime.plugins, below):
            raise Conflict(
                f"Type {code} is already given to unit {below.code} by a plugin; "
                "choose another code."
            )


async def _inherited_definition(
    runtime: Runtime, unit: Unit, code: str
) -> CustomDocumentType | None:
    """The nearest unit above that defines `code`, whose definition this one would replace."""
    parent = unit.parent
    while parent is not None:
        found = await CustomDocumentType.find_one({"unit": parent, "code": code})
        if found is not None:
            return found
        above = runtime.units.get(parent)
        parent = above.parent if above else None
    return None


async def _units_following(runtime: Runtime, stored: CustomDocumentType) -> list[str]:
    """The units whose documents of the type follow this definition: its unit and those below,
    except where a unit below defines the code itself (its definition wins there)."""
    redefined = {
        other.unit
        for other in await CustomDocumentType.find({"code": stored.code}).to_list()
        if other.unit != stored.unit
    }
    following, pending = [], [stored.unit]
    while pending:
        code = pending.pop()
        following.append(code)
        pending.extend(c.code for c in runtime.units.children(code) if c.code not in redefined)
    return following


# The documents of the type named in a refusal: enough to find them, not a flood.
DOCUMENTS_NAMED = 5


async def _change_schema(
    runtime: Runtime, stored: CustomDocumentType, schema: dict[str, Any]
) -> None:
    """Check that the documents of the type fit `schema`, with no document slipping in unchecked.

    The new schema is marked pending first: from then on a document is created only if it fits
    both, and a creation that began earlier looks at the type again once stored (documents
    service). Then the stored documents are checked. The caller writes the schema; a refusal
    takes the mark away. Only one change of a type runs at a time (the mark is claimed)."""
    claimed = await CustomDocumentType.get_motor_collection().update_one(
        {"_id": stored.id, "pending_schema_json": None},
        {"$set": {"pending_schema_json": json.dumps(schema, ensure_ascii=False)}},
    )
    if claimed.modified_count == 0:
        raise Conflict(
            f"Type {stored.code} is being changed by another request; read it and try again."
        )
    try:
        await _check_documents_fit(runtime, stored, schema)
    except BaseException:
        await stored.set({"pending_schema_json": None})
        raise


async def _check_documents_fit(
    runtime: Runtime, stored: CustomDocumentType, schema: dict[str, Any]
) -> None:
    """A new schema must still fit the drafts and numbered documents already of the type:
    otherwise they could neither be edited nor be read against their type (409, naming them)."""
    units = await _units_following(runtime, stored)
    changed = DocumentType(stored.code, stored.name, stored.symbol, schema)
    misfits: list[str] = []
    query = {"unit": {"$in": units}, "type_code": stored.code}
    async for document in StoredDocument.find(query, projection_model=_ExtraOnly):
        try:
            await changed.validate_extra(document.extra)
        except HosoError:
            misfits.append(str(document.id))
    if misfits:
        named = ", ".join(misfits[:DOCUMENTS_NAMED])
        more = (
            f" and {len(misfits) - DOCUMENTS_NAMED} more" if len(misfits) > DOCUMENTS_NAMED else ""
        )
        raise Conflict(
            f"{len(misfits)} document(s) of type {stored.code} would no longer fit the new "
            f"extra_schema ({named}{more}). Change their extra fields first, or keep the schema "
            "accepting them (add fields as optional).",
            documents=misfits[:DOCUMENTS_NAMED],
        )


class _ExtraOnly(BaseModel):
    id: PydanticObjectId = Field(alias="_id")
    extra: dict[str, Any] = Field(default_factory=dict)


def _as_type(stored: CustomDocumentType) -> DocumentType:
    return DocumentType(
        stored.code, stored.name, stored.symbol, stored.extra_schema, (f"unit:{stored.unit}",)
    )
