"""`/api/v1/units/{code}/record-lists/{year}`: a unit's annual record list (danh mục hồ sơ)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import NamedDependency
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import JSONBody, Parameter

from core.documents.files_api import content_disposition
from core.errors import InvalidInput, UnsupportedMediaType
from core.identity.policy import Principal
from core.identity.roles import Action
from core.openapi import API_PREFIX, LOCATION, created_at
from core.records import lists
from core.records.list_models import ListState
from core.records.list_schemas import (
    AmendmentIn,
    ListContent,
    ListCreate,
    ListPatch,
    RecordListOut,
    RevisionIn,
)
from core.records.list_xlsx import (
    MAX_IMPORT_BYTES,
    XLSX_MEDIA_TYPE,
    read_xlsx,
    to_csv,
    to_xlsx,
)
from core.runtime import Runtime

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
RAW_BODY_TYPE = "application/octet-stream"
Year = Parameter(ge=2000, le=2100, description="The calendar year of the list, as records take")


@dataclass
class _XlsxImportOperation(Operation):
    """The handler reads the body itself (an XLSX file): document it here."""

    def __post_init__(self) -> None:
        binary = OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        )
        self.request_body = RequestBody(
            required=True,
            description=(
                "The XLSX file itself as the whole body, in the layout a download gives, at most "
                f"{MAX_IMPORT_BYTES // 1024} KiB."
            ),
            content={XLSX_MEDIA_TYPE: binary, RAW_BODY_TYPE: binary},
        )


class RecordListController(Controller):
    path = "/units/{code:str}/record-lists"
    tags = ["record lists"]

    @post(
        "/{year:int}",
        summary="Start the unit's record list for a year: from the template or last year's list",
        description=(
            'Send `{"from": "template"}` for the unit\'s plugin template, or `{"from": '
            '"previous_year"}` for a copy of last year\'s list (its headings and entries, as a new '
            "draft). 409 when the unit has a list for the year already."
        ),
        problems=(404, 409, 500),
        response_headers=[LOCATION],
    )
    async def create_record_list(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        data: ListCreate,
        year: int = Year,
    ) -> Response[RecordListOut]:
        created = await lists.create_list(runtime, actor, code, year, data.start_from)
        return created_at(
            f"{API_PREFIX}/units/{code}/record-lists/{year}", RecordListOut.of(created)
        )

    @get("/{year:int}", summary="The unit's record list for a year", problems=(403, 404))
    async def get_record_list(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        year: int = Year,
    ) -> RecordListOut:
        return RecordListOut.of(await lists.get_list(runtime, actor, code, year))

    @put(
        "/{year:int}",
        summary="Change a draft list: its whole tree of headings and entries",
        description=(
            "Send every big heading (with its small headings and entries) as the list should "
            "be, with the revision you read. Headings and entries sent with their id are kept "
            "(and moved to where they now stand); those without one are new; those left out "
            "are removed. Numbers follow from the positions. An approved list answers 409: "
            "amend it instead."
        ),
        problems=(404, 409),
    )
    async def replace_record_list(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        data: ListContent,
        year: int = Year,
    ) -> RecordListOut:
        updated = await lists.replace_headings(
            runtime, actor, code, year, data.revision, data.headings
        )
        return RecordListOut.of(updated)

    @patch(
        "/{year:int}",
        summary="Change a draft list, operation by operation",
        description=(
            "Operations, applied in order, all or none, with the revision you read: "
            "`add_heading` (a big heading with `symbol`, or a small one under `parent_id`), "
            "`edit_heading`, `remove_heading` (an empty one), `move_heading` (`position` among "
            "its siblings; a small heading may go under another `parent_id`), `add_entry`, "
            "`edit_entry` (the fields sent), `remove_entry`, `move_entry` (under `heading_id`, "
            "at `position`; the end if left out). Numbers follow from the positions. An "
            "approved list answers 409: amend it instead."
        ),
        problems=(404, 409),
    )
    async def patch_record_list(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        data: ListPatch,
        year: int = Year,
    ) -> RecordListOut:
        return RecordListOut.of(await lists.patch_list(runtime, actor, code, year, data))

    @post(
        "/{year:int}/approve",
        status_code=200,
        summary="Approve a draft list: it is frozen from then on (amendments add entries)",
        problems=(404, 409),
    )
    async def approve_record_list(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        year: int = Year,
        data: JSONBody[RevisionIn | None] = None,
    ) -> RecordListOut:
        revision = data.revision if data else None
        return RecordListOut.of(await lists.approve_list(runtime, actor, code, year, revision))

    @post(
        "/{year:int}/amendments",
        status_code=200,
        summary="Amend an approved list: add entries, with the reason",
        description=(
            "Each entry names the heading (big or small) it goes under. Added entries are "
            "numbered after every entry the list had, so no record's number changes; the "
            "amendment (reason, who, when, entries) is kept in the list's `amendments`."
        ),
        problems=(404, 409),
    )
    async def amend_record_list(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        data: AmendmentIn,
        year: int = Year,
    ) -> RecordListOut:
        return RecordListOut.of(await lists.amend_list(runtime, actor, code, year, data))

    @get(
        "/{year:int}/xlsx",
        summary="The list as the XLSX clerks print (DANH MỤC HỒ SƠ Năm …)",
        media_type=XLSX_MEDIA_TYPE,
        problems=(403, 404),
    )
    async def download_record_list_xlsx(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        year: int = Year,
    ) -> Response[bytes]:
        stored = await lists.get_list(runtime, actor, code, year)
        unit = runtime.units.get(code)
        content = to_xlsx(stored, unit.name if unit else code)
        return _download(content, XLSX_MEDIA_TYPE, f"Danh mục hồ sơ {year} {code}.xlsx")

    @get(
        "/{year:int}/csv",
        summary="The list's rows as CSV (UTF-8, the five printed columns)",
        media_type=CSV_MEDIA_TYPE,
        problems=(403, 404),
    )
    async def download_record_list_csv(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        year: int = Year,
    ) -> Response[bytes]:
        stored = await lists.get_list(runtime, actor, code, year)
        return _download(to_csv(stored), CSV_MEDIA_TYPE, f"Danh mục hồ sơ {year} {code}.csv")

    @post(
        "/{year:int}/import",
        status_code=200,
        summary="Fill a draft list from an XLSX in the printed layout",
        description=(
            "The file's headings and entries replace the draft's. Every wrong row is named "
            "(`errors`: `row 7, Thời hạn bảo quản` and why) and then nothing is stored. "
            "`revision`, if given, must be the draft's current one."
        ),
        operation_class=_XlsxImportOperation,
        problems=(404, 409, 413, 415, 422),
    )
    async def import_record_list(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        year: int = Year,
        revision: int | None = Parameter(default=None, ge=1),
    ) -> RecordListOut:
        lists.unit_for(runtime, actor, code, Action.MANAGE_RECORDS)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in (XLSX_MEDIA_TYPE, RAW_BODY_TYPE):
            raise UnsupportedMediaType(
                f"Send the XLSX file itself as the body, with Content-Type: {XLSX_MEDIA_TYPE} "
                f"(or {RAW_BODY_TYPE}); {media_type or 'no Content-Type'} was sent.",
            )
        stored = await lists.read_list(code, year)
        if stored.state is not ListState.DRAFT:
            raise lists.approved_conflict(stored)
        lists.check_revision(stored, revision)
        body = await request.body()
        if not body:
            raise InvalidInput(
                "The body is empty: send the XLSX file as the body.",
                errors=[{"field": "file", "message": "empty"}],
            )
        # Reading a workbook is CPU work of up to a few seconds: off the event loop, so the
        # other requests of this worker go on meanwhile.
        headings = await anyio.to_thread.run_sync(read_xlsx, body, stored.numbering)
        updated = await lists.replace_headings(
            runtime, actor, code, year, stored.revision, headings, change="import"
        )
        return RecordListOut.of(updated)


def _download(content: bytes, media_type: str, name: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(name), "Cache-Control": "private"},
    )
