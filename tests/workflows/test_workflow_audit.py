"""Every act on a workflow is in the unit's history of changes, under its own action name."""

from __future__ import annotations

from typing import Any

from tests.documents.conftest import create, incoming
from tests.workflows.people import UNIT, staff, take


async def workflow_events(admin: Any, doc: str) -> list[dict[str, Any]]:
    response = await admin.get(
        "/api/v1/audit/events", params={"document": doc, "oldest_first": "true", "limit": 200}
    )
    assert response.status_code == 200, response.text
    return [e for e in response.json()["items"] if e["action"].startswith("workflow.")]


async def test_transitions_assignments_and_opinions_are_audited(client):
    people = await staff(client)
    doc = (await create(people["clerk"], incoming(unit=UNIT)))["id"]
    await take(people["clerk"], doc, "register")
    assignment = {"presiding": {"user": "specialist.05"}, "due_working_days": 5}
    await take(people["leader"], doc, "assign", assignment=assignment)
    refused = await people["specialist"].post(
        f"/api/v1/documents/{doc}/transitions", json={"name": "decline"}
    )
    assert refused.status_code == 422  # refused acts leave no trace
    response = await people["leader"].put(
        f"/api/v1/documents/{doc}/assignment",
        json={"presiding": {"user": "specialist2.05"}, "due_working_days": 3},
    )
    assert response.status_code == 200, response.text
    response = await people["specialist2"].post(
        f"/api/v1/documents/{doc}/opinions",
        json={"parties": [{"user": "specialist.05"}], "question": "Anh góp ý giúp."},
    )
    assert response.status_code == 201, response.text
    request = response.json()["items"][0]["id"]
    response = await people["specialist"].post(
        f"/api/v1/documents/{doc}/opinions/{request}/answer",
        json={"answer": "Nhất trí.", "agrees": True},
    )
    assert response.status_code == 201, response.text
    await take(people["specialist2"], doc, "complete", comment="Xong.")

    events = await workflow_events(client, doc)
    summary = [(e["action"], e["actor"], (e["detail"] or {}).get("transition")) for e in events]
    assert summary == [
        ("workflow.transition", "clerk.05", "register"),
        ("workflow.assign", "leader.05", "assign"),
        ("workflow.reassign", "leader.05", None),
        ("workflow.opinions_ask", "specialist2.05", None),
        ("workflow.opinion", "specialist.05", None),
        ("workflow.transition", "specialist2.05", "complete"),
    ]
    assert all(e["target_kind"] == "document" and e["target_id"] == doc for e in events)
    register, assign, reassign, ask, opinion, complete = (e["detail"] for e in events)
    assert (register["from"], register["to"]) == ("received", "registered")
    assert assign["assignment"]["presiding"]["user"] == "specialist.05"
    assert reassign["before"]["presiding"]["user"] == "specialist.05"
    assert reassign["assignment"]["presiding"]["user"] == "specialist2.05"
    assert ask["asked"] == ["user:specialist.05"] and ask["question"] == "Anh góp ý giúp."
    assert (opinion["request"], opinion["agrees"]) == (request, True)
    assert (complete["to"], complete["comment"]) == ("done", "Xong.")
    # Each act that made a revision names it: one revision after another.
    revisions = [e["detail"]["revision"] for e in (events[i] for i in (0, 1, 2, 3, 5))]
    assert revisions == sorted(revisions) and len(set(revisions)) == len(revisions)
    # The unit's leader reads the same events in the unit's history.
    response = await people["leader"].get(
        "/api/v1/audit/events", params={"unit": UNIT, "document": doc}
    )
    assert response.status_code == 200, response.text
    assert sum(e["action"].startswith("workflow.") for e in response.json()["items"]) == 6
