"""What every service calls after a change: one event on the history of the unit it touched.

The change is done when this is called; if the event cannot be written (the database failed in
between), the error is logged loudly and the answer still says what was done — the change is not
undone, and the gap is visible to `hoso audit verify` only as a missing event, which is why it is
logged with everything the event would have held.
"""

from __future__ import annotations

import logging
from typing import Any

from core.audit.models import PROVINCE_CHAIN
from core.audit.service import record_event
from core.identity.policy import Principal
from core.runtime import Runtime

logger = logging.getLogger("hoso")


async def audit(
    runtime: Runtime,
    actor: Principal | None,
    action: str,
    *,
    unit: str | None,
    target_kind: str,
    target_id: str | None,
    before: Any = None,
    after: Any = None,
    detail: dict[str, Any] | None = None,
    who: str | None = None,
) -> None:
    """Record `action` by `actor` (or, before anyone is signed in, by `who`) on `unit`'s chain
    (the province's when the change is about no one unit)."""
    try:
        await record_event(
            runtime,
            chain=unit or PROVINCE_CHAIN,
            action=action,
            actor=actor.name if actor else who,
            actor_kind=actor.kind if actor else "person",
            target_kind=target_kind,
            target_id=target_id,
            source=actor.source if actor else (detail or {}).get("source"),
            before=before,
            after=after,
            detail=detail,
        )
    except Exception:
        logger.exception(
            "AUDIT EVENT NOT WRITTEN: %s by %s on %s %s (unit %s)",
            action,
            actor.name if actor else who,
            target_kind,
            target_id,
            unit,
        )
