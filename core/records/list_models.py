"""The annual record list (danh mục hồ sơ, D30 Art. 28, App. V) as stored, and one entry of it
as the rest of the service sees it (`ListEntry`).

A unit's list for a year is one stored document whose `_id` is `list_key(unit, year)`: every
read is an `_id` read. Big headings (I, II…, each with an abbreviation such as `TCCB`) hold
entries and small headings (1, 2…), which hold entries. An entry's number is not stored: it is
its position, counted through the whole list or from 01 in each big heading (`numbering`), so
that moving or removing an entry can never leave a gap or a duplicate.

Retention is stored as `retention_years`: an int, or None for permanent (vĩnh viễn).
`ListEntry.retention` shows it as the string `"permanent"` or `"<N> years"` (`"20 years"`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from beanie import Document
from pydantic import BaseModel, Field

PERMANENT = "permanent"

Numbering = Literal["whole_list", "per_heading"]
Exemption = Literal["state_secret", "complex"]


class ListState(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"


def list_key(unit: str, year: int) -> str:
    """The `_id` of `unit`'s list for `year`: `000.00.00.H25|2026` (unit codes hold no `|`)."""
    return f"{unit}|{year:04d}"


def list_revision_key(unit: str, year: int, revision: int) -> str:
    return f"{list_key(unit, year)}|{revision:09d}"


def retention_text(years: int | None) -> str:
    return PERMANENT if years is None else f"{years} years"


def retention_printed(years: int | None) -> str:
    """As the printed list says it (D30 App. V)."""
    return "Vĩnh viễn" if years is None else f"{years} năm"


class StoredEntry(BaseModel):
    entry_id: str
    title: str
    retention_years: int | None  # None: permanent
    responsible: str | None = None
    notes: str | None = None
    # Entries no electronic record is expected for (the reports count them apart).
    exempt: Exemption | None = None
    # Set on entries added to an approved list: the amendment's number in `amendments`.
    amendment: int | None = None


class SmallHeading(BaseModel):
    heading_id: str
    title: str
    entries: list[StoredEntry] = Field(default_factory=list)


class BigHeading(BaseModel):
    heading_id: str
    symbol: str  # the abbreviation in the record number and symbol: 01.TCCB
    title: str
    entries: list[StoredEntry] = Field(default_factory=list)  # before its small headings
    headings: list[SmallHeading] = Field(default_factory=list)


class Amendment(BaseModel):
    number: int
    reason: str
    entry_ids: list[str]
    by: str
    at: datetime


class ListBody(BaseModel):
    """What a revision of a list holds: everything but its identity."""

    unit: str
    year: int
    state: ListState = ListState.DRAFT
    revision: int = 1
    numbering: Numbering
    started_from: Literal["template", "previous_year", "empty"]
    headings: list[BigHeading] = Field(default_factory=list)
    amendments: list[Amendment] = Field(default_factory=list)
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None


class RecordList(Document, ListBody):
    """A unit's record list for a year, under `list_key(unit, year)`."""

    id: str  # type: ignore[assignment]

    class Settings:
        name = "record_lists"


class RecordListRevision(Document):
    """Revision `revision` of a list, claimed by inserting it before the list is written (the
    engine lets exactly one writer insert a key, on every engine), and kept as its history."""

    id: str  # type: ignore[assignment]  # list_revision_key(unit, year, revision)
    list_id: str
    revision: int
    change: str
    at: datetime
    actor: str
    snapshot: dict  # type: ignore[type-arg]

    class Settings:
        name = "record_list_revisions"


class ListEntry(BaseModel):
    """One entry of a unit's list for a year, as the records service sees it."""

    entry_id: str
    heading_symbol: str
    heading_title: str
    small_heading_title: str | None = None
    number: int
    number_and_symbol: str  # "01.TCCB"
    title: str
    retention: str  # "permanent" or "<N> years"
    retention_years: int | None  # None: permanent
    responsible: str | None = None
    notes: str | None = None
    exempt: Exemption | None = None
    list_state: ListState
    year: int
    unit: str
