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


def claim_key(text_id: str, attempt: int) -> str:
    return f"{text_id}|claim|{attempt}"


class FileText(Document):
    """One file version's text. `_id` = `file_text_key(file_id, version)`: inserted as pending
    when the version is stored, so that no version is ever forgotten."""

    id: str  # type: ignore[assignment]
    document_id: PydanticObjectId
    unit: str
    file_id: str
    version: int
    media_type: str
    # Where the version's bytes are: the extractor reads them without looking the version up
    # (a lookup by file id and version scans on FerretDB).
    blob_key: str = ""
    status: TextStatus = TextStatus.PENDING
    text: str | None = None
    chars: int = 0  # len(text): listings show it without reading the text
    truncated: bool = False  # the text was cut at the `text_max_chars` setting
    error: str | None = None
    created_at: datetime
    extracted_at: datetime | None = None

    class Settings:
        name = "file_texts"
        indexes = [IndexModel([("status", ASCENDING)], name="by_status")]


class TextWaiting(Document):
    """A text still to extract: the extractors' work list. Kept apart from `file_texts` so that
    looking for work reads only what waits (FerretDB scans a collection for any filter but
    `_id`), and removed once the text is written."""

    id: str  # type: ignore[assignment]  # the FileText's _id
    queued_at: datetime

    class Settings:
        name = "file_texts_waiting"


class TextClaim(Document):
    """A lease on one extraction: `_id` = `claim_key(text id, attempt)`, taken by inserting it.

    The unique `_id` lets exactly one worker take an attempt, on every MongoDB-compatible engine
    (FerretDB 1.x applies no conditional update atomically, but holds unique inserts). A lease
    left by a worker that stopped expires; the next attempt number may then be taken."""

    id: str  # type: ignore[assignment]
    text_id: str
    attempt: int
    worker: str
    claimed_at: datetime
    expires_at: datetime
    # Given back by its worker after an error expected to pass (the file store unreachable…):
    # not counted as an attempt that stopped half-way.
    released: bool = False

    class Settings:
        name = "file_text_claims"
