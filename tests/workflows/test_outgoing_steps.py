"""An outgoing draft through its steps up to signing (D30 Art. 10-14), and numbered directly by
the clerk outside them (documents signed on paper, Art. 15). Signing itself needs signed PDFs:
tested with them elsewhere."""

from __future__ import annotations

from typing import Any

from tests.documents.conftest import create, outgoing
from tests.identity.people import grant
from tests.workflows.people import JUSTICE, UNIT, person, staff, take, timeline, workflow


def names(state: dict[str, Any]) -> list[str]:
    return [t["name"] for t in state["available"]]


async def test_a_draft_goes_to_signing_and_back(client):
    people = await staff(client)
    justice = await staff(client, JUSTICE)
    author = people["specialist"]
    doc = (await create(author, outgoing(unit=UNIT)))["id"]
    state = await workflow(author, doc)
    assert (state["workflow"], state["step"], state["due"]) == ("decree30_outgoing", "draft", None)
    assert names(state) == ["consult", "submit", "cancel"]

    # The author moves the draft, or a leader of the unit; not a colleague, not a clerk.
    definition = (await author.get("/api/v1/workflows/decree30_outgoing")).json()
    consult = next(t for t in definition["transitions"] if t["name"] == "consult")
    assert (consult["roles"], consult["parties"]) == (["leader"], ["author"])
    await take(people["clerk"], doc, "consult", expect=403)
    await take(people["specialist2"], doc, "consult", expect=403)
    await take(justice["specialist"], doc, "consult", expect=404)
    assert names(await workflow(people["specialist2"], doc)) == []
    assert names(await workflow(people["leader"], doc)) == ["consult", "submit", "cancel"]

    await take(author, doc, "consult", comment="Xin ý kiến các phòng.")
    state = await workflow(author, doc)
    assert (state["step"], names(state)) == ("consultation", ["end_consultation"])
    await take(author, doc, "submit", expect=409)
    await take(author, doc, "end_consultation")
    await take(author, doc, "submit")

    # Content: the unit's leader only.
    for someone in (author, people["specialist2"], people["clerk"]):
        await take(someone, doc, "approve_content", expect=403)
    await take(people["leader"], doc, "return_draft", expect=422)
    await take(people["leader"], doc, "return_draft", comment="Bổ sung căn cứ pháp lý.")
    assert (await workflow(author, doc))["step"] == "draft"
    await take(author, doc, "submit")
    await take(people["leader"], doc, "approve_content")

    # Format (thể thức): the clerk, the person designated for it.
    await take(author, doc, "approve_format", expect=403)
    await take(people["clerk"], doc, "return_format", expect=422)
    await take(people["clerk"], doc, "return_format", comment="Sai phông chữ phần nơi nhận.")
    await take(author, doc, "submit")
    await take(people["leader"], doc, "approve_content")
    state = await take(people["clerk"], doc, "approve_format")
    assert state["step"] == "signing"
    assert names(await workflow(people["leader"], doc)) == ["return_draft", "sign"]
    assert names(await workflow(people["clerk"], doc)) == []
    await take(people["leader"], doc, "return_draft", expect=422, comment="")
    await take(people["leader"], doc, "return_draft", comment="Chưa ký: sửa Điều 2.")

    steps = [(e["transition"], e["from_step"], e["to_step"]) for e in await timeline(author, doc)]
    assert steps == [
        (None, None, "draft"),
        ("consult", "draft", "consultation"),
        ("end_consultation", "consultation", "draft"),
        ("submit", "draft", "content_check"),
        ("return_draft", "content_check", "draft"),
        ("submit", "draft", "content_check"),
        ("approve_content", "content_check", "format_check"),
        ("return_format", "format_check", "draft"),
        ("submit", "draft", "content_check"),
        ("approve_content", "content_check", "format_check"),
        ("approve_format", "format_check", "signing"),
        ("return_draft", "signing", "draft"),
    ]
    for earlier, later in zip(steps, steps[1:], strict=False):
        assert later[1] == earlier[2]


async def test_cancelling_a_draft(client):
    people = await staff(client)
    author = people["specialist"]
    doc = (await create(author, outgoing(unit=UNIT)))["id"]
    # Cancel is the leader's, or the author's: not another specialist's.
    await take(people["specialist2"], doc, "cancel", expect=403, comment="Không cần nữa.")
    await take(people["clerk"], doc, "cancel", expect=403, comment="Không cần nữa.")
    await take(author, doc, "cancel", expect=422)
    state = await take(author, doc, "cancel", comment="Không ban hành nữa.")
    assert (state["step"], state["final"], state["available"]) == ("cancelled", True, [])
    await take(people["leader"], doc, "consult", expect=409)

    other = (await create(author, outgoing(unit=UNIT)))["id"]
    await take(author, other, "submit")
    await take(author, other, "cancel", expect=409, comment="Hủy.")
    await take(people["leader"], other, "return_draft", comment="Về dự thảo.")
    await take(people["leader"], other, "cancel", comment="Lãnh đạo hủy.")

    # A clerk who drafted it is its author: they may consult, submit and cancel their own.
    clerk_draft = (await create(people["clerk"], outgoing(unit=UNIT)))["id"]
    assert names(await workflow(people["clerk"], clerk_draft)) == ["consult", "submit", "cancel"]


async def test_the_clerk_numbers_a_draft_directly_and_the_workflow_follows(client):
    people = await staff(client)
    doc = (await create(people["specialist"], outgoing(unit=UNIT)))["id"]
    await take(people["specialist"], doc, "submit")

    response = await people["specialist"].post(f"/api/v1/documents/{doc}/issue")
    assert response.status_code == 403, response.text
    response = await people["clerk"].post(f"/api/v1/documents/{doc}/issue")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "issued" and response.json()["number_text"]

    state = await workflow(people["clerk"], doc)
    assert (state["step"], state["final"]) == ("issued", False)
    assert state["due"] is not None  # sent out the next working day at the latest
    assert names(state) == ["send"]
    last = (await timeline(people["clerk"], doc))[-1]
    assert (last["kind"], last["transition"], last["from_step"], last["to_step"]) == (
        "numbered",
        "issue",
        "content_check",
        "issued",
    )
    assert last["actor"] == "clerk.05" and "outside" in last["label"]
    # Numbered once: neither again directly nor through the steps.
    response = await people["clerk"].post(f"/api/v1/documents/{doc}/issue")
    assert response.status_code == 409, response.text
    await take(people["clerk"], doc, "issue", expect=409)
    await take(people["leader"], doc, "send", expect=403)
    state = await take(people["clerk"], doc, "send")
    assert (state["step"], state["final"], state["due"]) == ("sent", True, None)


async def test_registering_directly_moves_an_incoming_document_on(client):
    people = await staff(client)
    from tests.documents.conftest import incoming

    doc = (await create(people["clerk"], incoming(unit=UNIT)))["id"]
    response = await people["clerk"].post(f"/api/v1/documents/{doc}/register")
    assert response.status_code == 200, response.text
    state = await workflow(people["leader"], doc)
    assert state["step"] == "registered" and names(state) == ["assign"]
    last = (await timeline(people["leader"], doc))[-1]
    # Registered from the step where registering belongs: an ordinary transition.
    assert (last["kind"], last["transition"]) == ("transition", "register")
    archivist = await person(client, "archivist.05", grant("archivist", UNIT))
    assert (await workflow(archivist, doc))["available"] == []
