"""One error tree for the whole service, turned into RFC 9457 problem details in one place.

Services raise these with a `detail` a clerk's front-end can show as it is; controllers never build
error responses themselves.
"""

from __future__ import annotations

from typing import Any


class HosoError(Exception):
    status_code = 400
    title = "Bad request"

    def __init__(
        self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers  # sent with the problem response (Content-Range on a 416…)
        self.extensions = extensions


class InvalidInput(HosoError):
    status_code = 422
    title = "Invalid input"


class NotFound(HosoError):
    status_code = 404
    title = "Not found"


class Conflict(HosoError):
    status_code = 409
    title = "Conflict"


class NotAuthenticated(HosoError):
    """No credentials, or none this service accepts: the detail says how to sign in."""

    status_code = 401
    title = "Not signed in"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="hoso"'}, **extensions)


class TooManyAttempts(HosoError):
    status_code = 429
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(retry_after_seconds, 1))})


class PermissionDenied(HosoError):
    status_code = 403
    title = "Forbidden"


class PayloadTooLarge(HosoError):
    status_code = 413
    title = "Payload too large"


class UnsupportedMediaType(HosoError):
    status_code = 415
    title = "Unsupported media type"


class ServiceUnavailable(HosoError):
    status_code = 503
    title = "Service unavailable"


class RangeNotSatisfiable(HosoError):
    """A byte range wholly outside a file; the answer says how long the file is."""

    status_code = 416
    title = "Range not satisfiable"

    def __init__(self, detail: str, *, size: int) -> None:
        super().__init__(detail)
        self.headers = {"Content-Range": f"bytes */{size}"}  # RFC 9110 §15.5.17
