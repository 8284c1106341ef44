"""HTTP rules every request meets, whatever server runs the app (`hoso serve`, another ASGI server,
the test client), before any handler sees it:

- the request head (request line and headers) is at most `max_header_bytes`, else 431. The HTTP
  server bounds the head it buffers (`hoso serve`: h11), but only while the head is incomplete: a
  longer head that arrives in one read reaches the app, and is counted here, before routing;
- HEAD works wherever GET does (RFC 9110 §9.1): a HEAD to a path with no HEAD handler of its own
  runs as GET, and the answer's body is dropped (status and headers are GET's);
- a JSON body says it is JSON (`application/json` or `…+json`), else 415: a form or text body
  would otherwise be read as JSON;
- a query parameter is sent or left out, never null: `?state=null` is refused (422) where Litestar
  would read it as None, as if the parameter had been left out.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Request, Response
from litestar.constants import RESERVED_KWARGS
from litestar.enums import RequestEncodingType
from litestar.exceptions import MethodNotAllowedException
from litestar.params import BodyKwarg, ParameterKwarg
from litestar.typing import FieldDefinition
from litestar.utils import normalize_path

from core.errors import InvalidInput, UnsupportedMediaType
from core.problems import PROBLEM_JSON, answer_options

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

JSON = RequestEncodingType.JSON.value
# The header that names what a method takes, sent with a 415 (RFC 9110 §15.5.16).
ACCEPT_HEADER = {"POST": "Accept-Post", "PATCH": "Accept-Patch"}
NULL_MESSAGE = "null is not a value: leave the parameter out"


def apply_http_rules(app: Litestar, *, max_header_bytes: int) -> None:
    """Put the rules in front of the app's ASGI handler (call once, after the app is built).
    Litestar's own entry point has set up the scope by then; routing has not happened yet."""
    app.asgi_handler = HttpRules(app.asgi_handler, app, max_header_bytes)


class HttpRules:
    __slots__ = ("app", "litestar", "max_header_bytes")

    def __init__(self, app: ASGIApp, litestar: Litestar, max_header_bytes: int) -> None:
        self.app = app
        self.litestar = litestar
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            send = _without_body(send)
        size = request_head_size(scope)
        if size > self.max_header_bytes:
            await _send_too_large(send, size, self.max_header_bytes)
            return
        if head and self._served_by_get(scope):
            # A copy: the server keeps its own scope, and so still knows the request was a HEAD.
            scope = {**scope, "method": "GET"}  # type: ignore[assignment]
        await self.app(scope, receive, send)

    def _served_by_get(self, scope: Scope) -> bool:
        """Whether the path has GET but no HEAD of its own (the download has one)."""
        path = scope["path"]
        if root_path := scope.get("root_path", ""):  # as Litestar's router reads it
            path = path.split(root_path, maxsplit=1)[-1]
        try:
            self.litestar.asgi_router.handle_routing(path=normalize_path(path), method="HEAD")
        except MethodNotAllowedException as exc:
            allowed = (exc.headers or {}).get("allow", "")
            return "GET" in {method.strip().upper() for method in allowed.split(",")}
        except Exception:  # noqa: BLE001 - no such path: Litestar answers the HEAD itself
            return False
        return False


def request_head_size(scope: Scope) -> int:
    """The bytes of the request line and headers, as HTTP/1.1 sends them: `METHOD target
    HTTP/1.1`, each `name: value`, every line ending in CRLF, and the empty line after them."""
    # Some clients' scopes (httpx's, the test client's) keep the query in raw_path as well.
    raw_path = (scope.get("raw_path") or scope["path"].encode()).partition(b"?")[0]
    target = len(raw_path) + (1 + len(scope["query_string"]) if scope.get("query_string") else 0)
    line = len(scope["method"]) + 1 + target + len(" HTTP/1.1\r\n")
    headers = sum(len(name) + 2 + len(value) + 2 for name, value in scope["headers"])
    return line + headers + 2


async def _send_too_large(send: Send, size: int, limit: int) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Request header fields too large",
            "status": 431,
            "detail": f"The request line and headers together are {size:,} bytes; this service "
            f"accepts at most {limit:,} bytes (max_header_bytes). Send fewer or shorter headers "
            "(cookies, tokens) and a shorter query; larger data belongs in the request body. "
            "Nothing was done.",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 431,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _without_body(send: Send) -> Send:
    """An answer to HEAD: GET's status and headers (Content-Length included), no body."""

    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            message = {**message, "body": b""}  # type: ignore[assignment]
        await send(message)

    return send_headers_only


async def before_request(request: Request[Any, Any, Any]) -> Response[None] | None:
    """The app's `before_request`: OPTIONS answered for the whole path, JSON bodies checked.

    A coroutine though it never waits: Litestar runs a plain function given here in a worker
    thread, which cost every request a thread hop (about a fifth of a create's time)."""
    answered = answer_options(request)
    if answered is None:
        refuse_body_not_json(request)
        refuse_null_query_values(request)
    return answered


def refuse_body_not_json(request: Request[Any, Any, Any]) -> None:
    """A handler that reads a JSON body (`data`) gets one that says it is JSON, or none at all.

    A body without a Content-Type is refused too: RFC 9110 §8.3 lets a recipient take it for
    application/octet-stream, and curl's `-d` sends form-urlencoded. Multipart uploads read their
    body themselves (no `data`) and answer 415 in their own words."""
    if not _reads_json_body(request) or not _has_body(request):
        return
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if is_json_media_type(media_type):
        return
    said = f"this request was {media_type}" if media_type else "this request had no Content-Type"
    accept = ACCEPT_HEADER.get(request.method)
    raise UnsupportedMediaType(
        f"This operation reads a JSON body: send it with Content-Type: {JSON} (curl --json, or "
        f"-H 'Content-Type: {JSON}' with -d); {said}. Nothing was changed.",
        headers={accept: JSON} if accept else None,
    )


def is_json_media_type(media_type: str) -> bool:
    """`application/json`, or a JSON-based type (`application/merge-patch+json`, RFC 6839)."""
    return media_type == JSON or ("/" in media_type and media_type.endswith("+json"))


def _reads_json_body(request: Request[Any, Any, Any]) -> bool:
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return False
    media_type = getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON)
    return media_type == RequestEncodingType.JSON


def _has_body(request: Request[Any, Any, Any]) -> bool:
    headers = request.headers
    return headers.get("content-length", "0").strip() != "0" or "transfer-encoding" in headers


def refuse_null_query_values(request: Request[Any, Any, Any]) -> None:
    """`?state=null` names no state: Litestar reads the text `null` as None for a parameter that
    may be None and is not text, which would answer as if the parameter were left out."""
    sent = request.query_params
    if "null" not in sent.values():
        return
    wrong = [
        name
        for name, field in _query_fields(request.route_handler, frozenset(request.path_params))
        if "null" in sent.getall(name, []) and _null_reads_as_none(field)
    ]
    if wrong:
        raise InvalidInput(
            f"null is not a value of {', '.join(wrong)}: a query parameter is sent with a "
            "value, or left out to mean none. Nothing was done.",
            errors=[
                {"field": name, "message": "null is not a value: leave it out"} for name in wrong
            ],
        )


@lru_cache(maxsize=512)
def _query_fields(handler: Any, path_names: frozenset[str]) -> tuple[tuple[str, Any], ...]:
    """The handler's query parameters, by the name a client sends (`state` for `doc_state`)."""
    dependencies = handler.resolve_dependencies()
    found = []
    for name, field in handler.parsed_fn_signature.parameters.items():
        kwarg = field.kwarg_definition
        if name in RESERVED_KWARGS or name in path_names or name in dependencies:
            continue
        if field.is_di_field or isinstance(kwarg, BodyKwarg) or field.is_non_string_sequence:
            continue
        if isinstance(kwarg, ParameterKwarg):
            if kwarg.header or kwarg.cookie:
                continue
            found.append((kwarg.name or name, field))
        elif kwarg is None:
            found.append((name, field))
    return tuple(found)


def _null_reads_as_none(field: FieldDefinition) -> bool:
    if not field.is_optional:
        return False  # `null` fails to convert, and Litestar says so
    try:  # what Litestar's signature model does with the text
        return msgspec.convert("null", field.annotation, strict=False) is None
    except (msgspec.ValidationError, TypeError):
        return False
