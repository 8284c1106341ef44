"""What crosses the wire for workflows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.documents.schemas import DocumentOut
from core.workflows.definitions import Definition, Effect, Party, Transition
from core.workflows.models import Assignment, OpinionAnswer, OpinionRequest, PartyRef

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssignmentIn(Strict):
    presiding: PartyRef = Field(description="The person (`user`) or unit (`unit`) who presides")
    coordinators: list[PartyRef] = Field(default_factory=list, max_length=50)
    due: date | None = Field(None, description="The last day to finish, or…")
    due_working_days: int | None = Field(
        None, ge=1, le=365, description="…the number of working days from today (not both)"
    )
    direction: Text | None = Field(None, description="The leader's direction (ý kiến chỉ đạo)")


class TransitionIn(Strict):
    name: Annotated[str, StringConstraints(max_length=40)] = Field(
        description="The transition to take (one of `available` in GET …/workflow)"
    )
    revision: int | None = Field(
        None, ge=1, description="The revision you read; 409 if the document changed since"
    )
    comment: Text | None = None
    fields: dict[FieldName, ShortText] = Field(
        default_factory=dict,
        max_length=20,
        description="Text the transition asks for (`required_fields`), e.g. `reason`",
    )
    assignment: AssignmentIn | None = Field(
        None, description="For a transition that assigns (effect `assign`)"
    )


class ReassignIn(AssignmentIn):
    revision: int | None = Field(None, ge=1)


class TransitionOut(BaseModel):
    name: str
    label: str
    to: str
    to_label: str
    comment: str = Field(description="optional | required")
    required_fields: list[str]
    effect: Effect | None
    roles: list[str]
    parties: list[Party]

    @classmethod
    def of(cls, definition: Definition, transition: Transition) -> TransitionOut:
        return cls(
            name=transition.name,
            label=transition.label,
            to=transition.to,
            to_label=definition.states[transition.to].label,
            comment=transition.comment,
            required_fields=transition.required_fields,
            effect=transition.effect,
            roles=transition.roles,
            parties=transition.parties,
        )


class WorkflowOut(BaseModel):
    document_id: str
    revision: int = Field(description="Send it back with a transition to act on what you read")
    workflow: str
    workflow_label: str
    step: str
    step_label: str
    since: datetime
    due: date | None = Field(description="The last day of this step (its deadline), if any")
    overdue: bool
    final: bool
    assignment: Assignment | None
    available: list[TransitionOut] = Field(description="What you may take now")
    others: list[TransitionOut] = Field(
        description="Transitions from this step that others may take (who: `roles`, `parties`)"
    )


class TimelineEntryOut(BaseModel):
    at: datetime
    kind: str = Field(
        description="start | transition | assign | reassign | opinions_asked | numbered "
        "(numbered by the clerk outside the steps) | opinion"
    )
    actor: str | None
    revision: int | None = Field(description="The document's revision the act made")
    transition: str | None
    label: str | None
    from_step: str | None
    to_step: str | None
    comment: str | None
    fields: dict[str, str]
    assignment: dict[str, Any] | None
    asked: list[str]
    opinion: dict[str, Any] | None


class TimelineOut(BaseModel):
    items: list[TimelineEntryOut] = Field(description="Oldest first")


class OpinionsIn(Strict):
    parties: list[PartyRef] = Field(min_length=1, max_length=50)
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(
        max_length=2000, description="What they are asked"
    )
    due: date | None = None
    due_working_days: int | None = Field(None, ge=1, le=365)
    revision: int | None = Field(None, ge=1)


class AnswerIn(Strict):
    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(
        max_length=5000
    )
    agrees: bool | None = Field(None, description="Agrees with the draft as it is")


class OpinionOut(BaseModel):
    id: str
    party: str
    question: str
    asked_by: str
    asked_at: datetime
    due: date | None
    answered: bool
    answer: str | None = None
    agrees: bool | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None

    @classmethod
    def of(cls, request: OpinionRequest, answer: OpinionAnswer | None) -> OpinionOut:
        return cls(
            id=request.id,
            party=request.party,
            question=request.question,
            asked_by=request.asked_by,
            asked_at=request.asked_at,
            due=request.due,
            answered=answer is not None,
            answer=answer.answer if answer else None,
            agrees=answer.agrees if answer else None,
            answered_by=answer.answered_by if answer else None,
            answered_at=answer.answered_at if answer else None,
        )


class OpinionsOut(BaseModel):
    items: list[OpinionOut]


class TaskOut(BaseModel):
    document: DocumentOut
    reason: str = Field(description="presiding | coordinating | opinion | to_act")
    due: date | None
    overdue: bool
    opinion_request: str | None = Field(description="For `opinion`: the request to answer")
    transitions: list[str] = Field(description="For `to_act`: what you may take")


class TasksOut(BaseModel):
    today: date = Field(description="Today in the service's time zone")
    assigned: list[TaskOut] = Field(
        description="Documents you (or your unit) preside over or coordinate"
    )
    opinions: list[TaskOut] = Field(description="Opinions asked of you or your unit, unanswered")
    to_act: list[TaskOut] = Field(description="Documents at a step you may move on")
    due_soon: list[TaskOut] = Field(description="Any of the above due within a few working days")
    overdue: list[TaskOut] = Field(description="Any of the above past its deadline")


class OverdueItem(BaseModel):
    document: DocumentOut
    step: str
    step_label: str
    due: date
    days_overdue: int = Field(description="Working days since the deadline")


class OverduePage(BaseModel):
    today: date
    items: list[OverdueItem]
    next_cursor: str | None


class DefinitionOut(BaseModel):
    name: str
    label: str
    source: str
    directions: list[str]
    start: str
    states: dict[str, dict[str, Any]]
    transitions: list[dict[str, Any]]
    numbering_outside_steps: bool


class DefinitionList(BaseModel):
    items: list[DefinitionOut]
