"""A plugin for the tests of the workflow hooks: records every event, refuses on request."""

from __future__ import annotations

from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("hoso")

EVENTS: list[dict[str, Any]] = []


@hookimpl
def hoso_before_transition(
    unit: Any, document: dict[str, Any], transition: dict[str, Any], actor: str
) -> str | None:
    if transition["comment"] and "từ chối" in transition["comment"]:
        return f"Plugin thử từ chối '{transition['name']}' của {actor}."
    return None


@hookimpl
def hoso_after_transition(
    unit: Any, document: dict[str, Any], transition: dict[str, Any], actor: str
) -> None:
    if transition["comment"] == "hỏng":
        raise RuntimeError("the notification service is down")
    EVENTS.append(
        {
            "unit": unit.code,
            "document": document["id"],
            "step": document["workflow"]["step"],
            "transition": transition["name"],
            "revision": transition["revision"],
            "actor": actor,
        }
    )
