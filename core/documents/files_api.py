"""`/api/v1/documents/{id}/files`: upload, list, download and version a document's files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import Parameter
from litestar.response import Stream

from core.documents import files
from core.documents.file_checks import human_size
from core.documents.models import FileRole
from core.documents.schemas import FileOut, FileVersionOut
from core.documents.service import get_document
from core.errors import HosoError, InvalidInput, PayloadTooLarge, UnsupportedMediaType
from core.runtime import Runtime
from core.text import strip_diacritics

FIELD = "files"
# Parts refused at once are all named in `errors`; the detail names the first few.
PARTS_NAMED_IN_DETAIL = 5


@dataclass
class _MultipartFilesOperation(Operation):
    """The handlers read the form themselves (to answer bad bodies clearly), so Litestar cannot
    infer the request body: document it here."""

    many: ClassVar[bool] = True

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        self.request_body = RequestBody(
            required=True,
            description=(
                f"multipart/form-data; each file is a part named '{FIELD}'."
                if self.many
                else f"multipart/form-data; the file is a part named '{FIELD}'."
            ),
            content={
                RequestEncodingType.MULTI_PART.value: OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        properties={
                            FIELD: Schema(type=OpenAPIType.ARRAY, items=binary)
                            if self.many
                            else binary
                        },
                        required=[FIELD],
                    )
                )
            },
        )


@dataclass
class _MultipartFileOperation(_MultipartFilesOperation):
    many: ClassVar[bool] = False


@dataclass
class _ReceivedFile:
    """A file part Litestar has already spooled (memory, then disk): its size is known."""

    part: UploadFile
    filename: str
    content_type: str
    size: int | None

    async def read(self, size: int = -1) -> bytes:
        return await self.part.read(size)


def _file_out(summary: files.FileSummary) -> FileOut:
    current = summary.current
    return FileOut(
        file_id=current.file_id,
        role=current.role,
        name=current.name,
        media_type=current.media_type,
        size=current.size,
        sha256=current.sha256,
        version=current.version,
        versions=[FileVersionOut(**files.version_view(v)) for v in summary.versions],
    )


def content_disposition(name: str) -> str:
    """RFC 6266 with an RFC 5987 `filename*` so the Vietnamese name survives every browser."""
    fallback = "".join(
        ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in strip_diacritics(name)
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class FileController(Controller):
    path = "/documents/{document_id:str}/files"
    tags = ["files"]

    @post(
        "/",
        summary="Upload one or more files (multipart field 'files')",
        description=(
            "Send multipart/form-data with each file as a part named 'files'. All files are "
            "stored, or none is. `role=main` gives the document its one main file; later changes "
            "to it are new versions (POST .../files/{file_id}/versions)."
        ),
        operation_class=_MultipartFilesOperation,
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        document_id: str,
        role: FileRole = FileRole.ATTACHMENT,
    ) -> list[FileOut]:
        document = await get_document(document_id)
        uploads = await _received_files(request, runtime)
        stored = await files.add_files(runtime, document, uploads, role)
        return [_file_out(files.FileSummary(current=v, versions=[v])) for v in stored]

    @get("/", summary="The document's files, each with its versions")
    async def list_files(self, document_id: str) -> list[FileOut]:
        document = await get_document(document_id)
        return [_file_out(summary) for summary in await files.list_files(document)]

    @get("/{file_id:str}", summary="One file and its versions")
    async def get_file(self, document_id: str, file_id: str) -> FileOut:
        document = await get_document(document_id)
        return _file_out(await files.get_file(document, file_id))

    @post(
        "/{file_id:str}/versions",
        summary="Upload a new version of a file (multipart field 'files')",
        description=(
            "Send multipart/form-data with exactly one part named 'files'. "
            "The earlier versions stay downloadable with ?version=N."
        ),
        operation_class=_MultipartFileOperation,
    )
    async def add_version(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        document_id: str,
        file_id: str,
    ) -> FileOut:
        document = await get_document(document_id)
        await files.get_file(document, file_id)  # 404 before reading a body meant for nothing
        uploads = await _received_files(request, runtime)
        if len(uploads) != 1:
            raise InvalidInput(
                "Send exactly one file for a new version.",
                errors=[{"field": FIELD, "message": f"{len(uploads)} files sent"}],
            )
        await files.add_version(runtime, document, file_id, uploads[0])
        return _file_out(await files.get_file(document, file_id))

    @get("/{file_id:str}/content", summary="Download a file (the current version, or ?version=N)")
    async def download(
        self,
        runtime: NamedDependency[Runtime],
        document_id: str,
        file_id: str,
        version: int | None = Parameter(None, ge=1),
    ) -> Stream:
        document = await get_document(document_id)
        chosen = await files.get_version(document, file_id, version)
        chunks = await files.open_content(runtime, chosen)
        return Stream(
            chunks,
            media_type=chosen.media_type,
            headers={
                "Content-Disposition": content_disposition(chosen.name),
                "Content-Length": str(chosen.size),
                "ETag": f'"{chosen.sha256}"',
                "X-Content-SHA256": chosen.sha256,
            },
        )


async def _received_files(request: Request[Any, Any, Any], runtime: Runtime) -> list[_ReceivedFile]:
    """The file parts of the multipart field 'files', or a problem saying what to send instead."""
    media_type, _ = request.content_type
    if media_type != RequestEncodingType.MULTI_PART.value:
        if not media_type and request.headers.get("content-length", "0") == "0":
            raise _no_files()
        raise UnsupportedMediaType(
            f"Send the files as multipart/form-data, each in a part named '{FIELD}' "
            f"(curl -F {FIELD}=@report.pdf); "
            + (f"this request was {media_type}." if media_type else "this request had no type.")
        )
    form = await _read_form(request, runtime)
    parts = [value for name, value in form.multi_items() if name == FIELD]
    _refuse_parts_other_than_files(form)
    if not parts:
        raise _no_files()
    return [_received(part) for part in parts]


def _refuse_parts_other_than_files(form: Any) -> None:
    """Text parts and files outside 'files' would be dropped without a word: refuse them."""
    refused: dict[str, tuple[str, str]] = {}  # part name: (what is wrong, short message)
    for name, value in form.multi_items():
        if name in refused or (name == FIELD and isinstance(value, UploadFile)):
            continue
        shown = _part_name(name)
        if name == FIELD:
            refused[name] = (
                f"the part {shown} holds text, not a file: send each file with its file name",
                "text instead of a file",
            )
        elif isinstance(value, UploadFile):
            refused[name] = (
                f"the part {shown} holds a file: send it in '{FIELD}'",
                f"a file outside '{FIELD}'",
            )
        else:
            refused[name] = (
                f"the part {shown} is not a file: leave it out",
                f"not a file: only files, in the field '{FIELD}'",
            )
    if not refused:
        return
    problems = [problem for problem, _ in refused.values()]
    more = len(problems) - PARTS_NAMED_IN_DETAIL
    raise InvalidInput(
        f"Send only files, in the multipart field '{FIELD}' (curl -F {FIELD}=@report.pdf); "
        "nothing was stored: "
        + "; ".join(problems[:PARTS_NAMED_IN_DETAIL])
        + (f"; and {more} more part(s), named in errors." if more > 0 else "."),
        errors=[{"field": name, "message": message} for name, (_, message) in refused.items()],
    )


def _part_name(name: str) -> str:
    return repr(name if len(name) <= 60 else name[:60] + "…")


async def _read_form(request: Request[Any, Any, Any], runtime: Runtime) -> Any:
    try:
        return await request.form()
    except RequestEntityTooLarge:
        # Raised while the body streams in, by the upload routes' request_max_body_size.
        limit = request.route_handler.resolve_request_max_body_size()
        in_all = f": {limit:,} bytes in all, each file" if limit else "; each file"
        raise PayloadTooLarge(
            f"The upload is larger than this service accepts in one request{in_all} at most "
            f"{human_size(runtime.settings.max_upload_bytes)}. Send fewer or smaller files per "
            "request."
        ) from None
    except ClientException as exc:
        if exc.detail == "Request Entity Too Large":  # Litestar's words for too many parts
            raise PayloadTooLarge(
                f"The upload has more than {request.app.multipart_form_part_limit} parts; "
                "send fewer files per request."
            ) from None
        # Litestar's wording alone ("Invalid multipart/form-data") gives a client nothing to act on.
        raise HosoError(
            "The multipart/form-data body could not be read "
            f"({exc.detail}): let the HTTP client build it, with the boundary of its "
            "Content-Type, each file a part named 'files'."
        ) from None


def _received(part: UploadFile) -> _ReceivedFile:
    # The part is spooled already; measuring it lets empty and oversized files be refused before
    # anything is stored.
    part.file.seek(0, os.SEEK_END)
    size = part.file.tell()
    part.file.seek(0)
    # Litestar calls a part without a Content-Type text/plain (RFC 7578's default); a file sent
    # so has no declared type, which the checks treat as application/octet-stream.
    declared = part.headers.get("Content-Type", "").strip()
    return _ReceivedFile(part, part.filename, part.content_type if declared else "", size)


def _no_files() -> InvalidInput:
    return InvalidInput(
        f"Send one or more files in the multipart field '{FIELD}'.",
        errors=[{"field": FIELD, "message": "no file sent"}],
    )
