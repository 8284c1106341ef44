"""`/api/v1/documents/{id}/files`: upload, list, download and version a document's files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar
from urllib.parse import quote

from litestar import Controller, Request, Response, get, head, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.openapi.spec import Parameter as OpenAPIParameter
from litestar.params import Parameter
from litestar.response import Stream

from core.audit.models import AuditAction
from core.audit.recording import audit
from core.documents import files
from core.documents.file_checks import TYPES_BY_EXTENSION, type_from_name
from core.documents.files import UploadStream
from core.documents.models import AccessMode, FileRole, FileVersion
from core.documents.ranges import (
    ByteRange,
    entity_tag,
    if_range_allows,
    none_match,
    requested_range,
)
from core.documents.schemas import FileOut, FileVersionOut
from core.documents.service import get_document
from core.documents.upload_streams import FIELD, BodyReader, BodyStream, FileInBody, FormStream
from core.errors import InvalidInput, UnsupportedMediaType
from core.extraction.pending import text_key_of, text_states
from core.extraction.schemas import FileTextOut
from core.extraction.service import file_text
from core.identity.policy import Principal
from core.identity.roles import Action
from core.openapi import API_PREFIX, LOCATION, created_at
from core.problems import PROBLEM_JSON
from core.runtime import Runtime
from core.settings import Settings
from core.signatures.service import report_for
from core.signatures.verify import SignatureReport
from core.text import strip_diacritics

# Documents are not public: no shared cache may keep them (`private`). A browser may, but asks
# again each time (`no-cache`): the current-version URL changes content with a new version, and
# the answer to a revalidation with the ETag is a 304 without the file.
CACHE_CONTROL = "private, no-cache"
# What the request-body documentation lists: the media types accepted unless an operator changes
# them.
DEFAULT_MEDIA_TYPES: list[str] = Settings.model_fields["allowed_media_types"].default_factory()  # type: ignore[call-arg,misc]
# The one raw body type client generators can send; its name's extension then tells the type.
RAW_BODY_TYPE = "application/octet-stream"
RAW_EXAMPLE = (
    "curl --data-binary @report.pdf -H 'Content-Type: application/pdf' '.../files?name=report.pdf'"
)
NAME_VERSION_DESCRIPTION = (
    "The version's name, when the body is the file itself (not multipart/form-data); left out, "
    "the file's current name."
)
NAME_DESCRIPTION = (
    "The file's name, when the body is the file itself (not multipart/form-data), e.g. "
    "`Quyết định số 15.pdf`, percent-encoded."
)


@dataclass
class _FilesUploadOperation(Operation):
    """The handlers read the body themselves (to answer bad bodies clearly, and to stream a raw
    file into the store), so Litestar cannot infer the request body: document it here."""

    many: ClassVar[bool] = True

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        raw = OpenAPIMediaType(schema=binary)
        self.request_body = RequestBody(
            required=True,
            description=(
                "Either the file itself, as the whole body, with its name in `?name=`. Its "
                "Content-Type is the file's "
                f"media type, one of {', '.join(DEFAULT_MEDIA_TYPES)} (those accepted unless an "
                f"operator changes them), or {RAW_BODY_TYPE}, and then the name's extension "
                f"tells the type ({', '.join(sorted(TYPES_BY_EXTENSION))}). "
                "Or multipart/form-data, "
                + (
                    f"each file a part named '{FIELD}' (several files in one request)."
                    if self.many
                    else f"the file a part named '{FIELD}'."
                )
                + " Either way the file is streamed into the file store as it arrives."
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
                ),
                RAW_BODY_TYPE: raw,
            },
        )


@dataclass
class _FileUploadOperation(_FilesUploadOperation):
    many: ClassVar[bool] = False


VERSION_DESCRIPTION = (
    "The version to download (1 is the first upload); the current one if left out."
)

DOWNLOAD_DESCRIPTION = """The file's bytes, streamed with its own media type and its Vietnamese \
name in Content-Disposition (RFC 6266/5987).

- **Ranges** (RFC 9110 §14): `Range: bytes=0-99`, `bytes=100-` or `bytes=-500` answers **206** \
with only those bytes and `Content-Range: bytes 0-99/size`. A range wholly outside the file \
answers **416** (problem details, `Content-Range: bytes */size`). **Several ranges** in one \
header are answered with the **whole file (200)**, which the RFC allows: browsers' PDF viewers ask \
for one range at a time, and a multipart answer would cost a file-store read per range. A Range \
header that does not parse, or names another unit, is ignored: 200 with the whole file.
- **If-Range** with the file's ETag: the range is sent only while the file is still that one; \
with another ETag (or a date: no Last-Modified is sent) the whole file comes back, 200.
- **ETag** is the SHA-256 of the content, a strong validator, per version. **If-None-Match** \
with it (or `*`; weak tags `W/"…"` compare equal to strong ones) answers **304** without a body.
- `Cache-Control: private, no-cache`: no shared cache keeps a document; a browser may, but asks \
again each time (a 304 when nothing changed).
- HEAD on this URL answers the same headers without the body."""

_BINARY = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)


def _header(description: str, example: str | None = None) -> OpenAPIHeader:
    schema = Schema(type=OpenAPIType.STRING, examples=[example] if example else None)
    return OpenAPIHeader(schema=schema, description=description, required=True)


_RESPONSE_HEADERS = {
    "Accept-Ranges": _header("Always `bytes`: ranges may be asked for.", "bytes"),
    "Cache-Control": _header(
        "Documents are not public: no shared cache keeps them.", CACHE_CONTROL
    ),
    "ETag": _header(
        "The SHA-256 of the file's content, quoted: a strong validator for If-None-Match and "
        "If-Range.",
        '"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"',
    ),
}
_CONTENT_HEADERS = {
    "Content-Disposition": _header(
        "attachment, with the original name: an ASCII `filename` and the exact UTF-8 `filename*`.",
        'attachment; filename="Quyet dinh.pdf"; '
        "filename*=UTF-8''Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.pdf",
    ),
}
_WHOLE_FILE_HEADERS = {
    "Content-Length": _header("The file's size in bytes.", "10240"),
    **_CONTENT_HEADERS,
    **_RESPONSE_HEADERS,
    "X-Content-SHA256": _header("The SHA-256 of the file's content, hex."),
}
# The answer's Content-Type is the file's own (application/pdf, image/png…): documented as
# octet-stream, the one binary type client generators all read.
_FILE_CONTENT = {"application/octet-stream": OpenAPIMediaType(schema=_BINARY)}
_CONTENT_RANGE_OF_REFUSAL = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.STRING, examples=["bytes */10240"]),
    description="`bytes */size`: how long the file is.",
    required=True,
)


def _not_modified_response() -> OpenAPIResponse:
    return OpenAPIResponse(
        description="If-None-Match named the file's ETag (or `*`): the client has it. No body.",
        headers=dict(_RESPONSE_HEADERS),
    )


@dataclass
class _DownloadOperation(Operation):
    """Litestar cannot tell what a Stream holds: document the download's real answers."""

    def __post_init__(self) -> None:
        responses = dict(self.responses or {})
        responses["200"] = OpenAPIResponse(
            description="The whole file. Its Content-Type is the file's own media type.",
            content=_FILE_CONTENT,
            headers=dict(_WHOLE_FILE_HEADERS),
        )
        responses["206"] = OpenAPIResponse(
            description="The one range asked for (Range), and only those bytes; Content-Type is "
            "the file's own media type.",
            content=_FILE_CONTENT,
            headers={
                "Content-Range": _header(
                    "The range sent and the file's size: `bytes first-last/size`.",
                    "bytes 0-99/10240",
                ),
                "Content-Length": _header("The number of bytes sent.", "100"),
                **_CONTENT_HEADERS,
                **_RESPONSE_HEADERS,
            },
        )
        responses["304"] = _not_modified_response()
        if "416" not in responses:
            responses["416"] = OpenAPIResponse(
                description="The requested byte range lies outside the file.",
                content={
                    PROBLEM_JSON: OpenAPIMediaType(
                        schema=Schema(
                            type=OpenAPIType.OBJECT,
                            required=["type", "title", "status", "detail"],
                            properties={
                                "type": Schema(type=OpenAPIType.STRING),
                                "title": Schema(type=OpenAPIType.STRING),
                                "status": Schema(type=OpenAPIType.INTEGER),
                                "detail": Schema(type=OpenAPIType.STRING),
                            },
                        )
                    )
                },
            )
        self.responses = dict(sorted(responses.items()))
        self.parameters = [
            *(self.parameters or []),  # `?version=`, never null: see core.openapi
            _request_header(
                "Range",
                "One range of bytes: `bytes=0-99`, `bytes=100-` (to the end) or `bytes=-500` (the "
                "last 500). Several ranges get the whole file; one that does not parse is ignored.",
            ),
            _request_header(
                "If-Range",
                "The ETag of the file the client holds part of: the range is sent only if the file "
                "is still that one, else the whole file.",
            ),
            _IF_NONE_MATCH,
        ]

    def to_schema(self) -> dict[str, Any]:
        # The 416 may be rewritten after this operation is built (into the shared problem
        # response); its Content-Range header is added here, where the document is written out.
        schema = super().to_schema()
        refused = schema.get("responses", {}).get("416")
        if isinstance(refused, dict):
            headers = refused.setdefault("headers", {})
            headers["Content-Range"] = _CONTENT_RANGE_OF_REFUSAL.to_schema()
        return schema


@dataclass
class _DownloadHeadOperation(Operation):
    def __post_init__(self) -> None:
        responses = dict(self.responses or {})
        responses["200"] = OpenAPIResponse(
            description="The headers of the whole file's download (Content-Type is the file's "
            "media type), without a body.",
            headers=dict(_WHOLE_FILE_HEADERS),
        )
        responses["304"] = _not_modified_response()
        self.responses = dict(sorted(responses.items()))
        self.parameters = [*(self.parameters or []), _IF_NONE_MATCH]


def _request_header(name: str, description: str) -> OpenAPIParameter:
    return OpenAPIParameter(
        name=name,
        param_in="header",
        required=False,
        schema=Schema(type=OpenAPIType.STRING),
        description=description,
    )


_IF_NONE_MATCH = _request_header(
    "If-None-Match",
    "ETags the client has (or `*`), comma-separated: 304 if one is the file's (weak comparison).",
)


async def _record_upload(
    runtime: Runtime, actor: Principal, document: Any, stored: list[Any]
) -> None:
    restricted = document.access_mode is AccessMode.RESTRICTED
    await audit(
        runtime,
        actor,
        AuditAction.FILE_UPLOAD,
        unit=document.unit,
        target_kind="document",
        target_id=str(document.id),
        detail={
            "files": [
                {
                    "file_id": v.file_id,
                    "version": v.version,
                    # A restricted document's file names can say what it is about; the history
                    # is read by the unit's administrators, who do not read the document.
                    **({} if restricted else {"name": v.name}),
                    "size": v.size,
                    "sha256": v.sha256,
                }
                for v in stored
            ]
        },
    )


async def _files_out(summaries: list[files.FileSummary]) -> list[FileOut]:
    """The files as listed, with each version's text status (read in one query)."""
    states = await text_states(v for summary in summaries for v in summary.versions)

    def version_out(version: FileVersion) -> FileVersionOut:
        state = states[text_key_of(version)]
        return FileVersionOut(
            **files.version_view(version), text_status=state.status, text_chars=state.chars
        )

    return [
        FileOut(
            file_id=summary.current.file_id,
            role=summary.current.role,
            name=summary.current.name,
            media_type=summary.current.media_type,
            size=summary.current.size,
            sha256=summary.current.sha256,
            version=summary.current.version,
            text_status=states[text_key_of(summary.current)].status,
            versions=[version_out(v) for v in summary.versions],
        )
        for summary in summaries
    ]


async def _file_out(summary: files.FileSummary) -> FileOut:
    return (await _files_out([summary]))[0]


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
        summary="Upload a file (the body, named by ?name=) or several (multipart field 'files')",
        description=(
            "Send the file itself as the body, with its media type as Content-Type and its name "
            "in `?name=` (`curl --data-binary @report.pdf -H 'Content-Type: application/pdf' "
            "'.../files?name=report.pdf'`). Or send multipart/form-data with each file as a part "
            "named 'files': all files are stored, or none is. Either way each file is streamed "
            "into the file store as it arrives, and the answer lists the files stored. "
            "`role=main` gives the document its one main file; later changes to it are new "
            "versions (POST .../files/{file_id}/versions)."
        ),
        operation_class=_FilesUploadOperation,
        # 400: a multipart body that cannot be read; 409: an issued document, a second main file.
        problems=(400, 404, 409, 413, 415, 422),
        response_headers=[LOCATION],
    )
    async def upload_files(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        role: FileRole = FileRole.ATTACHMENT,
        name: Annotated[str | None, Parameter(description=NAME_DESCRIPTION)] = None,
    ) -> Response[list[FileOut]]:
        document = await get_document(actor, document_id, Action.WRITE_DOCUMENTS)
        uploads = _uploads_of(request, runtime, name)
        stored = await files.add_files(runtime, document, uploads, role)
        await _record_upload(runtime, actor, document, stored)
        listing = f"{API_PREFIX}/documents/{document.id}/files"
        # One file: where it lives; several: the document's files, where each is listed.
        location = f"{listing}/{stored[0].file_id}" if len(stored) == 1 else listing
        return created_at(
            location,
            await _files_out([files.FileSummary(current=v, versions=[v]) for v in stored]),
        )

    @get("/", summary="The document's files, each with its versions")
    async def list_files(
        self, actor: NamedDependency[Principal], document_id: str
    ) -> list[FileOut]:
        document = await get_document(actor, document_id)
        return await _files_out(await files.list_files(document))

    @get("/{file_id:str}", summary="One file and its versions")
    async def get_file(
        self, actor: NamedDependency[Principal], document_id: str, file_id: str
    ) -> FileOut:
        document = await get_document(actor, document_id)
        return await _file_out(await files.get_file(document, file_id))

    @post(
        "/{file_id:str}/versions",
        summary="Upload a new version of a file (the body, or multipart field 'files')",
        description=(
            "Send the new version itself as the body, with its media type as Content-Type "
            "(`?name=` renames it; left out, the version keeps the file's current name), or "
            "multipart/form-data with exactly one part named 'files'. "
            "The earlier versions stay downloadable with ?version=N."
        ),
        operation_class=_FileUploadOperation,
        # 400: a multipart body that cannot be read; 409: an issued document, a second main file.
        problems=(400, 404, 409, 413, 415, 422),
        response_headers=[LOCATION],
    )
    async def add_file_version(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        file_id: str,
        name: Annotated[str | None, Parameter(description=NAME_VERSION_DESCRIPTION)] = None,
    ) -> Response[FileOut]:
        document = await get_document(actor, document_id, Action.WRITE_DOCUMENTS)
        # 404 before reading a body meant for nothing
        current = (await files.get_file(document, file_id)).current
        uploads = _uploads_of(request, runtime, name, current_name=current.name)
        version = await files.add_version(runtime, document, file_id, uploads)
        await _record_upload(runtime, actor, document, [version])
        location = f"{API_PREFIX}/documents/{document.id}/files/{file_id}"
        return created_at(location, await _file_out(await files.get_file(document, file_id)))

    @get(
        "/{file_id:str}/content",
        summary="Download a file (the current version, or ?version=N); byte ranges, ETag",
        description=DOWNLOAD_DESCRIPTION,
        operation_class=_DownloadOperation,
        problems=(404, 416),
    )
    async def download_file(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        file_id: str,
        version: Annotated[int | None, Parameter(ge=1, description=VERSION_DESCRIPTION)] = None,
    ) -> Response[Any]:
        document = await get_document(actor, document_id)
        chosen = await files.get_version(document, file_id, version)
        etag = entity_tag(chosen.sha256)
        if none_match(request.headers.getall("if-none-match", []), etag):
            return _not_modified(etag)
        if document.access_mode is AccessMode.RESTRICTED:
            await audit(
                runtime,
                actor,
                AuditAction.FILE_DOWNLOAD,
                unit=document.unit,
                target_kind="file",
                target_id=f"{document.id}/{chosen.file_id}",
                detail={"version": chosen.version, "sha256": chosen.sha256},
            )
        selected: ByteRange | None = None
        if if_range_allows(request.headers.getall("if-range", []), etag):
            selected = requested_range(request.headers.getall("range", []), chosen.size)
        if selected is None:
            chunks = await files.open_content(runtime, chosen)
            return Stream(chunks, media_type=chosen.media_type, headers=_whole_file_headers(chosen))
        chunks = await files.open_content(
            runtime, chosen, offset=selected.first, length=selected.length
        )
        return Stream(
            chunks,
            status_code=206,
            media_type=chosen.media_type,
            headers={
                **_representation_headers(chosen),
                "Content-Length": str(selected.length),
                "Content-Range": selected.content_range(chosen.size),
            },
        )

    @get(
        "/{file_id:str}/text",
        summary="The text read from a file (the current version, or ?version=N)",
        description=(
            "The text of PDF (its text layer), DOCX, XLSX and plain-text files, read in the "
            "background shortly after upload; search finds documents by it. While the version "
            "waits to be read (`text_status` pending in the file listing) the answer is **409** "
            "with Retry-After. Once read: `status` done with the `text`, or needs_ocr (a scan or "
            "an image, when no OCR is installed), unsupported (a type whose text is not read) or "
            "failed (a damaged or password-protected file), each with a `detail` saying why "
            "there is no text. Reading the text of a restricted document is recorded in the "
            "history like a download."
        ),
        problems=(404, 409),
    )
    async def file_text(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        file_id: str,
        version: Annotated[int | None, Parameter(ge=1, description=VERSION_DESCRIPTION)] = None,
    ) -> FileTextOut:
        document = await get_document(actor, document_id)
        chosen = await files.get_version(document, file_id, version)
        answer = await file_text(runtime, chosen)
        if document.access_mode is AccessMode.RESTRICTED:
            await audit(
                runtime,
                actor,
                AuditAction.FILE_DOWNLOAD,
                unit=document.unit,
                target_kind="file",
                target_id=f"{document.id}/{chosen.file_id}",
                detail={"version": chosen.version, "sha256": chosen.sha256, "as": "text"},
            )
        return answer

    @get(
        "/{file_id:str}/signatures",
        summary="The signatures of a file (the current version, or ?version=N), verified",
        description=(
            "Verifies the PDF signatures (PAdES, and adbe.pkcs7.detached) of the version against "
            "the service's trust roots (the `trust_roots_dir` setting), without network access: "
            "whether each signature is intact, cryptographically valid, made with a certificate "
            "that chains to a trust root, and whether the file was changed after it was signed. "
            "`acceptable` is true when the last signature passes all of these; otherwise "
            "`reason` says what to do. A version is checked once per set of trust roots; later "
            "calls answer the stored report (same `checked_at`)."
        ),
        problems=(404,),
    )
    async def file_signatures(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
        file_id: str,
        version: Annotated[int | None, Parameter(ge=1, description=VERSION_DESCRIPTION)] = None,
    ) -> SignatureReport:
        document = await get_document(actor, document_id)
        chosen = await files.get_version(document, file_id, version)
        return await report_for(runtime, chosen)

    @head(
        "/{file_id:str}/content",
        summary="A file's download headers, without the file",
        description=(
            "The headers a GET of the same URL would answer (Content-Length, Content-Type, ETag, "
            "Accept-Ranges, Content-Disposition, Cache-Control) without a body; the file store is "
            "not read. `If-None-Match` is honoured (304); Range is not (RFC 9110 defines ranges "
            "for GET only)."
        ),
        operation_class=_DownloadHeadOperation,
        problems=(404,),
    )
    async def download_file_headers(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Principal],
        document_id: str,
        file_id: str,
        version: Annotated[int | None, Parameter(ge=1, description=VERSION_DESCRIPTION)] = None,
    ) -> Response[None]:
        document = await get_document(actor, document_id)
        chosen = await files.get_version(document, file_id, version)
        etag = entity_tag(chosen.sha256)
        if none_match(request.headers.getall("if-none-match", []), etag):
            return _not_modified(etag)
        # An empty body with the GET's headers: Content-Length is the file's, as RFC 9110 asks.
        return Response(
            b"",  # type: ignore[arg-type]
            media_type=chosen.media_type,
            headers=_whole_file_headers(chosen),
        )


def _representation_headers(chosen: FileVersion) -> dict[str, str]:
    """What every answer with (part of) the file carries."""
    return {
        "Accept-Ranges": "bytes",
        "Cache-Control": CACHE_CONTROL,
        "Content-Disposition": content_disposition(chosen.name),
        "ETag": entity_tag(chosen.sha256),
    }


def _whole_file_headers(chosen: FileVersion) -> dict[str, str]:
    return {
        **_representation_headers(chosen),
        "Content-Length": str(chosen.size),
        "X-Content-SHA256": chosen.sha256,
    }


def _not_modified(etag: str) -> Response[None]:
    # A 304 carries the validators and caching headers a 200 would have had (RFC 9110 §15.4.5).
    return Response(
        None,
        status_code=304,
        headers={"Accept-Ranges": "bytes", "Cache-Control": CACHE_CONTROL, "ETag": etag},
    )


def _uploads_of(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    name: str | None,
    *,
    current_name: str | None = None,
) -> UploadStream:
    """The files of the request, to be read as they arrive: the body itself, or the parts of the
    multipart field 'files'; else a problem saying what to send instead."""
    media_type, _ = request.content_type
    if media_type != RequestEncodingType.MULTI_PART.value:
        if not media_type and request.headers.get("content-length", "0") == "0":
            raise _no_files()
        return BodyStream(_file_in_body(request, runtime, media_type, name or current_name))
    if name is not None:
        raise InvalidInput(
            "A multipart/form-data upload names each file in its part (its filename); leave "
            "?name= out, or send the file itself as the body.",
            errors=[{"field": "name", "message": "given with a multipart upload"}],
        )
    return FormStream(request, runtime)


def _file_in_body(
    request: Request[Any, Any, Any], runtime: Runtime, media_type: str, name: str | None
) -> FileInBody:
    """The body as one file, checked as far as its headers tell; read when it is stored."""
    accepted = runtime.settings.allowed_media_types
    if not media_type:
        raise UnsupportedMediaType(
            "The body has no Content-Type: send the file with its media type as Content-Type "
            f"({RAW_EXAMPLE}), or files as multipart/form-data, each in a part named '{FIELD}'. "
            f"Accepted: {', '.join(accepted)}."
        )
    declared = request.headers.get("content-type", "")
    if media_type == RAW_BODY_TYPE and name is not None:
        # "Some bytes": the name's extension tells what they are (a generated client sends this).
        declared = type_from_name(name) or declared
        media_type = declared
    if media_type not in accepted:
        raise UnsupportedMediaType(
            f"A body of type {media_type!r} is neither a file of a type this service accepts nor "
            f"multipart/form-data: send a file with its own media type as Content-Type and its "
            f"name in ?name= ({RAW_EXAMPLE}), or files as multipart/form-data, each in a part "
            f"named '{FIELD}'. Accepted: {', '.join(accepted)}"
            + (
                f"; as {RAW_BODY_TYPE}, a file whose name ends in "
                f"{', '.join(sorted(TYPES_BY_EXTENSION))}."
                if media_type == RAW_BODY_TYPE
                else "."
            )
        )
    if name is None:
        raise InvalidInput(
            f"Name the file sent as the body: ?name=report.pdf ({RAW_EXAMPLE}).",
            errors=[{"field": "name", "message": "missing: the body is a file without a name"}],
        )
    length = request.headers.get("content-length")
    size = int(length) if length is not None and length.isdigit() else None
    return FileInBody(BodyReader(request, runtime), name, declared, size)


def _no_files() -> InvalidInput:
    return InvalidInput(
        f"Send one or more files in the multipart field '{FIELD}'.",
        errors=[{"field": FIELD, "message": "no file sent"}],
    )
