"""The text of each file version, extracted in the background after upload (core.extraction)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from beanie import Document, PydanticObjectId
from pymongo import ASCENDING, IndexModel


class TextStatus(StrEnum):
    PENDING = "pending"  # uploaded, not extracted yet
    DONE = "done"  # text extracted (possibly empty for a file with none)
    NEEDS_OCR = "needs_ocr"  # a scan or an image without a text layer, and no OCR installed
    UNSUPPORTED = "unsupported"  # a media type text is not extracted from
    FAILED = "failed"  # the file could not be read (broken, encrypted…); `error` says why


def file_text_key(file_id: str, version: int) -> str:
    return f"{file_id}|{version:09d}"


class FileText(Document):
    """One file version's text. `_id` = `file_text_key(file_id, version)`: inserted as pending
    when the version is stored, so that no version is ever forgotten."""

    id: str  # type: ignore[assignment]
    document_id: PydanticObjectId
    unit: str
    file_id: str
    version: int
    media_type: str
    status: TextStatus = TextStatus.PENDING
    text: str | None = None
    error: str | None = None
    created_at: datetime
    extracted_at: datetime | None = None

    class Settings:
        name = "file_texts"
        indexes = [IndexModel([("status", ASCENDING)], name="by_status")]
