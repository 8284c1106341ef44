"""Files of a document: streamed to the blob store, recorded as versions, never overwritten.

Blobs first, metadata second: a record never points at a blob that is not there. An upload is
all or nothing: every blob of the request is stored before any version is recorded, and if
anything fails (a file too large or not what its type declares, the blob store, the database, the
document deleted meanwhile) every blob and version row the request created is removed again, so no
blob is left without a record and no record without its blob.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from core.documents.file_checks import (
    SIGNATURE_BYTES,
    check_content,
    check_upload,
    content_field,
    empty_file,
    media_type_of,
    too_large,
)
from core.documents.models import (
    Direction,
    DocumentState,
    FileRole,
    FileVersion,
    StoredDocument,
)
from core.errors import (
    Conflict,
    HosoError,
    InvalidInput,
    NotFound,
    UnsupportedMediaType,
)
from core.extraction.pending import (
    mark_pending,
    remove_texts,
    text_key_of,
    wake_extractor,
)
from core.runtime import Runtime
from core.search.index import index_document
from core.text import nfc
from core.workflows.starting import check_editable
from storage import BlobInfo, BlobNotFound, BlobStoreUnavailable, BlobTooLarge

logger = logging.getLogger("hoso")

READ_CHUNK = 1024 * 1024
VERSION_ATTEMPTS = 50

# The main file of a document has a file id derived from the document id, so two uploads racing
# to give a document its main file both try to insert (file_id, version 1): the unique index lets
# exactly one through, with no lock and no transaction.
MAIN_FILE_NAMESPACE = uuid.UUID("5f0c8a4e-2d51-4a57-9a0e-6f2b8f3c1d70")


class Upload(Protocol):
    """What the HTTP layer hands over."""

    filename: str
    content_type: str
    # Bytes already received when the HTTP layer has spooled the file, None when it streams.
    # Only an early answer: the blob store's own size limit is what actually holds.
    size: int | None

    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class FileSummary:
    current: FileVersion
    versions: list[FileVersion]


def main_file_id(document_id: PydanticObjectId | None) -> str:
    return uuid.uuid5(MAIN_FILE_NAMESPACE, str(document_id)).hex


class UploadStream(Protocol):
    """The files of one request, as they arrive: one file sent as the body, or the parts of a
    multipart body. Iterating reads each file only as far as the caller reads it; moving to the
    next file skips the rest of the one before."""

    def __aiter__(self) -> AsyncIterator[Upload]: ...

    def problem(self) -> HosoError | None:
        """What the request holds besides files that it should not (a text part…), once read to
        its end; None if nothing."""
        ...


# A request may be wrong in several ways at once; it is answered with the first of these, as if
# it had been read whole and checked in this order (the order the checks had when uploads were
# spooled before anything was stored).
_NOT_ONLY_FILES, _NO_FILE, _FILE_COUNT, _FINAL, _FILE, _MAIN_COUNT, _HAS_MAIN, _CONTENT = range(8)


@dataclass
class _Problems:
    """The problems met while a request streams in, the first to be answered kept."""

    first: tuple[int, int, HosoError] | None = None
    seen: int = 0

    def note(self, rank: int, problem: HosoError) -> None:
        self.seen += 1
        if self.first is None or (rank, self.seen) < self.first[:2]:
            self.first = (rank, self.seen, problem)

    def __bool__(self) -> bool:
        return self.first is not None

    def raise_first(self) -> None:
        if self.first is not None:
            raise self.first[2]


async def add_files(
    runtime: Runtime, document: StoredDocument, uploads: UploadStream, role: FileRole
) -> list[FileVersion]:
    """Add new files: each is checked and stored as it arrives; all are kept, or none is."""
    problems = _Problems()
    await _note_if_archived(problems, document)
    _note_if_final(problems, document, runtime)
    if role is FileRole.MAIN:
        # Answers the common case early, without storing the blob; also finds main files
        # uploaded before main file ids were derived from the document id.
        existing = await FileVersion.find_one({"document_id": document.id, "role": "main"})
        if existing is not None:
            problems.note(_HAS_MAIN, _already_has_main_file(document, existing.file_id))
    created = _CreatedByRequest(runtime, document.id)
    try:
        one = role is FileRole.MAIN
        received, count = await _store_as_they_come(runtime, uploads, created, problems, one=one)
        if one and count > 1:
            problems.note(
                _MAIN_COUNT,
                InvalidInput(
                    "A document has one main file; send attachments with role=attachment.",
                    errors=[{"field": "files", "message": "more than one main file"}],
                ),
            )
        problems.raise_first()
        versions = []
        for upload, blob in received:
            file_id = main_file_id(document.id) if role is FileRole.MAIN else uuid.uuid4().hex
            version = _new_version(runtime, document, upload, blob, file_id, role, number=1)
            try:
                await version.insert()
            except DuplicateKeyError:
                if role is FileRole.MAIN:
                    raise _already_has_main_file(document, file_id) from None
                raise Conflict(
                    "Another upload took the same file id; send the files again."
                ) from None
            versions.append(version)
            await created.mark_text(version, document.unit)
        await _check_document_still_takes_files(document, runtime)
    except BaseException:
        await created.remove()
        raise
    wake_extractor(runtime)
    await index_document(runtime, document.id)  # the old version's words no longer find it
    return versions


async def add_version(
    runtime: Runtime, document: StoredDocument, file_id: str, uploads: UploadStream
) -> FileVersion:
    """Add a new version of a file from a request that holds exactly one file."""
    current = await get_file(document, file_id)
    problems = _Problems()
    await _note_if_archived(problems, document)
    _note_if_final(problems, document, runtime)
    created = _CreatedByRequest(runtime, document.id)
    try:
        received, count = await _store_as_they_come(runtime, uploads, created, problems, one=True)
        if count > 1:
            problems.note(
                _FILE_COUNT,
                InvalidInput(
                    "Send exactly one file for a new version.",
                    errors=[{"field": "files", "message": f"{count} files sent"}],
                ),
            )
        problems.raise_first()
        ((upload, blob),) = received
        version = await _insert_next_version(
            runtime, document, upload, blob, file_id, current.current.role
        )
        await created.mark_text(version, document.unit)
        await _check_document_still_takes_files(document, runtime)
    except BaseException:
        await created.remove()
        raise
    wake_extractor(runtime)
    await index_document(runtime, document.id)  # the old version's words no longer find it
    return version


async def _store_as_they_come(
    runtime: Runtime,
    uploads: UploadStream,
    created: _CreatedByRequest,
    problems: _Problems,
    *,
    one: bool,
) -> tuple[list[tuple[Upload, BlobInfo]], int]:
    """Store each file as it arrives while nothing is wrong with the request (only the first,
    with `one`: a second is refused anyway); once something is, read the rest without storing
    it, to find what to answer first. Returns the files stored and the number of files sent."""
    received: list[tuple[Upload, BlobInfo]] = []
    count = 0
    async for upload in uploads:
        count += 1
        try:
            check_upload(runtime, upload)
        except HosoError as problem:
            problems.note(_FILE, problem)
            continue
        if problems or (one and count > 1):
            continue  # skipped: the request is refused whatever the rest holds
        try:
            blob = await created.put_blob(upload)
        except _FileRefused as refused:
            problems.note(refused.rank, refused.problem)
            continue
        received.append((upload, blob))
    refused = uploads.problem()
    if refused is not None:
        problems.note(_NOT_ONLY_FILES, refused)
    if count == 0:
        problems.note(
            _NO_FILE,
            InvalidInput(
                "Send one or more files in the multipart field 'files'.",
                errors=[{"field": "files", "message": "no file sent"}],
            ),
        )
    return received, count


def _note_if_final(problems: _Problems, document: StoredDocument, runtime: Runtime) -> None:
    try:
        _check_can_change_files(document, runtime)
    except Conflict as problem:
        problems.note(_FINAL, problem)


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


async def open_content(
    runtime: Runtime, version: FileVersion, *, offset: int = 0, length: int | None = None
) -> AsyncIterator[bytes]:
    """The version's bytes (those of [offset, offset + length) when given), streamed."""
    try:
        return await runtime.blobs.open(version.blob_key, offset=offset, length=length)
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
    await remove_texts(text_key_of(version) for version in versions)
    for version in versions:
        await _delete_blob_quietly(runtime, version.blob_key)


async def _note_if_archived(problems: _Problems, document: StoredDocument) -> None:
    """A document in a record the archive accepted is locked, its files too."""
    from core.records.handover import refuse_if_archived  # records depend on documents

    try:
        await refuse_if_archived(document)
    except Conflict as problem:
        problems.note(_FINAL, problem)


def _check_can_change_files(document: StoredDocument, runtime: Runtime) -> None:
    check_editable(runtime, document, "files")
    if document.direction is not Direction.INCOMING and document.state is DocumentState.ISSUED:
        raise Conflict(
            f"Document {document.id} is issued; its files are final. Issue a replacing document "
            "to change them (D30 Art. 14)."
        )


async def _check_document_still_takes_files(document: StoredDocument, runtime: Runtime) -> None:
    """Re-read the document once the versions are in.

    A DELETE of the draft removes the document first and its files second; an upload that inserted
    its versions before that second step has them removed there, and one that inserted after it
    sees the document gone here. Either way no file outlives its document.
    """
    current = await StoredDocument.get(document.id)
    if current is None:
        raise NotFound(
            f"Document {document.id} was deleted while its files were being uploaded; "
            "nothing was kept."
        )
    _check_can_change_files(current, runtime)


def _already_has_main_file(document: StoredDocument, file_id: str) -> Conflict:
    return Conflict(
        "The document already has a main file; upload a new version of it at "
        f"/api/v1/documents/{document.id}/files/{file_id}/versions."
    )


@dataclass
class _CreatedByRequest:
    """Every blob and version row one request has created, so that a failure removes them all."""

    runtime: Runtime
    document_id: PydanticObjectId | None
    blob_keys: list[str] = field(default_factory=list)
    text_keys: list[str] = field(default_factory=list)

    async def mark_text(self, version: FileVersion, unit: str) -> None:
        """The version's text, pending until the background extractor reads it."""
        self.text_keys.append(text_key_of(version))
        await mark_pending(self.runtime, version, unit)

    async def put_blob(self, upload: Upload) -> BlobInfo:
        """Store the file; `_FileRefused` if it is empty, too large or not what its type says
        (the request's own problems, from reading it, go through as they are)."""
        name = nfc(upload.filename).strip()
        media_type = media_type_of(upload)
        limit = self.runtime.settings.max_upload_bytes
        # The first chunk is checked before the blob store sees any byte, then streamed with the
        # rest: the file is read once and never held whole.
        head = await _first_chunk(upload)
        if not head:  # when the HTTP layer could not tell the size beforehand
            raise _FileRefused(_FILE, empty_file(name, content_field(upload)))
        try:
            check_content(name, media_type, head)
        except UnsupportedMediaType as problem:
            raise _FileRefused(_CONTENT, problem) from None
        chunks = _CountedChunks(upload, head)
        try:
            blob = await self.runtime.blobs.put(chunks, content_type=media_type, max_size=limit)
        except BlobTooLarge:
            # Read to its end (within the request's own limit) to say how large it is.
            size = chunks.count + await _length_of_rest(upload)
            raise _FileRefused(_FILE, too_large(name, limit, size)) from None
        self.blob_keys.append(blob.key)
        return blob

    async def remove(self) -> None:
        if not self.blob_keys:
            return
        # Shielded: a request cancelled half-way must still take back what it stored.
        with anyio.CancelScope(shield=True):
            try:
                await remove_texts(self.text_keys)
                # By blob key rather than by the rows known to be inserted: an insert that failed
                # on the way back (connection lost) may still have been written.
                await FileVersion.find(
                    {"document_id": self.document_id, "blob_key": {"$in": self.blob_keys}}
                ).delete()
            except Exception:  # noqa: BLE001 - the original error is the one to report
                # A record must never point at a missing blob: keep the blobs, log them.
                logger.error(
                    "could not remove the file versions of a failed upload; blobs %s may have "
                    "no record and can be removed once checked",
                    ", ".join(self.blob_keys),
                )
                return
            for key in self.blob_keys:
                await _delete_blob_quietly(self.runtime, key)


def _new_version(
    runtime: Runtime,
    document: StoredDocument,
    upload: Upload,
    blob: BlobInfo,
    file_id: str,
    role: FileRole,
    number: int,
) -> FileVersion:
    return FileVersion(
        id=PydanticObjectId(),  # made here: see create_document
        document_id=document.id,
        file_id=file_id,
        version=number,
        role=role,
        name=nfc(upload.filename).strip(),
        media_type=media_type_of(upload),
        size=blob.size,
        sha256=blob.sha256 or "",
        blob_key=blob.key,
        uploaded_at=runtime.clock(),
    )


async def _insert_next_version(
    runtime: Runtime,
    document: StoredDocument,
    upload: Upload,
    blob: BlobInfo,
    file_id: str,
    role: FileRole,
) -> FileVersion:
    # Versions are numbered like register entries: highest + 1, claimed by a unique insert.
    for _ in range(VERSION_ATTEMPTS):
        latest = (
            await FileVersion.find({"file_id": file_id}).sort([("version", -1)]).limit(1).to_list()
        )
        number = latest[0].version + 1 if latest else 1
        version = _new_version(runtime, document, upload, blob, file_id, role, number)
        try:
            await version.insert()
            return version
        except DuplicateKeyError:
            continue
    raise Conflict(f"File {file_id} is receiving many versions at once; try again.")


async def _first_chunk(upload: Upload) -> bytes:
    """The first chunk, long enough to hold any signature (a stream may answer a read short)."""
    head = b""
    while len(head) < SIGNATURE_BYTES:
        chunk = await upload.read(READ_CHUNK)
        if not chunk:
            break
        head += chunk
    return head


class _CountedChunks:
    """The file's chunks, `head` first, counted as the blob store takes them."""

    def __init__(self, upload: Upload, head: bytes) -> None:
        self.count = 0
        self._upload = upload
        self._head: bytes | None = head

    def __aiter__(self) -> _CountedChunks:
        return self

    async def __anext__(self) -> bytes:
        if self._head is not None:
            chunk, self._head = self._head, None
        else:
            chunk = await self._upload.read(READ_CHUNK)
        if not chunk:
            raise StopAsyncIteration
        self.count += len(chunk)
        return chunk


async def _length_of_rest(upload: Upload) -> int:
    length = 0
    while chunk := await upload.read(READ_CHUNK):
        length += len(chunk)
    return length


class _FileRefused(Exception):
    """One file of the request cannot be stored; `problem` says why."""

    def __init__(self, rank: int, problem: HosoError) -> None:
        super().__init__(problem.detail)
        self.rank = rank
        self.problem = problem


async def _delete_blob_quietly(runtime: Runtime, key: str) -> None:
    try:
        await runtime.blobs.delete(key)
    except Exception:  # noqa: BLE001 - the record is what matters; log the orphan for cleanup
        logger.error("could not delete blob %s; it has no record and can be removed", key)


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
