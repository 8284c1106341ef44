"""Register entries: one per number taken, the register book (sổ) of Decree 30 itself."""

from __future__ import annotations

from datetime import datetime

from beanie import Document, PydanticObjectId
from pymongo import ASCENDING, IndexModel


class RegisterEntry(Document):
    """Number `number` of `register` in `unit` for calendar `year`, taken by `document_id`.

    Entries are only ever inserted, never updated or deleted: a cancelled document keeps its entry
    (so the sequence has no gaps). Uniqueness rests on the unique indexes below, which every
    MongoDB-compatible engine enforces on insert; no counter is incremented in place.
    """

    unit: str
    register_code: str
    year: int
    number: int
    document_id: PydanticObjectId
    taken_at: datetime

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
