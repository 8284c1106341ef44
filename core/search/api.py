"""`/api/v1/search`: documents or records found by words, in Vietnamese with or without
diacritics."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter, QueryParameter
from pydantic import BaseModel, Field

from core.documents.models import Direction, DocumentState
from core.identity.policy import Principal
from core.records.models import RecordState
from core.runtime import Runtime
from core.search import service
from core.search.query import Result
from core.search.terms import MAX_QUERY_CHARS

Q_DESCRIPTION = (
    "Words to find, in any order, each in some field: with or without diacritics "
    "(`quyet dinh`, `Quyết định` and `QUYẾT ĐỊNH` find the same; `đ` = `d`). "
    '`"ủy ban nhân dân"` in double quotes is a phrase (the words one after another); `quy*` '
    "finds words that begin with `quy` (at least two letters before the `*`; a word without "
    "`*` is a whole word). Words joined by punctuation are a phrase: `05/QĐ-UBND`, `QĐ-UBND` "
    "and `05/QĐ` find document 05/QĐ-UBND."
)


class SearchHit(BaseModel):
    kind: Literal["document", "record"]
    id: str = Field(description="The document's id or the record's code")
    unit: str
    score: int = Field(
        description="Relevance: per word or phrase, the weight of the best field it is found "
        "in (summary, title, number and symbol 4; keywords 3; issuing body, signer, creator 2; "
        "extra fields, description, file text 1), phrases twice"
    )
    matched_fields: list[str]
    summary: str | None = None
    title: str | None = None
    number_and_symbol: str | None = None
    issuing_body: str | None = None
    type_code: str | None = None
    direction: str | None = None
    state: str
    issued_date: date | None = None
    arrival_date: date | None = None
    year: int | None = None

    @classmethod
    def of(cls, hit: Any) -> SearchHit:
        card = hit.card  # the item's card, read for the page (core.search.query._as_carded)
        return cls(
            kind="document" if card["k"] == "d" else "record",
            id=hit.item_id,
            unit=card["u"],
            score=hit.score,
            matched_fields=hit.fields,
            **card.get("view", {}),
        )


class SearchPage(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end")
    complete: bool = Field(
        description="False when the reading stopped before any word of the query was read "
        "whole (4,002 postings in all: every word is common): the matches are then among the "
        "items read of one of its words; add a word or a filter"
    )

    @classmethod
    def of(cls, result: Result) -> SearchPage:
        return cls(
            items=[SearchHit.of(hit) for hit in result.hits],
            next_cursor=result.next_cursor,
            complete=result.complete,
        )


class SearchController(Controller):
    path = "/search"
    tags = ["search"]

    @get(
        "/",
        summary="Search documents (kind=documents, the default) or records (kind=records)",
        description="One kind per request. Only what the caller may read is searched: other "
        "units' documents and restricted documents not shared with the caller are never found, "
        "through any field or file text.",
    )
    async def search(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        q: Annotated[
            str, QueryParameter(min_length=1, max_length=MAX_QUERY_CHARS, description=Q_DESCRIPTION)
        ],
        kind: Annotated[
            Literal["documents", "records"], QueryParameter(description="What to search")
        ] = "documents",
        exact_diacritics: Annotated[
            bool,
            QueryParameter(
                description="Diacritics must match: `quyết` then finds neither `quyet` nor "
                "`quyệt` (case still does not matter; file text is compared without diacritics)"
            ),
        ] = False,
        unit: Annotated[str | None, QueryParameter(description="Of this unit only")] = None,
        subtree: Annotated[
            bool, QueryParameter(description="With `unit`: the units below it too")
        ] = False,
        type_code: Annotated[
            str | None, QueryParameter(name="type", description="Documents: type code, e.g. QD")
        ] = None,
        direction: Direction | None = None,
        item_state: Annotated[
            str | None,
            QueryParameter(
                name="state",
                description="Documents: draft, issued, registered; records: open, closed, "
                "submitted, accepted, returned",
            ),
        ] = None,
        date_from: Annotated[
            date | None, QueryParameter(description="Documents issued or arrived on or after")
        ] = None,
        date_to: Annotated[
            date | None, QueryParameter(description="Documents issued or arrived on or before")
        ] = None,
        record: Annotated[
            str | None, QueryParameter(description="Documents filed in this record (its code)")
        ] = None,
        step: Annotated[
            str | None, QueryParameter(description="Documents at this workflow step")
        ] = None,
        year: Annotated[
            int | None, QueryParameter(ge=2000, le=2100, description="Records of this year")
        ] = None,
        sort: Annotated[
            Literal["relevance", "date"],
            QueryParameter(
                description="relevance (best first), or date (issued or arrival date, else the "
                "day it was made; newest first)"
            ),
        ] = "relevance",
        cursor: Annotated[
            str | None, QueryParameter(description="`next_cursor` of the previous page")
        ] = None,
        limit: int = Parameter(default=25, ge=1, le=100),
    ) -> SearchPage:
        states = DocumentState if kind == "documents" else RecordState
        filters = service.filters(
            runtime,
            actor,
            unit=unit,
            subtree=subtree,
            type_code=type_code,
            direction=direction.value if direction else None,
            state=service.state_value(states, item_state),
            date_from=date_from,
            date_to=date_to,
            step=step,
            year=year,
        )
        if record is not None:
            filters.record_documents = await service.documents_of_record(actor, record)
        result = await service.run(
            runtime,
            actor,
            kind="d" if kind == "documents" else "r",
            text=q,
            exact=exact_diacritics,
            filters=filters,
            sort=sort,
            cursor=cursor,
            limit=limit,
        )
        return SearchPage.of(result)
