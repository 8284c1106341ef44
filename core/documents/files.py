"""Files of a document: streamed to the blob store, recorded as versions, never overwritten.

Blob first, metadata second (DESIGN): if the blob store fails nothing is recorded; if recording
fails the blob just written is deleted again, so no blob is left without a record.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from core.documents.models import (
    Direction,
    DocumentState,
    FileRole,
    FileVersion,
    StoredDocument,
)
from core.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, UnsupportedMediaType
from core.runtime import Runtime
from core.text import nfc
from storage import BlobInfo, BlobNotFound, BlobStoreUnavailable, BlobTooLarge

logger = logging.getLogger("hoso")

READ_CHUNK = 1024 * 1024
VERSION_ATTEMPTS = 50


class Upload(Protocol):
    """What the HTTP layer hands over: Litestar's UploadFile fits."""

    filename: str
    content_type: str

    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class FileSummary:
    current: FileVersion
    versions: list[FileVersion]


async def add_files(
    runtime: Runtime, document: StoredDocument, uploads: Sequence[Upload], role: FileRole
) -> list[FileVersion]:
    """Add new files; all are checked before any is stored."""
    if not uploads:
        raise InvalidInput(
            "Send at least one file in the multipart field 'files'.",
            errors=[{"field": "files", "message": "no file sent"}],
        )
    _check_can_change_files(document)
    for upload in uploads:
        _check_upload(runtime, upload)
    if role is FileRole.MAIN:
        if len(uploads) > 1:
            raise InvalidInput(
                "A document has one main file; send attachments with role=attachment.",
                errors=[{"field": "files", "message": "more than one main file"}],
            )
        existing = await FileVersion.find_one({"document_id": document.id, "role": "main"})
        if existing is not None:
            raise Conflict(
                "The document already has a main file; upload a new version of it at "
                f"/api/v1/documents/{document.id}/files/{existing.file_id}/versions."
            )
    stored = []
    for upload in uploads:
        stored.append(await _store_version(runtime, document, upload, uuid.uuid4().hex, role))
    return stored


async def add_version(
    runtime: Runtime, document: StoredDocument, file_id: str, upload: Upload
) -> FileVersion:
    _check_can_change_files(document)
    current = await get_file(document, file_id)
    _check_upload(runtime, upload)
    return await _store_version(runtime, document, upload, file_id, current.current.role)


async def list_files(document: StoredDocument) -> list[FileSummary]:
    versions = await FileVersion.find({"document_id": document.id}).to_list()
    by_file: dict[str, list[FileVersion]] = {}
    for version in sorted(versions, key=lambda v: (v.uploaded_at, v.version)):
        by_file.setdefault(version.file_id, []).append(version)
    return [
        FileSummary(current=max(group, key=lambda v: v.version), versions=group)
        for group in by_file.values()
    ]


async def get_file(document: StoredDocument, file_id: str) -> FileSummary:
    versions = (
        await FileVersion.find({"document_id": document.id, "file_id": file_id})
        .sort([("version", 1)])
        .to_list()
    )
    if not versions:
        raise NotFound(f"Document {document.id} has no file {file_id!r}.")
    return FileSummary(current=versions[-1], versions=versions)


async def get_version(document: StoredDocument, file_id: str, version: int | None) -> FileVersion:
    summary = await get_file(document, file_id)
    if version is None:
        return summary.current
    for candidate in summary.versions:
        if candidate.version == version:
            return candidate
    raise NotFound(
        f"File {file_id} has versions 1 to {summary.current.version}; "
        f"there is no version {version}."
    )


async def open_content(runtime: Runtime, version: FileVersion) -> AsyncIterator[bytes]:
    try:
        return await runtime.blobs.open(version.blob_key)
    except BlobNotFound:
        logger.error(
            "blob %s of file %s is missing from the store", version.blob_key, version.file_id
        )
        raise BlobStoreUnavailable(
            f"the content of file {version.file_id} version {version.version} is missing"
        ) from None


async def delete_all_files(runtime: Runtime, document_id: PydanticObjectId) -> None:
    """Remove a deleted draft's files: records first, then their blobs."""
    versions = await FileVersion.find({"document_id": document_id}).to_list()
    await FileVersion.find({"document_id": document_id}).delete()
    for version in versions:
        await _delete_blob_quietly(runtime, version.blob_key)


def _check_can_change_files(document: StoredDocument) -> None:
    if document.direction is not Direction.INCOMING and document.state is DocumentState.ISSUED:
        raise Conflict(
            f"Document {document.id} is issued; its files are final. Issue a replacing document "
            "to change them (D30 Art. 14)."
        )


def _check_upload(runtime: Runtime, upload: Upload) -> None:
    name = nfc(upload.filename or "").strip()
    if not name or len(name) > 255 or "/" in name or "\\" in name or "\x00" in name:
        raise InvalidInput(
            f"File name {upload.filename!r} is not usable: give a plain name of 1–255 characters.",
            errors=[{"field": "files", "message": "bad file name"}],
        )
    media_type = (upload.content_type or "").split(";")[0].strip().lower()
    allowed = runtime.settings.allowed_media_types
    if media_type not in allowed:
        raise UnsupportedMediaType(
            f"{name}: files of type {media_type or 'unknown'!r} are not accepted. "
            f"Accepted: {', '.join(allowed)}."
        )


async def _store_version(
    runtime: Runtime, document: StoredDocument, upload: Upload, file_id: str, role: FileRole
) -> FileVersion:
    name = nfc(upload.filename).strip()
    media_type = upload.content_type.split(";")[0].strip().lower()
    blob = await _put_blob(runtime, upload, name, media_type)
    try:
        return await _record_version(runtime, document, file_id, role, name, media_type, blob)
    except BaseException:
        await _delete_blob_quietly(runtime, blob.key)
        raise


async def _put_blob(runtime: Runtime, upload: Upload, name: str, media_type: str) -> BlobInfo:
    limit = runtime.settings.max_upload_bytes
    try:
        return await runtime.blobs.put(_chunks(upload), content_type=media_type, max_size=limit)
    except BlobTooLarge:
        raise PayloadTooLarge(
            f"{name} is larger than the {_megabytes(limit)} allowed for one file."
        ) from None


async def _record_version(
    runtime: Runtime,
    document: StoredDocument,
    file_id: str,
    role: FileRole,
    name: str,
    media_type: str,
    blob: BlobInfo,
) -> FileVersion:
    # Versions are numbered like register entries: highest + 1, claimed by a unique insert.
    for _ in range(VERSION_ATTEMPTS):
        latest = (
            await FileVersion.find({"file_id": file_id}).sort([("version", -1)]).limit(1).to_list()
        )
        version = FileVersion(
            document_id=document.id,
            file_id=file_id,
            version=latest[0].version + 1 if latest else 1,
            role=role,
            name=name,
            media_type=media_type,
            size=blob.size,
            sha256=blob.sha256 or "",
            blob_key=blob.key,
            uploaded_at=runtime.clock(),
        )
        try:
            await version.insert()
            return version
        except DuplicateKeyError:
            continue
    raise Conflict(f"File {file_id} is receiving many versions at once; try again.")


async def _chunks(upload: Upload) -> AsyncIterator[bytes]:
    while chunk := await upload.read(READ_CHUNK):
        yield chunk


async def _delete_blob_quietly(runtime: Runtime, key: str) -> None:
    try:
        await runtime.blobs.delete(key)
    except Exception:  # noqa: BLE001 - the record is what matters; log the orphan for cleanup
        logger.error("could not delete blob %s; it has no record and can be removed", key)


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:g} MiB"


def version_view(version: FileVersion) -> dict[str, Any]:
    return version.model_dump(
        include={
            "file_id",
            "version",
            "role",
            "name",
            "media_type",
            "size",
            "sha256",
            "uploaded_at",
        }
    )
