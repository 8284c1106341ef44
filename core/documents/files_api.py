"""`/api/v1/documents/{id}/files`: upload, list, download and version a document's files."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Stream

from core.documents import files
from core.documents.models import FileRole
from core.documents.schemas import FileOut, FileVersionOut
from core.documents.service import get_document
from core.errors import InvalidInput
from core.runtime import Runtime
from core.text import strip_diacritics

Multipart = Body(media_type=RequestEncodingType.MULTI_PART)


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

    @post("/", summary="Upload one or more files (multipart field 'files')")
    async def upload(
        self,
        runtime: NamedDependency[Runtime],
        document_id: str,
        data: Annotated[list[UploadFile], Multipart],
        role: FileRole = FileRole.ATTACHMENT,
    ) -> list[FileOut]:
        document = await get_document(document_id)
        uploads = _uploads(data)
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

    @post("/{file_id:str}/versions", summary="Upload a new version of a file (field 'files')")
    async def add_version(
        self,
        runtime: NamedDependency[Runtime],
        document_id: str,
        file_id: str,
        data: Annotated[list[UploadFile], Multipart],
    ) -> FileOut:
        document = await get_document(document_id)
        uploads = _uploads(data)
        if len(uploads) != 1:
            raise InvalidInput(
                "Send exactly one file for a new version.",
                errors=[{"field": "files", "message": f"{len(uploads)} files sent"}],
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


def _uploads(data: list[UploadFile]) -> list[UploadFile]:
    return [item for item in data if isinstance(item, UploadFile)]
