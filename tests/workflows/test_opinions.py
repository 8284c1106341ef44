"""Asking people and units for their opinion on a draft, and their answers (D30 Art. 10-11)."""

from __future__ import annotations

from typing import Any

from tests.documents.conftest import assert_problem, create, outgoing
from tests.workflows.people import FINANCE, JUSTICE, UNIT, staff, timeline


async def ask(caller: Any, doc: str, expect: int = 201, **body: Any) -> dict[str, Any]:
    response = await caller.post(f"/api/v1/documents/{doc}/opinions", json=body)
    assert response.status_code == expect, response.text
    return response.json()


async def answer(caller: Any, doc: str, request: str, text: str, expect: int = 201) -> Any:
    response = await caller.post(
        f"/api/v1/documents/{doc}/opinions/{request}/answer", json={"answer": text}
    )
    assert response.status_code == expect, response.text
    return response.json()


async def opinion_tasks(caller: Any) -> list[tuple[str, str]]:
    response = await caller.get("/api/v1/tasks")
    assert response.status_code == 200, response.text
    return [(t["document"]["id"], t["opinion_request"]) for t in response.json()["opinions"]]


async def test_two_people_and_a_unit_are_asked_and_answer_once(client):
    people = await staff(client)
    justice = await staff(client, JUSTICE)
    finance = await staff(client, FINANCE)
    doc = (await create(people["specialist"], outgoing(unit=UNIT)))["id"]
    asked = [{"user": "specialist2.05"}, {"user": "specialist.07"}, {"unit": FINANCE}]

    # Not someone who cannot even see it; not the same party twice; not nobody.
    await ask(justice["leader"], doc, 404, parties=asked, question="Góp ý?")
    await ask(people["specialist"], doc, 422, parties=[asked[0], asked[0]], question="Góp ý?")
    await ask(people["specialist"], doc, 422, parties=[], question="Góp ý?")
    await ask(people["specialist"], doc, 422, parties=[{"user": "ai.do"}], question="Góp ý?")
    await ask(people["specialist"], doc, 422, parties=asked, question="Góp ý?", due="2000-01-01")
    # The other unit's people see nothing of it yet.
    assert (await justice["specialist"].get(f"/api/v1/documents/{doc}")).status_code == 404

    question = "Đề nghị góp ý dự thảo Quyết định trước ngày 20/3."
    requests = (
        await ask(people["specialist"], doc, parties=asked, question=question, due_working_days=5)
    )["items"]
    by_party = {request["party"]: request["id"] for request in requests}
    assert sorted(by_party) == ["unit:000.00.06.H25", "user:specialist.07", "user:specialist2.05"]
    assert all(request["answered"] is False and request["due"] for request in requests)

    for caller, party in (
        (people["specialist2"], "user:specialist2.05"),
        (justice["specialist"], "user:specialist.07"),
        (finance["specialist"], "unit:000.00.06.H25"),
        (finance["leader"], "unit:000.00.06.H25"),
    ):
        assert (doc, by_party[party]) in await opinion_tasks(caller), party
        assert (await caller.get(f"/api/v1/documents/{doc}")).status_code == 200
    # Consulted from another unit: only the person asked, not their colleagues.
    assert (await justice["specialist2"].get(f"/api/v1/documents/{doc}")).status_code == 404
    assert await opinion_tasks(people["clerk"]) == []

    # Only the party asked answers its request.
    await answer(people["clerk"], doc, by_party["user:specialist2.05"], "Đồng ý.", expect=403)
    await answer(people["specialist"], doc, by_party["unit:000.00.06.H25"], "x", expect=403)
    await answer(justice["specialist"], doc, by_party["user:specialist2.05"], "x", expect=403)
    await answer(justice["specialist2"], doc, by_party["user:specialist.07"], "x", expect=404)
    await answer(people["specialist2"], doc, f"{doc}|000000009|user:x", "x", expect=404)
    response = await people["specialist2"].post(
        f"/api/v1/documents/{doc}/opinions/{by_party['user:specialist2.05']}/answer",
        json={"answer": "   "},
    )
    assert response.status_code in (400, 422), response.text

    first = await answer(people["specialist2"], doc, by_party["user:specialist2.05"], "Đồng ý.")
    assert first["answered"] is True and first["answered_by"] == "specialist2.05"
    again = await people["specialist2"].post(
        f"/api/v1/documents/{doc}/opinions/{by_party['user:specialist2.05']}/answer",
        json={"answer": "Sửa lại: không đồng ý."},
    )
    assert_problem(again, 409)
    await answer(justice["specialist"], doc, by_party["user:specialist.07"], "Cần bổ sung căn cứ.")
    await answer(finance["specialist2"], doc, by_party["unit:000.00.06.H25"], "Thống nhất.")
    # One answer for the unit: a colleague cannot answer it again.
    await answer(finance["leader"], doc, by_party["unit:000.00.06.H25"], "Khác.", expect=409)
    assert await opinion_tasks(finance["leader"]) == []
    assert await opinion_tasks(people["specialist2"]) == []

    listed = (await people["leader"].get(f"/api/v1/documents/{doc}/opinions")).json()["items"]
    answers = {item["party"]: (item["answered"], item["answer"]) for item in listed}
    assert answers == {
        "user:specialist2.05": (True, "Đồng ý."),
        "user:specialist.07": (True, "Cần bổ sung căn cứ."),
        "unit:000.00.06.H25": (True, "Thống nhất."),
    }

    entries = await timeline(people["specialist"], doc)
    kinds = [entry["kind"] for entry in entries]
    assert kinds == ["start", "opinions_asked", "opinion", "opinion", "opinion"], kinds
    assert entries[1]["comment"] == question and sorted(entries[1]["asked"]) == sorted(by_party)
    assert [entry["actor"] for entry in entries[2:]] == [
        "specialist2.05",
        "specialist.07",
        "specialist2.06",
    ]
    assert entries[1]["from_step"] == entries[1]["to_step"] == "draft"


async def test_opinions_are_asked_by_those_who_draft_while_the_workflow_runs(client):
    people = await staff(client)
    doc = (await create(people["specialist"], outgoing(unit=UNIT)))["id"]
    parties = [{"user": "specialist2.05"}]
    # An API token that reads the unit's documents but drafts nothing may not ask.
    from tests.identity.people import acting, grant, make_token

    reader = acting(client, (await make_token(client, grant("archivist", UNIT)))["token"])
    await ask(reader, doc, 403, parties=parties, question="?")
    await ask(people["clerk"], doc, parties=parties, question="Góp ý lần 1")
    await ask(people["leader"], doc, parties=parties, question="Góp ý lần 2")
    # Asked twice: two requests, each answered on its own.
    assert len(await opinion_tasks(people["specialist2"])) == 2
    response = await people["leader"].post(
        f"/api/v1/documents/{doc}/transitions",
        json={"name": "cancel", "comment": "Không ban hành."},
    )
    assert response.status_code == 200, response.text
    await ask(people["specialist"], doc, 409, parties=parties, question="Góp ý lần 3")
