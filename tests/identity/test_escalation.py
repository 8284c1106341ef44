"""Ways to gain more than one's roles give, each closed: tokens stronger than their maker,
roles granted to oneself through a token, accounts without a role taken over, readers changed by
a reader, restricted file names in the history, secrets cached."""

from __future__ import annotations

import httpx

from tests.documents.conftest import assert_problem
from tests.identity.people import (
    OWN,
    PARENT,
    PDF,
    acting,
    credential_for,
    grant,
    make_person,
    make_token,
    sign_in,
)


async def test_an_administrators_token_cannot_read_what_the_administrator_does_not(
    client: httpx.AsyncClient,
) -> None:
    # The suite's province administrator may not read restricted documents: nor may its tokens.
    leader_token = await client.post(
        "/api/v1/tokens", json={"name": "x", "grants": [grant("leader", OWN)]}
    )
    assert_problem(leader_token, 403, "documents.read_restricted", "never stronger")


async def test_nobody_grants_roles_to_themself_through_a_token_they_made(
    client: httpx.AsyncClient,
) -> None:
    await make_person(client, "quan.tri", grant("unit_admin", PARENT))
    person = acting(client, (await sign_in(client, "quan.tri"))["access_token"])
    made = await person.post(
        "/api/v1/tokens", json={"name": "mine", "grants": [grant("unit_admin", PARENT)]}
    )
    assert made.status_code == 201, made.text
    through_token = acting(client, made.json()["token"])

    widened = await through_token.post(
        "/api/v1/users/quan.tri/grants", json=grant("archivist", OWN)
    )

    assert_problem(widened, 403, "yourself")
    assert (await client.get("/api/v1/users/quan.tri")).json()["grants"] == [
        grant("unit_admin", PARENT)
    ]


async def test_an_account_without_a_role_is_changed_only_by_a_province_administrator(
    client: httpx.AsyncClient,
) -> None:
    await make_person(client, "moi.vao", password=None)  # waiting for a role
    unit_admin = acting(client, await credential_for(client, grant("unit_admin", PARENT)))

    seen = await unit_admin.get("/api/v1/users/moi.vao")
    password = await unit_admin.put(
        "/api/v1/users/moi.vao/password", json={"password": "mat-khau-cua-ke-khac"}
    )
    disabled = await unit_admin.patch("/api/v1/users/moi.vao", json={"disabled": True})
    given = await unit_admin.post("/api/v1/users/moi.vao/grants", json=grant("clerk", OWN))

    assert seen.status_code == 200  # it may see them, to give them a role in its units
    assert_problem(password, 403)
    assert_problem(disabled, 403)
    assert given.status_code == 200, given.text  # and once theirs, they are its to manage
    assert (await client.get("/api/v1/users/moi.vao")).json()["has_password"] is False


async def test_only_the_maker_and_the_leaders_decide_who_reads_a_document(
    client: httpx.AsyncClient,
) -> None:
    maker = acting(client, await credential_for(client, grant("specialist", OWN)))
    await make_person(client, "doc.gia", grant("clerk", OWN))
    reader = acting(client, (await sign_in(client, "doc.gia"))["access_token"])
    leader = acting(client, await credential_for(client, grant("leader", OWN)))
    body = {
        "unit": OWN,
        "direction": "outgoing",
        "type_code": "QD",
        "summary": "Về việc kỷ luật",
        "access_mode": "restricted",
        "readers": ["doc.gia"],
    }
    document = (await maker.post("/api/v1/documents", json=body)).json()
    url = f"/api/v1/documents/{document['id']}"

    opened = await reader.patch(url, json={"revision": 1, "access_mode": "internal"})
    widened = await reader.patch(url, json={"revision": 1, "readers": ["doc.gia", "ai.do"]})
    by_leader = await leader.patch(url, json={"revision": 1, "readers": ["doc.gia", "ai.do"]})

    assert_problem(opened, 403, "access_mode")
    assert_problem(widened, 403, "readers")
    assert by_leader.status_code == 200, by_leader.text
    assert by_leader.json()["readers"] == ["doc.gia", "ai.do"]


async def test_the_history_does_not_name_the_files_of_a_restricted_document(
    client: httpx.AsyncClient,
) -> None:
    body = {
        "unit": OWN,
        "direction": "outgoing",
        "type_code": "QD",
        "summary": "Về việc kỷ luật",
        "access_mode": "restricted",
    }
    document = (await client.post("/api/v1/documents", json=body)).json()
    uploaded = await client.post(
        f"/api/v1/documents/{document['id']}/files",
        files=[("files", ("Ky-luat-Nguyen-Van-A.pdf", PDF, "application/pdf"))],
    )
    assert uploaded.status_code == 201, uploaded.text

    events = await client.get(
        "/api/v1/audit/events", params={"unit": OWN, "document": document["id"]}
    )

    [upload] = [e for e in events.json()["items"] if e["action"] == "file.upload"]
    assert "Ky-luat" not in str(upload)
    assert upload["detail"]["files"][0]["sha256"] == uploaded.json()[0]["sha256"]


async def test_moments_out_of_range_are_refused_not_failed(client: httpx.AsyncClient) -> None:
    far = "9999-12-31T23:59:59-14:00"
    token = await client.post(
        "/api/v1/tokens",
        json={"name": "x", "grants": [grant("archivist", OWN)], "expires_at": far},
    )
    since = await client.get("/api/v1/audit/events", params={"unit": OWN, "since": far})
    early = await client.get(
        "/api/v1/audit/events", params={"unit": OWN, "until": "0001-01-01T00:00:00+14:00"}
    )

    assert_problem(token, 422, "expires_at")
    assert_problem(since, 422, "since")
    assert_problem(early, 422, "until")


async def test_answers_that_carry_a_secret_are_not_stored_by_caches(
    client: httpx.AsyncClient,
) -> None:
    await make_person(client, "lan", grant("clerk", OWN))
    signed_in = await client.post(
        "/api/v1/auth/login", json={"username": "lan", "password": "mật khẩu đủ dài 2026"}
    )
    token = await client.post(
        "/api/v1/tokens", json={"name": "x", "grants": [grant("archivist", OWN)]}
    )

    assert signed_in.headers["cache-control"] == "no-store"
    assert token.headers["cache-control"] == "no-store"
    assert (await make_token(client, grant("archivist", OWN)))["token"].startswith("hoso_")
