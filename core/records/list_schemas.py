"""What crosses the wire for record lists: the tree a client sends and the list it reads."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, StringConstraints

from core.documents.schemas import Revision, Visible, _json_integer, _Strict
from core.openapi import optional_without_null
from core.records.list_models import (
    Amendment,
    Exemption,
    ListState,
    Numbering,
    RecordList,
    retention_printed,
    retention_text,
)
from core.records.numbering import Row, rows

MAX_BIG_HEADINGS = 100
MAX_SMALL_HEADINGS = 100
MAX_ENTRIES = 3000  # in the whole list
MAX_YEARS = 100

_RETENTION_YEARS = re.compile(r"^(\d{1,3})(?:\s*(?:years?|năm))?$", re.IGNORECASE)
_PERMANENT = {"permanent", "vĩnh viễn", "vinh vien"}


def parse_retention(value: str) -> int | None:
    """`permanent` / `Vĩnh viễn` → None; `20`, `20 years`, `20 năm` → 20. ValueError otherwise."""
    text = " ".join(value.split()).lower()
    if text in _PERMANENT:
        return None
    match = _RETENTION_YEARS.match(text)
    if match and 1 <= int(match[1]) <= MAX_YEARS:
        return int(match[1])
    raise ValueError(
        f"retention is 'permanent' (Vĩnh viễn) or a number of years from 1 to {MAX_YEARS} "
        "('20 years', '20 năm'), not " + repr(value[:40])
    )


def _retention(value: str) -> str:
    return retention_text(parse_retention(value))


# Trimmed after the length is checked, so that what the schema refuses (501 characters, the last
# a space) is refused here too.
Trimmed = AfterValidator(str.strip)
Text = Annotated[str, StringConstraints(min_length=1, max_length=500), Trimmed, Visible]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200), Trimmed, Visible]
HeadingSymbol = Annotated[str, StringConstraints(pattern=r"^[A-ZĐ][A-Za-zĐđ0-9]{0,19}$")]
ItemId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
Retention = Annotated[
    str,
    Field(
        min_length=1,
        max_length=30,
        description="'permanent' (Vĩnh viễn) or a number of years: '20 years' ('20 năm', '20')",
        examples=["permanent", "20 years"],
    ),
    AfterValidator(_retention),
]


class EntryIn(_Strict):
    entry_id: ItemId | None = Field(
        None, description="An entry of this list (kept, with its id); leave out for a new one"
    )
    title: Text
    retention: Retention
    responsible: ShortText | None = Field(None, description="Người lập hồ sơ")
    notes: Text | None = None
    exempt: Exemption | None = Field(
        None,
        description="Why no electronic record is expected (counted apart): state_secret, complex",
    )


class NewEntry(_Strict):
    title: Text
    retention: Retention
    responsible: ShortText | None = Field(None, description="Người lập hồ sơ")
    notes: Text | None = None
    exempt: Exemption | None = None


class SmallHeadingIn(_Strict):
    heading_id: ItemId | None = None
    title: ShortText
    entries: list[EntryIn] = Field(default_factory=list, max_length=MAX_ENTRIES)


class BigHeadingIn(_Strict):
    heading_id: ItemId | None = None
    symbol: HeadingSymbol = Field(description="Abbreviation in the record numbers: 01.TCCB")
    title: ShortText
    entries: list[EntryIn] = Field(default_factory=list, max_length=MAX_ENTRIES)
    headings: list[SmallHeadingIn] = Field(default_factory=list, max_length=MAX_SMALL_HEADINGS)


class ListContent(_Strict):
    """The whole tree of a draft list: entries and headings sent with their ids are kept (and
    moved where they now stand), those without are new, those left out are removed."""

    revision: Revision = Field(description="The revision you read")
    headings: list[BigHeadingIn] = Field(max_length=MAX_BIG_HEADINGS)


class ListCreate(_Strict):
    start_from: Literal["template", "previous_year"] = Field(
        alias="from",
        description="template: the unit's plugin template; previous_year: a copy of last "
        "year's list (its headings and entries, as a new draft)",
    )


class RevisionIn(_Strict):
    revision: Revision | None = Field(None, description="If given, must be the current revision")


class AmendmentEntryIn(EntryIn):
    heading_id: ItemId = Field(description="The big heading, or small heading, it goes under")


class AmendmentIn(_Strict):
    revision: Revision | None = Field(None, description="If given, must be the current revision")
    reason: Text = Field(description="Why the approved list is amended")
    entries: list[AmendmentEntryIn] = Field(min_length=1, max_length=100)


Position = Annotated[int, Field(ge=0, le=MAX_ENTRIES), BeforeValidator(_json_integer)]


class AddHeading(_Strict):
    op: Literal["add_heading"]
    parent_id: ItemId | None = Field(
        None, description="A big heading: the new heading is a small heading under it"
    )
    symbol: HeadingSymbol | None = Field(None, description="A big heading's abbreviation")
    title: ShortText
    position: Position | None = Field(None, description="Index among its siblings; the end")


class EditHeading(_Strict):
    op: Literal["edit_heading"]
    heading_id: ItemId
    symbol: HeadingSymbol = optional_without_null("A big heading's new abbreviation")
    title: ShortText = optional_without_null("The new title")


class RemoveHeading(_Strict):
    op: Literal["remove_heading"]
    heading_id: ItemId = Field(description="A heading without entries or small headings")


class MoveHeading(_Strict):
    op: Literal["move_heading"]
    heading_id: ItemId
    parent_id: ItemId | None = Field(
        None, description="A small heading's (new) big heading; left out for a big heading"
    )
    position: Position


class AddEntry(_Strict):
    op: Literal["add_entry"]
    heading_id: ItemId = Field(description="The big or small heading it goes under")
    position: Position | None = Field(None, description="Index among the heading's entries")
    entry: NewEntry


class EditEntry(_Strict):
    op: Literal["edit_entry"]
    entry_id: ItemId
    title: Text = optional_without_null("The new title")
    retention: Retention = optional_without_null("The new retention")
    responsible: ShortText | None = Field(None, description="null clears it")
    notes: Text | None = Field(None, description="null clears it")
    exempt: Exemption | None = Field(None, description="null clears it")


class RemoveEntry(_Strict):
    op: Literal["remove_entry"]
    entry_id: ItemId


class MoveEntry(_Strict):
    op: Literal["move_entry"]
    entry_id: ItemId
    heading_id: ItemId = Field(description="The big or small heading it goes under")
    position: Position | None = Field(None, description="Index among the heading's entries")


ListOperation = Annotated[
    AddHeading
    | EditHeading
    | RemoveHeading
    | MoveHeading
    | AddEntry
    | EditEntry
    | RemoveEntry
    | MoveEntry,
    Field(discriminator="op"),
]


class ListPatch(_Strict):
    """Changes to a draft list, applied in order, all or none."""

    revision: Revision = Field(description="The revision you read")
    operations: list[ListOperation] = Field(min_length=1, max_length=500)


class EntryOut(BaseModel):
    entry_id: str
    number: int
    number_and_symbol: str
    title: str
    retention: str = Field(description="'permanent' or '<N> years'")
    retention_printed: str = Field(description="Vĩnh viễn, or <N> năm")
    responsible: str | None
    notes: str | None
    exempt: Exemption | None
    amendment: int | None = Field(description="The amendment that added it, if any")


class SmallHeadingOut(BaseModel):
    heading_id: str
    number: int
    label: str
    title: str
    entries: list[EntryOut]


class BigHeadingOut(BaseModel):
    heading_id: str
    numeral: str
    label: str
    symbol: str
    title: str
    entries: list[EntryOut]
    headings: list[SmallHeadingOut]


class Totals(BaseModel):
    entries: int
    permanent: int
    fixed_term: int


class RecordListOut(BaseModel):
    unit: str
    year: int
    state: ListState
    revision: int
    numbering: Numbering
    started_from: str
    headings: list[BigHeadingOut]
    totals: Totals
    amendments: list[Amendment]
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    approved_by: str | None
    approved_at: datetime | None

    @classmethod
    def of(cls, stored: RecordList) -> RecordListOut:
        bigs: list[BigHeadingOut] = []
        permanent = fixed = 0
        for row in rows(stored):
            if row.kind == "big":
                bigs.append(
                    BigHeadingOut(
                        heading_id=row.big.heading_id,
                        numeral=row.label.split(".")[0],
                        label=row.label,
                        symbol=row.big.symbol,
                        title=row.big.title,
                        entries=[],
                        headings=[],
                    )
                )
            elif row.kind == "small":
                assert row.small is not None and row.small_ordinal is not None
                bigs[-1].headings.append(
                    SmallHeadingOut(
                        heading_id=row.small.heading_id,
                        number=row.small_ordinal,
                        label=row.label,
                        title=row.small.title,
                        entries=[],
                    )
                )
            else:
                out = _entry_out(row)
                if out.retention == "permanent":
                    permanent += 1
                else:
                    fixed += 1
                (bigs[-1].headings[-1] if row.small else bigs[-1]).entries.append(out)
        data: dict[str, Any] = stored.model_dump(include=set(cls.model_fields))
        data.update(
            headings=bigs,
            totals=Totals(entries=permanent + fixed, permanent=permanent, fixed_term=fixed),
        )
        return cls.model_validate(data)


def _entry_out(row: Row) -> EntryOut:
    assert row.entry is not None and row.number is not None
    entry = row.entry
    return EntryOut(
        entry_id=entry.entry_id,
        number=row.number,
        number_and_symbol=row.label,
        title=entry.title,
        retention=retention_text(entry.retention_years),
        retention_printed=retention_printed(entry.retention_years),
        responsible=entry.responsible,
        notes=entry.notes,
        exempt=entry.exempt,
        amendment=entry.amendment,
    )
