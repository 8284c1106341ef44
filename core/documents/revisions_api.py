"""`/api/v1/documents/{id}/revisions`: every revision of a document, as it was."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter, QueryParameter

from core.documents import revisions, service
from core.documents.schemas import DocumentOut, RevisionOut, RevisionPage
from core.identity.policy import Principal


class RevisionController(Controller):
    path = "/documents/{document_id:str}/revisions"
    tags = ["documents"]

    @get(
        "/",
        summary="A document's revisions, oldest first: what made each, when and who",
        description="Kept for ever, also after a draft is deleted (its last revision then says "
        "`delete`).",
        problems=(404,),
    )
    async def list_revisions(
        self,
        actor: NamedDependency[Principal],
        document_id: str,
        cursor: Annotated[
            str | None, QueryParameter(description="`next_cursor` of the previous page")
        ] = None,
        limit: int = Parameter(default=50, ge=1, le=service.MAX_PAGE_SIZE),
    ) -> RevisionPage:
        known = service.parse_id(document_id)
        await revisions.check_history_readable(actor, known)
        items, next_cursor = await revisions.list_revisions(known, cursor=cursor, limit=limit)
        return RevisionPage(
            items=[RevisionOut.model_validate(item, from_attributes=True) for item in items],
            next_cursor=next_cursor,
        )

    @get(
        "/{revision:int}",
        summary="The document as it was at one revision",
        problems=(404,),
    )
    async def get_revision(
        self, actor: NamedDependency[Principal], document_id: str, revision: int
    ) -> DocumentOut:
        known = service.parse_id(document_id)
        await revisions.check_history_readable(actor, known)
        return DocumentOut.of(await revisions.get_revision(known, revision))
