"""Asking people and units for their opinion on a document, and their answers (D30 Art. 10-11).

Asking is an act on the document (one revision: it names who was asked, who may then read it);
each request is then stored beside it. An answer is inserted under its request's own `_id`, so a
request is answered once even when two people of the asked unit answer at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pymongo.errors import DuplicateKeyError

from core.audit.models import AuditAction
from core.audit.recording import audit
from core.documents.models import StoredDocument
from core.documents.service import get_document
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.identity.policy import Principal
from core.identity.roles import Action
from core.runtime import Runtime
from core.workflows.engine import _due_of, _save, acts_as, check_parties, workflow_of
from core.workflows.models import (
    OpinionAnswer,
    OpinionRequest,
    PartyRef,
    WorkflowAct,
    opinion_key,
)

MAX_ASKED = 50


@dataclass(frozen=True)
class OpinionsAsked:
    document: StoredDocument
    requests: list[OpinionRequest]


def may_ask(actor: Principal, document: StoredDocument) -> bool:
    """Those who draft in the document's unit, and those handling it, consult others."""
    if actor.may(Action.WRITE_DOCUMENTS, document.unit):
        return True
    assignment = document.assignment
    return assignment is not None and any(
        acts_as(actor, party) for party in [assignment.presiding, *assignment.coordinators]
    )


async def ask_opinions(
    runtime: Runtime,
    actor: Principal,
    document_id: str,
    *,
    parties: list[PartyRef],
    question: str,
    due: date | None,
    due_working_days: int | None,
    revision: int | None,
) -> OpinionsAsked:
    document = await get_document(actor, document_id)
    definition, status = workflow_of(runtime, document)
    if not may_ask(actor, document):
        raise PermissionDenied(
            f"Opinions on a document of unit {document.unit} are asked by those who draft "
            "there (specialist, leader, clerk) or who handle it; your account is neither.",
        )
    if document.access_mode == "restricted" and not (
        actor.name == document.created_by or actor.may(Action.READ_RESTRICTED, document.unit)
    ):
        raise PermissionDenied(
            "The document is restricted: only the person who made it and its unit's leaders "
            "ask others for an opinion on it, since being asked lets them read it.",
        )
    if status.final:
        raise Conflict(
            f"The document's workflow has ended (step '{status.step}'); no opinion can be "
            "asked on it any more.",
            current_step=status.step,
            current_revision=document.revision,
        )
    if not 0 < len(parties) <= MAX_ASKED:
        raise InvalidInput(
            f"Ask between 1 and {MAX_ASKED} people or units at a time.",
            errors=[{"field": "parties", "message": "1 to 50 entries"}],
        )
    keys = [party.key for party in parties]
    if len(set(keys)) != len(keys):
        raise InvalidInput(
            "A person or unit is asked twice.",
            errors=[{"field": "parties", "message": "duplicate party"}],
        )
    await check_parties(parties, runtime, "parties")
    if revision is not None and revision != document.revision:
        from core.documents.revisions import stale_revision

        raise stale_revision(revision, document.revision)
    now = runtime.clock()
    due_on = _due_of(runtime, due, due_working_days, now, "opinions")
    consulted = list(dict.fromkeys([*document.consulted, *keys]))
    changes: dict[str, Any] = {
        "consulted": consulted,
        "workflow": status.model_copy(
            update={
                "last": WorkflowAct(
                    revision=document.revision + 1,
                    kind="opinions_asked",
                    from_step=status.step,
                    to_step=status.step,
                    actor=actor.name,
                    at=now,
                    comment=question,
                    asked=keys,
                )
            }
        ),
    }
    updated = await _save(runtime, document, changes)
    requests = [
        OpinionRequest(
            id=opinion_key(document.id, updated.revision, key),
            document_id=document.id,
            unit=document.unit,
            party=key,
            question=question,
            asked_by=actor.name,
            asked_at=now,
            due=due_on,
        )
        for key in keys
    ]
    # The revision above is this asker's alone: nobody else inserts these keys.
    await OpinionRequest.insert_many(requests)
    await audit(
        runtime,
        actor,
        AuditAction.WORKFLOW_OPINIONS_ASK,
        unit=document.unit,
        target_kind="document",
        target_id=str(document.id),
        detail={
            "workflow": definition.name,
            "revision": updated.revision,
            "asked": keys,
            "question": question,
            "due": due_on.isoformat() if due_on else None,
        },
    )
    return OpinionsAsked(updated, requests)


async def list_opinions(
    actor: Principal, document_id: str
) -> list[tuple[OpinionRequest, OpinionAnswer | None]]:
    document = await get_document(actor, document_id)
    prefix = f"{document.id}|"
    requests = await OpinionRequest.find({"_id": {"$gte": prefix, "$lt": prefix + "~"}}).to_list()
    answers = {
        answer.id: answer
        for answer in await OpinionAnswer.find(
            {"_id": {"$gte": prefix, "$lt": prefix + "~"}}
        ).to_list()
    }
    requests.sort(key=lambda request: request.id)
    return [(request, answers.get(request.id)) for request in requests]


async def answer_opinion(
    runtime: Runtime,
    actor: Principal,
    document_id: str,
    request_id: str,
    *,
    answer: str,
    agrees: bool | None,
) -> tuple[OpinionRequest, OpinionAnswer]:
    document = await get_document(actor, document_id)
    request = await OpinionRequest.get(request_id)
    if request is None or request.document_id != document.id:
        raise NotFound(f"The document has no opinion request {request_id!r}.")
    party = _party_of(request.party)
    if not acts_as(actor, party):
        raise PermissionDenied(
            f"This request asks {request.party.split(':', 1)[1]} for an opinion; only "
            + ("that person" if party.user else "people working in that unit")
            + " may answer it.",
        )
    existing = await OpinionAnswer.get(request.id)
    if existing is not None:
        raise _answered(existing)
    recorded = OpinionAnswer(
        id=request.id,
        document_id=document.id,
        party=request.party,
        answer=answer,
        agrees=agrees,
        answered_by=actor.name,
        answered_at=runtime.clock(),
    )
    try:
        await recorded.insert()
    except DuplicateKeyError:
        raced = await OpinionAnswer.get(request.id)
        raise _answered(raced) from None
    request.answered = True
    # By `_id` alone: the answer's insert made this the only writer of the flag.
    await OpinionRequest.get_motor_collection().update_one(
        {"_id": request.id}, {"$set": {"answered": True}}
    )
    await audit(
        runtime,
        actor,
        AuditAction.WORKFLOW_OPINION,
        unit=document.unit,
        target_kind="document",
        target_id=str(document.id),
        detail={
            "request": request.id,
            "party": request.party,
            "agrees": agrees,
            "answer": answer,
        },
    )
    return request, recorded


def _party_of(key: str) -> PartyRef:
    kind, _, name = key.partition(":")
    return PartyRef(user=name) if kind == "user" else PartyRef(unit=name)


def _answered(answer: OpinionAnswer | None) -> Conflict:
    if answer is None:
        return Conflict("The request was answered meanwhile; read the opinions again.")
    return Conflict(
        f"This request was already answered by {answer.answered_by} at "
        f"{answer.answered_at.isoformat()}.",
        answered_by=answer.answered_by,
    )
