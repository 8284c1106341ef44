"""An incoming document from reception to done, through the API (Decree 30 Art. 20-24)."""

from __future__ import annotations

from tests.documents.conftest import create, incoming
from tests.workflows.people import UNIT, staff, take, timeline, workflow


async def test_received_registered_assigned_done(client):
    people = await staff(client)
    document = await create(people["clerk"], incoming(unit=UNIT))
    doc = document["id"]
    assert document["workflow"]["step"] == "received"

    state = await workflow(people["clerk"], doc)
    assert [t["name"] for t in state["available"]] == ["register", "return_to_sender"]
    assert state["due"] is not None

    # A specialist may not register; the leader may not either (clerk's work).
    await take(people["specialist"], doc, "register", expect=403)
    await take(people["clerk"], doc, "register")
    state = await workflow(people["leader"], doc)
    assert state["step"] == "registered"
    assert [t["name"] for t in state["available"]] == ["assign"]

    await take(people["specialist"], doc, "assign", expect=403)
    await take(people["leader"], doc, "assign", expect=422)  # no assignment given
    await take(
        people["leader"],
        doc,
        "assign",
        assignment={
            "presiding": {"user": "specialist.05"},
            "coordinators": [{"user": "specialist2.05"}],
            "due_working_days": 5,
            "direction": "Đề nghị tham mưu văn bản trả lời.",
        },
    )
    state = await workflow(people["specialist"], doc)
    assert state["step"] == "processing"
    assert [t["name"] for t in state["available"]] == ["decline", "complete"]
    coordinator = await workflow(people["specialist2"], doc)
    assert coordinator["available"] == []

    tasks = (await people["specialist"].get("/api/v1/tasks")).json()
    assert [t["document"]["id"] for t in tasks["assigned"]] == [doc]
    assert tasks["assigned"][0]["reason"] == "presiding"

    await take(people["specialist"], doc, "complete", comment="Đã trả lời bằng công văn.")
    state = await workflow(people["specialist"], doc)
    assert state["final"] is True and state["step"] == "done"

    steps = [
        (e["kind"], e["from_step"], e["to_step"]) for e in await timeline(people["leader"], doc)
    ]
    assert steps == [
        ("start", None, "received"),
        ("transition", "received", "registered"),
        ("assign", "registered", "processing"),
        ("transition", "processing", "done"),
    ]
