"""`/api/v1/documents`: create, read, list, change, delete, issue and register documents."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter, QueryParameter

from core.documents import issuing, service
from core.documents.models import Direction, DocumentState
from core.documents.schemas import (
    DocumentCreate,
    DocumentOut,
    DocumentPage,
    DocumentUpdate,
    RevisionOnly,
)
from core.openapi import API_PREFIX, LOCATION, created_at
from core.runtime import Runtime


class DocumentController(Controller):
    path = "/documents"
    tags = ["documents"]

    @post(
        "/",
        summary="Create a document (a draft, or a received incoming document)",
        problems=(409, 500),
        response_headers=[LOCATION],
    )
    async def create(
        self, runtime: NamedDependency[Runtime], data: DocumentCreate
    ) -> Response[DocumentOut]:
        document = await service.create_document(runtime, data)
        created = DocumentOut.of(document, await service.duplicate_warnings(document))
        return created_at(f"{API_PREFIX}/documents/{created.id}", created)

    @get("/", summary="List documents, newest first, with filters and a cursor")
    async def list_documents(
        self,
        runtime: NamedDependency[Runtime],
        unit: str | None = None,
        direction: Direction | None = None,
        type_code: Annotated[str | None, QueryParameter(name="type")] = None,
        doc_state: Annotated[DocumentState | None, QueryParameter(name="state")] = None,
        date_from: date | None = None,
        date_to: date | None = None,
        q: str | None = Parameter(default=None, max_length=200, description="Text in the summary"),
        cursor: str | None = None,
        limit: int = Parameter(default=50, ge=1, le=service.MAX_PAGE_SIZE),
    ) -> DocumentPage:
        if unit is not None:
            service.unit_or_invalid(runtime, unit)
        items, next_cursor = await service.list_documents(
            unit=unit,
            direction=direction,
            type_code=type_code,
            state=doc_state,
            date_from=date_from,
            date_to=date_to,
            text=q,
            cursor=cursor,
            limit=limit,
        )
        return DocumentPage(items=[DocumentOut.of(d) for d in items], next_cursor=next_cursor)

    @get("/{document_id:str}", summary="One document", problems=(404,))
    async def get_document(self, document_id: str) -> DocumentOut:
        return DocumentOut.of(await service.get_document(document_id))

    @patch(
        "/{document_id:str}",
        summary="Change a document; send the revision you read",
        problems=(404, 409, 500),
    )
    async def update(
        self, runtime: NamedDependency[Runtime], document_id: str, data: DocumentUpdate
    ) -> DocumentOut:
        return DocumentOut.of(await service.update_document(runtime, document_id, data))

    @delete("/{document_id:str}", summary="Delete a draft and its files", problems=(404, 409))
    async def remove(
        self,
        runtime: NamedDependency[Runtime],
        document_id: str,
        revision: int | None = Parameter(default=None, ge=1),
    ) -> None:
        await service.delete_document(runtime, document_id, revision)

    @post(
        "/{document_id:str}/issue",
        status_code=200,
        summary="Issue: take the number, symbol and date",
        problems=(404, 409, 500),
    )
    async def issue(
        self,
        runtime: NamedDependency[Runtime],
        document_id: str,
        data: JSONBody[RevisionOnly | None] = None,
    ) -> DocumentOut:
        revision = data.revision if data else None
        return DocumentOut.of(await issuing.issue_document(runtime, document_id, revision))

    @post(
        "/{document_id:str}/register",
        status_code=200,
        summary="Register an incoming document: arrival number",
        problems=(404, 409, 500),
    )
    async def register(
        self,
        runtime: NamedDependency[Runtime],
        document_id: str,
        data: JSONBody[RevisionOnly | None] = None,
    ) -> DocumentOut:
        revision = data.revision if data else None
        document = await issuing.register_incoming(runtime, document_id, revision)
        return DocumentOut.of(document, await service.duplicate_warnings(document))
