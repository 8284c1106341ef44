"""Restricted documents (chế độ sử dụng: hạn chế): read by the people they name, the person who
made them and the leaders of their unit; nobody else, not even an administrator of the province,
learns they exist."""

from __future__ import annotations

from typing import Any

import httpx

from tests.documents.conftest import assert_problem, incoming
from tests.identity.people import (
    OTHER,
    OWN,
    PARENT,
    acting,
    credential_for,
    grant,
    listed_ids,
    make_person,
    make_token,
    sign_in,
    upload,
)

SUMMARY = "Về việc xử lý kỷ luật cán bộ"


async def test_a_restricted_document_is_seen_only_by_its_readers_its_maker_and_the_unit_leaders(
    client: httpx.AsyncClient,
) -> None:
    await make_person(client, "tac.gia", grant("specialist", OWN))
    await make_person(client, "nguoi.doc", grant("clerk", OWN))
    await make_person(client, "doc.ngoai", grant("clerk", OTHER))
    maker = acting(client, (await sign_in(client, "tac.gia"))["access_token"])
    reader = acting(client, (await sign_in(client, "nguoi.doc"))["access_token"])
    outsider = acting(client, (await sign_in(client, "doc.ngoai"))["access_token"])

    made = await maker.post(
        "/api/v1/documents",
        json={
            "unit": OWN,
            "direction": "outgoing",
            "type_code": "QD",
            "summary": SUMMARY,
            "access_mode": "restricted",
            "readers": ["nguoi.doc", "doc.ngoai"],
        },
    )
    assert made.status_code == 201, made.text
    document = made.json()
    assert document["created_by"] == "tac.gia"
    uploaded = await upload(maker, document["id"])
    assert uploaded.status_code == 201, uploaded.text
    content = f"/api/v1/documents/{document['id']}/files/{uploaded.json()[0]['file_id']}/content"
    plain = await maker.post(
        "/api/v1/documents",
        json={"unit": OWN, "direction": "outgoing", "type_code": "QD", "summary": "Về việc khác"},
    )
    assert plain.status_code == 201, plain.text

    async def token_for(*grants: dict[str, str]) -> Any:
        return acting(client, await credential_for(client, *grants))

    sees = {
        "the person it names": reader,
        "the person who made it": maker,
        "a leader of its unit": await token_for(grant("leader", OWN)),
    }
    does_not_see = {
        "a clerk of its unit not named": await token_for(grant("clerk", OWN)),
        "a specialist of its unit not named": await token_for(grant("specialist", OWN)),
        "a unit administrator": await token_for(grant("unit_admin", OWN)),
        "an administrator of the province": acting(
            client, client.headers["authorization"].removeprefix("Bearer ")
        ),
    }
    # Nor those who see nothing of the unit at all, named or not.
    outside = {
        "a leader of the unit above": await token_for(grant("leader", PARENT)),
        "a person it names, of another unit": outsider,
    }

    for who, caller in sees.items():
        response = await caller.get(f"/api/v1/documents/{document['id']}")
        assert response.status_code == 200, (who, response.text)
        assert document["id"] in await listed_ids(caller, unit=OWN), who
        assert document["id"] in await listed_ids(caller, q="ky luat"), who
        assert (await caller.get(content)).status_code == 200, who
    for who, caller in does_not_see.items():
        assert_problem(await caller.get(f"/api/v1/documents/{document['id']}"), 404)
        assert_problem(await caller.get(content), 404)
        assert document["id"] not in await listed_ids(caller), who
        assert document["id"] not in await listed_ids(caller, unit=OWN), who
        assert document["id"] not in await listed_ids(caller, q="ky luat"), who
        # The unit's other documents they still see: only the restricted one is hidden.
        assert plain.json()["id"] in await listed_ids(caller, unit=OWN), who
    for who, caller in outside.items():
        assert_problem(await caller.get(f"/api/v1/documents/{document['id']}"), 404)
        assert_problem(await caller.get(content), 404)
        assert not await listed_ids(caller, unit=OWN), who
        assert document["id"] not in await listed_ids(caller), who

    # A named reader who may write changes it; one not named cannot even tell it is there.
    edit = {"revision": document["revision"], "description": "Đã xem"}
    unnamed_clerk = does_not_see["a clerk of its unit not named"]
    assert_problem(await unnamed_clerk.patch(f"/api/v1/documents/{document['id']}", json=edit), 404)
    assert_problem(await unnamed_clerk.post(f"/api/v1/documents/{document['id']}/issue"), 404)
    changed = await reader.patch(f"/api/v1/documents/{document['id']}", json=edit)
    assert changed.status_code == 200, changed.text


async def test_a_restricted_document_is_not_revealed_by_the_warning_about_a_duplicate(
    client: httpx.AsyncClient,
) -> None:
    """Receiving the same letter twice is warned about; the warning must not name a restricted
    document the clerk cannot see."""
    leader = acting(client, await credential_for(client, grant("leader", OWN)))
    clerk = acting(client, (await make_token(client, grant("clerk", OWN)))["token"])
    hidden = await leader.post(
        "/api/v1/documents", json=incoming(unit=OWN, access_mode="restricted")
    )
    assert hidden.status_code == 201, hidden.text

    again = await clerk.post("/api/v1/documents", json=incoming(unit=OWN))
    registered = await clerk.post(f"/api/v1/documents/{again.json()['id']}/register")
    seen_by_leader = await leader.post("/api/v1/documents", json=incoming(unit=OWN))

    assert again.status_code == 201, again.text
    assert hidden.json()["id"] not in again.text
    assert registered.status_code == 200, registered.text
    assert hidden.json()["id"] not in registered.text
    # The leader, who sees both, is warned about both.
    assert seen_by_leader.status_code == 201, seen_by_leader.text
    warned = " ".join(seen_by_leader.json()["warnings"])
    assert hidden.json()["id"] in warned and again.json()["id"] in warned
