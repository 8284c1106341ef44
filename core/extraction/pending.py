"""Marking texts to extract: when a version is stored, and at start for versions stored before.

A version's FileText is inserted in the upload's own request, right after the version, as
`pending` (or `unsupported` when nothing reads its media type); a waiting entry then puts it on
the extractors' work list. The upload does not wait for the text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from pymongo.errors import DuplicateKeyError

from core.documents.models import FileVersion, StoredDocument
from core.extraction.models import FileText, TextStatus, TextWaiting, file_text_key
from core.extraction.readers import has_reader
from core.runtime import Runtime

logger = logging.getLogger("hoso")


@dataclass(frozen=True)
class TextState:
    """What a file listing shows of a version's text."""

    status: TextStatus
    chars: int | None


def text_key_of(version: FileVersion) -> str:
    return file_text_key(version.file_id, version.version)


def new_text(runtime: Runtime, version: FileVersion, unit: str) -> FileText:
    readable = has_reader(version.media_type)
    now = runtime.clock()
    return FileText(
        id=text_key_of(version),
        document_id=version.document_id,
        unit=unit,
        file_id=version.file_id,
        version=version.version,
        media_type=version.media_type,
        blob_key=version.blob_key,
        status=TextStatus.PENDING if readable else TextStatus.UNSUPPORTED,
        created_at=now,
        extracted_at=None if readable else now,
    )


async def mark_pending(runtime: Runtime, version: FileVersion, unit: str) -> FileText:
    """The text of a version just stored: pending, and on the work list (upload path)."""
    text = new_text(runtime, version, unit)
    # Replaced, not only inserted: a version number is taken only once, so an entry already
    # there is a leftover of an upload rolled back half-way, never a text to keep.
    await FileText.get_motor_collection().replace_one({"_id": text.id}, _encoded(text), upsert=True)
    if text.status is TextStatus.PENDING:
        await _queue(runtime, text.id)
    return text


async def _queue(runtime: Runtime, text_id: str) -> bool:
    try:
        await TextWaiting(id=text_id, queued_at=runtime.clock()).insert()
    except DuplicateKeyError:
        return False
    return True


async def remove_texts(keys: Iterable[str]) -> None:
    """Forget the texts of versions that are removed (a rolled-back upload, a deleted draft)."""
    ids = list(keys)
    if not ids:
        return
    await TextWaiting.find({"_id": {"$in": ids}}).delete()
    await FileText.find({"_id": {"$in": ids}}).delete()


async def text_states(versions: Iterable[FileVersion]) -> dict[str, TextState]:
    """The text status of each version, by text key, without reading the texts themselves. A
    version whose text entry is not written yet (its upload is finishing) is pending."""
    keys = [text_key_of(version) for version in versions]
    states = dict.fromkeys(keys, TextState(TextStatus.PENDING, None))
    if not keys:
        return states
    cursor = FileText.get_motor_collection().find({"_id": {"$in": keys}}, {"status": 1, "chars": 1})
    async for raw in cursor:
        status = TextStatus(raw.get("status", TextStatus.PENDING))
        chars = raw.get("chars", 0) if status is TextStatus.DONE else None
        states[raw["_id"]] = TextState(status, chars)
    return states


async def text_of(version: FileVersion) -> FileText | None:
    return await FileText.get(text_key_of(version))


async def queue_missing_texts(runtime: Runtime) -> int:
    """At start: versions stored before texts were extracted get a pending text, and pending
    texts missing from the work list (a request stopped between the two writes) are put on it.
    Inserts only: a text another worker has meanwhile written is never set back to pending."""
    texts = FileText.get_motor_collection()
    known: set[str] = set()
    pending: list[str] = []
    async for raw in texts.find({}, {"status": 1}):
        known.add(raw["_id"])
        if raw.get("status") == TextStatus.PENDING:
            pending.append(raw["_id"])
    missing: list[FileVersion] = []
    async for raw in FileVersion.get_motor_collection().find({}):
        version = FileVersion.model_validate(raw)
        if text_key_of(version) not in known:
            missing.append(version)
    units: dict[object, str | None] = {}
    added = 0
    for version in missing:
        if version.document_id not in units:
            document = await StoredDocument.get(version.document_id)
            units[version.document_id] = document.unit if document is not None else None
        unit = units[version.document_id]
        if unit is None:
            continue  # a deleted document's version, about to be removed
        text = new_text(runtime, version, unit)
        try:
            await text.insert()
        except DuplicateKeyError:
            continue
        added += 1
        if text.status is TextStatus.PENDING:
            pending.append(text.id)
    for text_id in pending:
        await _queue(runtime, text_id)
    if added:
        logger.warning("%d file versions stored before text extraction will be read", added)
    return added


def wake_extractor(runtime: Runtime) -> None:
    """New texts to read: this worker's extractor starts at once (others find them on their
    next poll)."""
    if runtime.extractor is not None:
        runtime.extractor.wake()


def _encoded(text: FileText) -> dict[str, object]:
    from beanie.odm.utils.encoder import Encoder

    return Encoder(to_db=True).encode(text)
