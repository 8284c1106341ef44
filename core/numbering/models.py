"""Register entries: one per number taken, the register book (sổ) of Decree 30 itself."""

from __future__ import annotations

from datetime import datetime

from beanie import Document, PydanticObjectId
from pymongo import ASCENDING, IndexModel


def entry_key(unit: str, register: str, year: int, number: int) -> str:
    """The `_id` of number `number` of `register` in `unit` for `year`.

    Derived, so that taking, finding and probing numbers are `_id` reads and inserts, which cost
    the same at any register size on every engine (FerretDB 1.x scans for other filters and for
    every sort). Unambiguous: the unit code holds no `|`, the year and the nine-digit number are
    fixed, and the register name, whatever it holds, comes last.
    """
    return f"{unit}|{year}|{number:09d}|{register}"


class RegisterEntry(Document):
    """Number `number` of `register` in `unit` for calendar `year`, taken by `document_id`.

    Entries are inserted and never deleted: a cancelled or vanished document keeps its entry (so
    the sequence has no gaps); the only change an entry ever sees is being marked void.
    Uniqueness rests on the `_id` (`entry_key`) and the unique index on the document, which every
    MongoDB-compatible engine enforces on insert; no counter is incremented in place.
    """

    id: str  # type: ignore[assignment]  # entry_key(unit, register_code, year, number)
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
        # Entries of hoso 0.1 had ObjectId `_id`s, in "register_entries": see migrate.py.
        name = "register_book"
        indexes = [
            # For reading a register book in order; uniqueness is the _id's.
            IndexModel(
                [
                    ("unit", ASCENDING),
                    ("register_code", ASCENDING),
                    ("year", ASCENDING),
                    ("number", ASCENDING),
                ],
                name="register_book_order",
            ),
            IndexModel([("document_id", ASCENDING)], unique=True, name="one_number_per_document"),
        ]


def hint_key(unit: str, register: str, year: int) -> str:
    """The `_id` of a register's high-water mark: `000.00.00.H25|2026|outgoing`."""
    return f"{unit}|{year}|{register}"


class RegisterHint(Document):
    """A number known to be taken in a register: where the search for the next one starts.

    Only ever a lower bound (a number once taken stays taken), so it is written without care for
    races: a write that loses to another leaves a smaller, still true, bound. It spares a worker
    that starts, or that fell behind, from searching the register: FerretDB 1.x answers a read
    of an `_id` that does not exist by scanning the collection.
    """

    id: str  # type: ignore[assignment]  # hint_key(unit, register, year)
    number: int

    class Settings:
        name = "register_hints"


def printed_key(unit: str, year: int, printed: str) -> str:
    """The `_id` of a printed number: `000.00.00.H25|2026|05/QĐ-UBND`."""
    return f"{unit}|{year}|{printed}"


class PrintedNumber(Document):
    """`Số: 05/QĐ-UBND` as printed on an issued document, claimed once per unit and year.

    Number and symbol are unique within the year (D30 Art. 15). Each register is gapless on its
    own, but two registers whose plugins format alike would print the same text; this unique
    index makes the second one fail loudly instead.
    """

    id: str  # type: ignore[assignment]  # printed_key(unit, year, printed)
    unit: str
    year: int
    printed: str
    document_id: PydanticObjectId

    class Settings:
        name = "printed_numbers_by_key"  # "printed_numbers" in hoso 0.1: see migrate.py
        indexes = [
            IndexModel(
                [("unit", ASCENDING), ("year", ASCENDING), ("printed", ASCENDING)],
                unique=True,
                name="printed_once_a_year",
            ),
        ]
