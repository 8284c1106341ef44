"""`/api/v1/audit`: a unit's history of changes, and the check that its chain is intact."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter, QueryParameter
from pydantic import BaseModel, Field

from core.audit.models import PROVINCE_CHAIN, AuditEvent
from core.audit.service import MAX_PAGE, list_events
from core.audit.verify import verify_chains
from core.errors import InvalidInput, NotFound
from core.identity.policy import Principal
from core.identity.roles import Action
from core.runtime import Runtime


class AuditEventOut(BaseModel):
    chain: str = Field(description="The unit's code, or _province for sign-ins, accounts, tokens")
    seq: int
    at: datetime
    action: str
    actor: str | None
    actor_kind: str
    target_kind: str
    target_id: str | None
    source: str | None = Field(description="Where the request came from")
    before: str | None = Field(description="SHA-256 of the target before the change")
    after: str | None = Field(description="SHA-256 of the target after the change")
    detail: dict[str, Any] | None
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        return cls.model_validate(event.model_dump(exclude={"id", "format", "revision_id"}))


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end")


class BrokenLinkOut(BaseModel):
    seq: int | None
    kind: str = Field(description="edited, misplaced, relinked, deleted, truncated or stray")
    detail: str


class ChainReportOut(BaseModel):
    chain: str
    intact: bool
    events: int
    checked: int
    head_seq: int = Field(description="Record it with head_hash elsewhere to detect a rewrite")
    head_hash: str | None
    broken: BrokenLinkOut | None


# A moment with its time zone, as ISO 8601 writes it: 2026-11-30T08:00:00+07:00, …Z.
MOMENT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"


def _moment(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"{field} is not a moment: write it like 2026-11-30T08:00:00+07:00.",
            errors=[{"field": field, "message": "not an ISO 8601 date and time with its zone"}],
        ) from None


def _chain_for(runtime: Runtime, actor: Principal, unit: str | None, action: str) -> str | None:
    """The chain the caller asks for, if it may read it; None for every chain (only for those
    who hold `action` everywhere)."""
    if unit is None or unit == PROVINCE_CHAIN:
        if not actor.sees_every_unit(action):
            raise InvalidInput(
                "Name the unit whose history you want (unit=…): only province administrators "
                "read every chain, and the province's own (_province).",
                errors=[{"field": "unit", "message": "required for your roles"}],
            )
        return unit
    if runtime.units.get(unit) is None:
        raise NotFound(f"There is no unit {unit!r}; see GET /api/v1/units.")
    actor.require(action, unit, what=f"unit {unit!r} you can see")
    return unit


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]

    @get(
        "/events",
        summary="A unit's history of changes, newest first, with filters",
        problems=(403, 404),
    )
    async def list_audit_events(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        unit: Annotated[
            str | None,
            QueryParameter(
                max_length=20,
                description="Unit code, or _province; left out: every chain "
                "(province administrators)",
            ),
        ] = None,
        document: Annotated[
            str | None,
            QueryParameter(max_length=100, description="Events about this document (its id)"),
        ] = None,
        user: Annotated[
            str | None, QueryParameter(max_length=80, description="Events made by this user")
        ] = None,
        since: Annotated[
            str | None,
            QueryParameter(
                pattern=MOMENT, description="At or after this moment (ISO 8601 with its zone)"
            ),
        ] = None,
        until: Annotated[
            str | None,
            QueryParameter(pattern=MOMENT, description="Before this moment (ISO 8601, zone)"),
        ] = None,
        oldest_first: bool = False,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: int = Parameter(default=50, ge=1, le=MAX_PAGE),
    ) -> AuditPage:
        chain = _chain_for(runtime, actor, unit, Action.READ_AUDIT)
        events, next_cursor = await list_events(
            chain=chain,
            target_id=document,
            actor=user,
            since=_moment(since, "since"),
            until=_moment(until, "until"),
            cursor=cursor,
            limit=limit,
            oldest_first=oldest_first,
        )
        return AuditPage(items=[AuditEventOut.of(e) for e in events], next_cursor=next_cursor)

    @get(
        "/verify",
        summary="Walk the history chains and report the first broken link of each",
        problems=(403, 404),
    )
    async def verify_audit_chains(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        unit: Annotated[
            str | None, QueryParameter(max_length=20, description="One unit's chain only")
        ] = None,
    ) -> list[ChainReportOut]:
        chain = _chain_for(runtime, actor, unit, Action.VERIFY_AUDIT)
        reports = await verify_chains(chain=chain)
        return [
            ChainReportOut(
                chain=report.chain,
                intact=report.intact,
                events=report.events,
                checked=report.checked,
                head_seq=report.head_seq,
                head_hash=report.head_hash,
                broken=BrokenLinkOut(
                    seq=report.broken.seq,
                    kind=str(report.broken.kind),
                    detail=report.broken.detail,
                )
                if report.broken
                else None,
            )
            for report in reports
        ]
