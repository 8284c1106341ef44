"""Search, as the API and the list endpoints ask for it: filters checked, then the query."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from core.errors import InvalidInput
from core.identity.policy import Principal
from core.runtime import Runtime
from core.search.query import Filters, Kind, Result, SortOrder, search


def filters(
    runtime: Runtime,
    actor: Principal,
    *,
    unit: str | None,
    subtree: bool,
    date_from: date | None = None,
    date_to: date | None = None,
    **others: Any,
) -> Filters:
    units = None
    if unit is not None:
        if runtime.units.get(unit) is None:
            raise InvalidInput(
                f"Unit {unit!r} is not in the units tree; see GET /api/v1/units.",
                errors=[{"field": "unit", "message": "unknown unit"}],
            )
        units = [u.code for u in runtime.units.subtree(unit)] if subtree else [unit]
    elif subtree:
        raise InvalidInput(
            "subtree needs a unit: say whose units below to include.",
            errors=[{"field": "subtree", "message": "only with unit"}],
        )
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(
            "date_from is after date_to.",
            errors=[{"field": "date_from", "message": "after date_to"}],
        )
    return Filters(units=units, date_from=date_from, date_to=date_to, **others)


def state_value(states: type[StrEnum], value: str | None) -> str | None:
    if value is None:
        return None
    allowed = [state.value for state in states]
    if value not in allowed:
        raise InvalidInput(
            f"state {value!r} is not one of {', '.join(allowed)}.",
            errors=[{"field": "state", "message": f"one of {', '.join(allowed)}"}],
        )
    return value


async def documents_of_record(actor: Principal, code: str) -> set[str]:
    """The ids of the documents filed in a record the caller may read (404 otherwise)."""
    from core.errors import NotFound
    from core.records.models import Membership
    from core.records.service import get_record

    try:
        record = await get_record(actor, code)
    except NotFound:
        raise InvalidInput(
            f"There is no record {code[:100]!r} you may read.",
            errors=[{"field": "record", "message": "unknown record"}],
        ) from None
    found = Membership.get_motor_collection().find({"record_code": record.id}, {"document_id": 1})
    return {str(row["document_id"]) async for row in found}


async def run(
    runtime: Runtime,
    actor: Principal,
    *,
    kind: Kind,
    text: str,
    exact: bool,
    filters: Filters,
    sort: SortOrder,
    cursor: str | None,
    limit: int,
) -> Result:
    return await search(
        runtime.database.db,  # type: ignore[union-attr]
        actor,
        kind=kind,
        text=text,
        exact=exact,
        filters=filters,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def matching_document_ids(
    actor: Principal, text: str, before: Any, units: list[str] | None = None
) -> list[Any]:
    """The documents `text` finds for `actor` (in `units`, when the list asks for some), for
    the documents list's `q` (which adds its own filters): at most the bounded candidates of one
    search, newest first."""
    from bson import ObjectId

    from core.search.query import CANDIDATES

    result = await search(
        index_database(),
        actor,
        kind="d",
        text=text,
        exact=False,
        filters=Filters(units=units),
        sort="newest",
        cursor=None,
        limit=CANDIDATES,
    )
    ids = [ObjectId(hit.item_id) for hit in result.hits]
    if before is not None:
        ids = [found for found in ids if found < before["$lt"]]
    return ids


async def matching_record_codes(actor: Principal, text: str, unit: str) -> list[str]:
    """The records of `unit` that `text` finds for `actor`, for the records list's `q`."""
    from core.search.query import CANDIDATES

    result = await search(
        index_database(),
        actor,
        kind="r",
        text=text,
        exact=False,
        filters=Filters(units=[unit]),
        sort="newest",
        cursor=None,
        limit=CANDIDATES,
    )
    return [hit.item_id for hit in result.hits]


def index_database() -> Any:
    """The database the models are bound to (the index lives beside them)."""
    from core.documents.models import StoredDocument

    return StoredDocument.get_motor_collection().database
