"""Workflows through HTTP: a document's step and transitions, assignments, opinions, its
timeline; "my tasks"; a unit's overdue work; the definitions in force."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import Parameter, QueryParameter

from core.documents.models import StoredDocument
from core.documents.schemas import DocumentOut
from core.documents.service import get_document
from core.errors import NotFound
from core.identity.policy import Principal
from core.runtime import Runtime
from core.workflows import engine, opinions, views
from core.workflows.definitions import Definition
from core.workflows.schemas import (
    AnswerIn,
    AssignmentIn,
    DefinitionList,
    DefinitionOut,
    OpinionOut,
    OpinionsIn,
    OpinionsOut,
    OverdueItem,
    OverduePage,
    ReassignIn,
    TaskOut,
    TasksOut,
    TimelineEntryOut,
    TimelineOut,
    TransitionIn,
    TransitionOut,
    WorkflowOut,
)
from core.workflows.starting import local_today

MAX_PAGE_SIZE = 200


async def workflow_out(runtime: Runtime, actor: Principal, document_id: str) -> WorkflowOut:
    return workflow_view(runtime, actor, await get_document(actor, document_id))


def workflow_view(runtime: Runtime, actor: Principal, document: StoredDocument) -> WorkflowOut:
    definition, status, available = engine.transitions_for(runtime, actor, document)
    taken = {t.name for t in available}
    others = [t for t in definition.transitions_from(status.step) if t.name not in taken]
    return WorkflowOut(
        document_id=str(document.id),
        revision=document.revision,
        workflow=definition.name,
        workflow_label=definition.label,
        step=status.step,
        step_label=definition.states[status.step].label,
        since=status.since,
        due=status.due,
        overdue=status.due is not None and status.due < local_today(runtime),
        final=status.final,
        assignment=document.assignment,
        available=[TransitionOut.of(definition, t) for t in available],
        others=[TransitionOut.of(definition, t) for t in others],
    )


def _assignment_request(data: AssignmentIn) -> engine.AssignmentRequest:
    return engine.AssignmentRequest(
        presiding=data.presiding,
        coordinators=list(data.coordinators),
        due=data.due,
        due_working_days=data.due_working_days,
        direction=data.direction,
    )


class DocumentWorkflowController(Controller):
    path = "/documents/{document_id:str}"
    tags = ["workflows"]

    @get(
        "/workflow",
        summary="Where the document is in its workflow, and the transitions you may take now",
        problems=(404, 409),
    )
    async def get_workflow(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
    ) -> WorkflowOut:
        return await workflow_out(runtime, actor, document_id)

    @post(
        "/transitions",
        summary="Take a transition (with a comment, the fields it asks for, an assignment)",
        description="409 when someone moved the document first (with `current_step`), 422 when "
        "a comment or field is missing, the main file is not validly signed (signing), or a "
        "plugin refuses it (with its reason).",
        problems=(404, 409, 500),
        status_code=200,
    )
    async def take_transition(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        data: TransitionIn,
    ) -> WorkflowOut:
        # The document as the act left it: the actor may no longer read it afterwards (a presiding
        # person of another unit who declines), and answering 404 to a done act would mislead.
        updated = await engine.take_transition(
            runtime,
            actor,
            document_id,
            engine.TransitionRequest(
                name=data.name,
                revision=data.revision,
                comment=data.comment,
                fields=dict(data.fields),
                assignment=_assignment_request(data.assignment) if data.assignment else None,
            ),
        )
        return workflow_view(runtime, actor, updated)

    @put(
        "/assignment",
        summary="Reassign: change who presides or coordinates, the deadline or the direction",
        problems=(404, 409),
    )
    async def reassign(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        data: ReassignIn,
    ) -> WorkflowOut:
        updated = await engine.reassign(
            runtime, actor, document_id, _assignment_request(data), data.revision
        )
        return workflow_view(runtime, actor, updated)

    @get(
        "/timeline",
        summary="Every act on the document's workflow, oldest first",
        problems=(404, 409),
    )
    async def get_timeline(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
    ) -> TimelineOut:
        entries = await views.timeline(runtime, actor, document_id)
        return TimelineOut(items=[TimelineEntryOut(**vars(entry)) for entry in entries])

    @get(
        "/opinions", summary="The opinions asked on the document, and the answers", problems=(404,)
    )
    async def list_opinions(
        self, actor: NamedDependency[Principal], document_id: str
    ) -> OpinionsOut:
        found = await opinions.list_opinions(actor, document_id)
        return OpinionsOut(items=[OpinionOut.of(request, answer) for request, answer in found])

    @post(
        "/opinions",
        summary="Ask people or units for their opinion on the document",
        problems=(404, 409),
    )
    async def ask_opinions(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        data: OpinionsIn,
    ) -> OpinionsOut:
        asked = await opinions.ask_opinions(
            runtime,
            actor,
            document_id,
            parties=list(data.parties),
            question=data.question,
            due=data.due,
            due_working_days=data.due_working_days,
            revision=data.revision,
        )
        return OpinionsOut(items=[OpinionOut.of(request, None) for request in asked.requests])

    @post(
        "/opinions/{request_id:str}/answer",
        summary="Answer an opinion request made to you or your unit",
        problems=(404, 409),
    )
    async def answer_opinion(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        request_id: str,
        data: AnswerIn,
    ) -> OpinionOut:
        request, answer = await opinions.answer_opinion(
            runtime, actor, document_id, request_id, answer=data.answer, agrees=data.agrees
        )
        return OpinionOut.of(request, answer)


def _task_out(task: views.Task, today: date) -> TaskOut:
    return TaskOut(
        document=DocumentOut.of(task.document),
        reason=task.reason,
        due=task.due,
        overdue=task.due is not None and task.due < today,
        opinion_request=task.request.id if task.request else None,
        transitions=task.transitions,
    )


class TaskController(Controller):
    path = "/tasks"
    tags = ["workflows"]

    @get(
        "/",
        summary="My tasks: assigned to me, opinions asked of me, waiting for me, due soon, overdue",
    )
    async def my_tasks(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        limit: int = Parameter(default=50, ge=1, le=MAX_PAGE_SIZE, description="Per list"),
    ) -> TasksOut:
        tasks = await views.my_tasks(runtime, actor, limit=limit)
        today = tasks.today
        return TasksOut(
            today=today,
            assigned=[_task_out(t, today) for t in tasks.assigned],
            opinions=[_task_out(t, today) for t in tasks.opinions],
            to_act=[_task_out(t, today) for t in tasks.to_act],
            due_soon=[_task_out(t, today) for t in tasks.due_soon],
            overdue=[_task_out(t, today) for t in tasks.overdue],
        )


class OverdueController(Controller):
    path = "/units/{unit_code:str}/overdue"
    tags = ["workflows"]

    @get(
        "/",
        summary="The unit's work past its deadline (oldest first, with a cursor)",
        problems=(404,),
    )
    async def overdue_work(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        unit_code: str,
        subtree: Annotated[bool, QueryParameter(description="The units below it too")] = False,
        cursor: Annotated[
            str | None, QueryParameter(description="`next_cursor` of the previous page")
        ] = None,
        limit: int = Parameter(default=50, ge=1, le=MAX_PAGE_SIZE),
    ) -> OverduePage:
        today, documents, next_cursor = await views.overdue_work(
            runtime, actor, unit=unit_code, subtree=subtree, cursor=cursor, limit=limit
        )
        items = []
        for document in documents:
            status = document.workflow
            assert status is not None and status.due is not None
            definition = runtime.workflows.get(status.name)
            label = definition.states[status.step].label if definition else status.step
            items.append(
                OverdueItem(
                    document=DocumentOut.of(document),
                    step=status.step,
                    step_label=label,
                    due=status.due,
                    days_overdue=runtime.calendar.working_days_between(status.due, today),
                )
            )
        return OverduePage(today=today, items=items, next_cursor=next_cursor)


def _definition_out(runtime: Runtime, definition: Definition) -> DefinitionOut:
    dumped = definition.model_dump(mode="json", by_alias=True)
    return DefinitionOut(
        name=definition.name,
        label=definition.label,
        source=runtime.workflows.sources.get(definition.name, ""),
        directions=dumped["directions"],
        start=definition.start,
        states=dumped["states"],
        transitions=dumped["transitions"],
        numbering_outside_steps=definition.numbering_outside_steps,
    )


class WorkflowDefinitionController(Controller):
    path = "/workflows"
    tags = ["workflows"]

    @get("/", summary="Every workflow definition in force, and where it comes from")
    async def list_workflows(
        self, runtime: NamedDependency[Runtime], actor: NamedDependency[Principal]
    ) -> DefinitionList:
        return DefinitionList(
            items=[_definition_out(runtime, d) for d in runtime.workflows.definitions.values()]
        )

    @get("/{name:str}", summary="One workflow definition", problems=(404,))
    async def get_workflow_definition(
        self, runtime: NamedDependency[Runtime], actor: NamedDependency[Principal], name: str
    ) -> DefinitionOut:
        definition = runtime.workflows.get(name)
        if definition is None:
            raise NotFound(f"There is no workflow '{name}'; GET /api/v1/workflows lists them.")
        return _definition_out(runtime, definition)
