"""The embedded database's store: whatever mongomock holds in memory is what the file gives back.

Each test changes data through mongomock's own API, then closes the store and opens the folder
again: documents (in their natural order), indexes and collections must come back as they were.
When a write to the file fails, what memory holds must still be what the file holds; a file that
is damaged is refused at open, in one line.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from bson.errors import InvalidDocument
from pymongo import IndexModel, ReturnDocument
from pymongo.errors import (
    ConnectionFailure,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
    WriteError,
)

from core.embedded_store import DataDirInUse, EmbeddedStore, EmbeddedStoreError, check_data_dir

ONE_NUMBER = IndexModel([("register", 1), ("number", 1)], unique=True, name="one_number")


class Folder:
    """One data folder, opened again and again as the service does at each start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.store = EmbeddedStore(path)
        self.client = self.store.client()

    def reopen(self) -> None:
        """Close and open again, asserting the file gave back what memory held."""
        before = contents(self.client)
        self.store.close()
        self.store = EmbeddedStore(self.path)
        self.client = self.store.client()
        assert contents(self.client) == before

    def collection(self, name: str = "things", database: str = "hoso") -> Any:
        return self.client[database][name]


def contents(client: Any) -> dict[str, Any]:
    """Every database, collection, document (natural order) and index the client sees."""
    return {
        db_name: {
            name: {
                "documents": list(client[db_name][name].find()),
                "indexes": client[db_name][name].index_information(),
            }
            for name in sorted(client[db_name].list_collection_names())
        }
        for db_name in sorted(client.list_database_names())
    }


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Folder]:
    folder = Folder(tmp_path / "data")
    yield folder
    folder.store.close()


def test_update_one_with_set_push_and_inc_is_kept(folder: Folder) -> None:
    things = folder.collection()
    things.insert_many([{"_id": 1, "n": 1, "tags": []}, {"_id": 2, "n": 5, "tags": ["x"]}])

    things.update_one({"_id": 1}, {"$set": {"name": "Sở Nội vụ"}, "$push": {"tags": "a"}})
    things.update_one({"_id": 1}, {"$inc": {"n": 41}, "$push": {"tags": "b"}})
    things.update_one({"_id": 2}, {"$set": {"nested.deep": True}, "$unset": {"tags": ""}})
    folder.reopen()

    assert list(folder.collection().find()) == [
        {"_id": 1, "n": 42, "tags": ["a", "b"], "name": "Sở Nội vụ"},
        {"_id": 2, "n": 5, "nested": {"deep": True}},
    ]


def test_update_many_and_a_pipeline_update_are_kept(folder: Folder) -> None:
    things = folder.collection()
    things.insert_many([{"_id": n, "n": n, "kind": "a" if n < 3 else "b"} for n in range(5)])

    things.update_many({"kind": "a"}, {"$inc": {"n": 100}})
    things.update_one({"_id": 4}, [{"$set": {"double": {"$multiply": ["$n", 2]}}}])
    folder.reopen()

    assert [d["n"] for d in folder.collection().find()] == [100, 101, 102, 3, 4]
    assert folder.collection().find_one({"_id": 4})["double"] == 8


def test_replace_one_is_kept(folder: Folder) -> None:
    things = folder.collection()
    things.insert_one({"_id": "a", "revision": 1, "old": True})

    result = things.replace_one({"_id": "a", "revision": 1}, {"revision": 2, "new": True})
    stale = things.replace_one({"_id": "a", "revision": 1}, {"revision": 3})
    folder.reopen()

    assert (result.modified_count, stale.matched_count) == (1, 0)
    assert list(folder.collection().find()) == [{"_id": "a", "revision": 2, "new": True}]


def test_find_one_and_update_replace_and_delete_are_kept(folder: Folder) -> None:
    things = folder.collection()
    things.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 2}, {"_id": 3, "n": 3}])

    after = things.find_one_and_update(
        {"_id": 1}, {"$inc": {"n": 10}}, return_document=ReturnDocument.AFTER
    )
    things.find_one_and_replace({"_id": 2}, {"n": 20, "replaced": True})
    things.find_one_and_delete({"_id": 3})
    folder.reopen()

    assert after == {"_id": 1, "n": 11}
    assert list(folder.collection().find()) == [
        {"_id": 1, "n": 11},
        {"_id": 2, "n": 20, "replaced": True},
    ]


def test_upserts_insert_and_then_update(folder: Folder) -> None:
    things = folder.collection()

    inserted = things.update_one({"key": "k"}, {"$inc": {"count": 1}}, upsert=True)
    things.update_one({"key": "k"}, {"$inc": {"count": 1}}, upsert=True)
    things.replace_one({"_id": "r"}, {"value": 1}, upsert=True)
    things.find_one_and_update({"_id": "f"}, {"$setOnInsert": {"first": True}}, upsert=True)
    folder.reopen()

    assert list(folder.collection().find()) == [
        {"_id": inserted.upserted_id, "key": "k", "count": 2},
        {"_id": "r", "value": 1},
        {"_id": "f", "first": True},
    ]


def test_delete_one_and_delete_many_are_kept(folder: Folder) -> None:
    things = folder.collection()
    things.insert_many([{"_id": n, "even": n % 2 == 0} for n in range(10)])

    assert things.delete_many({"even": True}).deleted_count == 5
    things.delete_one({"_id": 1})
    folder.reopen()

    assert [d["_id"] for d in folder.collection().find()] == [3, 5, 7, 9]


def test_a_unique_index_violation_changes_nothing_in_memory_or_on_disk(folder: Folder) -> None:
    numbers = folder.collection("numbers")
    numbers.create_indexes([ONE_NUMBER])
    numbers.insert_many([{"_id": 1, "register": "r", "number": 1}])
    numbers.insert_one({"_id": 2, "register": "r", "number": 2})

    with pytest.raises(DuplicateKeyError):
        numbers.insert_one({"_id": 3, "register": "r", "number": 1})
    with pytest.raises(DuplicateKeyError):
        numbers.update_one({"_id": 2}, {"$set": {"number": 1}})
    with pytest.raises(DuplicateKeyError):
        numbers.replace_one({"_id": 2}, {"register": "r", "number": 1})
    with pytest.raises(DuplicateKeyError):
        numbers.update_one({"number": 9}, {"$set": {"register": "r", "number": 1}}, upsert=True)
    folder.reopen()

    numbers = folder.collection("numbers")
    assert list(numbers.find()) == [
        {"_id": 1, "register": "r", "number": 1},
        {"_id": 2, "register": "r", "number": 2},
    ]
    with pytest.raises(DuplicateKeyError):  # the index came back, unique
        numbers.insert_one({"_id": 4, "register": "r", "number": 2})
    # What the service does at every start: the same index again is accepted.
    numbers.create_indexes([ONE_NUMBER])
    numbers.create_index([("register", 1), ("number", 1)], unique=True, name="one_number")


def test_an_update_that_changes_the_id_is_refused_and_not_kept(folder: Folder) -> None:
    things = folder.collection()
    things.insert_one({"_id": 1, "n": 1})

    with pytest.raises(WriteError, match="immutable"):
        things.update_one({"_id": 1}, {"$set": {"_id": 2, "n": 2}})
    folder.reopen()

    assert list(folder.collection().find()) == [{"_id": 1, "n": 1}]


def test_a_value_bson_cannot_hold_is_refused_and_the_document_kept_as_it_was(
    folder: Folder,
) -> None:
    things = folder.collection()
    things.insert_one({"_id": 1, "n": 1})

    with pytest.raises(InvalidDocument):  # mongomock checks $set values, not $push ones
        things.update_one({"_id": 1}, {"$push": {"list": object()}})

    assert list(things.find()) == [{"_id": 1, "n": 1}]
    folder.reopen()


def test_indexes_created_and_dropped_are_kept(folder: Folder) -> None:
    things = folder.collection()
    things.create_index([("a", 1)], name="by_a")
    things.create_index([("b", -1), ("c", 1)], unique=True, name="b_c")
    things.create_index([("d", 1)], name="by_d")
    things.drop_index("by_d")
    folder.reopen()

    assert sorted(folder.collection().index_information()) == ["_id_", "b_c", "by_a"]
    folder.collection().insert_one({"b": 1, "c": 1})
    folder.collection().drop_indexes()
    folder.reopen()

    assert sorted(folder.collection().index_information()) == ["_id_"]
    folder.collection().insert_one({"b": 1, "c": 1})  # no longer unique


def test_an_empty_created_collection_is_kept(folder: Folder) -> None:
    folder.client["hoso"].create_collection("empty")
    folder.reopen()

    assert folder.client["hoso"].list_collection_names() == ["empty"]


def test_a_dropped_collection_stays_dropped_and_the_others_stay(folder: Folder) -> None:
    folder.collection("gone").create_index([("a", 1)], unique=True)
    folder.collection("gone").insert_one({"a": 1})
    folder.collection("kept").insert_one({"_id": "k"})

    folder.collection("gone").drop()
    folder.reopen()

    assert folder.client["hoso"].list_collection_names() == ["kept"]
    folder.collection("gone").insert_many([{"a": 1}, {"a": 1}])  # its unique index went too


def test_a_dropped_database_stays_dropped_and_the_others_stay(folder: Folder) -> None:
    folder.collection("a", database="one").insert_one({"_id": 1})
    folder.collection("b", database="one").create_index([("x", 1)])
    folder.collection("a", database="two").insert_one({"_id": 2})

    folder.client.drop_database("one")
    folder.reopen()

    assert folder.client.list_database_names() == ["two"]


def test_a_renamed_collection_is_kept_under_its_new_name(folder: Folder) -> None:
    folder.collection("old").insert_many([{"_id": 1}, {"_id": 2}])
    folder.collection("old").create_index([("x", 1)], name="by_x")

    folder.collection("old").rename("new")
    folder.reopen()

    assert folder.client["hoso"].list_collection_names() == ["new"]
    assert [d["_id"] for d in folder.collection("new").find()] == [1, 2]
    assert "by_x" in folder.collection("new").index_information()


def test_values_keep_their_types_and_dates_their_instant(folder: Folder) -> None:
    oid = ObjectId()
    hanoi = timezone(timedelta(hours=7))
    document = {
        "_id": oid,
        "when": datetime(2026, 1, 1, 7, 0, 0, 123456, tzinfo=hanoi),
        "bytes": b"\x00\x01",
        "big": 2**40,
        "float": 1.5,
        "none": None,
        "list": [{"a": [1, "hai"]}],
    }
    folder.collection().insert_one(document)
    folder.reopen()

    stored = folder.collection().find_one({"_id": oid})
    # Milliseconds and UTC, as MongoDB keeps dates; the client is tz-aware like the service's.
    assert stored["when"] == datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=UTC)
    assert stored["when"].utcoffset() == timedelta(0)
    assert {k: v for k, v in stored.items() if k != "when"} == {
        k: v for k, v in document.items() if k != "when"
    }


def test_a_document_with_a_compound_id_is_found_updated_and_deleted(folder: Folder) -> None:
    things = folder.collection()
    things.insert_many([{"_id": {"unit": "H25", "year": 2026}, "n": 1}, {"_id": {"unit": "X"}}])

    things.update_one({"_id": {"unit": "H25", "year": 2026}}, {"$inc": {"n": 1}})
    things.delete_one({"_id": {"unit": "X"}})
    folder.reopen()

    assert list(folder.collection().find()) == [{"_id": {"unit": "H25", "year": 2026}, "n": 2}]


def test_a_second_store_on_the_same_folder_is_refused_until_the_first_closes(
    folder: Folder,
) -> None:
    with pytest.raises(DataDirInUse) as refused:
        EmbeddedStore(folder.path)

    message = str(refused.value)
    assert str(folder.path) in message and "in use by another hoso process" in message
    assert "mongodb_url" in message and "\n" not in message
    folder.reopen()  # closing released it


def test_a_failed_write_to_the_file_stops_further_writes(folder: Folder) -> None:
    things = folder.collection()
    things.insert_one({"_id": 1})
    folder.store._sql.close()  # the file can no longer be written, as on a failing disk

    with pytest.raises(ConnectionFailure, match="nothing more is written"):
        things.insert_one({"_id": 2})
    with pytest.raises(ConnectionFailure, match="nothing more is written"):
        things.update_one({"_id": 1}, {"$set": {"n": 1}})
    with pytest.raises(ConnectionFailure):  # what /health reports
        folder.store.check()

    assert list(things.find()) == [{"_id": 1}]
    folder.store.close()
    folder.store = EmbeddedStore(folder.path)  # a restart gives back what the file had
    assert list(folder.store.client()["hoso"]["things"].find()) == [{"_id": 1}]


def test_a_file_that_is_not_a_database_is_named_and_the_folder_left_free(tmp_path: Path) -> None:
    database_file = tmp_path / "hoso.sqlite3"
    database_file.write_bytes(b"not a database, " * 1000)

    with pytest.raises(EmbeddedStoreError) as refused:
        EmbeddedStore(tmp_path)

    assert str(refused.value).startswith(f"cannot open the database file {database_file}: ")
    database_file.unlink()
    EmbeddedStore(tmp_path).close()  # the failed start did not keep the folder locked


@contextmanager
def locked(database_file: Path) -> Iterator[None]:
    """Another connection holds the file's write lock, as an sqlite3 shell would."""
    other = sqlite3.connect(database_file, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_file_locked_by_another_process_fails_the_write_and_changes_nothing(
    folder: Folder,
) -> None:
    things = folder.collection()
    things.insert_many([{"_id": n, "n": n} for n in range(5)])
    things.create_index([("n", 1)], name="by_n")
    folder.collection("other").insert_one({"_id": "o"})
    before = contents(folder.client)

    with locked(folder.store.path):
        writes = [
            lambda: things.insert_one({"_id": 9}),
            lambda: things.insert_many([{"_id": 10}, {"_id": 11}]),
            lambda: things.update_one({"_id": 1}, {"$set": {"n": 100}}),
            lambda: things.update_many({}, {"$inc": {"n": 1}}),
            lambda: things.replace_one({"_id": 2}, {"replaced": True}),
            lambda: things.update_one({"_id": 7}, {"$set": {"n": 7}}, upsert=True),
            lambda: things.delete_one({"_id": 2}),
            lambda: things.delete_many({"n": {"$lt": 4}}),
            lambda: things.find_one_and_delete({"_id": 0}),
            lambda: things.create_index([("m", 1)], name="by_m"),
            lambda: things.drop_index("by_n"),
            lambda: things.drop_indexes(),
            lambda: things.drop(),
            lambda: things.rename("renamed"),
            lambda: folder.collection("other").rename("things", dropTarget=True),
            lambda: folder.client["hoso"].create_collection("new"),
            lambda: folder.client.drop_database("hoso"),
        ]
        for write in writes:
            with pytest.raises(ConnectionFailure, match="locked"):
                write()
            # Memory holds what the file holds: the write is not served, and nothing moved.
            assert contents(folder.client) == before
        folder.store.check()  # a lock is not a failure of the file: /health stays ok

    things.insert_one({"_id": 9})  # the lock gone, writes go on
    things.delete_one({"_id": 2})
    folder.reopen()
    assert [d["_id"] for d in folder.collection().find()] == [0, 1, 3, 4, 9]


def test_a_lock_is_waited_for_briefly_not_seconds(folder: Folder) -> None:
    # The store runs on the service's event loop: every request waits as long as a write does.
    (milliseconds,) = folder.store._sql.execute("PRAGMA busy_timeout").fetchone()

    assert 0 < milliseconds <= 500


def test_a_full_disk_takes_back_the_whole_operation_and_stops_writes(folder: Folder) -> None:
    things = folder.collection()
    things.insert_many([{"_id": n, "text": "x"} for n in range(20)])
    before = contents(folder.client)
    (pages,) = folder.store._sql.execute("PRAGMA page_count").fetchone()
    folder.store._sql.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk fills up

    with pytest.raises(ConnectionFailure, match="full.*nothing more is written"):
        things.update_many({}, {"$set": {"text": "y" * 2000}})  # fails a few documents in

    assert contents(folder.client) == before
    with pytest.raises(ConnectionFailure, match="nothing more is written"):  # what /health says
        folder.store.check()
    with pytest.raises(ConnectionFailure, match="nothing more is written"):
        things.insert_one({"_id": "small"})
    assert contents(folder.client) == before
    folder.reopen()


def test_an_update_that_fails_halfway_changes_nothing(folder: Folder) -> None:
    things = folder.collection()
    things.insert_many([{"_id": 1, "k": 1}, {"_id": 2, "k": "text"}])
    broken = {"$set": {"x": 1}, "$inc": {"k": "bad"}}

    with pytest.raises(WriteError):
        things.update_one({"_id": 1}, broken)
    with pytest.raises(WriteError):
        things.find_one_and_update({"_id": 1}, broken)
    with pytest.raises(WriteError):
        things.update_one({"_id": 3}, broken, upsert=True)
    with pytest.raises(OperationFailure):  # mongomock's own errors are left as they are
        things.update_one({"_id": 1}, {"$set": {"x": 1}, "$push": {"k": {"$each": [1], "a": 1}}})
    assert list(things.find()) == [{"_id": 1, "k": 1}, {"_id": 2, "k": "text"}]
    folder.reopen()

    # As on MongoDB, documents updated before the one that failed stay updated.
    with pytest.raises(PyMongoError):
        folder.collection().update_many({}, {"$set": {"seen": True}, "$inc": {"k": 1}})
    assert list(folder.collection().find()) == [
        {"_id": 1, "k": 2, "seen": True},
        {"_id": 2, "k": "text"},
    ]
    folder.reopen()


def open_descriptors(*paths: Path) -> list[str]:
    """This process's file descriptors open on any of `paths`."""
    names = {str(path.resolve()) for path in paths}
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.removesuffix(" (deleted)") in names:
            found.append(target)
    return found


def assert_refused_as_damaged(data_dir: Path) -> str:
    """Opening `data_dir` is refused in one line naming the file and a backup; nothing is held."""
    database_file = data_dir / "hoso.sqlite3"
    for opening in (EmbeddedStore, check_data_dir):
        with pytest.raises(EmbeddedStoreError) as refused:
            opening(data_dir)
        message = str(refused.value)
        assert message.startswith(f"the database file {database_file} is damaged ("), message
        assert "restore it from a backup" in message and "SQLite" in message
        assert "\n" not in message
        assert open_descriptors(database_file, data_dir / "hoso.lock") == []
    return message


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("doc", b"\x05\x00\x00\x00\x00", "the document has no _id"),
        ("doc", b"\x10\x00\x00\x00\x10_id\x00", "not BSON"),
        ("id", b"\x05\x00\x00\x00\x00", "its id column is not its _id"),
    ],
)
def test_a_damaged_document_row_is_refused_at_open(
    tmp_path: Path, column: str, value: bytes, said: str
) -> None:
    data_dir = tmp_path / "data"
    store = EmbeddedStore(data_dir)
    store.client()["hoso"]["things"].insert_many([{"_id": 1}, {"_id": 2}])
    store.close()
    with sqlite3.connect(data_dir / "hoso.sqlite3") as sql:
        sql.execute(f"UPDATE documents SET {column} = ? WHERE rowid = 2", (value,))
    sql.close()

    message = assert_refused_as_damaged(data_dir)

    assert f"document row 2 of hoso.things: {said}" in message


def test_a_damaged_collection_row_is_refused_at_open(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = EmbeddedStore(data_dir)
    store.client()["hoso"]["things"].create_index([("a", 1)])
    store.close()
    with sqlite3.connect(data_dir / "hoso.sqlite3") as sql:
        sql.execute("UPDATE collections SET indexes = ?", (b"\x05\x00\x00\x00\x00",))
    sql.close()

    assert "collection hoso.things" in assert_refused_as_damaged(data_dir)


def test_a_damaged_page_is_refused_at_open(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = EmbeddedStore(data_dir)
    store.client()["hoso"]["things"].insert_many([{"_id": n, "t": "x" * 100} for n in range(300)])
    store.close()
    with open(data_dir / "hoso.sqlite3", "r+b") as file:
        file.seek(8192)  # a page of the primary key's index: reading the documents skips it
        file.write(bytes(4096))

    assert_refused_as_damaged(data_dir)


def test_filters_on_one_id_find_the_document_without_testing_the_others(
    folder: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    things = folder.collection()
    things.insert_many([{"_id": f"k{i}", "n": i} for i in range(50)] + [{"_id": 7, "n": 7}])
    tested: list[Any] = []
    from core import embedded_store

    real = embedded_store.filter_applies

    def counting(filter: Any, document: Any) -> bool:
        tested.append(document.get("_id"))
        return real(filter, document)

    monkeypatch.setattr(embedded_store, "filter_applies", counting)

    found = things.find_one({"_id": "k42"})
    other_field_differs = things.find_one({"_id": "k42", "n": 41})
    missing = things.find_one({"_id": "k99"})
    replaced = things.replace_one({"_id": 7, "n": 7}, {"n": 8})
    deleted = things.delete_one({"_id": "k3"})

    assert found == {"_id": "k42", "n": 42}
    assert other_field_differs is None and missing is None
    assert replaced.modified_count == 1 and things.find_one({"_id": 7}) == {"_id": 7, "n": 8}
    assert deleted.deleted_count == 1
    assert set(tested) <= {"k42", 7, "k3"}  # no other document was looked at
    by_operator = list(things.find({"_id": {"$in": ["k1", "k2"]}}))
    assert [d["_id"] for d in by_operator] == ["k1", "k2"]  # operators still work
    folder.reopen()
