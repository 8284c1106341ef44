"""Every request under /api/v1 belongs to someone: Litestar's authentication middleware asks
`service.authenticate`, and the handlers receive the `Principal` as `actor`.

Open without credentials: `/health`, the API docs under `/schema`, and the handlers marked
`exclude_from_auth` (signing in, refreshing).
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)

from core.identity.policy import Principal
from core.identity.service import authenticate


class BearerAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        runtime = connection.app.state.runtime
        client = connection.client
        source = client.host if client else None
        principal = await authenticate(runtime, connection.headers.get("authorization"), source)
        return AuthenticationResult(user=principal, auth=principal.via)


def provide_actor(request: Any) -> Principal:
    """The dependency handlers name `actor`: who is calling."""
    return request.user
