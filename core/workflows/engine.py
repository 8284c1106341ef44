"""Moving documents through their workflows: who may take which transition, and what it does.

Every act (a transition, an assignment, asking for opinions) is one revision of the document,
claimed by insert (`core.documents.revisions`): of two people acting on the same revision, one
wins and the other gets 409 with the step the document is now at, on every engine. The act is
stored in the document's `workflow.last`, so the revisions are the timeline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from core.audit.models import AuditAction
from core.audit.recording import audit
from core.documents.models import Direction, DocumentState, RevisionChange, StoredDocument
from core.documents.revisions import as_claimed, stale_revision
from core.documents.schemas import DocumentOut
from core.documents.service import get_document, save_changes
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.identity.models import User
from core.identity.policy import Principal
from core.plugins import PluginError, call_in_registration_order
from core.runtime import Runtime
from core.workflows.definitions import Definition, Effect, Party, Transition
from core.workflows.models import Assignment, PartyRef, WorkflowAct, WorkflowStatus
from core.workflows.starting import due_after, local_today

logger = logging.getLogger("hoso")

MAX_YEARS_AHEAD = 10  # a deadline further away is a typing slip


# --- the workflow of a document -------------------------------------------------------------


def workflow_of(runtime: Runtime, document: StoredDocument) -> tuple[Definition, WorkflowStatus]:
    """The document's workflow and where it is in it. A document made before workflows existed
    starts one now (stored with its next act): at the start while a draft, else just past its
    numbering."""
    status = document.workflow
    if status is not None:
        definition = runtime.workflows.get(status.name)
        if definition is None or status.step not in definition.states:
            raise Conflict(
                f"The document follows the workflow '{status.name}' at step '{status.step}', "
                "which the service's configuration no longer defines. Restore that workflow in "
                "config/workflows/ (or the plugin that gave it) to move the document on.",
                workflow=status.name,
                current_step=status.step,
            )
        return definition, status
    unit = runtime.units.get(document.unit)
    if unit is None:
        raise Conflict(f"The document's unit {document.unit} is no longer in the units tree.")
    definition = runtime.workflows.choose(runtime.plugins, runtime.units, unit, _view(document))
    step = definition.start
    effect = {DocumentState.ISSUED: Effect.ISSUE, DocumentState.REGISTERED: Effect.REGISTER}.get(
        document.state
    )
    numbering = definition.effect_transition(effect) if effect else None
    if numbering is not None:
        step = numbering.to
    return definition, WorkflowStatus(
        name=definition.name,
        step=step,
        since=document.updated_at,
        final=definition.states[step].final,
    )


# --- who may act ----------------------------------------------------------------------------


def acts_as(actor: Principal, party: PartyRef) -> bool:
    """Whether `actor` is this person, or works in this unit."""
    if party.user is not None:
        return party.user == actor.name
    return party.unit in actor.member_units


def may_take(actor: Principal, document: StoredDocument, transition: Transition) -> bool:
    if any(actor.holds_role(role, document.unit) for role in transition.roles):
        return True
    assignment = document.assignment
    for party in transition.parties:
        if party is Party.AUTHOR and document.created_by == actor.name:
            return True
        if party is Party.PRESIDING and assignment and acts_as(actor, assignment.presiding):
            return True
        if (
            party is Party.COORDINATOR
            and assignment
            and any(acts_as(actor, coordinator) for coordinator in assignment.coordinators)
        ):
            return True
    return False


def who_may(transition: Transition) -> str:
    names = [*transition.roles, *(f"the {party.value}" for party in transition.parties)]
    return " or ".join(names)


def transitions_for(
    runtime: Runtime, actor: Principal, document: StoredDocument
) -> tuple[Definition, WorkflowStatus, list[Transition]]:
    definition, status = workflow_of(runtime, document)
    available = [
        transition
        for transition in definition.transitions_from(status.step)
        if may_take(actor, document, transition)
    ]
    return definition, status, available


# --- taking a transition --------------------------------------------------------------------


@dataclass(frozen=True)
class TransitionRequest:
    name: str
    revision: int | None = None
    comment: str | None = None
    fields: dict[str, str] | None = None
    assignment: AssignmentRequest | None = None


@dataclass(frozen=True)
class AssignmentRequest:
    presiding: PartyRef
    coordinators: list[PartyRef]
    due: date | None = None
    due_working_days: int | None = None
    direction: str | None = None


async def take_transition(
    runtime: Runtime, actor: Principal, document_id: str, request: TransitionRequest
) -> StoredDocument:
    document = await get_document(actor, document_id)
    definition, status = workflow_of(runtime, document)
    transition = definition.transition(request.name)
    if transition is None:
        names = ", ".join(t.name for t in definition.transitions_from(status.step)) or "none"
        raise InvalidInput(
            f"The workflow '{definition.name}' has no transition '{request.name}'; from step "
            f"'{status.step}' there are: {names}.",
            errors=[{"field": "name", "message": "unknown transition"}],
        )
    _check_at(definition, status, document, transition, request.revision)
    if not may_take(actor, document, transition):
        raise PermissionDenied(
            f"'{transition.label}' ({transition.name}) is taken by {who_may(transition)} of "
            f"unit {document.unit}; your account is neither.",
            transition=transition.name,
        )
    comment = _check_comment(transition, request.comment)
    fields = _check_fields(transition, request.fields or {})
    now = runtime.clock()
    assignment = None
    if transition.effect is Effect.ASSIGN:
        if request.assignment is None:
            raise InvalidInput(
                f"'{transition.label}' names who presides: give `assignment` with `presiding` "
                "(a user or a unit), and optionally `coordinators`, `due` or "
                "`due_working_days`, and `direction`.",
                errors=[{"field": "assignment", "message": "required"}],
            )
        assignment = await make_assignment(runtime, actor, document, request.assignment, now)
    elif request.assignment is not None:
        raise InvalidInput(
            f"'{transition.label}' does not assign anyone; leave `assignment` out.",
            errors=[{"field": "assignment", "message": "not taken by this transition"}],
        )
    if transition.effect is Effect.SIGNATURE or (
        # What is issued must still be what was signed: a new main file since is refused.
        transition.effect is Effect.ISSUE and definition.effect_transition(Effect.SIGNATURE)
    ):
        await _check_signed(runtime, document, transition.effect)
    described = _described(transition, status.step, comment, fields)
    await _ask_guards(runtime, document, described, actor)

    target = definition.states[transition.to]
    if target.final and transition.effect is None:
        await _check_no_number_held(document, transition)
    changes = _changes_for(
        runtime, document, definition, status, transition, now, actor, comment, fields, assignment
    )
    if transition.effect in (Effect.ISSUE, Effect.REGISTER):
        updated = await _number(runtime, actor, document, transition, status, changes)
    else:
        updated = await _save(runtime, document, changes)
    await audit(
        runtime,
        actor,
        AuditAction.WORKFLOW_ASSIGN if assignment else AuditAction.WORKFLOW_TRANSITION,
        unit=document.unit,
        target_kind="document",
        target_id=str(document.id),
        detail={
            "workflow": definition.name,
            "transition": transition.name,
            "from": status.step,
            "to": transition.to,
            "revision": updated.revision,
            "comment": comment,
            "fields": fields or None,
            "assignment": assignment.model_dump(mode="json") if assignment else None,
        },
    )
    await after_act(runtime, actor, updated, {**described, "revision": updated.revision})
    return updated


async def _check_no_number_held(document: StoredDocument, transition: Transition) -> None:
    """A draft that holds a number (a numbering that could not finish) is numbered, not ended:
    ending it would strand the number, which can then be neither written nor released."""
    from core.numbering.service import entry_of_document

    if document.state is not DocumentState.DRAFT:
        return
    held = await entry_of_document(document.id)
    if held is not None and held.void_reason is None:
        raise Conflict(
            f"The draft holds number {held.number} of register '{held.register_code}' "
            f"({held.year}); number it (issue or register it again) before '{transition.label}'.",
            current_step=document.workflow.step if document.workflow else None,
            current_revision=document.revision,
        )


def _check_at(
    definition: Definition,
    status: WorkflowStatus,
    document: StoredDocument,
    transition: Transition,
    revision: int | None,
) -> None:
    if revision is not None and revision != document.revision:
        raise stale_revision(revision, document.revision)
    if status.step not in transition.from_states:
        state = definition.states[status.step]
        raise Conflict(
            f"The document is at step '{status.step}' ({state.label}); '{transition.name}' is "
            f"taken from {', '.join(transition.from_states)}.",
            current_step=status.step,
            current_revision=document.revision,
        )


def _check_comment(transition: Transition, comment: str | None) -> str | None:
    text = (comment or "").strip() or None
    if transition.comment == "required" and text is None:
        raise InvalidInput(
            f"'{transition.label}' needs a comment saying why.",
            errors=[{"field": "comment", "message": "required by this transition"}],
        )
    return text


def _check_fields(transition: Transition, given: dict[str, str]) -> dict[str, str]:
    fields = {name: value.strip() for name, value in given.items() if value and value.strip()}
    missing = [name for name in transition.required_fields if name not in fields]
    if missing:
        raise InvalidInput(
            f"'{transition.label}' needs {', '.join(missing)} filled in.",
            errors=[{"field": f"fields.{name}", "message": "required"} for name in missing],
        )
    return fields


async def _check_signed(runtime: Runtime, document: StoredDocument, effect: Effect) -> None:
    from core.signatures.service import main_file_signature

    report = await main_file_signature(runtime, document)
    if not report.acceptable:
        doing = "approved as signed" if effect is Effect.SIGNATURE else "issued (signed file)"
        raise InvalidInput(
            f"The main file cannot be {doing}: {report.reason}",
            errors=[{"field": "main file", "message": report.reason or report.status}],
            signature_status=report.status,
        )


def _described(
    transition: Transition, step: str, comment: str | None, fields: dict[str, str]
) -> dict[str, Any]:
    return {
        "name": transition.name,
        "label": transition.label,
        "from": step,
        "to": transition.to,
        "effect": transition.effect.value if transition.effect else None,
        "comment": comment,
        "fields": dict(fields),
    }


async def _ask_guards(
    runtime: Runtime, document: StoredDocument, described: dict[str, Any], actor: Principal
) -> None:
    unit = runtime.units.get(document.unit)
    if unit is None:
        raise Conflict(f"The document's unit {document.unit} is no longer in the units tree.")
    answers = call_in_registration_order(
        runtime.plugins.for_unit(unit).hoso_before_transition,
        unit=unit,
        document=_view(document),
        transition=dict(described),
        actor=actor.name,
    )
    for plugin, reason in answers:
        if reason is not None:
            raise InvalidInput(
                str(reason),
                errors=[{"field": "name", "message": f"refused by plugin {plugin}"}],
                refused_by=plugin,
            )


async def after_act(
    runtime: Runtime, actor: Principal, document: StoredDocument, described: dict[str, Any]
) -> None:
    """Tell the unit's plugins; a failing one is logged and recorded, the act stays done."""
    unit = runtime.units.get(document.unit)
    if unit is None:
        return
    try:
        call_in_registration_order(
            runtime.plugins.for_unit(unit).hoso_after_transition,
            unit=unit,
            document=_view(document),
            transition=described,
            actor=actor.name,
        )
    except PluginError as exc:
        await audit(
            runtime,
            actor,
            AuditAction.WORKFLOW_HOOK_FAILED,
            unit=document.unit,
            target_kind="document",
            target_id=str(document.id),
            detail={"transition": described.get("name"), "error": exc.detail},
        )


def _changes_for(
    runtime: Runtime,
    document: StoredDocument,
    definition: Definition,
    status: WorkflowStatus,
    transition: Transition,
    now: datetime,
    actor: Principal,
    comment: str | None,
    fields: dict[str, str],
    assignment: Assignment | None,
) -> dict[str, Any]:
    target = definition.states[transition.to]
    changes: dict[str, Any] = {}
    due: date | None = None
    if target.deadline_working_days is not None:
        due = due_after(runtime, target.deadline_working_days, now)
    if assignment is not None:
        changes["assignment"] = assignment
        changes["participants"] = assignment.parties()
        due = assignment.due if target.deadline_working_days is None else due
    elif _before_assignment(definition, transition.to) and document.assignment is not None:
        # Back to where a leader assigns it: the old assignment no longer holds.
        changes["assignment"] = None
        changes["participants"] = []
    elif transition.to == status.step:
        due = status.due
    elif document.assignment is not None and target.deadline_working_days is None:
        due = document.assignment.due  # still being handled under the leader's deadline
    changes["workflow"] = WorkflowStatus(
        name=definition.name,
        step=transition.to,
        since=now,
        due=None if target.final else due,
        final=target.final,
        last=WorkflowAct(
            revision=document.revision + 1,
            kind="assign" if assignment else "transition",
            transition=transition.name,
            from_step=status.step,
            to_step=transition.to,
            actor=actor.name,
            at=now,
            comment=comment,
            fields=fields,
            assignment=assignment,
        ),
    )
    return changes


def _before_assignment(definition: Definition, state: str) -> bool:
    assign = definition.effect_transition(Effect.ASSIGN)
    return assign is not None and state in assign.from_states


async def _save(
    runtime: Runtime, document: StoredDocument, changes: dict[str, Any]
) -> StoredDocument:
    try:
        return await save_changes(
            runtime,
            document,
            changes,
            change=RevisionChange.WORKFLOW,
            actor=changes["workflow"].last.actor,
        )
    except Conflict:
        raise await moved_on(document) from None


async def moved_on(document: StoredDocument) -> Conflict:
    """The 409 for someone who lost a race: where the document is now, and who moved it."""
    current = await StoredDocument.get(document.id)
    if current is None:
        raise NotFound(f"There is no document with id {document.id}: it was deleted meanwhile.")
    current = await as_claimed(current)
    status = current.workflow
    if status is None:
        return stale_revision(document.revision, current.revision)
    last = status.last
    by = f" by {last.actor}" if last and last.actor else ""
    return Conflict(
        f"Someone acted on the document first{by}: it is now at step '{status.step}' "
        f"(revision {current.revision}). Read it again and decide on what is there now.",
        current_step=status.step,
        current_revision=current.revision,
    )


async def _number(
    runtime: Runtime,
    actor: Principal,
    document: StoredDocument,
    transition: Transition,
    status: WorkflowStatus,
    changes: dict[str, Any],
) -> StoredDocument:
    """Issue or register through the existing numbering, moving the step in the same write."""
    from core.documents.issuing import StepMoved, issue_document, register_incoming

    produced: dict[int, WorkflowAct] = {}  # revision → the act this call would write there

    def also(current: StoredDocument) -> dict[str, Any]:
        now_status = current.workflow
        if now_status is not None and now_status.step != status.step:
            raise StepMoved(
                f"Someone acted on the document first: it is now at step '{now_status.step}'.",
                current_step=now_status.step,
                current_revision=current.revision,
            )
        act = changes["workflow"].last.model_copy(update={"revision": current.revision + 1})
        produced[act.revision] = act
        return {**changes, "workflow": changes["workflow"].model_copy(update={"last": act})}

    number = register_incoming if transition.effect is Effect.REGISTER else issue_document
    updated = await number(runtime, actor, str(document.id), None, also=also)
    # The numbering answers a call that finds the document numbered by a concurrent one with
    # that document (a second click on "issue" gets the same number): for a transition, that
    # is someone else's act, and this one lost.
    mine = produced.get(updated.revision)
    last = updated.workflow.last if updated.workflow else None
    if mine is None or last is None or last.model_dump() != mine.model_dump():
        raise await moved_on(document)
    return updated


def numbered_outside_steps(
    runtime: Runtime, actor: Principal, current: StoredDocument
) -> dict[str, Any]:
    """The workflow change when a clerk numbers a document directly (POST …/issue, …/register):
    allowed where the workflow says so (documents signed on paper, D30 Art. 15), or from the
    step the numbering transition leaves; the document moves to where that transition leads."""
    definition, status = workflow_of(runtime, current)
    effect = Effect.REGISTER if current.direction is Direction.INCOMING else Effect.ISSUE
    if status.final:
        raise Conflict(
            f"The document's workflow has ended at step '{status.step}' "
            f"({definition.states[status.step].label}); it is not numbered any more.",
            current_step=status.step,
            current_revision=current.revision,
        )
    numbering = definition.effect_transition(effect)
    if numbering is None:
        return {}  # a workflow without numbering leaves the step as it is
    at_its_step = status.step in numbering.from_states
    if not at_its_step and not definition.numbering_outside_steps:
        raise Conflict(
            f"The workflow '{definition.name}' numbers documents at step "
            f"'{', '.join(numbering.from_states)}' through the transition '{numbering.name}'; "
            f"this one is at '{status.step}'.",
            current_step=status.step,
            current_revision=current.revision,
        )
    now = runtime.clock()
    target = definition.states[numbering.to]
    return {
        "workflow": WorkflowStatus(
            name=definition.name,
            step=numbering.to,
            since=now,
            due=(
                due_after(runtime, target.deadline_working_days, now)
                if target.deadline_working_days is not None and not target.final
                else None
            ),
            final=target.final,
            last=WorkflowAct(
                revision=current.revision + 1,
                kind="transition" if at_its_step else "numbered",
                transition=numbering.name,
                from_step=status.step,
                to_step=numbering.to,
                actor=actor.name,
                at=now,
            ),
        )
    }


# --- assignments ----------------------------------------------------------------------------


async def make_assignment(
    runtime: Runtime,
    actor: Principal,
    document: StoredDocument,
    request: AssignmentRequest,
    now: datetime,
) -> Assignment:
    await check_parties([request.presiding, *request.coordinators], runtime, "assignment")
    keys = [party.key for party in [request.presiding, *request.coordinators]]
    if len(set(keys)) != len(keys):
        raise InvalidInput(
            "A person or unit appears twice in the assignment (presiding and coordinating).",
            errors=[{"field": "assignment.coordinators", "message": "duplicate party"}],
        )
    return Assignment(
        presiding=request.presiding,
        coordinators=list(request.coordinators),
        due=_due_of(runtime, request.due, request.due_working_days, now, "assignment"),
        direction=request.direction,
        by=actor.name,
        at=now,
    )


def _due_of(
    runtime: Runtime, due: date | None, working_days: int | None, now: datetime, field: str
) -> date | None:
    if due is not None and working_days is not None:
        raise InvalidInput(
            "Give the deadline either as a date (`due`) or in working days "
            "(`due_working_days`), not both.",
            errors=[{"field": f"{field}.due", "message": "both given"}],
        )
    if working_days is not None:
        return due_after(runtime, working_days, now)
    today = local_today(runtime, now)
    if due is not None and due < today:
        raise InvalidInput(
            f"The deadline {due.isoformat()} has already passed.",
            errors=[{"field": f"{field}.due", "message": "in the past"}],
        )
    if due is not None and due.year > today.year + MAX_YEARS_AHEAD:
        raise InvalidInput(
            f"The deadline {due.isoformat()} is more than {MAX_YEARS_AHEAD} years away.",
            errors=[{"field": f"{field}.due", "message": "too far ahead"}],
        )
    return due


async def check_parties(parties: list[PartyRef], runtime: Runtime, field: str) -> None:
    for party in parties:
        if party.unit is not None and runtime.units.get(party.unit) is None:
            raise InvalidInput(
                f"There is no unit {party.unit} in the units tree.",
                errors=[{"field": field, "message": f"unknown unit {party.unit}"}],
            )
        if party.user is not None:
            user = await User.get(party.user)
            if user is None or user.disabled:
                raise InvalidInput(
                    f"There is no active account '{party.user}'.",
                    errors=[{"field": field, "message": f"unknown user {party.user}"}],
                )


async def reassign(
    runtime: Runtime,
    actor: Principal,
    document_id: str,
    request: AssignmentRequest,
    revision: int | None,
) -> StoredDocument:
    """A leader changes who presides or coordinates, or the deadline, while it is handled."""
    document = await get_document(actor, document_id)
    definition, status = workflow_of(runtime, document)
    assign = definition.effect_transition(Effect.ASSIGN)
    if assign is None:
        raise Conflict(f"The workflow '{definition.name}' assigns no one.")
    if document.assignment is None or status.final:
        raise Conflict(
            f"The document is at step '{status.step}' with no assignment under way; assign it "
            f"with the transition '{assign.name}'.",
            current_step=status.step,
            current_revision=document.revision,
        )
    if revision is not None and revision != document.revision:
        raise stale_revision(revision, document.revision)
    if not any(actor.holds_role(role, document.unit) for role in assign.roles):
        raise PermissionDenied(
            f"Reassigning is for those who assign ({' or '.join(assign.roles)}) in unit "
            f"{document.unit}; your account is neither.",
        )
    now = runtime.clock()
    assignment = await make_assignment(runtime, actor, document, request, now)
    state = definition.states[status.step]
    changes = {
        "assignment": assignment,
        "participants": assignment.parties(),
        "workflow": status.model_copy(
            update={
                "due": status.due if state.deadline_working_days is not None else assignment.due,
                "last": WorkflowAct(
                    revision=document.revision + 1,
                    kind="reassign",
                    from_step=status.step,
                    to_step=status.step,
                    actor=actor.name,
                    at=now,
                    assignment=assignment,
                ),
            }
        ),
    }
    updated = await _save(runtime, document, changes)
    await audit(
        runtime,
        actor,
        AuditAction.WORKFLOW_REASSIGN,
        unit=document.unit,
        target_kind="document",
        target_id=str(document.id),
        detail={
            "revision": updated.revision,
            "before": document.assignment.model_dump(mode="json"),
            "assignment": assignment.model_dump(mode="json"),
        },
    )
    return updated


def _view(document: StoredDocument) -> dict[str, Any]:
    return DocumentOut.of(document).model_dump(mode="json")
