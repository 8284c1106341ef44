"""`/api/v1/records`: open, read, change, file documents in, close and hand over work records;
`/api/v1/units/{code}/records`: a unit's records."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.response import Stream

from core.documents.files_api import content_disposition
from core.documents.schemas import RevisionOnly
from core.identity.policy import Principal
from core.openapi import API_PREFIX, LOCATION, created_at
from core.records import closing, filing, handover, handover_export, service
from core.records.list_xlsx import XLSX_MEDIA_TYPE
from core.records.models import RecordState
from core.records.schemas import (
    DueOut,
    ExtendIn,
    FiguresOut,
    FiledOut,
    FiledPage,
    FileIn,
    OrderIn,
    RecordOpen,
    RecordOut,
    RecordPage,
    RecordUpdate,
    ReturnIn,
)
from core.runtime import Runtime
from core.search.terms import MAX_QUERY_CHARS


class RecordController(Controller):
    path = "/records"
    tags = ["records"]

    @post(
        "/",
        summary="Open a record from an entry of the approved list, or outside it with a reason",
        problems=(404, 409, 500),
        response_headers=[LOCATION],
    )
    async def open_record(
        self, runtime: NamedDependency[Runtime], actor: NamedDependency[Principal], data: RecordOpen
    ) -> Response[RecordOut]:
        record = await service.open_record(runtime, actor, data)
        return created_at(f"{API_PREFIX}/records/{quote(record.id)}", RecordOut.of(record))

    @get("/{code:str}", summary="One record", problems=(404,))
    async def get_record(self, actor: NamedDependency[Principal], code: str) -> RecordOut:
        return RecordOut.of(await service.get_record(actor, code))

    @patch(
        "/{code:str}",
        summary="Change a record's metadata; send the revision you read",
        problems=(404, 409),
    )
    async def update_record(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        data: RecordUpdate,
    ) -> RecordOut:
        return RecordOut.of(await service.update_record(runtime, actor, code, data))

    @get(
        "/{code:str}/documents",
        summary="The record's documents, in order (those you may not read show only their id)",
        problems=(404,),
    )
    async def list_filed(self, actor: NamedDependency[Principal], code: str) -> FiledPage:
        _, filed = await filing.filed_documents(actor, code)
        return FiledPage(items=[FiledOut.of(item, document) for item, document in filed])

    @post(
        "/{code:str}/documents",
        summary="File a document in the record (it is not copied)",
        problems=(404, 409),
    )
    async def file_document(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        data: FileIn,
    ) -> Response[FiledOut]:
        membership, document = await filing.file_document(runtime, actor, code, data.document_id)
        return created_at(
            f"{API_PREFIX}/records/{quote(code)}/documents", FiledOut.of(membership, document)
        )

    @delete(
        "/{code:str}/documents/{document_id:str}",
        summary="Take a document out of the record (the document itself stays)",
        problems=(404, 409),
    )
    async def remove_document(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        document_id: str,
    ) -> None:
        await filing.remove_document(runtime, actor, code, document_id)

    @put(
        "/{code:str}/order",
        summary="Number the record's documents 1..n in the order given",
        problems=(404, 409),
    )
    async def reorder(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        data: OrderIn,
    ) -> FiledPage:
        ordered = await filing.reorder(runtime, actor, code, data.documents)
        return FiledPage(items=[FiledOut.of(item) for item in ordered])

    @post(
        "/{code:str}/close",
        status_code=200,
        summary="Close: dates and totals from the documents, the completeness check, the list",
        problems=(404, 409),
    )
    async def close_record(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        data: JSONBody[RevisionOnly | None] = None,
    ) -> RecordOut:
        revision = data.revision if data else None
        return RecordOut.of(await closing.close_record(runtime, actor, code, revision))

    @post(
        "/{code:str}/submit",
        status_code=200,
        summary="Submit a closed record to the agency archive (nộp lưu)",
        problems=(404, 409),
    )
    async def submit_record(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        data: JSONBody[RevisionOnly | None] = None,
    ) -> RecordOut:
        revision = data.revision if data else None
        return RecordOut.of(await handover.submit(runtime, actor, code, revision))

    @post(
        "/{code:str}/accept",
        status_code=200,
        summary="Archive: accept a submitted record; it is locked from then on",
        problems=(404, 409),
    )
    async def accept_record(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        data: JSONBody[RevisionOnly | None] = None,
    ) -> RecordOut:
        revision = data.revision if data else None
        return RecordOut.of(await handover.accept(runtime, actor, code, revision))

    @post(
        "/{code:str}/return",
        status_code=200,
        summary="Archive: return a submitted record with a reason (it collects documents again)",
        problems=(404, 409),
    )
    async def return_record(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        data: ReturnIn,
    ) -> RecordOut:
        return RecordOut.of(
            await handover.return_record(runtime, actor, code, data.reason, data.revision)
        )

    @post(
        "/{code:str}/extend",
        status_code=200,
        summary="Keep a closed record longer: a reason and a new date at most 2 years on",
        problems=(404, 409),
    )
    async def extend_record(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        data: ExtendIn,
    ) -> RecordOut:
        return RecordOut.of(
            await handover.extend(
                runtime, actor, code, until=data.until, reason=data.reason, revision=data.revision
            )
        )

    @get(
        "/{code:str}/package",
        summary="The record as one archival package (BagIt, tar): metadata JSON and XML, "
        "every file's current version, SHA-256 manifests",
        media_type="application/x-tar",
        problems=(403, 404),
    )
    async def export_package(
        self, runtime: NamedDependency[Runtime], actor: NamedDependency[Principal], code: str
    ) -> Stream:
        record, tar_path = await handover_export.package(runtime, actor, code)
        return Stream(
            handover_export.stream_and_remove(tar_path),
            media_type="application/x-tar",
            headers={
                "Content-Disposition": content_disposition(f"{record.id}.tar"),
                "Cache-Control": "private",
            },
        )


class UnitRecordController(Controller):
    path = "/units/{code:str}/records"
    tags = ["records"]

    @get("/", summary="A unit's records", problems=(404,))
    async def list_records(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None,
        record_state: Annotated[RecordState | None, QueryParameter(name="state")] = None,
        q: Annotated[
            str | None,
            QueryParameter(
                min_length=1,
                max_length=MAX_QUERY_CHARS,
                description="Words in the title, code, creator, keywords or description, as "
                "GET /api/v1/search?kind=records finds them",
            ),
        ] = None,
    ) -> RecordPage:
        found = await service.list_records(
            runtime, actor, code, year=year, state=record_state, text=q
        )
        return RecordPage(items=[RecordOut.of(record) for record in found])

    @get(
        "/due",
        summary="Closed records due at the archive within 30 days, and overdue ones",
        problems=(404,),
    )
    async def due_records(
        self, runtime: NamedDependency[Runtime], actor: NamedDependency[Principal], code: str
    ) -> DueOut:
        due_soon, overdue = await handover.due_lists(runtime, actor, code)
        return DueOut(
            due_soon=[RecordOut.of(r) for r in due_soon],
            overdue=[RecordOut.of(r) for r in overdue],
        )

    @get("/figures", summary="The figures the province reports, for one year", problems=(404,))
    async def record_figures(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        year: Annotated[int, QueryParameter(ge=2000, le=2100)],
    ) -> FiguresOut:
        counted = await handover.figures(runtime, actor, code, year)
        return FiguresOut(unit=code, year=year, **counted)

    @get(
        "/handover-list",
        summary="The handover list (mục lục hồ sơ nộp lưu) of submitted and accepted records, XLSX",
        media_type=XLSX_MEDIA_TYPE,
        problems=(404,),
    )
    async def handover_list(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None,
    ) -> Response[bytes]:
        records = await handover.handover_list(runtime, actor, code, year)
        unit = runtime.units.get(code)
        content = handover_export.handover_xlsx(records, unit.name if unit else code, year)
        name = f"Mục lục hồ sơ nộp lưu {code}{f' {year}' if year else ''}.xlsx"
        return Response(
            content,
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": content_disposition(name), "Cache-Control": "private"},
        )
