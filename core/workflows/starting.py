"""A new document's workflow, and the deadlines of its steps in working days."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from core.errors import Conflict
from core.runtime import Runtime
from core.workflows.models import WorkflowAct, WorkflowStatus


def local_today(runtime: Runtime, moment: datetime | None = None) -> date:
    return (moment or runtime.clock()).astimezone(runtime.settings.zone).date()


def due_after(runtime: Runtime, working_days: int, moment: datetime | None = None) -> date:
    """The last day of a deadline of `working_days` working days from `moment` (today)."""
    return runtime.calendar.add_working_days(local_today(runtime, moment), working_days)


def start_status(
    runtime: Runtime, document_view: dict[str, Any], unit: Any, actor: str, now: datetime
) -> WorkflowStatus:
    """The workflow a new document follows, at its start (`hoso_choose_workflow`, config, D30)."""
    definition = runtime.workflows.choose(runtime.plugins, runtime.units, unit, document_view)
    start = definition.states[definition.start]
    return WorkflowStatus(
        name=definition.name,
        step=definition.start,
        since=now,
        due=(
            due_after(runtime, start.deadline_working_days, now)
            if start.deadline_working_days is not None
            else None
        ),
        last=WorkflowAct(revision=1, kind="start", to_step=definition.start, actor=actor, at=now),
    )


def check_editable(runtime: Runtime, document: Any, what: str) -> None:
    """Refuse a change of the document's content at a step its workflow locks (`editable =
    false`: what the checkers approved and the signer signs must stay as it was approved)."""
    status = getattr(document, "workflow", None)
    if status is None:
        return
    definition = runtime.workflows.get(status.name)
    state = definition.states.get(status.step) if definition else None
    if state is None or state.editable:
        return
    raise Conflict(
        f"The document is at step '{status.step}' ({state.label}): its {what} cannot change "
        "there. Send it back to drafting first (a transition such as return_draft).",
        current_step=status.step,
    )
