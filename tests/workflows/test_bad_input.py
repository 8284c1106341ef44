"""Wrong requests to the workflow endpoints: a problem-details answer that says what to fix,
nothing changed, never a 500."""

from __future__ import annotations

from typing import Any

from tests.documents.conftest import assert_problem, create, incoming
from tests.workflows.people import UNIT, staff, take, timeline, workflow

MISSING = "6b0d000000000000000000ff"


async def test_wrong_transitions_change_nothing(client):
    people = await staff(client)
    clerk = people["clerk"]
    doc = (await create(clerk, incoming(unit=UNIT)))["id"]
    url = f"/api/v1/documents/{doc}/transitions"
    revision = (await workflow(clerk, doc))["revision"]

    body = assert_problem(await clerk.post(url, json={"name": "approve"}), 422, "name")
    assert "register" in body["detail"] and "return_to_sender" in body["detail"]
    body = assert_problem(await clerk.post(url, json={"name": "complete"}), 409)
    assert body["current_step"] == "received"
    body = assert_problem(
        await clerk.post(url, json={"name": "register", "revision": revision + 5}), 409
    )
    for wrong in (
        {},
        {"name": "register", "colour": "red"},
        {"name": 12},
        {"name": "x" * 41},
        {"name": "register", "revision": 0},
        {"name": "register", "revision": "latest"},
        {"name": "register", "comment": "x" * 2001},
        {"name": "register", "fields": {"Reason!": "x"}},
        {"name": "register", "fields": {"reason": "x" * 501}},
        {"name": "register", "fields": {"reason": 5}},
        {"name": "register", "fields": ["reason"]},
        {"name": "register", "assignment": "specialist.05"},
    ):
        response = await clerk.post(url, json=wrong)
        assert response.status_code in (400, 422), (wrong, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    for raw in (b"", b"{", b"[]", b"null"):
        response = await clerk.post(url, content=raw, headers={"content-type": "application/json"})
        assert response.status_code in (400, 422), (raw, response.text)

    # Nothing of the above moved it.
    state = await workflow(clerk, doc)
    assert (state["step"], state["revision"]) == ("received", revision)
    assert [e["kind"] for e in await timeline(clerk, doc)] == ["start"]
    # The revision read is accepted; a comment at the limit too.
    await take(clerk, doc, "register", revision=revision, comment="x" * 2000)


async def test_unknown_things_are_404(client):
    people = await staff(client)
    leader = people["leader"]
    for method, path, body in (
        ("GET", "/workflow", None),
        ("GET", "/timeline", None),
        ("GET", "/opinions", None),
        ("POST", "/transitions", {"name": "register"}),
        ("PUT", "/assignment", {"presiding": {"user": "leader.05"}}),
        ("POST", "/opinions", {"parties": [{"user": "leader.05"}], "question": "?"}),
        ("POST", "/opinions/x/answer", {"answer": "Đồng ý"}),
    ):
        for document in (MISSING, "not-an-id"):
            response = await leader.request(
                method, f"/api/v1/documents/{document}{path}", json=body
            )
            assert_problem(response, 404)
    doc = (await create(people["clerk"], incoming(unit=UNIT)))["id"]
    response = await leader.post(
        f"/api/v1/documents/{doc}/opinions/{doc}|000000001|user:leader.05/answer",
        json={"answer": "Đồng ý"},
    )
    assert_problem(response, 404)
    response = await leader.get("/api/v1/workflows/khong_co")
    assert_problem(response, 404, "khong_co")
    listed = (await leader.get("/api/v1/workflows")).json()["items"]
    assert {"decree30_outgoing", "decree30_incoming"} <= {item["name"] for item in listed}
    one = (await leader.get("/api/v1/workflows/decree30_incoming")).json()
    assert one["start"] == "received" and one["numbering_outside_steps"] is True


async def test_bad_bodies_for_assignments_opinions_and_lists(client):
    people = await staff(client)
    leader = people["leader"]
    doc = (await create(people["clerk"], incoming(unit=UNIT)))["id"]
    await take(people["clerk"], doc, "register")
    await take(leader, doc, "assign", assignment={"presiding": {"user": "specialist.05"}})
    bad_requests: list[tuple[str, str, Any]] = [
        ("PUT", "/assignment", {"presiding": {"user": "specialist.05"}, "extra": 1}),
        ("PUT", "/assignment", {"presiding": {"user": "specialist.05"}, "due_working_days": 0}),
        ("PUT", "/assignment", {"presiding": {"user": "specialist.05"}, "due": "31/12/2026"}),
        ("PUT", "/assignment", {"presiding": {"user": "specialist.05"}, "direction": "x" * 2001}),
        ("PUT", "/assignment", {"presiding": {"user": "specialist.05"}, "revision": 1}),
        ("POST", "/opinions", {"parties": [{"user": "specialist.05"}]}),
        ("POST", "/opinions", {"parties": [{"user": "specialist.05"}], "question": " "}),
        ("POST", "/opinions", {"parties": [{"user": "x"}] * 51, "question": "?"}),
        ("POST", "/opinions", {"parties": [{"team": "x"}], "question": "?"}),
        ("POST", "/opinions", {"parties": [{"user": "specialist.05"}], "question": "x" * 2001}),
        ("POST", "/opinions", {"parties": [{"user": "specialist.05"}], "question": "?", "a": 1}),
    ]
    for method, path, body in bad_requests:
        response = await leader.request(method, f"/api/v1/documents/{doc}{path}", json=body)
        assert response.status_code in (400, 409, 422), (path, body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await workflow(leader, doc))["assignment"]["presiding"]["user"] == "specialist.05"
    assert (await leader.get(f"/api/v1/documents/{doc}/opinions")).json()["items"] == []

    for params in ({"limit": 0}, {"limit": 201}, {"subtree": "maybe"}, {"cursor": "zz"}):
        response = await leader.get(f"/api/v1/units/{UNIT}/overdue", params=params)
        assert response.status_code in (400, 422), (params, response.text)
    for params in ({"limit": 0}, {"limit": "many"}):
        response = await leader.get("/api/v1/tasks", params=params)
        assert response.status_code in (400, 422), (params, response.text)
