"""People acting on the same document at the same moment: one act wins, the others are told
where the document is now (409 with `current_step`), and the timeline stays one chain.

Runs on a database server (marker `races`): the in-memory store never interleaves requests.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar import Litestar

from tests.conftest import concurrent_client
from tests.documents.conftest import create, incoming
from tests.identity.people import grant
from tests.workflows.people import UNIT, person, staff, take, timeline

ROUNDS = 5

pytestmark = pytest.mark.races


async def registered(people: dict[str, Any]) -> str:
    doc = (await create(people["clerk"], incoming(unit=UNIT)))["id"]
    await take(people["clerk"], doc, "register")
    return doc


def transition(caller: Any, doc: str, name: str, **body: Any) -> Any:
    return caller.post(f"/api/v1/documents/{doc}/transitions", json={"name": name, **body})


def assign_to(user: str) -> dict[str, Any]:
    return {"assignment": {"presiding": {"user": user}, "due_working_days": 5}}


async def one_won(caller: Any, doc: str, responses: list[Any]) -> list[dict[str, Any]]:
    """Exactly one 200; the others 409 naming the step; the timeline one chain that the stored
    document agrees with. The timeline, for more checks."""
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * (len(responses) - 1), [r.text for r in responses]
    winner = next(r.json() for r in responses if r.status_code == 200)
    for lost in (r.json() for r in responses if r.status_code == 409):
        if "holds number" in lost["detail"]:
            # Refused while the other was numbering it: the draft held its number already, and
            # a draft holding a number is numbered, not ended. Nothing of it was written yet.
            continue
        assert lost["current_step"] == winner["step"], lost
    entries = await timeline(caller, doc)
    acts = [entry for entry in entries if entry["revision"] is not None]
    for earlier, later in zip(acts, acts[1:], strict=False):
        assert later["from_step"] == earlier["to_step"], entries
        assert later["revision"] == earlier["revision"] + 1, entries
    stored = (await caller.get(f"/api/v1/documents/{doc}")).json()
    assert stored["workflow"]["step"] == acts[-1]["to_step"] == winner["step"]
    assert stored["revision"] == acts[-1]["revision"] == winner["revision"]
    return entries


async def test_declining_and_completing_at_once(app: Litestar) -> None:
    async with concurrent_client(app) as client:
        people = await staff(client)
        winners: set[str] = set()
        for _ in range(ROUNDS):
            doc = await registered(people)
            await take(people["leader"], doc, "assign", **assign_to("specialist.05"))
            responses = await asyncio.gather(
                transition(people["specialist"], doc, "decline", comment="Không thuộc lĩnh vực."),
                transition(people["leader"], doc, "complete", comment="Đã xử lý."),
            )
            entries = await one_won(people["leader"], doc, responses)
            winners.add(entries[-1]["transition"])
            state = (await people["leader"].get(f"/api/v1/documents/{doc}/workflow")).json()
            # Declined: back to the leader, the assignment gone; completed: done, it stays.
            assert (state["step"] == "registered") == (state["assignment"] is None)
        assert winners <= {"decline", "complete"}


async def test_registering_and_returning_at_once(app: Litestar) -> None:
    async with concurrent_client(app) as client:
        people = await staff(client)
        for _ in range(ROUNDS):
            doc = (await create(people["clerk"], incoming(unit=UNIT)))["id"]
            responses = await asyncio.gather(
                transition(people["clerk"], doc, "register"),
                transition(people["clerk"], doc, "return_to_sender", fields={"reason": "Sai."}),
            )
            entries = await one_won(people["leader"], doc, responses)
            stored = (await people["leader"].get(f"/api/v1/documents/{doc}")).json()
            # Returned documents keep no arrival number; registered ones have theirs.
            assert (stored["state"] == "registered") == (entries[-1]["transition"] == "register")


async def test_two_leaders_assign_different_people_at_once(app: Litestar) -> None:
    async with concurrent_client(app) as client:
        people = await staff(client)
        deputy = await person(client, "deputy.05", grant("leader", UNIT))
        for _ in range(ROUNDS):
            doc = await registered(people)
            responses = await asyncio.gather(
                transition(people["leader"], doc, "assign", **assign_to("specialist.05")),
                transition(deputy, doc, "assign", **assign_to("specialist2.05")),
            )
            await one_won(people["leader"], doc, responses)
            winner = next(r.json() for r in responses if r.status_code == 200)
            state = (await people["leader"].get(f"/api/v1/documents/{doc}/workflow")).json()
            assert state["assignment"] == winner["assignment"]
            presiding = state["assignment"]["presiding"]["user"]
            for name in ("specialist", "specialist2"):
                tasks = (await people[name].get("/api/v1/tasks")).json()["assigned"]
                mine = doc in [task["document"]["id"] for task in tasks]
                assert mine == (presiding == f"{name}.05"), (name, presiding)


async def test_one_opinion_answered_twice_at_once(app: Litestar) -> None:
    async with concurrent_client(app) as client:
        people = await staff(client)
        for _ in range(ROUNDS):
            doc = (await create(people["specialist"], incoming(unit=UNIT)))["id"]
            asked = await people["specialist"].post(
                f"/api/v1/documents/{doc}/opinions",
                json={"parties": [{"user": "specialist2.05"}, {"unit": UNIT}], "question": "?"},
            )
            assert asked.status_code == 201, asked.text
            mine, units = (item["id"] for item in asked.json()["items"])
            url = f"/api/v1/documents/{doc}/opinions/{{}}/answer"
            responses = await asyncio.gather(
                people["specialist2"].post(url.format(mine), json={"answer": "Một"}),
                people["specialist2"].post(url.format(mine), json={"answer": "Hai"}),
                # The unit asked: two of its people answer at once.
                people["clerk"].post(url.format(units), json={"answer": "Văn thư"}),
                people["leader"].post(url.format(units), json={"answer": "Lãnh đạo"}),
            )
            for pair in (responses[:2], responses[2:]):
                assert sorted(r.status_code for r in pair) == [201, 409], [r.text for r in pair]
            listed = (await people["specialist"].get(f"/api/v1/documents/{doc}/opinions")).json()
            answers = {item["id"]: item["answer"] for item in listed["items"]}
            won = [r.json()["answer"] for r in responses if r.status_code == 201]
            assert sorted(answers.values()) == sorted(won)
            opinions = [
                e for e in await timeline(people["specialist"], doc) if e["kind"] == "opinion"
            ]
            assert len(opinions) == 2


async def test_two_clerks_register_at_once(app: Litestar) -> None:
    async with concurrent_client(app) as client:
        people = await staff(client)
        second = await person(client, "clerk2.05", grant("clerk", UNIT))
        for _ in range(ROUNDS):
            doc = (await create(people["clerk"], incoming(unit=UNIT)))["id"]
            responses = await asyncio.gather(
                transition(people["clerk"], doc, "register"),
                transition(second, doc, "register"),
            )
            entries = await one_won(people["leader"], doc, responses)
            assert [e["transition"] for e in entries] == [None, "register"]
            events = await client.get(
                "/api/v1/audit/events", params={"document": doc, "limit": 200}
            )
            actions = [e["action"] for e in events.json()["items"]]
            assert actions.count("workflow.transition") == 1, actions
