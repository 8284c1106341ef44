"""API tokens for systems: shown once, stored as a hash, scoped by their own grants, revoked or
expired at the next request; and what an administrator may grant, to a token or a person."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from core.app import create_app
from core.identity.models import ApiToken
from core.settings import Settings
from tests.accounts import ADMIN_TOKEN
from tests.conftest import concurrent_client
from tests.documents.conftest import assert_problem
from tests.identity.people import (
    OTHER,
    OWN,
    PARENT,
    PROVINCE,
    acting,
    draft,
    grant,
    make_person,
    make_token,
    sign_in,
)


async def test_a_token_is_shown_once_and_stored_only_as_a_hash(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings())
    async with concurrent_client(app) as client:
        made = await client.post(
            "/api/v1/tokens", json={"name": "cổng dịch vụ công", "grants": [grant("clerk", OWN)]}
        )
        created = made.json()
        secret = created["token"].rsplit("_", 1)[1]
        one = await client.get(f"/api/v1/tokens/{created['id']}")
        every = await client.get("/api/v1/tokens")
        works = await acting(client, created["token"]).get("/api/v1/auth/me")
        stored = await ApiToken.get_motor_collection().find_one({"_id": created["id"]})
        bootstrap = await ApiToken.get_motor_collection().find_one({"_id": "0000000000ad"})

    assert made.status_code == 201, made.text
    assert made.headers["location"] == f"/api/v1/tokens/{created['id']}"
    assert created["token"].startswith(f"hoso_{created['id']}_")
    assert created["created_by"] == "token:0000000000ad"
    for later in (one, every):
        assert later.status_code == 200, later.text
        assert secret not in later.text
    assert "token" not in one.json()
    assert created["id"] in {item["id"] for item in every.json()}
    assert all("token" not in item for item in every.json())
    assert works.json()["name"] == f"token:{created['id']}"
    assert works.json()["kind"] == "system"
    assert stored is not None and secret not in str(stored)
    assert stored["secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    # The suite's own bootstrap token is kept the same way.
    assert bootstrap is not None and ADMIN_TOKEN.rsplit("_", 1)[1] not in str(bootstrap)


async def test_a_token_reads_only_the_units_of_its_grants(client: httpx.AsyncClient) -> None:
    ours = await draft(client, OWN)
    theirs = await draft(client, OTHER)
    below = await draft(client, OWN)
    clerk = acting(client, (await make_token(client, grant("clerk", OWN)))["token"])
    district = acting(client, (await make_token(client, grant("unit_admin", PARENT)))["token"])

    assert (await clerk.get(f"/api/v1/documents/{ours['id']}")).status_code == 200
    assert_problem(await clerk.get(f"/api/v1/documents/{theirs['id']}"), 404)
    # A role that covers the units below reads them, and nothing beside.
    assert (await district.get(f"/api/v1/documents/{below['id']}")).status_code == 200
    assert_problem(await district.get(f"/api/v1/documents/{theirs['id']}"), 404)


async def test_a_revoked_token_is_refused_at_its_next_request(client: httpx.AsyncClient) -> None:
    token = await make_token(client, grant("clerk", OWN))
    system = acting(client, token["token"])
    assert (await system.get("/api/v1/documents")).status_code == 200

    revoked = await client.delete(f"/api/v1/tokens/{token['id']}")

    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    body = assert_problem(await system.get("/api/v1/documents"), 401, "revoked")
    assert body["title"] == "Not signed in"
    again = await client.delete(f"/api/v1/tokens/{token['id']}")  # revoking twice is no error
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


async def test_an_expired_token_is_refused_at_its_next_request(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings())
    async with concurrent_client(app) as client:
        soon = datetime.now(UTC) + timedelta(seconds=1)
        token = await make_token(client, grant("clerk", OWN), expires_at=soon.isoformat())
        system = acting(client, token["token"])
        before = await system.get("/api/v1/documents")
        await ApiToken.get_motor_collection().update_one(
            {"_id": token["id"]}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(hours=1)}}
        )
        after = await system.get("/api/v1/documents")
        past = await client.post(
            "/api/v1/tokens",
            json={
                "name": "hết hạn",
                "grants": [grant("clerk", OWN)],
                "expires_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
            },
        )
        naive = await client.post(
            "/api/v1/tokens",
            json={
                "name": "không múi giờ",
                "grants": [grant("clerk", OWN)],
                "expires_at": "2030-01-01T00:00:00",
            },
        )

    assert token["expires_at"] is not None
    assert before.status_code == 200, before.text
    assert_problem(after, 401, "expired")
    assert_problem(past, 422, "expires_at")
    assert_problem(naive, 422, "expires_at")


async def test_a_unit_administrator_grants_only_what_it_holds_where_it_holds_it(
    client: httpx.AsyncClient,
) -> None:
    made = await make_token(client, grant("unit_admin", PARENT))
    admin_of_parent = acting(client, made["token"])

    async def token_with(*grants: dict[str, str]) -> httpx.Response:
        return await admin_of_parent.post(
            "/api/v1/tokens", json={"name": "hệ thống", "grants": list(grants)}
        )

    allowed = [
        await token_with(grant("unit_admin", PARENT)),  # exactly what it holds there
        await token_with(grant("unit_admin", OWN)),  # below: its role covers it
    ]
    refused = [
        await token_with(grant("archivist", OWN)),  # accepts records into the archive: it does not
        # A token is never stronger than its maker: a unit administrator writes no documents,
        # numbers none and reads no restricted ones, so its tokens may not either.
        await token_with(grant("clerk", PARENT)),
        await token_with(grant("specialist", OWN)),
        await token_with(grant("leader", OWN)),
        await token_with(grant("province_admin", PARENT)),  # more than it holds there
        await token_with(grant("province_admin", OWN)),
        await token_with(grant("unit_admin", OTHER)),  # not its unit
        await token_with(grant("unit_admin", PROVINCE)),  # above its unit
        await token_with(grant("unit_admin", OWN), grant("unit_admin", OTHER)),  # one too many
    ]
    unknown = [
        await token_with(grant("chief", OWN)),
        await token_with(grant("unit_admin", "999.99.99.H99")),
    ]

    for response in allowed:
        assert response.status_code == 201, response.text
    for response in refused:
        assert_problem(response, 403)
    assert_problem(unknown[0], 422, "role")
    assert_problem(unknown[1], 422, "unit")
    ids = {token["id"] for token in (await client.get("/api/v1/tokens")).json()}
    assert len(ids) == 1 + 1 + len(allowed)  # the suite's, the unit admin's, those allowed

    # The same rules hold for the roles of people.
    await make_person(client, "chuyen.vien", grant("specialist", OWN), password=None)
    person_grants = [
        await admin_of_parent.post(
            "/api/v1/users/chuyen.vien/grants", json=grant("province_admin", OWN)
        ),
        await admin_of_parent.post("/api/v1/users/chuyen.vien/grants", json=grant("clerk", OTHER)),
        await admin_of_parent.post(
            "/api/v1/users",
            json={
                "username": "quan.tri",
                "full_name": "Quản Trị",
                "grants": [grant("province_admin", PARENT)],
            },
        ),
    ]
    for response in person_grants:
        assert_problem(response, 403)
    assert_problem(await client.get("/api/v1/users/quan.tri"), 404)  # nothing was made
    given = await admin_of_parent.post("/api/v1/users/chuyen.vien/grants", json=grant("clerk", OWN))
    assert given.status_code == 200, given.text
    assert given.json()["grants"] == [grant("specialist", OWN), grant("clerk", OWN)]


async def test_a_role_taken_back_ends_at_the_persons_next_request(
    client: httpx.AsyncClient,
) -> None:
    document = await draft(client, OWN)
    await make_person(client, "van.thu", grant("clerk", OWN))
    person = acting(client, (await sign_in(client, "van.thu"))["access_token"])
    assert (await person.get(f"/api/v1/documents/{document['id']}")).status_code == 200

    taken = await client.delete(
        "/api/v1/users/van.thu/grants", params={"unit": OWN, "role": "clerk"}
    )

    assert taken.status_code == 200, taken.text
    assert taken.json()["grants"] == []
    assert_problem(await person.get(f"/api/v1/documents/{document['id']}"), 404)
    assert (await person.get("/api/v1/auth/me")).json()["actions"] == {}


async def test_a_unit_administrator_cannot_lock_out_a_stronger_administrator(
    client: httpx.AsyncClient,
) -> None:
    await make_person(
        client, "quan.tri.tinh", grant("province_admin", PROVINCE), grant("clerk", OWN)
    )
    admin_of_own = acting(client, (await make_token(client, grant("unit_admin", OWN)))["token"])

    disable = await admin_of_own.patch("/api/v1/users/quan.tri.tinh", json={"disabled": True})
    password = await admin_of_own.put(
        "/api/v1/users/quan.tri.tinh/password", json={"password": "một mật khẩu khác 2026"}
    )
    take_back = await admin_of_own.delete(
        "/api/v1/users/quan.tri.tinh/grants", params={"unit": PROVINCE, "role": "province_admin"}
    )

    assert_problem(disable, 403)
    assert_problem(password, 403)
    assert_problem(take_back, 403)
    after = (await client.get("/api/v1/users/quan.tri.tinh")).json()
    assert after["disabled"] is False
    assert {"unit": PROVINCE, "role": "province_admin"} in after["grants"]
    # A clerk's token manages nobody and makes no tokens.
    clerk = acting(client, (await make_token(client, grant("clerk", OWN)))["token"])
    made = await clerk.post("/api/v1/tokens", json={"name": "x", "grants": [grant("clerk", OWN)]})
    assert_problem(made, 403)
