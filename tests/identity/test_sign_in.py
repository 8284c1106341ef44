"""People signing in: password, access and refresh tokens, lockout, signing out, disabled
accounts, password changes; and what answers without signing in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from core.app import create_app
from core.identity.models import ServiceSecret, User
from core.identity.service import SIGNING_KEY_ID
from core.settings import Settings
from tests.accounts import admin_client
from tests.conftest import concurrent_client
from tests.documents.conftest import assert_problem
from tests.identity.people import (
    OWN,
    PASSWORD,
    acting,
    anonymous,
    grant,
    make_person,
    make_token,
    sign_in,
)

NEW_PASSWORD = "một mật khẩu mới hơn 2027"
HOW_TO_SIGN_IN = "POST /api/v1/auth/login"


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await anonymous(client).post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await anonymous(client).post(
        "/api/v1/auth/refresh", json={"refresh_token": refresh_token}
    )


async def me(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await acting(client, access_token).get("/api/v1/auth/me")


def assert_signed_out(response: httpx.Response, *named: str) -> dict:
    body = assert_problem(response, 401, *named)
    assert response.headers["www-authenticate"] == 'Bearer realm="hoso"'
    return body


async def test_a_person_signs_in_and_acts_with_the_access_token(
    client: httpx.AsyncClient,
) -> None:
    await make_person(client, "van.thu", grant("clerk", OWN))

    tokens = await sign_in(client, "Van.Thu ")  # as typed: case and spaces do not matter

    assert tokens["token_type"] == "Bearer"
    assert tokens["username"] == "van.thu"
    assert tokens["expires_in"] == 15 * 60
    who = await me(client, tokens["access_token"])
    assert who.status_code == 200, who.text
    assert who.json() | {"actions": None} == {
        "name": "van.thu",
        "kind": "person",
        "via": "password",
        "grants": [{"unit": OWN, "role": "clerk"}],
        "actions": None,
    }
    assert who.json()["actions"]["documents.number"] == [OWN]
    made = await acting(client, tokens["access_token"]).post(
        "/api/v1/documents",
        json={"unit": OWN, "direction": "outgoing", "type_code": "QD", "summary": "Về việc A"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["created_by"] == "van.thu"


async def test_a_wrong_password_and_an_unknown_person_get_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    await make_person(client, "van.thu", grant("clerk", OWN))

    wrong = await login(client, "van.thu", "không phải mật khẩu")
    unknown = await login(client, "khong.ai", PASSWORD)

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"]
    assert "wrong username or password" in wrong.json()["detail"].lower()
    assert_problem(await login(client, "", "x"), 422)  # an empty username is not an attempt


async def test_after_too_many_failures_the_account_is_locked_even_for_the_right_password(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(sign_in_max_failures=3, sign_in_lockout_minutes=10))
    async with admin_client(app) as client:
        await make_person(client, "van.thu", grant("clerk", OWN))

        failures = [await login(client, "van.thu", f"sai mật khẩu {n}") for n in range(3)]
        locked = await login(client, "van.thu", PASSWORD)
        also_wrong = await login(client, "van.thu", "sai lần nữa")
        account = await client.get("/api/v1/users/van.thu")
        # An administrator who sets a new password lifts the lock.
        reset = await client.put("/api/v1/users/van.thu/password", json={"password": NEW_PASSWORD})
        after = await login(client, "van.thu", NEW_PASSWORD)

    assert [response.status_code for response in failures] == [401, 401, 401]
    body = assert_problem(locked, 429, "locked until")
    assert body["title"] == "Too many attempts"
    assert 9 * 60 < int(locked.headers["retry-after"]) <= 10 * 60 + 1
    assert also_wrong.status_code == 429
    assert account.json()["locked_until"] is not None
    assert reset.status_code == 204, reset.text
    assert after.status_code == 200, after.text


async def test_a_success_before_the_limit_starts_the_count_again(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings(sign_in_max_failures=3))
    async with admin_client(app) as client:
        await make_person(client, "van.thu", grant("clerk", OWN))
        statuses = []
        for password in ("sai 1", "sai 2", PASSWORD, "sai 3", "sai 4", PASSWORD):
            statuses.append((await login(client, "van.thu", password)).status_code)

    assert statuses == [401, 401, 200, 401, 401, 200]


async def test_a_refresh_token_works_once_and_is_replaced(client: httpx.AsyncClient) -> None:
    await make_person(client, "van.thu", grant("clerk", OWN))
    first = await sign_in(client, "van.thu")

    renewed = await refresh(client, first["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    assert (await me(client, second["access_token"])).status_code == 200
    replayed = await refresh(client, first["refresh_token"])

    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert_signed_out(replayed, HOW_TO_SIGN_IN)
    # A refresh token used twice means someone holds a copy: that whole sign-in ends, so the
    # token it was traded for and its access token stop working too (RFC 9700 §4.14.2).
    assert_signed_out(await refresh(client, second["refresh_token"]))
    assert_signed_out(await me(client, second["access_token"]))
    other = await sign_in(client, "van.thu")  # signing in again works
    assert (await refresh(client, other["refresh_token"])).status_code == 200
    for bad in ("not-a-token", "0" * 24 + "." + "0" * 64):
        assert_signed_out(await refresh(client, bad))


async def test_after_signing_out_the_tokens_of_that_sign_in_stop_working(
    client: httpx.AsyncClient,
) -> None:
    await make_person(client, "van.thu", grant("clerk", OWN))
    ended = await sign_in(client, "van.thu")
    other = await sign_in(client, "van.thu")  # another device: stays signed in

    logged_out = await acting(client, ended["access_token"]).post("/api/v1/auth/logout")

    assert logged_out.status_code == 204, logged_out.text
    assert_signed_out(await me(client, ended["access_token"]), "signed out")
    assert_signed_out(await refresh(client, ended["refresh_token"]))
    assert (await me(client, other["access_token"])).status_code == 200
    # An API token is not a sign-in: it is revoked, not signed out.
    system = await make_token(client, grant("clerk", OWN))
    assert_problem(await acting(client, system["token"]).post("/api/v1/auth/logout"), 409)


async def test_a_disabled_account_is_refused_at_its_next_request(
    client: httpx.AsyncClient,
) -> None:
    await make_person(client, "van.thu", grant("clerk", OWN))
    tokens = await sign_in(client, "van.thu")
    assert (await me(client, tokens["access_token"])).status_code == 200

    disabled = await client.patch("/api/v1/users/van.thu", json={"disabled": True})

    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled"] is True
    assert_signed_out(await me(client, tokens["access_token"]))
    assert_signed_out(await refresh(client, tokens["refresh_token"]))
    refused = await login(client, "van.thu", PASSWORD)
    unknown = await login(client, "khong.ai", PASSWORD)
    assert refused.status_code == 401
    assert refused.json() == unknown.json()  # does not say the account exists
    enabled = await client.patch("/api/v1/users/van.thu", json={"disabled": False})
    assert enabled.status_code == 200, enabled.text
    assert (await login(client, "van.thu", PASSWORD)).status_code == 200


async def test_changing_ones_password_ends_the_other_sign_ins(client: httpx.AsyncClient) -> None:
    await make_person(client, "van.thu", grant("clerk", OWN))
    here = await sign_in(client, "van.thu")
    elsewhere = await sign_in(client, "van.thu")
    person = acting(client, here["access_token"])

    wrong = await person.post(
        "/api/v1/auth/password",
        json={"current_password": "không đúng", "new_password": NEW_PASSWORD},
    )
    too_short = await person.post(
        "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "ngắn"}
    )
    assert (await me(client, elsewhere["access_token"])).status_code == 200
    changed = await person.post(
        "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert_problem(wrong, 422, "current_password")
    assert_problem(too_short, 422, "password", "at least 10 characters")
    assert changed.status_code == 204, changed.text
    assert_signed_out(await me(client, elsewhere["access_token"]))
    assert_signed_out(await refresh(client, elsewhere["refresh_token"]))
    assert (await me(client, here["access_token"])).status_code == 200
    assert (await login(client, "van.thu", PASSWORD)).status_code == 401
    assert (await login(client, "van.thu", NEW_PASSWORD)).status_code == 200


async def test_a_password_is_refused_when_short_or_made_of_the_username(
    client: httpx.AsyncClient,
) -> None:
    short = await client.post(
        "/api/v1/users",
        json={"username": "van.thu", "full_name": "Văn Thư", "password": "ngắn quá"},
    )
    with_name = await client.post(
        "/api/v1/users",
        json={"username": "van.thu", "full_name": "Văn Thư", "password": "van.thu-2026-abc"},
    )

    assert_problem(short, 422, "password", "at least 10 characters")
    assert_problem(with_name, 422, "password", "username")
    assert_problem(await client.get("/api/v1/users/van.thu"), 404)  # nothing was made
    await make_person(client, "van.thu", password=None)
    set_short = await client.put("/api/v1/users/van.thu/password", json={"password": "123456789"})
    assert_problem(set_short, 422, "password")


async def test_health_and_the_api_description_answer_without_signing_in(
    client: httpx.AsyncClient,
) -> None:
    nobody = anonymous(client)

    assert (await nobody.get("/health")).status_code == 200
    described = await nobody.get("/schema/openapi.json")
    assert described.status_code == 200
    assert "bearer" in described.json()["components"]["securitySchemes"]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic dmFuLnRodTptYXRraGF1",
        "Bearer not-a-token",
        "Bearer hoso_0000000000ad_" + "00" * 32,  # the admin token's id, a wrong secret
        "Bearer " + jwt.encode({"iss": "someone-else", "sub": "x"}, "k" * 32, "HS256"),
        "Bearer " + jwt.encode({"iss": "hoso", "sub": "admin", "exp": 2**40}, "k" * 32, "HS256"),
    ],
)
async def test_the_api_needs_a_token_and_says_how_to_get_one(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    request = client.build_request("GET", "/api/v1/documents")
    del request.headers["authorization"]
    if authorization is not None:
        request.headers["authorization"] = authorization

    response = await client.send(request)

    body = assert_signed_out(response)
    assert body["title"] == "Not signed in"
    if authorization is None or "Basic" in authorization or "not-a-token" in authorization:
        assert HOW_TO_SIGN_IN in body["detail"]


async def test_an_expired_access_token_is_refused_as_expired(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings())
    async with concurrent_client(app) as client:
        await make_person(client, "van.thu", grant("clerk", OWN))
        tokens = await sign_in(client, "van.thu")
        stored = await ServiceSecret.get(SIGNING_KEY_ID)
        assert stored is not None
        claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})

        def signed(expires: datetime) -> str:
            return jwt.encode(claims | {"exp": expires}, stored.value, "HS256")

        now = datetime.now(UTC)
        still_valid = await me(client, signed(now + timedelta(minutes=1)))
        expired = await me(client, signed(now - timedelta(seconds=1)))
        forged = await me(client, jwt.encode(claims, "another key" * 4, "HS256"))

    assert still_valid.status_code == 200, still_valid.text  # the key and claims are right
    assert_signed_out(expired, "expired", "POST /api/v1/auth/refresh")
    body = assert_signed_out(forged, "not one this service signed")
    assert "expired" not in body["detail"]


@pytest.mark.full_cost_passwords
async def test_passwords_are_stored_as_argon2id_at_full_cost(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings())
    async with concurrent_client(app) as client:
        await make_person(client, "van.thu", grant("clerk", OWN))
        signed_in = await login(client, "van.thu", PASSWORD)
        stored = await User.get("van.thu")

    assert signed_in.status_code == 200, signed_in.text
    assert stored is not None and stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored.password_hash
