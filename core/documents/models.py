"""Stored documents and their file versions (Beanie models; the API speaks `schemas.py`)."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

from core.workflows.models import Assignment, WorkflowStatus


class Direction(StrEnum):
    OUTGOING = "outgoing"  # văn bản đi
    INCOMING = "incoming"  # văn bản đến
    INTERNAL = "internal"  # văn bản nội bộ


class DocumentState(StrEnum):
    DRAFT = "draft"  # being prepared (outgoing, internal) or received, not yet registered
    ISSUED = "issued"  # outgoing/internal: numbered and dated (D30 Art. 15)
    REGISTERED = "registered"  # incoming: arrival number given (D30 Art. 22)


class Urgency(StrEnum):
    """Mức độ khẩn; exchange software codes them 0–4 (D30 App. VI `Priority`, unverified)."""

    NORMAL = "normal"  # Thường
    URGENT = "urgent"  # Khẩn
    VERY_URGENT = "very_urgent"  # Thượng khẩn
    FLASH = "flash"  # Hỏa tốc
    FLASH_TIMED = "flash_timed"  # Hỏa tốc hẹn giờ


class Secrecy(StrEnum):
    NONE = "none"
    CONFIDENTIAL = "confidential"  # Mật
    SECRET = "secret"  # Tối mật
    TOP_SECRET = "top_secret"  # Tuyệt mật


class AccessMode(StrEnum):
    """Chế độ sử dụng (TT02); the value list is our reading, not the circular's text."""

    PUBLIC = "public"
    INTERNAL = "internal"
    RESTRICTED = "restricted"


class Signer(BaseModel):
    full_name: str = Field(min_length=1, max_length=50)
    position: str = Field(min_length=1, max_length=100)
    # TM. (on behalf of a collective), Q. (acting), KT. (deputy for head), TL. (by order),
    # TUQ. (by authorisation) — D30 App. I.
    capacity: str | None = Field(None, pattern=r"^(TM|Q|KT|TL|TUQ)$")


class Recipient(BaseModel):
    organ_id: str | None = Field(None, max_length=13)
    organ_name: str = Field(min_length=1, max_length=200)


class StoredDocument(Document):
    unit: str
    direction: Direction
    state: DocumentState = DocumentState.DRAFT
    revision: int = 1

    type_code: str
    type_name: str
    type_symbol: str | None = None

    # Number and symbol of an issued outgoing/internal document (D30 Art. 15), kept apart.
    register_code: str | None = None
    register_year: int | None = None
    number: int | None = None
    number_text: str | None = None
    symbol: str | None = None
    issued_date: date | None = None

    # Incoming: the sender's number/symbol/date, and the arrival number (D30 Art. 22).
    original_number: str | None = None
    original_symbol: str | None = None
    original_date: date | None = None
    arrival_number: int | None = None
    arrival_date: date | None = None
    to_places: str | None = None

    issuing_body: str
    summary: str
    summary_folded: str
    language: str = "vi"
    page_count: int | None = None
    keywords: list[str] = Field(default_factory=list)
    description: str | None = None
    access_mode: AccessMode = AccessMode.INTERNAL
    urgency: Urgency = Urgency.NORMAL
    secrecy: Secrecy = Secrecy.NONE
    signer: Signer | None = None
    drafting_section: str | None = None
    recipients: list[Recipient] = Field(default_factory=list)
    issued_amount: int | None = None
    due_date: date | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    # Who may read a restricted document besides its unit's leaders and its maker (usernames).
    readers: list[str] = Field(default_factory=list)
    # The record (hồ sơ) its author wants it filed in when it is numbered (hoso_choose_record).
    record_code: str | None = None
    # The document this one replies to (its id): a reply is filed where that one is.
    answers: str | None = None
    created_by: str | None = None
    # Where the document is in its workflow (core.workflows); None for a document made before
    # workflows existed, which starts its workflow the first time one is asked of it.
    workflow: WorkflowStatus | None = None
    # Who presides over and who coordinates its handling (incoming documents, D30 Art. 20).
    assignment: Assignment | None = None
    # The presiding and coordinating parties of its assignment (`user:<name>`, `unit:<code>`),
    # wherever they work: they may read it, and it is in their tasks.
    participants: list[str] = Field(default_factory=list)
    # Those asked for an opinion on it (same form); they may read it too.
    consulted: list[str] = Field(default_factory=list)

    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "documents"
        indexes = [
            IndexModel([("unit", ASCENDING), ("_id", ASCENDING)], name="by_unit"),
            IndexModel([("unit", ASCENDING), ("direction", ASCENDING), ("state", ASCENDING)]),
            IndexModel([("unit", ASCENDING), ("issued_date", ASCENDING)]),
            IndexModel([("participants", ASCENDING)], name="by_participant"),
            IndexModel(
                [("unit", ASCENDING), ("workflow.final", ASCENDING), ("workflow.due", ASCENDING)],
                name="open_work_by_due",
            ),
        ]


class RevisionChange(StrEnum):
    """What made a revision of a document."""

    CREATE = "create"
    EDIT = "edit"
    ISSUE = "issue"
    REGISTER = "register"
    DELETE = "delete"  # the draft as it was deleted
    WORKFLOW = "workflow"  # moved on in its workflow, assigned, or opinions asked


def revision_key(document_id: PydanticObjectId | str, revision: int) -> str:
    """The `_id` of revision `revision` of a document: `6750f0c2…|000000002`.

    Derived, so that claiming a revision is an insert that the engine refuses when the key is
    taken (every MongoDB-compatible engine enforces `_id` uniqueness on insert, where FerretDB 1.x
    does not apply conditional updates atomically), and a document's revisions are one `_id`
    range in order: the id is 24 hexadecimal characters and the revision nine digits.
    """
    return f"{document_id}|{revision:09d}"


MAX_REVISION = 999_999_999


class DocumentRevision(Document):
    """Revision `revision` of a document: what it held, when, what made it and who.

    Inserted, never changed or deleted; the entries of a deleted draft stay. Every write of a
    document first inserts its next entry (see `core.documents.revisions`), so two writers of the
    same revision cannot both succeed. Revision 1 is inserted only when revision 2 is claimed:
    until then the document itself is its only revision, and creating one stays one insert.
    """

    id: str  # type: ignore[assignment]  # revision_key(document_id, revision)
    document_id: PydanticObjectId
    revision: int
    change: RevisionChange
    at: datetime
    # Who made the change; set once the service knows who is signed in.
    actor: str | None = None
    # The document as stored at this revision (without its `_id`, which is `document_id`).
    snapshot: dict[str, Any]

    class Settings:
        name = "document_revisions"


class FileRole(StrEnum):
    MAIN = "main"  # the document itself
    ATTACHMENT = "attachment"  # phụ lục, tài liệu kèm theo


class FileVersion(Document):
    """One uploaded version of one file of a document. Versions are inserted, never changed."""

    document_id: PydanticObjectId
    file_id: str
    version: int
    role: FileRole
    name: str
    media_type: str
    size: int
    sha256: str
    blob_key: str
    uploaded_at: datetime

    class Settings:
        name = "file_versions"
        indexes = [
            IndexModel(
                [("file_id", ASCENDING), ("version", ASCENDING)],
                unique=True,
                name="one_row_per_file_version",
            ),
            IndexModel([("document_id", ASCENDING), ("file_id", ASCENDING)]),
        ]


class CustomDocumentType(Document):
    """A document type defined through the API for a unit and the units below it."""

    unit: str
    code: str
    name: str
    symbol: str | None = None
    # Kept as JSON text: schema keywords such as `$ref` and `$defs` are not valid field names
    # for every MongoDB-compatible engine, and a schema is only ever read whole.
    extra_schema_json: str = "{}"
    # A schema change under way (see types_api): while set, documents must fit both schemas.
    pending_schema_json: str | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def extra_schema(self) -> dict[str, Any]:
        return json.loads(self.extra_schema_json)

    @property
    def pending_schema(self) -> dict[str, Any] | None:
        return json.loads(self.pending_schema_json) if self.pending_schema_json else None

    class Settings:
        name = "document_types"
        indexes = [
            IndexModel([("unit", ASCENDING), ("code", ASCENDING)], unique=True, name="unit_code"),
        ]
