"""A person signed in through the province's single sign-on (OpenID Connect): the verified token
names a hoso user (`oidc_username_claim`); their grants are the account's, plus any a plugin maps
from the token's claims (`hoso_map_identity_claims`)."""

from __future__ import annotations

import logging
import re
from typing import Any

from core.errors import NotAuthenticated
from core.identity.models import USERNAME_PATTERN, Grant, User
from core.identity.oidc import InvalidOidcToken, OidcVerifier
from core.identity.policy import Principal
from core.plugins import call_in_registration_order
from core.runtime import Runtime

logger = logging.getLogger("hoso")


async def oidc_principal(runtime: Runtime, token: str, source: str | None) -> Principal:
    verifier: OidcVerifier = runtime.oidc
    try:
        identity = await verifier.verify(token)
    except InvalidOidcToken as exc:
        raise NotAuthenticated(f"The single sign-on token is refused: {exc.reason}.") from None
    username = identity.username.strip().lower()
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise NotAuthenticated(
            f"Single sign-on names you {identity.username[:64]!r}, which is not a hoso username "
            "(lower-case letters, digits and . _ @ -). Ask whoever runs the service to map "
            "another claim (oidc_username_claim)."
        )
    user = await User.get(username)
    if user is not None and user.disabled:
        raise NotAuthenticated(f"The account {username!r} is disabled.")
    mapped = _mapped_grants(runtime, identity.claims, username)
    if user is None and not mapped:
        raise NotAuthenticated(
            f"Single sign-on says you are {username!r}, but hoso has no such account and no "
            "plugin gives you a role. Ask an administrator to make the account "
            "(hoso users add, or POST /api/v1/users)."
        )
    grants = list(user.grants if user else [])
    grants += [grant for grant in mapped if grant not in grants]
    return runtime.policy.principal(username, "person", grants, via="oidc", source=source)


def _mapped_grants(runtime: Runtime, claims: dict[str, Any], username: str) -> list[Grant]:
    answers = call_in_registration_order(
        runtime.plugins.manager.hook.hoso_map_identity_claims, claims=claims, username=username
    )
    grants: list[Grant] = []
    for plugin, answer in answers:
        for entry in answer or []:
            try:
                grant = Grant(unit=str(entry["unit"]), role=str(entry["role"]))
            except (KeyError, TypeError):
                logger.warning(
                    "plugin %s mapped claims to a grant without unit/role: %r", plugin, entry
                )
                continue
            if grant.role in runtime.policy.roles and runtime.units.get(grant.unit) is not None:
                grants.append(grant)
            else:
                logger.warning(
                    "plugin %s mapped claims to an unknown role or unit: %r", plugin, entry
                )
    return grants
