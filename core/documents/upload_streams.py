"""The files of an upload request, read as they arrive and never spooled: a file sent as the whole
body, or the parts of a multipart/form-data body parsed as it streams in (with `multipart`'s
push parser, the one Litestar itself uses). Each file's bytes go from the request straight into
the blob store (`core.documents.files`), written once."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from litestar import Request
from litestar.exceptions import InternalServerException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from multipart import (  # type: ignore[import-untyped]
    MultipartSegment,
    ParserError,
    ParserLimitReached,
    PushMultipartParser,
)

from core.documents.file_checks import human_size
from core.errors import HosoError, InvalidInput, PayloadTooLarge
from core.runtime import Runtime

FIELD = "files"
# Parts refused at once are all named in `errors`; the detail names the first few.
PARTS_NAMED_IN_DETAIL = 5


class BodyReader:
    """The request body, chunk by chunk as it arrives, with its failures told in words a client
    can act on."""

    def __init__(self, request: Request[Any, Any, Any], runtime: Runtime) -> None:
        self._request = request
        self._runtime = runtime
        self._chunks: AsyncGenerator[bytes, None] = request.stream()

    async def next_chunk(self) -> bytes:
        """The next piece of the body (any length); b"" at its end."""
        try:
            return await anext(self._chunks, b"")
        except RequestEntityTooLarge:
            raise request_too_large(self._request, self._runtime) from None
        except InternalServerException:  # Litestar's answer to a client gone mid-body
            raise HosoError(
                "The request body ended before the length it announced: the client went away or "
                "the connection broke. Nothing was stored; send the files again."
            ) from None


def request_too_large(request: Request[Any, Any, Any], runtime: Runtime) -> PayloadTooLarge:
    # Raised while the body streams in, by the upload routes' request_max_body_size.
    limit = request.route_handler.resolve_request_max_body_size()
    in_all = f": {limit:,} bytes in all, each file" if limit else "; each file"
    return PayloadTooLarge(
        f"The upload is larger than this service accepts in one request{in_all} at most "
        f"{human_size(runtime.settings.max_upload_bytes)}. Send fewer or smaller files per "
        "request."
    )


class FileInBody:
    """A file sent as the whole request body."""

    # Where problems point: the name is `?name=`, the content is the body.
    name_field = "name"
    content_field = "body"

    def __init__(self, body: BodyReader, filename: str, content_type: str, size: int | None):
        self.filename = filename
        self.content_type = content_type
        # From Content-Length: an early answer for empty and oversized files; the store's own
        # limit holds whatever the body turns out to be.
        self.size = size
        self._body = body

    async def read(self, size: int = -1) -> bytes:
        """The next piece of the body as it came (any length); b"" at its end."""
        return await self._body.next_chunk()


class BodyStream:
    """An upload of one file, the body."""

    def __init__(self, upload: FileInBody) -> None:
        self._upload = upload

    async def __aiter__(self) -> AsyncIterator[FileInBody]:
        yield self._upload

    def problem(self) -> HosoError | None:
        return None


class FormPart:
    """One file part of a multipart body, read as it arrives."""

    size: int | None = None  # not known before it is read

    def __init__(self, form: FormStream, segment: MultipartSegment) -> None:
        self._form = form
        self.filename: str = segment.filename
        # A part without a Content-Type has no declared type, which the checks treat as
        # application/octet-stream (RFC 7578 would call it text/plain).
        self.content_type: str = segment.content_type or ""
        self.ended = False

    async def read(self, size: int = -1) -> bytes:
        """The next piece of the part (any length); b"" at its end."""
        if self.ended:
            return b""
        event = await self._form.next_event()
        if event is None:
            self.ended = True
            return b""
        return bytes(event)


class FormStream:
    """The files of a multipart/form-data body, as they arrive; other parts are refused."""

    def __init__(self, request: Request[Any, Any, Any], runtime: Runtime) -> None:
        _, options = request.content_type
        self._body = BodyReader(request, runtime)
        self._boundary = options.get("boundary", "")
        self._part_limit = request.app.multipart_form_part_limit
        self._events: deque[Any] = deque()
        self._parser: PushMultipartParser | None = None
        self._ended = False
        self._refused: dict[str, tuple[str, str]] = {}  # part name: (what is wrong, message)

    async def __aiter__(self) -> AsyncIterator[FormPart]:
        part: FormPart | None = None
        while True:
            if part is not None:
                while await part.read():  # what the caller left of it
                    pass
            event = await self.next_event()
            if event is _END:
                return
            if not isinstance(event, MultipartSegment):  # only after a part that ended
                raise _unreadable("a part's content came before its headers")
            if event.name == FIELD and event.filename:
                part = FormPart(self, event)
                yield part
            else:
                self._refuse(event)
                part = FormPart(self, event)  # its content is skipped

    def problem(self) -> HosoError | None:
        """The parts that are not files in 'files' (text parts, files under other names)."""
        if not self._refused:
            return None
        problems = [problem for problem, _ in self._refused.values()]
        more = len(problems) - PARTS_NAMED_IN_DETAIL
        return InvalidInput(
            f"Send only files, in the multipart field '{FIELD}' (curl -F {FIELD}=@report.pdf); "
            "nothing was stored: "
            + "; ".join(problems[:PARTS_NAMED_IN_DETAIL])
            + (f"; and {more} more part(s), named in errors." if more > 0 else "."),
            errors=[
                {"field": name, "message": message} for name, (_, message) in self._refused.items()
            ],
        )

    async def next_event(self) -> Any:
        """The parser's next event: a part's headers, a piece of its content, None at its end,
        or `_END` at the end of the body."""
        while not self._events:
            if self._ended:
                return _END
            chunk = await self._body.next_chunk()
            if self._parser is None:
                if not chunk:  # an empty body holds no parts
                    self._ended = True
                    return _END
                self._parser = self._start_parser()
            try:
                # Consumed whole before the next chunk, as the parser requires.
                self._events.extend(self._parser.parse(chunk))
            except ParserLimitReached:
                raise PayloadTooLarge(
                    f"The upload has more than {self._part_limit} parts; "
                    "send fewer files per request."
                ) from None
            except ParserError as exc:
                raise _unreadable(str(exc)) from None
            self._ended = self._parser.closed
        return self._events.popleft()

    def _start_parser(self) -> PushMultipartParser:
        try:
            return PushMultipartParser(self._boundary, max_segment_count=self._part_limit)
        except ParserError as exc:
            raise _unreadable(str(exc) or "no boundary") from None

    def _refuse(self, segment: MultipartSegment) -> None:
        name = segment.name
        if name in self._refused:
            return
        shown = _part_name(name)
        if name == FIELD:
            self._refused[name] = (
                f"the part {shown} holds text, not a file: send each file with its file name",
                "text instead of a file",
            )
        elif segment.filename:
            self._refused[name] = (
                f"the part {shown} holds a file: send it in '{FIELD}'",
                f"a file outside '{FIELD}'",
            )
        else:
            self._refused[name] = (
                f"the part {shown} is not a file: leave it out",
                f"not a file: only files, in the field '{FIELD}'",
            )


_END = object()


def _unreadable(reason: str) -> HosoError:
    # The parser's wording alone gives a client nothing to act on.
    return HosoError(
        f"The multipart/form-data body could not be read ({reason}): let the HTTP client build "
        "it, with the boundary of its Content-Type, each file a part named 'files'."
    )


def _part_name(name: str) -> str:
    return repr(name if len(name) <= 60 else name[:60] + "…")
