"""Exception handlers: every error leaves the service as `application/problem+json`."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from pymongo.errors import ConnectionFailure

from core.errors import HosoError
from storage import BlobStoreUnavailable

logger = logging.getLogger("hoso")

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    body.update(extensions)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def handle_hoso_error(request: Request[Any, Any, Any], exc: HosoError) -> Response[dict[str, Any]]:
    return problem(exc.status_code, exc.title, exc.detail, exc.headers, **exc.extensions)


def handle_validation(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    """Litestar's own request validation: malformed JSON, wrong types, missing fields."""
    errors = _field_errors(request, exc.extra)
    if not errors:
        return problem(400, "Bad request", _plain(exc.detail))
    names = ", ".join(error["field"] for error in errors)
    return problem(422, "Invalid input", f"Check these fields: {names}.", errors=errors)


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    title = {
        404: "Not found",
        405: "Method not allowed",
        413: "Payload too large",
        415: "Unsupported media type",
        429: "Too many attempts",
    }.get(exc.status_code, "Error")
    detail = _plain(exc.detail)
    if isinstance(exc.__cause__, SerializationException):
        title = "Bad request"
        detail = f"The request body is not valid JSON ({detail}); send one JSON object."
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"There is nothing at {request.url.path}. See /schema for the API."
    if exc.status_code == 413:
        detail = "The request body is larger than this service accepts."
    headers = None
    if exc.status_code == 429:  # the sign-in limit per client address
        wait = (exc.headers or {}).get("RateLimit-Reset", "60")
        headers = {"Retry-After": wait}
        detail = (
            f"Too many sign-in attempts from your address; try again in {wait} s. "
            "Ask an administrator if you have forgotten your password."
        )
    if exc.status_code == 405:
        allowed = _allowed_methods(request, exc)
        headers = {"Allow": allowed}
        detail = f"{request.method} is not allowed on {request.url.path}; use {allowed}."
    return problem(exc.status_code, title, detail, headers)


def _allowed_methods(request: Request[Any, Any, Any], exc: HTTPException) -> str:
    # The router knows every method of the path and says so in the exception's Allow header.
    named = (exc.headers or {}).get("allow", "")
    methods = {m.strip().upper() for m in named.split(",") if m.strip()}
    methods -= {"ASGI", "WEBSOCKET"}
    if "GET" in methods:
        methods.add("HEAD")  # answered as GET without the body (core.http_rules)
    return ", ".join(sorted(methods))


def answer_options(request: Request[Any, Any, Any]) -> Response[None] | None:
    """`OPTIONS` lists every method of the path. Litestar answers it per handler group, so a path
    served by two groups (GET and POST /documents) would list half; ask the router instead."""
    if request.method != "OPTIONS":
        return None
    try:
        request.app.asgi_router.handle_routing(request.url.path, "PROBE")  # type: ignore[arg-type]
    except HTTPException as exc:
        if exc.status_code == 405:
            return Response(
                None, status_code=204, headers={"Allow": _allowed_methods(request, exc)}
            )
    return None


def handle_blob_unavailable(
    request: Request[Any, Any, Any], exc: BlobStoreUnavailable
) -> Response[dict[str, Any]]:
    # The reason names paths and endpoints of the deployment: it goes to the log, not the client.
    logger.error("blob store unavailable on %s %s: %s", request.method, request.url.path, exc)
    return problem(
        503,
        "Service unavailable",
        "The file store is not answering, so the request was not carried out. Try again in a "
        "moment; if it persists, tell whoever runs the service (see GET /health).",
    )


def handle_database_unreachable(
    request: Request[Any, Any, Any], exc: ConnectionFailure
) -> Response[dict[str, Any]]:
    logger.error("database error on %s %s: %s", request.method, request.url.path, exc)
    return problem(
        503,
        "Service unavailable",
        "The database is not answering, so the request may not have been carried out. "
        "Read the item again in a moment before retrying.",
    )


def handle_too_deep(
    request: Request[Any, Any, Any], exc: RecursionError
) -> Response[dict[str, Any]]:
    """JSON nested thousands of levels deep exhausts the decoder before any field is checked."""
    logger.warning("too deeply nested input on %s %s", request.method, request.url.path)
    return problem(
        400,
        "Bad request",
        "The request body is nested too deeply to read; nothing was changed. Send flatter JSON.",
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Internal server error",
        "Something went wrong on the server. Report the time of the request to whoever runs the "
        "service; read the item again before retrying.",
    )


def _plain(detail: Any) -> str:
    return detail if isinstance(detail, str) else str(detail)


def _field_errors(request: Request[Any, Any, Any], extra: Any) -> list[dict[str, str]]:
    if not isinstance(extra, list):
        return []
    errors = []
    for item in extra:
        if isinstance(item, dict) and "message" in item:
            key = str(item.get("key") or "body")
            message = str(item["message"])
            if key == "data":  # no body at all: Litestar reports its handler argument
                key, message = "body", "a JSON object is required"
            errors.append({"field": _wire_name(request, key), "message": message})
    return errors


def _wire_name(request: Request[Any, Any, Any], key: str) -> str:
    """The name the client used: a query parameter may differ from its handler argument
    (`?state=` arrives as `doc_state`, since Litestar reserves `state`)."""
    head, dot, rest = key.partition(".")
    try:
        field = request.route_handler.parsed_fn_signature.parameters.get(head)
    except AttributeError:
        return key
    wire = getattr(getattr(field, "kwarg_definition", None), "name", None)
    return f"{wire}{dot}{rest}" if isinstance(wire, str) and wire else key


EXCEPTION_HANDLERS = {
    HosoError: handle_hoso_error,
    ValidationException: handle_validation,
    BlobStoreUnavailable: handle_blob_unavailable,
    ConnectionFailure: handle_database_unreachable,
    HTTPException: handle_http,
    RecursionError: handle_too_deep,
    Exception: handle_unexpected,
}
