"""What crosses the wire for documents. Field lengths follow D30 App. VI Part II."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from core.documents.models import (
    AccessMode,
    Direction,
    DocumentState,
    FileRole,
    Recipient,
    Secrecy,
    Signer,
    StoredDocument,
    Urgency,
)
from core.text import nfc_deep

Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
OrganName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Section = Annotated[str, StringConstraints(pattern=r"^[A-ZĐ][A-Za-zĐđ0-9]{0,19}$")]


def _json_integer(value: Any) -> Any:
    # Counts and revisions must arrive as JSON integers: `true`, "5" or 2.5 is a client bug, not
    # a value to coerce. (Litestar validates in lax mode, so pydantic's Strict() is overridden.)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


Count = Annotated[int, BeforeValidator(_json_integer)]

# What the database can store: MongoDB refuses documents nested deeper than 100 levels (far less
# already makes no sense for metadata) and names holding NUL; FerretDB also refuses names that
# start with `$` or hold a dot. Refuse them here as the client's mistake, not half-way through a
# write.
MAX_EXTRA_DEPTH = 20
MAX_SCHEMA_DEPTH = 60


def _nesting_and_names(value: Any) -> tuple[int, list[str]]:
    depth, names, level = 0, [], [value]
    while level:
        depth += 1
        names += [name for item in level if isinstance(item, dict) for name in item]
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
    return depth, names


def _storable(limit: int, *, plain_names: bool) -> AfterValidator:
    def check(value: dict[str, Any]) -> dict[str, Any]:
        depth, names = _nesting_and_names(value)
        if depth > limit:
            raise ValueError(f"nested deeper than {limit} levels")
        for name in names:
            if "\x00" in name:
                raise ValueError(f"field name {name!r} contains a NUL character; rename it")
            if plain_names and (name.startswith("$") or "." in name):
                raise ValueError(f"field name {name!r} starts with '$' or contains '.'; rename it")
        return value

    return AfterValidator(check)


Extra = Annotated[dict[str, Any], _storable(MAX_EXTRA_DEPTH, plain_names=True)]
# JSON Schema keywords start with `$` ($defs, $ref): only NUL is refused in a schema.
ExtraSchema = Annotated[dict[str, Any], _storable(MAX_SCHEMA_DEPTH, plain_names=False)]


class _Strict(BaseModel):
    """Input: unknown fields refused, Vietnamese text made NFC before any length or choice is
    checked (a decomposed `ệ` is three code points, the composed one is one)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _nfc(cls, data: Any) -> Any:
        return nfc_deep(data)


class DocumentFields(_Strict):
    """Metadata a client may set (Circular 02/2019, D30 App. VI)."""

    summary: Summary | None = Field(None, description="Trích yếu (Subject), up to 500 characters")
    issuing_body: OrganName | None = Field(
        None, description="Cơ quan ban hành; for outgoing documents defaults to the unit's name"
    )
    language: str | None = Field(None, min_length=2, max_length=30)
    page_count: Count | None = Field(None, ge=1, le=999)
    keywords: list[Keyword] | None = Field(None, max_length=50)
    description: str | None = Field(None, max_length=500, description="Ghi chú")
    access_mode: AccessMode | None = None
    urgency: Urgency | None = None
    secrecy: Secrecy | None = None
    signer: Signer | None = None
    drafting_section: Section | None = Field(
        None, description="Drafting section or field, used in the symbol of a công văn (BNV-VP)"
    )
    recipients: list[Recipient] | None = Field(None, max_length=500)
    issued_amount: Count | None = Field(None, ge=1, le=999)
    due_date: date | None = None
    original_number: str | None = Field(None, max_length=11, description="Incoming: số")
    original_symbol: str | None = Field(None, max_length=30, description="Incoming: ký hiệu")
    original_date: date | None = Field(None, description="Incoming: ngày tháng văn bản")
    to_places: str | None = Field(None, max_length=1000)
    extra: Extra | None = Field(None, description="Fields defined by the document type")


class DocumentCreate(DocumentFields):
    unit: str = Field(description="Agency identifier code of the unit, e.g. 000.00.00.H25")
    direction: Direction
    type_code: str = Field(min_length=1, max_length=20)
    summary: Summary = Field(description="Trích yếu (Subject), up to 500 characters")


class DocumentUpdate(DocumentFields):
    revision: Count = Field(ge=1, description="The revision you read; a stale one answers 409")
    type_code: str | None = Field(None, min_length=1, max_length=20)


class RevisionOnly(_Strict):
    revision: Count | None = Field(None, ge=1, description="If given, must be the current revision")


class DocumentOut(BaseModel):
    id: str
    unit: str
    direction: Direction
    state: DocumentState
    revision: int
    type_code: str
    type_name: str
    type_symbol: str | None
    register_code: str | None
    register_year: int | None
    number: int | None
    number_text: str | None
    symbol: str | None
    number_and_symbol: str | None = Field(description="As printed: `Số: 05/QĐ-UBND`")
    issued_date: date | None
    original_number: str | None
    original_symbol: str | None
    original_date: date | None
    arrival_number: int | None
    arrival_date: date | None
    to_places: str | None
    issuing_body: str
    summary: str
    language: str
    page_count: int | None
    keywords: list[str]
    description: str | None
    access_mode: AccessMode
    urgency: Urgency
    secrecy: Secrecy
    signer: Signer | None
    drafting_section: str | None
    recipients: list[Recipient]
    issued_amount: int | None
    due_date: date | None
    extra: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, document: StoredDocument) -> DocumentOut:
        data = document.model_dump(exclude={"id", "revision_id", "summary_folded"})
        printed = None
        if document.number_text and document.symbol:
            printed = f"Số: {document.number_text}/{document.symbol}"
        return cls(id=str(document.id), number_and_symbol=printed, **data)


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end")


class FileVersionOut(BaseModel):
    file_id: str
    version: int
    role: FileRole
    name: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class FileOut(BaseModel):
    file_id: str
    role: FileRole
    name: str
    media_type: str
    size: int
    sha256: str
    version: int
    versions: list[FileVersionOut]


class DocumentTypeOut(BaseModel):
    code: str
    name: str
    symbol: str | None
    extra_schema: dict[str, Any] = Field(description="JSON Schema of the type's extra fields")
    sources: list[str]


class DocumentTypeCreate(_Strict):
    unit: str
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,19}$", description="ASCII code, e.g. GXN")
    name: str = Field(min_length=1, max_length=100)
    symbol: str | None = Field(None, pattern=r"^[A-ZĐ][A-Za-zĐđ0-9]{0,9}$")
    extra_schema: ExtraSchema = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="JSON Schema (Draft 2020-12) of the type's extra fields",
    )


class DocumentTypeUpdate(_Strict):
    name: str | None = Field(None, min_length=1, max_length=100)
    symbol: str | None = Field(None, pattern=r"^[A-ZĐ][A-Za-zĐđ0-9]{0,9}$")
    extra_schema: ExtraSchema | None = None
