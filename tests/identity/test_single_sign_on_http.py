# ruff: noqa: F811 (the fixtures imported from test_oidc are used by name)
"""A person signed in through the province's single sign-on calls the API with the identity
provider's token: a real JWKS served over HTTP by the test, verified by the service's middleware.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar

from core.app import create_app
from core.hookspecs import hookimpl
from core.settings import Settings
from tests.accounts import admin_client
from tests.identity.test_oidc import (  # noqa: F401 (fixtures used by name)
    AUDIENCE,
    IdentityProvider,
    SigningKey,
    claims_for,
    keys,
    no_proxy,
    provider,
)

OWN = "000.00.05.H25"


@pytest.fixture
def sso_app(make_settings: Callable[..., Settings], provider: IdentityProvider) -> Litestar:
    return create_app(make_settings(oidc_issuer=provider.issuer, oidc_audience=AUDIENCE))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_person_with_an_account_calls_the_api_with_the_provider_token(
    sso_app: Litestar, provider: IdentityProvider, keys: dict[str, SigningKey]
) -> None:
    async with admin_client(sso_app) as admin:
        made = await admin.post(
            "/api/v1/users",
            json={
                "username": "lan.nguyen",
                "full_name": "Nguyễn Thị Lan",
                "grants": [{"unit": OWN, "role": "clerk"}],
            },
        )
        assert made.status_code == 201, made.text
        token = keys["rsa"].sign(claims_for(provider, preferred_username="Lan.Nguyen"))
        me = await admin.get("/api/v1/auth/me", headers=bearer(token))
        stranger = keys["stranger"].sign(claims_for(provider, preferred_username="lan.nguyen"))
        forged = await admin.get("/api/v1/auth/me", headers=bearer(stranger))
        expired = keys["rsa"].sign(claims_for(provider, preferred_username="lan.nguyen", exp=1))
        late = await admin.get("/api/v1/auth/me", headers=bearer(expired))

    assert me.status_code == 200, me.text
    assert me.json()["name"] == "lan.nguyen" and me.json()["via"] == "oidc"
    assert me.json()["grants"] == [{"unit": OWN, "role": "clerk"}]
    assert forged.status_code == 401 and "not in the issuer's JWKS" in forged.json()["detail"]
    assert late.status_code == 401 and "expired" in late.json()["detail"]


async def test_a_person_without_an_account_is_refused_unless_a_plugin_maps_their_claims(
    sso_app: Litestar, provider: IdentityProvider, keys: dict[str, SigningKey]
) -> None:
    token = keys["rsa"].sign(
        claims_for(provider, preferred_username="binh.tran", groups=["vanthu-so-noi-vu"])
    )
    async with admin_client(sso_app) as admin:
        refused = await admin.get("/api/v1/auth/me", headers=bearer(token))

        class GroupsToRoles:
            @hookimpl
            def hoso_map_identity_claims(self, claims: dict[str, Any]) -> list[dict[str, str]]:
                if "vanthu-so-noi-vu" in claims.get("groups", []):
                    return [{"unit": OWN, "role": "clerk"}]
                return []

        sso_app.state.runtime.plugins.manager.register(GroupsToRoles(), name="groups_to_roles")
        mapped = await admin.get("/api/v1/auth/me", headers=bearer(token))

    assert refused.status_code == 401
    assert "no such account" in refused.json()["detail"]
    assert mapped.status_code == 200, mapped.text
    assert mapped.json()["grants"] == [{"unit": OWN, "role": "clerk"}]


async def test_a_token_of_an_untrusted_issuer_is_refused(
    make_settings: Callable[..., Settings], provider: IdentityProvider, keys: dict[str, SigningKey]
) -> None:
    app = create_app(make_settings())  # no single sign-on configured
    token = keys["rsa"].sign(claims_for(provider, preferred_username="lan.nguyen"))
    async with admin_client(app) as admin:
        answer = await admin.get("/api/v1/auth/me", headers=bearer(token))
    assert answer.status_code == 401
    assert "issuer this service does not trust" in answer.json()["detail"]
