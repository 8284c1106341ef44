"""Reach the stores through the driver, as the service does, and fill them fast in its own shape.

Stored documents, register entries, printed numbers and the register's mark are built as the
service's own models (`core.documents.models`, `core.numbering.models`) and inserted in their
encoded form, so the service reads them as its own. Where the numbering code derives an `_id`
from the fields (`entry_key`, `printed_key`, `hint_key`), the same function is used: the service
then sees those numbers as taken. The issue-latency scenario checks that it does (the next
number it gives is the one after the filled ones).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from beanie import Document, PydanticObjectId
from beanie.odm.utils.encoder import Encoder
from bson import ObjectId

from core.database import Database, connect_database
from core.documents.models import Direction, DocumentState, StoredDocument
from core.numbering import models as numbering
from core.settings import Settings
from core.text import fold
from plugins.decree30 import format_ordinal

# Units of config/units.toml; the first is the one whose pages and registers are measured.
PROVINCE = "000.00.00.H25"
UNITS = [PROVINCE, "000.00.01.H25", "000.00.05.H25", "000.00.06.H25"]
UNIT_NAMES = {PROVINCE: "Ủy ban nhân dân tỉnh Hà Tĩnh"}
REGISTER = "outgoing"  # the Decree 30 default register of outgoing documents
SYMBOL = "QĐ-UBND"  # a Quyết định of the province, as decree30 formats it
SUMMARY = "Về việc ban hành Quy chế làm việc của Ủy ban nhân dân tỉnh"
BATCH = 1000

# The request body of a new outgoing draft: what the create and issue scenarios send.
DRAFT_BODY = {"unit": PROVINCE, "direction": "outgoing", "type_code": "QD", "summary": SUMMARY}

_encode = Encoder(to_db=True).encode

# Quiet the service code's own start-up warnings ("using the EMBEDDED database…") in the bench.
logging.getLogger("hoso").setLevel(logging.ERROR)


@asynccontextmanager
async def driver(settings: Settings) -> AsyncIterator[Database]:
    """The database the service would use on `settings` (Motor on a server, mongomock on the
    embedded store; `.db` is the handle), with the models registered and their indexes created,
    as at the service's start. The embedded store is one process's: never open it while a
    service runs on the same folder."""
    database = await connect_database(settings)
    try:
        yield database
    finally:
        database.close()


def stored_document(unit: str, created: datetime, **fields: Any) -> StoredDocument:
    """An outgoing Quyết định as `POST /api/v1/documents` with DRAFT_BODY stores it."""
    return StoredDocument(
        unit=unit,
        direction=Direction.OUTGOING,
        type_code="QD",
        type_name="Quyết định",
        type_symbol="QĐ",
        issuing_body=UNIT_NAMES.get(unit, "Cơ quan"),
        summary=SUMMARY,
        summary_folded=fold(SUMMARY),
        created_at=created,
        updated_at=created,
        **fields,
    )


def register_entry(number: int, document_id: ObjectId, year: int, now: datetime) -> Document:
    """Number `number` of the province's outgoing register, in the shape the service stores."""
    fields = dict(
        unit=PROVINCE,
        register_code=REGISTER,
        year=year,
        number=number,
        document_id=PydanticObjectId(document_id),
        taken_at=now,
    )
    key = getattr(numbering, "entry_key", None)  # an `_id` derived from the number, if any
    if key is not None:
        fields["id"] = key(PROVINCE, REGISTER, year, number)
    return numbering.RegisterEntry(**fields)


def printed_number(number: int, document_id: ObjectId, year: int) -> Document:
    printed = f"{format_ordinal(number)}/{SYMBOL}"
    fields = dict(unit=PROVINCE, year=year, printed=printed, document_id=document_id)
    key = getattr(numbering, "printed_key", None)
    if key is not None:
        fields["id"] = key(PROVINCE, year, printed)
    return numbering.PrintedNumber(**fields)


def encoded(model: Document) -> dict[str, Any]:
    """The model as the driver stores it; no `_id` when the model leaves it to the database."""
    document = _encode(model)
    if document.get("_id") is None:
        document.pop("_id", None)
    return document


async def insert_all(database: Database, model: type[Document], documents: Iterable[dict]) -> int:
    """insert_many into the model's collection, in batches; the number inserted."""
    name = model.get_collection_name()
    if database.store is None:
        insert_many = database.db[name].insert_many
    else:
        # mongomock checks a unique index by scanning the whole collection at every insert:
        # filling 10,000 entries would take most of an hour. What the bench inserts is unique
        # by construction, so the fill skips that check, on a collection of its own from the
        # embedded store; the rest (copies, dates, the write-through to SQLite, one commit
        # per batch) is mongomock's and the store's own.
        collection = database.store.client()[database.name][name]
        collection._ensure_uniques = lambda new_data: None

        async def insert_many(batch: list[dict], ordered: bool) -> None:
            collection.insert_many(batch, ordered=ordered)

    total, batch = 0, []
    for document in documents:
        batch.append(document)
        if len(batch) == BATCH:
            await insert_many(batch, ordered=False)
            total, batch = total + len(batch), []
    if batch:
        await insert_many(batch, ordered=False)
        total += len(batch)
    return total


async def fill_register(
    database: Database, entries: int, year: int, *, documents: bool = True
) -> None:
    """`entries` numbers already taken in the province's outgoing register, each with its
    printed number and (`documents`) its issued document, as if issued one by one before.
    Numbering itself needs no document of the numbers already taken."""
    now = datetime.now(UTC).replace(microsecond=0)
    ids = [ObjectId() for _ in range(entries)]
    issued_date = now.date()
    stored = (
        encoded(
            stored_document(
                PROVINCE,
                now,
                id=PydanticObjectId(ids[n - 1]),
                state=DocumentState.ISSUED,
                revision=2,
                register_code=REGISTER,
                register_year=year,
                number=n,
                number_text=format_ordinal(n),
                symbol=SYMBOL,
                issued_date=issued_date,
            )
        )
        for n in range(1, entries + 1)
    )
    if documents:
        await insert_all(database, StoredDocument, stored)
    book = (encoded(register_entry(n, ids[n - 1], year, now)) for n in range(1, entries + 1))
    await insert_all(database, numbering.RegisterEntry, book)
    printed = (encoded(printed_number(n, ids[n - 1], year)) for n in range(1, entries + 1))
    await insert_all(database, numbering.PrintedNumber, printed)
    # The register's high-water mark, where numbering keeps one (the last number taken wrote it).
    hint, hint_key = getattr(numbering, "RegisterHint", None), getattr(numbering, "hint_key", None)
    if hint is not None and hint_key is not None and entries:
        mark = hint(id=hint_key(PROVINCE, REGISTER, year), number=entries)
        await insert_all(database, hint, [encoded(mark)])


async def fill_documents(database: Database, count: int) -> None:
    """`count` drafts spread over four units, oldest first (ObjectIds grow with time, and the
    list is newest first by `_id`)."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=count)

    def documents() -> Iterable[dict[str, Any]]:
        for n in range(count):
            created = start + timedelta(seconds=n)
            yield encoded(stored_document(UNITS[n % len(UNITS)], created, id=PydanticObjectId()))

    await insert_all(database, StoredDocument, documents())
