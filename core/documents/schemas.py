"""What crosses the wire for documents. Field lengths follow D30 App. VI Part II."""

from __future__ import annotations

import re
import reprlib
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, NoReturn, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError, ValidationError

from core.documents.models import (
    AccessMode,
    Direction,
    DocumentState,
    FileRole,
    Recipient,
    RevisionChange,
    Secrecy,
    Signer,
    StoredDocument,
    Urgency,
)
from core.extraction.models import TextStatus
from core.openapi import optional_without_null
from core.text import drop_invisible, nfc_deep
from core.units.tree import IDENTIFIER_PATTERN
from core.workflows.models import Assignment, WorkflowStatus

_NAMES = reprlib.Repr()
_NAMES.maxstring = 60


def _refuse(loc: tuple[str | int, ...], message: str, value: Any) -> NoReturn:
    """Refuse naming the exact place: pydantic puts `loc` after the place of the value being
    validated, so an error inside `extra` is answered as `extra.a.0`, not just `extra`."""
    raise ValidationError.from_exception_data(
        "input", [{"type": PydanticCustomError("refused", message), "loc": loc, "input": value}]
    )


def _visible(value: str) -> str:
    # A zero-width space or a soft hyphen alone shows nothing: a summary of only those is blank.
    if not drop_invisible(value).strip():
        raise ValueError("must hold visible text, not only spaces or invisible characters")
    return value


Visible = AfterValidator(_visible)
Keyword = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Visible
]
Summary = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), Visible
]
OrganName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Visible
]
TypeName = Annotated[str, Field(min_length=1, max_length=100), Visible]
TypeCode = Annotated[str, StringConstraints(min_length=1, max_length=20)]
Language = Annotated[str, StringConstraints(min_length=2, max_length=30)]
Keywords = Annotated[list[Keyword], Field(max_length=50)]
Section = Annotated[str, StringConstraints(pattern=r"^[A-ZĐ][A-Za-zĐđ0-9]{0,19}$")]


def _json_integer(value: Any) -> Any:
    # Counts and revisions must arrive as JSON integers: `true`, "5" or 2.5 is a client bug, not
    # a value to coerce. (Litestar validates in lax mode, so pydantic's Strict() is overridden.)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


# The limits come before the check so that pydantic writes them into the JSON Schema.
# D30 App. VI keeps page and copy counts in three digits (N3).
SmallCount = Annotated[int, Field(ge=1, le=999), BeforeValidator(_json_integer)]
Revision = Annotated[int, Field(ge=1), BeforeValidator(_json_integer)]

# What the database can store: MongoDB refuses documents nested deeper than 100 levels (far less
# already makes no sense for metadata), names holding NUL and whole numbers past 64 bits; FerretDB
# also refuses names that start with `$` or hold a dot, and arrays directly inside arrays. Refuse
# them here as the client's mistake, not half-way through a write, and on every database alike.
MAX_EXTRA_DEPTH = 20
MAX_SCHEMA_DEPTH = 60
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


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


def _nodes(value: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every value inside a JSON value, with where it is, in document order."""
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while pending:
        path, item = pending.pop()
        yield path, item
        if isinstance(item, dict):
            children = [((*path, key), child) for key, child in item.items()]
        elif isinstance(item, list):
            children = [((*path, index), child) for index, child in enumerate(item)]
        else:
            continue
        pending.extend(reversed(children))


def _storable(limit: int, *, plain_names: bool, document: bool = False) -> AfterValidator:
    def check(value: dict[str, Any]) -> dict[str, Any]:
        depth, names = _nesting_and_names(value)
        if depth > limit:
            raise ValueError(f"nested deeper than {limit} levels")
        for name in names:
            if "\x00" in name:
                raise ValueError(f"field name {name!r} contains a NUL character; rename it")
            if plain_names and (name.startswith("$") or "." in name):
                raise ValueError(f"field name {name!r} starts with '$' or contains '.'; rename it")
        if document:
            _check_document_values(value)
        return value

    return AfterValidator(check)


def _check_document_values(value: dict[str, Any]) -> None:
    for path, item in _nodes(value):
        if isinstance(item, int) and not isinstance(item, bool):
            if not INT64_MIN <= item <= INT64_MAX:
                _refuse(
                    path,
                    f"whole numbers are stored from {INT64_MIN} to {INT64_MAX}; "
                    "send one outside that range as a string",
                    item,
                )
        elif isinstance(item, list) and any(isinstance(child, list) for child in item):
            _refuse(
                path,
                "arrays inside arrays are not stored; use a list of objects, "
                'such as [{"values": [1, 2]}, {"values": [3, 4]}]',
                item,
            )


# Text holds no control characters but tab, line feed and carriage return: NUL and the others
# (C0, DEL, C1) are invisible, cut strings short in other systems and come from broken input.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _control_name(character: str) -> str:
    code = f"U+{ord(character):04X}"
    return "NUL (U+0000)" if character == "\x00" else code


# Bidirectional embeddings, overrides, isolates and marks reorder how text is shown: a summary or
# name holding U+202E prints differently from what is stored and searched ("05/QĐ-\u202eDNBU"
# shows as "05/QĐ-UBND"). Vietnamese text never needs them.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _check_no_control_characters(data: Any) -> None:
    for path, item in _nodes(data):
        if isinstance(item, str) and (found := _CONTROL.search(item)):
            _refuse(
                path,
                f"contains the control character {_control_name(found.group())}; remove it",
                None,
            )
        if isinstance(item, str) and (found := _BIDI.search(item)):
            _refuse(
                path,
                f"contains the bidirectional control character U+{ord(found.group()):04X}, which "
                "makes text display in another order than it is stored; remove it",
                None,
            )
        if isinstance(item, dict):
            for name in item:
                if isinstance(name, str) and (found := _CONTROL.search(name) or _BIDI.search(name)):
                    _refuse(
                        path,
                        f"field name {_NAMES.repr(name)} contains the control character "
                        f"{_control_name(found.group())}; rename it",
                        None,
                    )


Extra = Annotated[dict[str, Any], _storable(MAX_EXTRA_DEPTH, plain_names=True, document=True)]
# JSON Schema keywords start with `$` ($defs, $ref): only NUL is refused in a schema. A schema is
# stored as JSON text, so its numbers and arrays may be anything JSON holds.
ExtraSchema = Annotated[dict[str, Any], _storable(MAX_SCHEMA_DEPTH, plain_names=False)]


class _Strict(BaseModel):
    """Input: unknown fields refused, text with control characters refused, Vietnamese text made
    NFC before any length or choice is checked (a decomposed `ệ` is three code points, the
    composed one is one)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _plain_text(cls, data: Any) -> Any:
        data = nfc_deep(data)
        if isinstance(data, dict):  # anything else is refused by pydantic next
            _check_no_control_characters(data)
            _check_no_null_where_refused(cls, data)
        return data


def _check_no_null_where_refused(model: type[BaseModel], data: dict[str, Any]) -> None:
    """Say why a null is refused where a field may be left out (`optional_without_null`):
    pydantic alone would answer "Input should be a valid string"."""
    for name, field in model.model_fields.items():
        refused = field.default is None and not _accepts_none(field.annotation)
        if refused and name in data and data[name] is None:
            _refuse(
                (name,),
                "cannot be null; leave the field out to keep its value or get its default",
                None,
            )


def _accepts_none(annotation: Any) -> bool:
    return annotation is None or type(None) in get_args(annotation)


class RecipientIn(Recipient):
    model_config = ConfigDict(extra="forbid")

    organ_id: str | None = Field(
        None,
        pattern=IDENTIFIER_PATTERN.pattern,
        description="Agency identifier code of the recipient (mã định danh), e.g. 000.00.05.H25",
    )


class SignerIn(Signer):
    model_config = ConfigDict(extra="forbid")


Recipients = Annotated[list[RecipientIn], Field(max_length=500)]


Readers = Annotated[
    list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._@-]{1,63}$")]], Field(max_length=200)
]


class DocumentFields(_Strict):
    """Metadata a client may set (Circular 02/2019, D30 App. VI).

    A field may be left out; those that always hold a value (summary, language, secrecy…) may
    not be sent as null, the others' null clears them."""

    summary: Summary = optional_without_null("Trích yếu (Subject), up to 500 characters")
    issuing_body: OrganName = optional_without_null(
        "Cơ quan ban hành; for outgoing documents defaults to the unit's name"
    )
    language: Language = optional_without_null("Language of the text; default vi")
    page_count: SmallCount | None = Field(None, description="Số trang")
    keywords: Keywords = optional_without_null("Từ khóa, up to 50")
    description: str | None = Field(None, max_length=500, description="Ghi chú")
    access_mode: AccessMode = optional_without_null("Chế độ sử dụng; default internal")
    readers: Readers = optional_without_null(
        "Usernames of the people who may read a restricted document, besides the unit's leaders "
        "and the person who made it"
    )
    urgency: Urgency = optional_without_null("Mức độ khẩn; default normal")
    secrecy: Secrecy = optional_without_null(
        "Độ mật; default none. Secret documents are refused unless the service accepts them"
    )
    signer: SignerIn | None = None
    drafting_section: Section | None = Field(
        None, description="Drafting section or field, used in the symbol of a công văn (BNV-VP)"
    )
    recipients: Recipients = optional_without_null("Nơi nhận (outgoing and internal), up to 500")
    issued_amount: SmallCount | None = Field(
        None, description="Số lượng bản (outgoing and internal)"
    )
    due_date: date | None = None
    original_number: str | None = Field(None, max_length=11, description="Incoming only: số")
    original_symbol: str | None = Field(None, max_length=30, description="Incoming only: ký hiệu")
    original_date: date | None = Field(None, description="Incoming only: ngày tháng văn bản")
    to_places: str | None = Field(
        None, max_length=1000, description="Incoming only: nơi nhận (ToPlaces)"
    )
    extra: Extra | None = Field(None, description="Fields defined by the document type")
    record_code: str | None = Field(
        None,
        max_length=100,
        pattern=r"^[A-Za-z0-9Đđ][A-Za-z0-9Đđ.\-]{0,99}$",
        description="The record (mã hồ sơ) to file it in when it is issued or registered",
    )
    answers: str | None = Field(
        None,
        pattern=r"^[0-9a-f]{24}$",
        description="The id of the document this one replies to: when it is issued, it is "
        "filed in the records that hold that one (Decree 30 rule)",
    )

    @field_validator("signer")
    @classmethod
    def _signer_named(cls, signer: Signer | None) -> Signer | None:
        if signer is not None:
            _check_visible(signer, ("full_name", "position"), ())
        return signer

    @field_validator("recipients")
    @classmethod
    def _recipients_named(cls, recipients: list[Recipient] | None) -> list[Recipient] | None:
        for index, recipient in enumerate(recipients or []):
            _check_visible(recipient, ("organ_name",), (index,))
        return recipients


def _check_visible(item: BaseModel, names: tuple[str, ...], loc: tuple[int, ...]) -> None:
    for name in names:
        try:
            _visible(getattr(item, name))
        except ValueError as exc:
            _refuse((*loc, name), str(exc), None)


class DocumentCreate(DocumentFields):
    unit: str = Field(description="Agency identifier code of the unit, e.g. 000.00.00.H25")
    direction: Direction
    type_code: TypeCode = Field(description="Document type code, see GET /api/v1/document-types")
    summary: Summary = Field(description="Trích yếu (Subject), up to 500 characters")


class DocumentUpdate(DocumentFields):
    revision: Revision = Field(description="The revision you read; a stale one answers 409")
    type_code: TypeCode = optional_without_null("Change the document's type (drafts only)")


class RevisionOnly(_Strict):
    revision: Revision | None = Field(None, description="If given, must be the current revision")


class DocumentOut(BaseModel):
    id: str
    warnings: list[str] = Field(
        default_factory=list,
        description="Things the clerk should look at, such as an incoming document that seems "
        "to be registered already (D30 App. VI); the request itself succeeded",
    )
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
    readers: list[str]
    record_code: str | None = None
    answers: str | None = None
    created_by: str | None
    workflow: WorkflowStatus | None = Field(
        None,
        description="Where the document is in its workflow (GET …/workflow has the labels and "
        "the transitions you may take)",
    )
    assignment: Assignment | None = Field(
        None, description="Who presides over and who coordinates its handling, and by when"
    )
    participants: list[str] = Field(
        default_factory=list, description="The assignment's parties: `user:<name>`, `unit:<code>`"
    )
    consulted: list[str] = Field(
        default_factory=list, description="Those asked for an opinion, in the same form"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, document: StoredDocument, warnings: list[str] | None = None) -> DocumentOut:
        data = document.model_dump(exclude={"id", "revision_id", "summary_folded"})
        printed = None
        if document.number_text and document.symbol:
            printed = f"Số: {document.number_text}/{document.symbol}"
        return cls(id=str(document.id), number_and_symbol=printed, warnings=warnings or [], **data)


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end")


class RevisionOut(BaseModel):
    revision: int
    change: RevisionChange = Field(
        description="What made the revision: create, edit, issue, register, workflow (a "
        "transition, an assignment, opinions asked), or delete (the draft as it was deleted)"
    )
    at: datetime
    actor: str | None = Field(description="Who made the change, when the service knows it")


class RevisionPage(BaseModel):
    items: list[RevisionOut] = Field(description="Oldest first")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end")


TEXT_STATUS_DESCRIPTION = (
    "Whether the version's text has been read, for search and GET .../text: `pending` (read in "
    "the background shortly after upload), `done`, `needs_ocr` (a scan or an image without a "
    "text layer, and no OCR installed), `unsupported` (a type whose text is not read) or "
    "`failed` (the file could not be read)"
)


class FileVersionOut(BaseModel):
    file_id: str
    version: int
    role: FileRole
    name: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    text_status: TextStatus = Field(description=TEXT_STATUS_DESCRIPTION)
    text_chars: int | None = Field(
        description="Characters of text read from the version, once `text_status` is done"
    )


class FileOut(BaseModel):
    file_id: str
    role: FileRole
    name: str
    media_type: str
    size: int
    sha256: str
    version: int
    text_status: TextStatus = Field(description="The current version's `text_status`")
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
    name: TypeName
    symbol: str | None = Field(None, pattern=r"^[A-ZĐ][A-Za-zĐđ0-9]{0,9}$")
    extra_schema: ExtraSchema = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="JSON Schema (Draft 2020-12) of the type's extra fields",
    )


class DocumentTypeUpdate(_Strict):
    name: TypeName | None = None
    symbol: str | None = Field(None, pattern=r"^[A-ZĐ][A-Za-zĐđ0-9]{0,9}$")
    extra_schema: ExtraSchema | None = None
