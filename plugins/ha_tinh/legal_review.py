"""Legal review of a unit's decisions before they are signed (thẩm định pháp lý).

A unit that turns this plugin on has its decisions (and any other types its settings name)
checked by its legal officer (cán bộ pháp chế) between the check of format and the signature:
the Decree 30 outgoing workflow with one more step. Its other documents, and every other unit,
keep the Decree 30 workflow. It also refuses to send an outgoing document that names no
recipient (Nơi nhận, D30 App. I).

Settings (config/units.toml, `[unit.plugins.ha_tinh_legal_review]`):
    types         document type codes reviewed before signing (default ["QD"])

The legal officer has 5 working days for a review (the `legal_review` state's deadline).
"""

from __future__ import annotations

from typing import Any

import pluggy

from core.workflows.defaults import decree30

hookimpl = pluggy.HookimplMarker("hoso")

PLUGIN_NAME = "ha_tinh_legal_review"
WORKFLOW = "ha_tinh_legal_review"
ROLE = "legal_officer"

SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "types": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[A-Z][A-Z0-9]{0,9}$"},
            "default": ["QD"],
            "description": "Document type codes reviewed by the legal officer before signing",
        },
    },
    "additionalProperties": False,
}


def legal_review_workflow() -> dict[str, Any]:
    """Decree 30's outgoing workflow with `legal_review` between format check and signing."""
    workflow = decree30("decree30_outgoing")
    workflow.update(
        name=WORKFLOW,
        label="Văn bản đi có thẩm định pháp lý trước khi ký",
        directions=["outgoing"],
        # The review is the point: the clerk may not number a decision outside the steps.
        numbering_outside_steps=False,
    )
    workflow["states"]["legal_review"] = {
        "label": "Thẩm định pháp lý",
        "deadline_working_days": 5,
        "editable": False,
    }
    for transition in workflow["transitions"]:
        if transition["name"] == "approve_format":
            transition["to"] = "legal_review"
            transition["label"] = "Duyệt thể thức, chuyển thẩm định pháp lý"
    workflow["transitions"] += [
        {
            "name": "approve_legal",
            "label": "Thẩm định đạt, trình ký",
            "from": ["legal_review"],
            "to": "signing",
            "roles": [ROLE],
            "required_fields": ["legal_opinion"],
        },
        {
            "name": "return_legal",
            "label": "Thẩm định không đạt, trả lại dự thảo",
            "from": ["legal_review"],
            "to": "draft",
            "roles": [ROLE],
            "comment": "required",
        },
    ]
    return workflow


@hookimpl
def hoso_settings_schema() -> dict[str, Any]:
    return SETTINGS_SCHEMA


@hookimpl
def hoso_roles() -> list[dict[str, Any]]:
    return [
        {
            "code": ROLE,
            "name": "Cán bộ pháp chế",
            "actions": ["documents.read", "documents.write", "types.read", "records.read"],
        }
    ]


@hookimpl
def hoso_workflows() -> list[dict[str, Any]]:
    return [legal_review_workflow()]


@hookimpl
def hoso_choose_workflow(unit: Any, document: dict[str, Any]) -> str | None:
    settings = unit.settings_for(PLUGIN_NAME)
    if document.get("direction") == "outgoing" and document.get("type_code") in settings["types"]:
        return WORKFLOW
    return None


@hookimpl
def hoso_before_transition(
    unit: Any, document: dict[str, Any], transition: dict[str, Any], actor: str
) -> str | None:
    if transition["name"] == "send" and not document.get("recipients"):
        return (
            "Văn bản chưa có nơi nhận: ghi Nơi nhận (recipients) trước khi phát hành "
            "(Nghị định 30/2020/NĐ-CP, Phụ lục I)."
        )
    return None
