"""Every request under /api/v1 belongs to someone: Litestar's authentication middleware asks
`service.authenticate`, and the handlers receive the `Principal` as `actor`.

Open without credentials: `/health`, the API docs under `/schema`, and the handlers marked
`exclude_from_auth` (signing in, refreshing).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.middleware.rate_limit import RateLimitConfig

from core.identity.policy import Principal
from core.identity.service import authenticate
from core.settings import Settings


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


LIMITED_PATHS = ("/api/v1/auth/login", "/api/v1/auth/refresh")


def sign_in_rate_limit(settings: Settings) -> RateLimitConfig:
    """At most `sign_in_requests_per_minute` sign-ins and refreshes per client address, counted
    by each worker: beyond it, 429 with `Retry-After`. The per-account lockout stops guessing one
    password; this slows guessing many accounts' from one place. Behind a proxy, run the server
    with the proxy's address trusted (uvicorn --forwarded-allow-ips) so clients are told apart."""

    async def limited(request: Request[Any, Any, Any]) -> bool:
        return request.url.path in LIMITED_PATHS

    return RateLimitConfig(
        rate_limit=("minute", settings.sign_in_requests_per_minute),
        check_throttle_handler=limited,
        store="sign_in_rate_limit",
    )
