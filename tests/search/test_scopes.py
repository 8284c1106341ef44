"""A search reads the postings of the units the caller reads (and of the documents they handle),
so a common word elsewhere in the province does not hide a unit's own documents."""

from __future__ import annotations

from typing import Any

import httpx

from tests.documents.conftest import PROVINCE, create, outgoing
from tests.identity.people import OWN, acting, grant, make_token
from tests.search.helpers import found, outside_record
from tests.workflows.people import JUSTICE, UNIT, staff

WORD = "Phòng chống bão lũ"


async def answer_of(caller: Any, q: str, **params: Any) -> dict[str, Any]:
    response = await caller.get("/api/v1/search", params={"q": q, "limit": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_units_own_documents_are_found_beyond_the_provinces_first_postings(
    client: httpx.AsyncClient, monkeypatch: Any
) -> None:
    # Reads of 3 postings stand for reads of 2,000 in a province of thousands of documents.
    monkeypatch.setattr("core.search.query.CANDIDATES", 3)
    for n in range(6):
        await create(client, outgoing(summary=f"{WORD} đợt {n} của tỉnh"))
    own = await create(client, outgoing(unit=OWN, summary=f"{WORD} của xã"))
    clerk = acting(client, (await make_token(client, grant("clerk", OWN)))["token"])

    mine = await answer_of(clerk, "bao lu")
    assert [item["id"] for item in mine["items"]] == [own["id"]]
    assert mine["complete"] is True
    # The administrator asking for that unit reads its postings only, and finds it too.
    assert await found(client, "bao lu", unit=OWN) == [own["id"]]
    # So do the lists' `q`, for documents and for records of a unit.
    listed = await client.get("/api/v1/documents", params={"unit": OWN, "q": "bao lu"})
    assert [item["id"] for item in listed.json()["items"]] == [own["id"]]
    for n in range(5):
        await outside_record(client, PROVINCE, f"Hồ sơ {WORD.lower()} đợt {n}", f"{n + 1}.TH")
    record = await outside_record(client, OWN, f"Hồ sơ {WORD.lower()} của xã", "1.VP")
    records = await client.get(f"/api/v1/units/{OWN}/records", params={"q": "bao lu"})
    assert [item["code"] for item in records.json()["items"]] == [record["code"]]
    assert await found(clerk, "bao lu", kind="records") == [record["code"]]
    # Asking for the whole province reads the word's postings whole: bounded, and said so.
    everywhere = await answer_of(client, "bao lu")
    assert everywhere["complete"] is False and len(everywhere["items"]) <= 4


async def test_a_person_asked_for_an_opinion_finds_the_draft_of_another_unit(
    client: httpx.AsyncClient, monkeypatch: Any
) -> None:
    monkeypatch.setattr("core.search.query.CANDIDATES", 3)
    people = await staff(client)
    justice = await staff(client, JUSTICE)
    for n in range(5):
        await create(people["specialist"], outgoing(unit=UNIT, summary=f"{WORD} đợt {n}"))
    draft = await create(
        people["specialist"], outgoing(unit=UNIT, summary=f"Dự thảo quy chế {WORD.lower()}")
    )
    assert await found(justice["specialist"], "bao lu") == []

    asked = await people["specialist"].post(
        f"/api/v1/documents/{draft['id']}/opinions",
        json={"parties": [{"user": "specialist.07"}], "question": "Đề nghị góp ý."},
    )
    assert asked.status_code == 201, asked.text
    hits = (await answer_of(justice["specialist"], "bao lu"))["items"]
    assert [hit["id"] for hit in hits] == [draft["id"]]
    assert hits[0]["unit"] == UNIT and hits[0]["summary"] == draft["summary"]
    # Their colleague was not asked, and finds nothing.
    assert await found(justice["specialist2"], "bao lu") == []
    # The drafting unit's own people find all six, the draft among them.
    assert draft["id"] in await found(people["specialist2"], "du thao bao lu")


async def test_a_document_read_under_two_scopes_counts_once_toward_a_read(
    client: httpx.AsyncClient, monkeypatch: Any
) -> None:
    # Consulted on drafts of their own unit (read under the unit and as a party) and of another
    # unit: four documents, reads of 3 items. All four are found, or the answer says it is not
    # complete; never fewer said complete.
    monkeypatch.setattr("core.search.query.CANDIDATES", 3)
    people = await staff(client)
    justice = await staff(client, JUSTICE)
    made = []
    for author, unit in ((people, UNIT), (people, UNIT), (justice, JUSTICE), (justice, JUSTICE)):
        draft = await create(author["specialist"], outgoing(unit=unit, summary=f"{WORD} {unit}"))
        asked = await author["specialist"].post(
            f"/api/v1/documents/{draft['id']}/opinions",
            json={"parties": [{"user": "specialist2.05"}], "question": "Góp ý."},
        )
        assert asked.status_code == 201, asked.text
        made.append(draft["id"])
    answer = await answer_of(people["specialist2"], "bao lu")
    assert answer["complete"] is False
    monkeypatch.setattr("core.search.query.CANDIDATES", 4)
    answer = await answer_of(people["specialist2"], "bao lu")
    assert sorted(item["id"] for item in answer["items"]) == sorted(made)
    assert answer["complete"] is True
