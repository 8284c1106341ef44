"""What people read about the work: a document's timeline, their tasks, a unit's overdue work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from beanie.odm.utils.encoder import Encoder
from bson import ObjectId
from bson.errors import InvalidId

from core.documents.models import DocumentRevision, StoredDocument, revision_key
from core.documents.revisions import MAX_REVISION
from core.documents.service import get_document
from core.errors import InvalidInput, NotFound
from core.identity.policy import Principal
from core.identity.roles import Action
from core.runtime import Runtime
from core.workflows.definitions import Definition, Party
from core.workflows.engine import workflow_of
from core.workflows.models import OpinionAnswer, OpinionRequest, WorkflowAct
from core.workflows.starting import local_today

# --- timeline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    actor: str | None
    revision: int | None = None
    transition: str | None = None
    label: str | None = None
    from_step: str | None = None
    to_step: str | None = None
    comment: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    assignment: dict[str, Any] | None = None
    asked: list[str] = field(default_factory=list)
    opinion: dict[str, Any] | None = None


async def timeline(runtime: Runtime, actor: Principal, document_id: str) -> list[TimelineEntry]:
    """Every act on the document's workflow, oldest first, read from its revisions (each act is
    the revision it made), with the opinions given in between."""
    document = await get_document(actor, document_id)
    definition, _ = workflow_of(runtime, document)
    acts: dict[int, WorkflowAct] = {}
    query = {
        "_id": {
            "$gte": revision_key(document.id, 1),
            "$lte": revision_key(document.id, MAX_REVISION),
        }
    }
    async for entry in DocumentRevision.get_motor_collection().find(query):
        last = ((entry.get("snapshot") or {}).get("workflow") or {}).get("last")
        if last and last.get("revision") == entry.get("revision"):
            act = WorkflowAct.model_validate(last)
            acts[act.revision] = act
    current = document.workflow.last if document.workflow else None
    if current is not None and current.revision == document.revision:
        acts[current.revision] = current  # written, maybe not yet recorded as revision 1
    entries = [_act_entry(definition, act) for _, act in sorted(acts.items())]
    prefix = f"{document.id}|"
    answers = await OpinionAnswer.find({"_id": {"$gte": prefix, "$lt": prefix + "~"}}).to_list()
    for answer in answers:
        entries.append(
            TimelineEntry(
                at=answer.answered_at,
                kind="opinion",
                actor=answer.answered_by,
                opinion={
                    "request": answer.id,
                    "party": answer.party,
                    "answer": answer.answer,
                    "agrees": answer.agrees,
                },
            )
        )
    # Acts keep their revision order; an opinion goes after the acts made before it.
    entries.sort(key=lambda e: (e.at, 0 if e.revision is not None else 1, e.revision or 0))
    return _acts_in_revision_order(entries)


def _acts_in_revision_order(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    acts = iter(sorted((e for e in entries if e.revision is not None), key=lambda e: e.revision))
    return [next(acts) if e.revision is not None else e for e in entries]


def _act_entry(definition: Definition, act: WorkflowAct) -> TimelineEntry:
    transition = definition.transition(act.transition) if act.transition else None
    label = transition.label if transition else None
    if act.kind == "numbered" and transition:
        label = f"{transition.label} (outside the workflow's steps)"
    return TimelineEntry(
        at=act.at,
        kind=act.kind,
        actor=act.actor,
        revision=act.revision,
        transition=act.transition,
        label=label,
        from_step=act.from_step,
        to_step=act.to_step,
        comment=act.comment,
        fields=act.fields,
        assignment=act.assignment.model_dump(mode="json") if act.assignment else None,
        asked=act.asked,
    )


# --- tasks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    document: StoredDocument
    reason: str  # presiding | coordinating | opinion | to_act
    due: date | None
    request: OpinionRequest | None = None
    transitions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Tasks:
    today: date
    assigned: list[Task]
    opinions: list[Task]
    to_act: list[Task]
    due_soon: list[Task]
    overdue: list[Task]


async def my_tasks(runtime: Runtime, actor: Principal, *, limit: int) -> Tasks:
    today = local_today(runtime)
    keys = actor.involvement_keys
    assigned: list[Task] = []
    open_work = {"workflow.final": {"$ne": True}}
    for document in await StoredDocument.find(
        {"participants": {"$in": keys}, **open_work}
    ).to_list():
        if document.assignment is None or not actor.can_read_document(document):
            continue
        presiding = document.assignment.presiding.key in keys
        assigned.append(
            Task(
                document,
                "presiding" if presiding else "coordinating",
                document.workflow.due if document.workflow else document.assignment.due,
            )
        )
    opinions: list[Task] = []
    requests = await OpinionRequest.find({"party": {"$in": keys}, "answered": False}).to_list()
    if requests:
        # An answer stored by a worker that stopped before marking its request answered.
        answered = await OpinionAnswer.find(
            {"_id": {"$in": [request.id for request in requests]}}
        ).to_list()
        done = {answer.id for answer in answered}
        requests = [request for request in requests if request.id not in done]
    asked_about = {request.document_id for request in requests}
    documents = {
        document.id: document
        for document in await StoredDocument.find({"_id": {"$in": list(asked_about)}}).to_list()
    }
    for request in requests:
        document = documents.get(request.document_id)
        if document is not None and actor.can_read_document(document):
            opinions.append(Task(document, "opinion", request.due, request))
    to_act = await _waiting_for(runtime, actor)
    everything = [*assigned, *opinions, *to_act]
    soon_until = runtime.calendar.add_working_days(today, runtime.settings.due_soon_working_days)
    overdue = [task for task in everything if task.due is not None and task.due < today]
    due_soon = [
        task for task in everything if task.due is not None and today <= task.due <= soon_until
    ]
    return Tasks(
        today=today,
        assigned=_first(assigned, limit),
        opinions=_first(opinions, limit),
        to_act=_first(to_act, limit),
        due_soon=_first(due_soon, limit),
        overdue=_first(overdue, limit),
    )


def _first(tasks: list[Task], limit: int) -> list[Task]:
    """The most pressing first: by deadline (none last), then oldest document first."""
    return sorted(tasks, key=lambda t: (t.due is None, t.due or date.max, str(t.document.id)))[
        :limit
    ]


async def _waiting_for(runtime: Runtime, actor: Principal) -> list[Task]:
    """Documents at a step where this caller may take a transition by a role they hold, or as
    their author; one query, whatever the number of workflows."""
    held: dict[str, set[str]] = {}  # role → units where it is held (and covered below)
    for grant in actor.grants:
        role = actor.policy.roles.get(grant.role)
        if role is None or actor.policy.units.get(grant.unit) is None:
            continue
        units = (
            {unit.code for unit in actor.policy.units.subtree(grant.unit)}
            if role.covers_units_below
            else {grant.unit}
        )
        held.setdefault(grant.role, set()).update(units)
    branches: list[dict[str, Any]] = []
    for definition in runtime.workflows.definitions.values():
        for role, units in held.items():
            steps = sorted(
                {s for t in definition.transitions if role in t.roles for s in t.from_states}
            )
            if steps:
                branches.append(
                    {
                        "unit": {"$in": sorted(units)},
                        "workflow.name": definition.name,
                        "workflow.step": {"$in": steps},
                    }
                )
        authored = sorted(
            {s for t in definition.transitions if Party.AUTHOR in t.parties for s in t.from_states}
        )
        if authored:
            branches.append(
                {
                    "created_by": actor.name,
                    "workflow.name": definition.name,
                    "workflow.step": {"$in": authored},
                }
            )
    if not branches:
        return []
    found = await StoredDocument.find(
        {"$or": branches, "workflow.final": {"$ne": True}}, limit=1000
    ).to_list()
    tasks = []
    from core.workflows.engine import may_take

    for document in found:
        if not actor.can_read_document(document) or document.workflow is None:
            continue
        definition = runtime.workflows.get(document.workflow.name)
        if definition is None:
            continue
        takeable = [
            t.name
            for t in definition.transitions_from(document.workflow.step)
            if may_take(actor, document, t)
        ]
        if takeable:
            tasks.append(Task(document, "to_act", document.workflow.due, transitions=takeable))
    return tasks


# --- a unit's overdue work -------------------------------------------------------------------


async def overdue_work(
    runtime: Runtime,
    actor: Principal,
    *,
    unit: str,
    subtree: bool,
    cursor: str | None,
    limit: int,
) -> tuple[date, list[StoredDocument], str | None]:
    """The unit's documents whose step or assignment deadline has passed, oldest first."""
    if runtime.units.get(unit) is None or not actor.may(Action.READ_DOCUMENTS, unit):
        raise NotFound(f"There is no unit {unit}.")
    codes = [u.code for u in runtime.units.subtree(unit)] if subtree else [unit]
    codes = [code for code in codes if actor.may(Action.READ_DOCUMENTS, code)]
    today = local_today(runtime)
    query: dict[str, Any] = {
        "unit": {"$in": codes},
        "workflow.final": {"$ne": True},
        "workflow.due": {"$lt": Encoder(to_db=True).encode(today)},
        "$and": [actor.document_filter()],
    }
    if cursor is not None:
        query["_id"] = {"$gt": _cursor_id(cursor)}
    found = await StoredDocument.find(query).sort([("_id", 1)]).limit(limit + 1).to_list()
    more = len(found) > limit
    items = found[:limit]
    return today, items, (str(items[-1].id) if more else None)


def _cursor_id(cursor: str) -> ObjectId:
    try:
        return ObjectId(cursor)
    except (InvalidId, TypeError):
        raise InvalidInput(
            "The cursor is not one this service gave out; start again without it.",
            errors=[{"field": "cursor", "message": "invalid cursor"}],
        ) from None
