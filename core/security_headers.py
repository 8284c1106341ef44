"""Headers every answer carries, whatever wrote it: handlers, problem details, 404s and 405s of
the router, the 431 of `core.http_rules`, the docs page and its files, file downloads.

A small ASGI wrapper around the app, outside everything else, so no answer can miss them. A header
an answer already has is left as it is.

- `X-Content-Type-Options: nosniff`: a browser takes each answer for its declared type only.
- `Referrer-Policy: no-referrer`: document ids in URLs do not leak to other sites.
- `X-Frame-Options: DENY` and `frame-ancestors 'none'`: no page of another site frames this one.
- `Content-Security-Policy`: JSON answers load nothing (`default-src 'none'`); a file's download
  is also sandboxed, so an uploaded HTML or SVG file opened in a browser runs no script and is
  not of this origin; the docs page loads this service's own files only.
- `Strict-Transport-Security` when `hsts_seconds` is set: only behind HTTPS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.docs import DOCS_PATH

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
FILE_POLICY = f"{API_POLICY}; sandbox"
# Swagger UI: its script and styles from this service; icons in its styles are data: URLs; the
# document and "Try it out" requests go to this service. No inline script anywhere.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
_CSP = b"content-security-policy"
_API, _FILE, _DOCS = (policy.encode() for policy in (API_POLICY, FILE_POLICY, DOCS_POLICY))


def apply_security_headers(app: Litestar, *, hsts_seconds: int) -> None:
    """Wrap the app's ASGI handler (call once, last, after every other wrapper)."""
    app.asgi_handler = SecurityHeaders(app.asgi_handler, hsts_seconds=hsts_seconds)


class SecurityHeaders:
    __slots__ = ("always", "app")

    def __init__(self, app: ASGIApp, *, hsts_seconds: int) -> None:
        self.app = app
        always = list(_ALWAYS)
        if hsts_seconds > 0:
            always.append((b"strict-transport-security", f"max-age={hsts_seconds}".encode()))
        self.always = tuple(always)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = _is_docs_path(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers += [pair for pair in self.always if pair[0] not in present]
                if _CSP not in present:
                    headers.append((_CSP, _policy(headers, docs=docs)))
                message = {**message, "headers": headers}  # type: ignore[assignment]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_docs_path(scope: Scope) -> bool:
    path = scope["path"]
    if root_path := scope.get("root_path", ""):  # as Litestar's router reads it
        path = path.split(root_path, maxsplit=1)[-1]
    return path == DOCS_PATH or path.startswith(f"{DOCS_PATH}/")


def _policy(headers: list[tuple[bytes, bytes]], *, docs: bool) -> bytes:
    media_type = b""
    for name, value in headers:
        if name.lower() == b"content-type":
            media_type = value.partition(b";")[0].strip().lower()
            break
    if docs and media_type == b"text/html":
        return _DOCS
    if not media_type or media_type == b"application/json" or media_type.endswith(b"+json"):
        return _API
    # Anything else is a file: a document's download, or a script or style of the docs page
    # (for which the policy means nothing).
    return _FILE
