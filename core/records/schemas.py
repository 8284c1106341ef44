"""What crosses the wire for work records (hồ sơ). Lengths follow D30 App. VI Part II (record)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, model_validator

from core.documents.models import AccessMode
from core.documents.schemas import Keywords, Revision, _Strict
from core.openapi import optional_without_null
from core.records.models import ArchivalFields, Membership, RecordState, WorkRecord

RETENTION_PATTERN = r"^(permanent|[1-9][0-9]{0,2} years)$"
NUMBER_AND_SYMBOL_PATTERN = r"^[0-9]{1,3}(\.[A-ZĐ][A-Za-zĐđ0-9-]{0,19})?$"

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Retention = Annotated[
    str,
    StringConstraints(pattern=RETENTION_PATTERN),
    Field(description='"permanent" (Vĩnh viễn) or "<N> years", e.g. "20 years"'),
]
Person = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
Language = Annotated[str, StringConstraints(min_length=2, max_length=50)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class ArchivalIn(_Strict):
    archive_code: str | None = Field(None, max_length=13, description="Mã cơ quan lưu trữ")
    fonds_code: str | None = Field(None, max_length=13, description="Mã phông")
    catalogue: str | None = Field(None, max_length=30, description="Mục lục số hoặc năm")
    information_symbol: str | None = Field(None, max_length=30, description="Ký hiệu thông tin")
    keywords: Keywords = optional_without_null("Từ khóa, up to 50")
    sheet_count: int | None = Field(None, ge=0, le=9999, description="Số lượng tờ")
    physical_state: str | None = Field(None, max_length=50, description="Tình trạng vật lý")
    notes: str | None = Field(None, max_length=500, description="Chú giải")


class RecordFields(_Strict):
    """Metadata a client may set on a record (D30 App. VI; TT02 in `archival`)."""

    access_mode: AccessMode = optional_without_null("Chế độ sử dụng (Rights); default internal")
    creator: Person = optional_without_null(
        "Người lập hồ sơ (Creator); default the person signed in"
    )
    language: Language = optional_without_null("Ngôn ngữ; default vi")
    description: str | None = Field(None, max_length=500, description="Chú giải (Description)")
    start_date: date | None = Field(
        None, description="Thời gian bắt đầu; closing sets it from the documents"
    )
    capital_construction: bool = optional_without_null(
        "A capital construction record: due 3 months after final settlement, not 1 year"
    )
    final_settlement_date: date | None = Field(
        None, description="Capital construction records: the date of final settlement"
    )
    archival: ArchivalIn = optional_without_null("TT02 archival fields")


class RecordOpen(RecordFields):
    unit: str = Field(description="Agency identifier code of the unit")
    year: Year = Field(description="Year of the record list (năm hình thành)")
    entry_id: str | None = Field(
        None, max_length=64, description="The entry of the unit's approved list it is opened from"
    )
    outside_list: bool = optional_without_null(
        "True to open a record that is not in the list; then reason, title, "
        "number_and_symbol and retention are required"
    )
    reason: Reason = optional_without_null("Why a record outside the list is opened")
    title: Title = optional_without_null("Tiêu đề hồ sơ (outside the list only)")
    number_and_symbol: str = Field(
        None,
        pattern=NUMBER_AND_SYMBOL_PATTERN,
        description="Số và ký hiệu hồ sơ, e.g. 15.TH (outside the list only)",
    )
    retention: Retention = optional_without_null("Thời hạn bảo quản (outside the list only)")

    @model_validator(mode="after")
    def _origin(self) -> RecordOpen:
        outside = bool(self.outside_list)
        if outside and self.entry_id is not None:
            raise ValueError("give either entry_id or outside_list, not both")
        if not outside and self.entry_id is None:
            raise ValueError(
                "give entry_id (an entry of the approved list), or outside_list: true with "
                "reason, title, number_and_symbol and retention"
            )
        if outside:
            missing = [
                name
                for name in ("reason", "title", "number_and_symbol", "retention")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(f"a record outside the list needs {', '.join(missing)}")
        elif any(
            getattr(self, name) is not None
            for name in ("reason", "title", "number_and_symbol", "retention")
        ):
            raise ValueError(
                "reason, title, number_and_symbol and retention come from the list entry; "
                "change title or retention afterwards with PATCH"
            )
        return self


class RecordUpdate(RecordFields):
    revision: Revision = Field(description="The revision you read; a stale one answers 409")
    title: Title = optional_without_null("Tiêu đề hồ sơ")
    retention: Retention = optional_without_null("Thời hạn bảo quản")


class RecordOut(BaseModel):
    code: str = Field(description="Mã hồ sơ (TT01 Art. 16.3)")
    unit: str
    year: int
    revision: int
    state: RecordState
    entry_id: str | None
    outside_list: bool
    outside_reason: str | None
    number_and_symbol: str
    title: str
    retention: str
    access_mode: AccessMode
    creator: str
    language: str
    start_date: date | None
    end_date: date | None
    doc_total: int
    page_total: int
    description: str | None
    field_set: str = Field(description="Which set of archival field names `archival` follows")
    archival: ArchivalFields
    capital_construction: bool
    final_settlement_date: date | None
    due_date: date | None
    extended_until: date | None
    extension_reason: str | None
    returned_reason: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    submitted_at: datetime | None
    accepted_at: datetime | None
    accepted_by: str | None

    @classmethod
    def of(cls, record: WorkRecord) -> RecordOut:
        data = record.model_dump(exclude={"id", "revision_id"})
        return cls(code=record.id, **data)


class RecordPage(BaseModel):
    items: list[RecordOut]


class FileIn(_Strict):
    document_id: str = Field(min_length=1, max_length=64, description="The document to file")


class OrderIn(_Strict):
    documents: list[Annotated[str, Field(max_length=64)]] = Field(
        max_length=10_000,
        description="Every document filed in the record, by id, in the order wanted",
    )


class FiledOut(BaseModel):
    document_id: str
    order: int = Field(description="Số thứ tự văn bản trong hồ sơ")
    filed_at: datetime
    filed_by: str | None
    automatic: bool
    number_and_symbol: str | None = None
    document_date: date | None = None
    summary: str | None = None
    type_code: str | None = None
    page_count: int | None = None
    state: str | None = None

    @classmethod
    def of(cls, membership: Membership, document: Any = None) -> FiledOut:
        out = cls(
            document_id=str(membership.document_id),
            order=membership.order,
            filed_at=membership.filed_at,
            filed_by=membership.filed_by,
            automatic=membership.automatic,
        )
        if document is not None:
            out.number_and_symbol = printed_number(document)
            out.document_date = document.issued_date or document.arrival_date
            out.summary = document.summary
            out.type_code = document.type_code
            out.page_count = document.page_count
            out.state = document.state.value
        return out


class FiledPage(BaseModel):
    items: list[FiledOut]


class ReturnIn(_Strict):
    reason: Reason = Field(description="Why the archive sends the record back")
    revision: Revision | None = Field(None, description="If given, must be the current revision")


class ExtendIn(_Strict):
    until: date = Field(description="The new date, at most 2 years past the due date")
    reason: Reason = Field(description="Why the unit keeps the record longer (the head's consent)")
    revision: Revision | None = Field(None, description="If given, must be the current revision")


class DueOut(BaseModel):
    due_soon: list[RecordOut] = Field(description="Closed, not submitted, due within 30 days")
    overdue: list[RecordOut] = Field(description="Closed, not submitted, past their due date")


class FiguresOut(BaseModel):
    unit: str
    year: int
    records_created: int
    records_outside_list: int
    records_closed: int = Field(description="Closed at least once")
    records_complete: int = Field(
        description="Closed, submitted or accepted: passed the completeness check"
    )
    records_submitted: int = Field(description="Submitted or accepted")
    records_accepted: int
    list_entries: int = Field(description="Entries of the year's record list")
    list_entries_with_record: int = Field(description="Entries with an electronic record")


def printed_number(document: Any) -> str | None:
    if document.number_text and document.symbol:
        return f"{document.number_text}/{document.symbol}"
    if document.original_number:
        symbol = f"/{document.original_symbol}" if document.original_symbol else ""
        return f"{document.original_number}{symbol}"
    return None
