"""`/api/v1/records`: open, read, change, file documents in, close and hand over work records;
`/api/v1/units/{code}/records`: a unit's records."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from core.documents.schemas import RevisionOnly
from core.identity.policy import Principal
from core.openapi import API_PREFIX, LOCATION, created_at
from core.records import closing, filing, service
from core.records.models import RecordState
from core.records.schemas import (
    FiledOut,
    FiledPage,
    FileIn,
    OrderIn,
    RecordOpen,
    RecordOut,
    RecordPage,
    RecordUpdate,
)
from core.runtime import Runtime


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
    ) -> RecordPage:
        found = await service.list_records(runtime, actor, code, year=year, state=record_state)
        return RecordPage(items=[RecordOut.of(record) for record in found])
