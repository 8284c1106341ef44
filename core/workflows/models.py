"""Where a document is in its workflow, who handles it, and the opinions asked about it.

The workflow status and the assignment live on the document itself, so that moving a document on
is one revision of it (`core.documents.revisions`): two people taking transitions at once claim
the same revision, and the engine refuses the second (409), on every MongoDB-compatible engine.
The timeline is read back from those revisions, so it can only show what happened, in order.

Opinions are kept beside the document: several people answer at once without racing each other.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field, model_validator
from pymongo import ASCENDING, IndexModel


class PartyRef(BaseModel):
    """A person (`user`) or a unit (`unit`), exactly one of them."""

    user: str | None = Field(None, min_length=1, max_length=100)
    unit: str | None = Field(None, min_length=1, max_length=20)

    @model_validator(mode="after")
    def _exactly_one(self) -> PartyRef:
        if (self.user is None) == (self.unit is None):
            raise ValueError("name either a user or a unit")
        return self

    @property
    def key(self) -> str:
        """`user:<name>` or `unit:<code>`: how documents and tasks index who is involved."""
        return f"user:{self.user}" if self.user is not None else f"unit:{self.unit}"


class Assignment(BaseModel):
    """A leader's direction on an incoming document (D30 Art. 20, 24): who presides, who
    coordinates, by when, and what the leader says to do."""

    presiding: PartyRef
    coordinators: list[PartyRef] = Field(default_factory=list)
    due: date | None = None
    direction: str | None = None  # ý kiến chỉ đạo
    by: str
    at: datetime

    def parties(self) -> list[str]:
        return [self.presiding.key, *(party.key for party in self.coordinators)]


ActKind = Literal["start", "transition", "assign", "reassign", "opinions_asked", "numbered"]


class WorkflowAct(BaseModel):
    """The last thing done to the document's workflow, stored with the revision it made."""

    revision: int
    kind: ActKind
    transition: str | None = None
    from_step: str | None = None
    to_step: str | None = None
    actor: str | None = None
    at: datetime
    comment: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    assignment: Assignment | None = None
    asked: list[str] = Field(default_factory=list)  # party keys asked for their opinion


class WorkflowStatus(BaseModel):
    name: str  # the definition's name
    step: str
    since: datetime
    # The last day the document may stay in this step (the state's deadline, or the
    # assignment's while it is being handled); overdue from the day after.
    due: date | None = None
    final: bool = False
    last: WorkflowAct | None = None


def opinion_key(document_id: PydanticObjectId | str, revision: int, party: str) -> str:
    """`<document>|<revision asked at>|<party key>`: one request per party per asking, and all of
    a document's requests one `_id` range."""
    return f"{document_id}|{revision:09d}|{party}"


class OpinionRequest(Document):
    """One person or unit asked for their opinion on a document (góp ý, D30 Art. 10-11)."""

    id: str  # type: ignore[assignment]  # opinion_key(...)
    document_id: PydanticObjectId
    unit: str  # the document's unit
    party: str  # user:<name> | unit:<code>
    question: str
    asked_by: str
    asked_at: datetime
    due: date | None = None
    answered: bool = False

    class Settings:
        name = "opinion_requests"
        indexes = [IndexModel([("party", ASCENDING), ("answered", ASCENDING)], name="by_party")]


class OpinionAnswer(Document):
    """The answer to one request, under the request's own `_id`: inserting it is what claims the
    answer, so a request is answered once even when two people of a unit answer together."""

    id: str  # type: ignore[assignment]  # the request's _id
    document_id: PydanticObjectId
    party: str
    answer: str
    agrees: bool | None = None
    answered_by: str
    answered_at: datetime

    class Settings:
        name = "opinion_answers"


def status_view(status: WorkflowStatus | None) -> dict[str, Any] | None:
    return status.model_dump(mode="json") if status is not None else None
