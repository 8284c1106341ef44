"""Register books written by hoso 0.1 (ObjectId keys) are moved to keyed entries at start: the
numbers they hold stay taken, and numbering goes on after them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bson import ObjectId

from core.app import create_app
from core.settings import Settings
from tests.conftest import concurrent_client
from tests.documents.conftest import PROVINCE, create, issue, outgoing


async def test_old_register_entries_are_moved_and_numbering_goes_on_after_them(
    make_settings: Callable[..., Settings],
) -> None:
    year = datetime.now(UTC).year  # the service numbers in the current year
    # A database that outlives the app: the embedded one, or the tier's server.
    app = create_app(make_settings(in_memory_database=False))
    async with app.lifespan():  # in this test's event loop, as the database client must be
        database = app.state.runtime.database.db
        old = [
            {
                "_id": ObjectId(),
                "unit": PROVINCE,
                "register_code": "outgoing",
                "year": year,
                "number": number,
                "document_id": ObjectId(),
                "taken_at": datetime(year, 1, 5, tzinfo=UTC),
                "void_reason": None,
            }
            for number in (1, 2, 3)
        ]
        await database["register_entries"].insert_many(old)
        await database["printed_numbers"].insert_one(
            {
                "_id": ObjectId(),
                "unit": PROVINCE,
                "year": year,
                "printed": "03/QĐ-UBND",
                "document_id": old[2]["document_id"],
            }
        )
    # A new start of the service finds them.
    app = create_app(app.state.runtime.settings)
    async with concurrent_client(app) as client:
        issued = await issue(client, (await create(client, outgoing()))["id"])
        book = await client.get(f"/api/v1/units/{PROVINCE}/registers/outgoing/{year}")
        names = await app.state.runtime.database.db.list_collection_names()
        mark = await app.state.runtime.database.db["register_hints"].find_one(
            {"_id": f"{PROVINCE}|{year}|outgoing"}
        )

    assert issued["number_and_symbol"] == "Số: 04/QĐ-UBND"
    assert mark["number"] == 4  # set from the old entries, then raised by the new one
    assert [entry["number"] for entry in book.json()["entries"]] == [1, 2, 3, 4]
    assert "register_entries" not in names and "printed_numbers" not in names
