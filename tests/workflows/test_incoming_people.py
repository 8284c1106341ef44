"""An incoming document's steps, and who may and may not act at each one (D30 Art. 20-24)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.documents.conftest import assert_problem, create, incoming
from tests.identity.people import acting, grant, make_token
from tests.workflows.people import FINANCE, JUSTICE, UNIT, person, staff, take, timeline, workflow


async def registered(people: dict[str, Any]) -> str:
    document = await create(people["clerk"], incoming(unit=UNIT))
    await take(people["clerk"], document["id"], "register")
    return document["id"]


def assignment(presiding: dict[str, str], **more: Any) -> dict[str, Any]:
    return {"presiding": presiding, "due_working_days": 5, **more}


async def test_registering_is_the_clerks_work(client):
    people = await staff(client)
    elsewhere = await staff(client, JUSTICE)
    token = acting(client, (await make_token(client, grant("clerk", JUSTICE)))["token"])
    doc = (await create(people["clerk"], incoming(unit=UNIT)))["id"]

    await take(people["specialist"], doc, "register", expect=403)
    await take(people["leader"], doc, "register", expect=403)
    # Those who cannot read the unit's documents do not see it at all.
    await take(elsewhere["clerk"], doc, "register", expect=404)
    await take(token, doc, "register", expect=404)
    assert (await token.get(f"/api/v1/documents/{doc}")).status_code == 404

    state = await take(people["clerk"], doc, "register")
    assert state["step"] == "registered"
    stored = (await people["clerk"].get(f"/api/v1/documents/{doc}")).json()
    assert stored["state"] == "registered"
    assert stored["arrival_number"] == 1
    # Once registered, it cannot be registered again.
    await take(people["clerk"], doc, "register", expect=409)


async def test_returning_to_the_sender_needs_a_reason(client):
    people = await staff(client)
    doc = (await create(people["clerk"], incoming(unit=UNIT)))["id"]

    await take(people["specialist"], doc, "return_to_sender", expect=403, fields={"reason": "x"})
    body = await take(people["clerk"], doc, "return_to_sender", expect=422)
    assert any(error["field"] == "fields.reason" for error in body["errors"])
    await take(people["clerk"], doc, "return_to_sender", expect=422, fields={"reason": "   "})
    assert (await workflow(people["clerk"], doc))["step"] == "received"  # nothing changed

    reason = "Văn bản gửi nhầm đơn vị, không thuộc thẩm quyền giải quyết."
    state = await take(people["clerk"], doc, "return_to_sender", fields={"reason": reason})
    assert state["step"] == "returned" and state["final"] is True and state["due"] is None
    assert state["available"] == [] and state["others"] == []
    last = (await timeline(people["leader"], doc))[-1]
    assert (last["transition"], last["fields"], last["actor"]) == (
        "return_to_sender",
        {"reason": reason},
        "clerk.05",
    )
    # Once registered it is handled, not returned (D30 Art. 21 returns before registering).
    other = await registered(people)
    refused = await take(
        people["leader"], other, "return_to_sender", expect=409, fields={"reason": reason}
    )
    assert refused["current_step"] == "registered"


async def test_assigning_checks_the_leader_and_the_assignment(client):
    people = await staff(client)
    doc = await registered(people)

    me = {"user": "specialist.05"}
    await take(people["specialist"], doc, "assign", expect=403, assignment=assignment(me))
    await take(people["clerk"], doc, "assign", expect=403, assignment=assignment(me))
    wrong: list[tuple[dict[str, Any], str]] = [
        ({"presiding": me, "due": "2020-01-02"}, "assignment.due"),
        ({"presiding": me, "due": "2099-01-02", "due_working_days": 3}, "assignment.due"),
        ({"presiding": {"user": "nobody.here"}}, "assignment"),
        ({"presiding": {"unit": "999.99.99.H99"}}, "assignment"),
        ({"presiding": me, "coordinators": [{"unit": "999.99.99.H99"}]}, "assignment"),
        ({"presiding": me, "coordinators": [me]}, "assignment.coordinators"),
        (
            {"presiding": me, "coordinators": [{"unit": UNIT}, {"unit": UNIT}]},
            "assignment.coordinators",
        ),
    ]
    for given, field in wrong:
        body = await take(people["leader"], doc, "assign", expect=422, assignment=given)
        assert field in [error["field"] for error in body["errors"]], body
    # Shapes the schema refuses: both a user and a unit, neither, an unknown key.
    for given in (
        {"presiding": {"user": "specialist.05", "unit": UNIT}},
        {"presiding": {}},
        {"presiding": me, "priority": "high"},
    ):
        response = await people["leader"].post(
            f"/api/v1/documents/{doc}/transitions", json={"name": "assign", "assignment": given}
        )
        assert response.status_code in (400, 422), response.text
    assert (await workflow(people["leader"], doc))["step"] == "registered"

    far_due = (date.today() + timedelta(days=300)).isoformat()  # within the ten years allowed
    state = await take(
        people["leader"],
        doc,
        "assign",
        assignment={
            "presiding": me,
            "coordinators": [{"user": "specialist2.05"}, {"unit": FINANCE}],
            "due": far_due,
            "direction": "Chủ trì, phối hợp Sở Tài chính tham mưu.",
        },
    )
    assert state["step"] == "processing" and state["due"] == far_due
    assert state["assignment"]["presiding"] == {"user": "specialist.05", "unit": None}
    assert state["assignment"]["by"] == "leader.05"
    # An assignment is only given by the transition that assigns.
    await take(
        people["specialist"], doc, "complete", expect=422, assignment=assignment(me), comment="x"
    )


async def test_the_presiding_person_completes_coordinators_do_not(client):
    people = await staff(client)
    doc = await registered(people)
    await take(
        people["leader"],
        doc,
        "assign",
        assignment=assignment({"user": "specialist.05"}, coordinators=[{"user": "specialist2.05"}]),
    )
    await take(people["specialist2"], doc, "complete", expect=403)
    await take(people["clerk"], doc, "complete", expect=403)
    await take(people["specialist2"], doc, "decline", expect=403, comment="Không phải việc tôi")
    await take(people["specialist"], doc, "complete")
    assert (await workflow(people["clerk"], doc))["final"] is True
    await take(people["specialist"], doc, "complete", expect=409)


async def test_a_presiding_unit_is_anyone_working_there(client):
    people = await staff(client)
    justice = await staff(client, JUSTICE)
    finance = await staff(client, FINANCE)
    # An archivist of Justice reads its documents but does not work on them.
    archivist = await person(client, "archivist.07", grant("archivist", JUSTICE))
    doc = await registered(people)
    await take(people["leader"], doc, "assign", assignment=assignment({"unit": JUSTICE}))

    for outsider in (finance["specialist"], archivist):
        await take(outsider, doc, "complete", expect=404)
    # In the document's own unit, a specialist neither presides nor may complete.
    await take(people["specialist"], doc, "complete", expect=403)
    for worker in (justice["specialist"], justice["specialist2"], justice["clerk"]):
        assert (await worker.get(f"/api/v1/documents/{doc}")).status_code == 200
        names = [t["name"] for t in (await workflow(worker, doc))["available"]]
        assert names == ["decline", "complete"], names
    await take(justice["specialist2"], doc, "complete", comment="Đã xử lý.")
    assert (await workflow(people["leader"], doc))["step"] == "done"


async def test_declining_sends_it_back_and_clears_the_assignment(client):
    people = await staff(client)
    justice = await staff(client, JUSTICE)
    doc = await registered(people)
    await take(people["leader"], doc, "assign", assignment=assignment({"user": "specialist.07"}))
    assert (await justice["specialist"].get(f"/api/v1/documents/{doc}")).status_code == 200

    await take(justice["specialist"], doc, "decline", expect=422)
    await take(justice["specialist"], doc, "decline", expect=422, comment="  ")
    state = await take(
        justice["specialist"], doc, "decline", comment="Không thuộc lĩnh vực Sở Tư pháp."
    )
    assert state["step"] == "registered" and state["assignment"] is None
    # It was theirs only while they presided: now it is gone for them.
    assert (await justice["specialist"].get(f"/api/v1/documents/{doc}")).status_code == 404
    tasks = (await justice["specialist"].get("/api/v1/tasks")).json()
    assert tasks["assigned"] == []
    state = await workflow(people["leader"], doc)
    assert state["assignment"] is None
    assert [t["name"] for t in state["available"]] == ["assign"]
    # A registered document is due the next working day again, not under the old deadline.
    assert state["due"] is not None
    await take(people["leader"], doc, "assign", assignment=assignment({"user": "specialist.05"}))


async def test_reassigning_is_for_the_leader_while_processing(client):
    people = await staff(client)
    justice = await staff(client, JUSTICE)
    doc = await registered(people)
    body = {"presiding": {"user": "specialist2.05"}, "due_working_days": 2}

    response = await people["leader"].put(f"/api/v1/documents/{doc}/assignment", json=body)
    assert_problem(response, 409)
    assert response.json()["current_step"] == "registered"

    await take(people["leader"], doc, "assign", assignment=assignment({"user": "specialist.05"}))
    for someone in (people["specialist"], people["clerk"]):
        response = await someone.put(f"/api/v1/documents/{doc}/assignment", json=body)
        assert_problem(response, 403)
    response = await justice["leader"].put(f"/api/v1/documents/{doc}/assignment", json=body)
    assert_problem(response, 404)
    response = await people["leader"].put(
        f"/api/v1/documents/{doc}/assignment",
        json={**body, "coordinators": [{"user": "specialist2.05"}]},
    )
    assert_problem(response, 422)

    response = await people["leader"].put(f"/api/v1/documents/{doc}/assignment", json=body)
    assert response.status_code == 200, response.text
    state = response.json()
    assert state["step"] == "processing"
    assert state["assignment"]["presiding"]["user"] == "specialist2.05"
    assert state["due"] == state["assignment"]["due"]
    # The former presiding person no longer may complete; the new one may.
    await take(people["specialist"], doc, "complete", expect=403)
    assert (await people["specialist"].get("/api/v1/tasks")).json()["assigned"] == []
    await take(people["specialist2"], doc, "complete")
    response = await people["leader"].put(f"/api/v1/documents/{doc}/assignment", json=body)
    assert_problem(response, 409)
    kinds = [entry["kind"] for entry in await timeline(people["leader"], doc)]
    assert kinds == ["start", "transition", "assign", "reassign", "transition"]


async def test_the_presiding_person_of_another_unit_reads_it_others_there_do_not(client):
    people = await staff(client)
    justice = await staff(client, JUSTICE)
    doc = await registered(people)
    await take(
        people["leader"],
        doc,
        "assign",
        assignment=assignment({"user": "specialist.07"}, coordinators=[{"user": "clerk.07"}]),
    )
    for involved, reason in (
        (justice["specialist"], "presiding"),
        (justice["clerk"], "coordinating"),
    ):
        assert (await involved.get(f"/api/v1/documents/{doc}")).status_code == 200
        tasks = (await involved.get("/api/v1/tasks")).json()
        assert [(t["document"]["id"], t["reason"]) for t in tasks["assigned"]] == [(doc, reason)]
        assert (await involved.get(f"/api/v1/documents/{doc}/timeline")).status_code == 200
    for outsider in (justice["specialist2"], justice["leader"]):
        assert (await outsider.get(f"/api/v1/documents/{doc}")).status_code == 404
        assert (await outsider.get(f"/api/v1/documents/{doc}/workflow")).status_code == 404
        assert (await outsider.get("/api/v1/tasks")).json()["assigned"] == []
