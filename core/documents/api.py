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
from core.errors import InvalidInput
from core.identity.policy import Principal
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
    async def create_document(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        data: DocumentCreate,
    ) -> Response[DocumentOut]:
        document = await service.create_document(runtime, actor, data)
        created = DocumentOut.of(document, await service.duplicate_warnings(actor, document))
        return created_at(f"{API_PREFIX}/documents/{created.id}", created)

    @get("/", summary="List documents, newest first, with filters and a cursor")
    async def list_documents(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        unit: Annotated[
            str | None,
            QueryParameter(description="Documents of this unit (agency identifier code) only"),
        ] = None,
        subtree: Annotated[
            bool, QueryParameter(description="With `unit`: the units below it too")
        ] = False,
        direction: Direction | None = None,
        type_code: Annotated[
            str | None, QueryParameter(name="type", description="Document type code, e.g. QD")
        ] = None,
        doc_state: Annotated[DocumentState | None, QueryParameter(name="state")] = None,
        date_from: Annotated[
            date | None,
            QueryParameter(
                description="Issued (outgoing, internal) or arrived (incoming) on or after this "
                "day; drafts have neither date and are left out"
            ),
        ] = None,
        date_to: Annotated[
            date | None, QueryParameter(description="Issued or arrived on or before this day")
        ] = None,
        q: Annotated[
            str | None,
            QueryParameter(
                min_length=1,
                max_length=500,
                description="Words to find, as GET /api/v1/search finds them: in the summary, "
                "number and symbol, issuing body, signer, keywords, searchable extra fields and "
                "file text, with or without diacritics (quyet dinh finds Quyết định), phrases in "
                "double quotes, word beginnings with a star (quy*). Newest first; a query found "
                "in more than 2,000 documents lists the first 2,000 found",
            ),
        ] = None,
        cursor: Annotated[
            str | None, QueryParameter(description="`next_cursor` of the previous page")
        ] = None,
        limit: int = Parameter(default=50, ge=1, le=service.MAX_PAGE_SIZE),
    ) -> DocumentPage:
        units = None
        if unit is not None:
            service.unit_or_invalid(runtime, unit)
            units = [u.code for u in runtime.units.subtree(unit)] if subtree else [unit]
        elif subtree:
            raise InvalidInput(
                "subtree needs a unit: say whose units below to include.",
                errors=[{"field": "subtree", "message": "only with unit"}],
            )
        items, next_cursor = await service.list_documents(
            actor,
            units=units,
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
    async def get_document(
        self, actor: NamedDependency[Principal], document_id: str
    ) -> DocumentOut:
        return DocumentOut.of(await service.get_document(actor, document_id))

    @patch(
        "/{document_id:str}",
        summary="Change a document; send the revision you read",
        problems=(404, 409, 500),
    )
    async def update_document(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        data: DocumentUpdate,
    ) -> DocumentOut:
        return DocumentOut.of(await service.update_document(runtime, actor, document_id, data))

    @delete("/{document_id:str}", summary="Delete a draft and its files", problems=(404, 409))
    async def delete_document(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        revision: int | None = Parameter(default=None, ge=1),
    ) -> None:
        await service.delete_document(runtime, actor, document_id, revision)

    @post(
        "/{document_id:str}/issue",
        status_code=200,
        summary="Issue: take the number, symbol and date",
        problems=(404, 409, 500),
    )
    async def issue_document(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        data: JSONBody[RevisionOnly | None] = None,
    ) -> DocumentOut:
        revision = data.revision if data else None
        return DocumentOut.of(await issuing.issue_document(runtime, actor, document_id, revision))

    @post(
        "/{document_id:str}/register",
        status_code=200,
        summary="Register an incoming document: arrival number",
        problems=(404, 409, 500),
    )
    async def register_document(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        data: JSONBody[RevisionOnly | None] = None,
    ) -> DocumentOut:
        revision = data.revision if data else None
        document = await issuing.register_incoming(runtime, actor, document_id, revision)
        return DocumentOut.of(document, await service.duplicate_warnings(actor, document))
