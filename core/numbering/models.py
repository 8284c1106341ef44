"""Register entries: one per number taken, the register book (sổ) of Decree 30 itself."""

from __future__ import annotations

from datetime import datetime

from beanie import Document, PydanticObjectId
from pymongo import ASCENDING, IndexModel


class RegisterEntry(Document):
    """Number `number` of `register` in `unit` for calendar `year`, taken by `document_id`.

    Entries are inserted and never deleted: a cancelled or vanished document keeps its entry (so
    the sequence has no gaps); the only change an entry ever sees is being marked void.
    Uniqueness rests on the unique indexes below, which every MongoDB-compatible engine enforces
    on insert; no counter is incremented in place.
    """

    unit: str
    register_code: str
    year: int
    number: int
    document_id: PydanticObjectId
    taken_at: datetime
    # Set when the document went away before its number was written on it. The number stays in
    # the book (never reused, no gap), with the reason shown.
    void_reason: str | None = None

    class Settings:
        name = "register_entries"
        indexes = [
            IndexModel(
                [
                    ("unit", ASCENDING),
                    ("register_code", ASCENDING),
                    ("year", ASCENDING),
                    ("number", ASCENDING),
                ],
                unique=True,
                name="one_entry_per_number",
            ),
            IndexModel([("document_id", ASCENDING)], unique=True, name="one_number_per_document"),
        ]


class PrintedNumber(Document):
    """`Số: 05/QĐ-UBND` as printed on an issued document, claimed once per unit and year.

    Number and symbol are unique within the year (D30 Art. 15). Each register is gapless on its
    own, but two registers whose plugins format alike would print the same text; this unique
    index makes the second one fail loudly instead.
    """

    unit: str
    year: int
    printed: str
    document_id: PydanticObjectId

    class Settings:
        name = "printed_numbers"
        indexes = [
            IndexModel(
                [("unit", ASCENDING), ("year", ASCENDING), ("printed", ASCENDING)],
                unique=True,
                name="printed_once_a_year",
            ),
        ]
