"""Cross-origin requests (CORS): which web front-ends on other origins may call the API.

Litestar's CORS middleware does the work, configured from `cors_allow_origins`; with none, it is
not installed and no answer carries a CORS header. Credentials stay off: a front-end sends its
token in `Authorization`, which needs only `Access-Control-Allow-Headers`, and cookies or HTTP
authentication must never ride along to another origin's scripts.

A preflight the middleware would refuse is answered here instead, as problem details that say
what was refused (Litestar answers a bare `text/plain` 400).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from litestar.config.cors import CORSConfig
from litestar.constants import DEFAULT_ALLOWED_CORS_HEADERS
from litestar.datastructures import Headers

from core.problems import PROBLEM_JSON
from core.settings import Settings

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Receive, Scope, Send

ALLOWED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# What a front-end sends besides the CORS-safelisted headers: its token, JSON bodies, revisions
# and the download's conditional and range requests.
ALLOWED_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "If-Range",
    "Range",
]
# What a script may read of an answer besides the safelisted ones (Content-Type, Content-Length…).
EXPOSED_RESPONSE_HEADERS = [
    "Location",
    "ETag",
    "Content-Range",
    "Content-Disposition",
    "Accept-Ranges",
    "Allow",
    "X-Content-SHA256",
]
PREFLIGHT_MAX_AGE_SECONDS = 600


def cors_config(settings: Settings) -> CORSConfig | None:
    """Litestar's CORS configuration, or None (no CORS at all) when no origin is allowed."""
    if not settings.cors_allow_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_allow_origins),
        allow_methods=list(ALLOWED_METHODS),  # type: ignore[arg-type]
        allow_headers=list(ALLOWED_REQUEST_HEADERS),
        allow_credentials=False,
        expose_headers=list(EXPOSED_RESPONSE_HEADERS),
        max_age=PREFLIGHT_MAX_AGE_SECONDS,
    )


def apply_cors_refusals(app: Litestar) -> None:
    """Answer refused preflights with problem details (call once, after the app is built)."""
    if app.cors_config is not None:
        app.asgi_handler = PreflightRefusals(app.asgi_handler, app.cors_config)


class PreflightRefusals:
    __slots__ = ("app", "config")

    def __init__(self, app: ASGIApp, config: CORSConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Litestar takes every OPTIONS with an Origin for a preflight, and so does this.
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = Headers.from_scope(scope)
            origin = headers.get("origin")
            refused = refusal(self.config, origin, headers) if origin is not None else None
            if refused is not None:
                await _send_refusal(send, refused)
                return
        await self.app(scope, receive, send)


def refusal(config: CORSConfig, origin: str, headers: Headers) -> str | None:
    """Why a preflight from `origin` is refused, for a person to read; None if it is not."""
    if not config.is_origin_allowed(origin):
        return (
            f"This service does not take cross-origin requests from {origin}: only the origins "
            "in its cors_allow_origins setting may call it from a browser. Ask whoever runs the "
            "service to add yours. Nothing was done."
        )
    method = headers.get("access-control-request-method", "").strip()
    if method and not config.is_allow_all_methods and method not in config.allow_methods:
        return (
            f"{method} is not allowed across origins; these are: "
            f"{', '.join(ALLOWED_METHODS)}. Nothing was done."
        )
    allowed = set(config.allow_headers) | {name.lower() for name in DEFAULT_ALLOWED_CORS_HEADERS}
    asked = headers.get("access-control-request-headers", "").split(",")
    refused = [name.strip() for name in asked if name.strip()]
    refused = [name for name in refused if name.lower() not in allowed]
    if refused and not config.is_allow_all_headers:
        return (
            f"The request headers {', '.join(refused)} are not allowed across origins; these "
            f"are: {', '.join(ALLOWED_REQUEST_HEADERS)} (and the CORS-safelisted ones). "
            "Nothing was done."
        )
    return None


async def _send_refusal(send: Send, detail: str) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Cross-origin request refused",
            "status": 400,
            "detail": detail,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"vary", b"Origin"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
