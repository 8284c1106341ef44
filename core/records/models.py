"""Stored work records (hồ sơ), the documents filed in them, and their revisions.

Every invariant rests on an insert under a derived `_id`, which every MongoDB-compatible engine
refuses twice (FerretDB 1.x does not apply conditional updates atomically: SERVERS.md):

- a record's `_id` is its code (mã hồ sơ, TT01 Art. 16.3), so opening one list entry twice, from
  any number of workers at once, stores one record;
- a record's writes claim revision N+1 by inserting `RecordRevision` `<code>|<N+1>`, as documents
  do (core/documents/revisions.py), so two state changes from revision N cannot both win;
- a document is filed once per record (`Membership` `<code>|<document id>`), and its order number
  is a slot `<code>|<n>` claimed by insert (`FilingSlot`, core/sequences.py), so two documents
  filed at once never share one. One document may sit in several records: a membership is an
  entry pointing at the document, never a copy of it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

from core.documents.models import AccessMode

# The archival fields follow Circular 02/2019/TT-BNV. The Law on Archives 2024 (in force from
# 2025) renames some of them (for instance "phông lưu trữ" and "chế độ sử dụng" take new names
# in its decrees); a record says which set its fields follow, so a later set can be told apart
# and mapped when packages are exported.
FIELD_SET = "tt02-2019"


class RecordState(StrEnum):
    OPEN = "open"  # mở: documents are being collected
    CLOSED = "closed"  # kết thúc: dates, totals and the document list are fixed
    SUBMITTED = "submitted"  # nộp lưu: waiting for the archive
    ACCEPTED = "accepted"  # the archive took it: locked for ever
    # The archive sent it back with a reason: it behaves as an open record (documents may be
    # filed and removed, metadata changed), then is closed and submitted again.
    RETURNED = "returned"


# States in which documents may be filed or removed and the record's metadata changed.
COLLECTING = frozenset({RecordState.OPEN, RecordState.RETURNED})


class ArchivalFields(BaseModel):
    """TT02 fields a record carries beyond D30 App. VI (all optional until submission)."""

    archive_code: str | None = Field(
        None, max_length=13, description="Mã cơ quan lưu trữ lịch sử (TT02)"
    )
    fonds_code: str | None = Field(None, max_length=13, description="Mã phông (TT02)")
    catalogue: str | None = Field(
        None, max_length=30, description="Mục lục số hoặc năm hình thành (TT02)"
    )
    information_symbol: str | None = Field(
        None, max_length=30, description="Ký hiệu thông tin (TT02)"
    )
    keywords: list[str] = Field(default_factory=list, max_length=50, description="Từ khóa")
    sheet_count: int | None = Field(None, ge=0, le=9999, description="Số lượng tờ (TT02)")
    physical_state: str | None = Field(None, max_length=50, description="Tình trạng vật lý (TT02)")
    notes: str | None = Field(None, max_length=500, description="Chú giải (TT02)")


class WorkRecord(Document):
    id: str  # type: ignore[assignment]  # the record code, e.g. 000.00.00.H25.2026.01.TH
    unit: str
    year: int
    revision: int = 1
    state: RecordState = RecordState.OPEN

    # Where it comes from: an entry of the unit's approved list, or outside it with a reason.
    entry_id: str | None = None
    outside_list: bool = False
    outside_reason: str | None = None
    number_and_symbol: str  # 01.TCCB

    # D30 App. VI Part II (record): Title, Maintenance, Rights, Creator, Language, StartDate,
    # EndDate, DocTotal, PageTotal, Description.
    title: str
    retention: str  # "permanent" or "<N> years", as the list stores it
    access_mode: AccessMode = AccessMode.INTERNAL
    creator: str
    language: str = "vi"
    start_date: date | None = None
    end_date: date | None = None
    doc_total: int = 0
    page_total: int = 0
    description: str | None = None

    field_set: str = FIELD_SET
    archival: ArchivalFields = Field(default_factory=ArchivalFields)

    # Handover (nộp lưu): a capital construction record is due 3 months after final settlement.
    capital_construction: bool = False
    final_settlement_date: date | None = None
    due_date: date | None = None
    extended_until: date | None = None
    extension_reason: str | None = None
    returned_reason: str | None = None

    created_by: str | None = None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    submitted_at: datetime | None = None
    accepted_at: datetime | None = None
    accepted_by: str | None = None

    class Settings:
        name = "records"
        indexes = [
            IndexModel([("unit", ASCENDING), ("year", ASCENDING)], name="records_by_unit_year"),
        ]


def record_revision_key(code: str, revision: int) -> str:
    return f"{code}|{revision:09d}"


class RecordRevision(Document):
    """Revision `revision` of a record, inserted before the record is written: the claim."""

    id: str  # type: ignore[assignment]  # record_revision_key(code, revision)
    record_code: str
    revision: int
    change: str
    at: datetime
    actor: str | None = None
    snapshot: dict[str, Any]

    class Settings:
        name = "record_revisions"


def membership_key(code: str, document_id: PydanticObjectId | str) -> str:
    return f"{code}|{document_id}"


def slot_key(code: str, number: int) -> str:
    return f"{code}|{number:06d}"


class Membership(Document):
    """Document `document_id` is filed in record `record_code` as its `order`-th document."""

    id: str  # type: ignore[assignment]  # membership_key(record_code, document_id)
    record_code: str
    document_id: PydanticObjectId
    unit: str
    order: int
    filed_at: datetime
    filed_by: str | None = None
    automatic: bool = False  # filed by the plugins' rule when the document was numbered

    class Settings:
        name = "record_memberships"
        indexes = [
            IndexModel([("record_code", ASCENDING), ("order", ASCENDING)], name="by_record"),
            IndexModel([("document_id", ASCENDING)], name="by_document"),
        ]


class FilingSlot(Document):
    """Order number `number` of a record, taken once by one filing; never deleted, so numbers
    given by filing are never given twice (a document removed leaves its number unused)."""

    id: str  # type: ignore[assignment]  # slot_key(record_code, number)
    record_code: str
    number: int
    document_id: PydanticObjectId
    at: datetime

    class Settings:
        name = "record_filing_slots"


class FilingMark(Document):
    """The highest filing slot known taken per record (core.sequences' mark)."""

    id: str  # type: ignore[assignment]
    number: int

    class Settings:
        name = "record_filing_marks"
