"""The embedded database: mongomock answers queries from memory, every change is written to SQLite.

With no `mongodb_url`, hoso runs on mongomock (an in-memory MongoDB) and keeps its data in one
SQLite file, `<data_dir>/hoso.sqlite3`. Each mongomock write operation is one SQLite transaction,
committed (WAL, synchronous=FULL: on disk, not only in the OS cache) before the call returns; at
start the file is read back into memory. One process at a time: the folder is locked (flock) while
the store is open, and the kernel drops the lock when the process dies, even on kill -9.

mongomock keeps documents as dicts in `mongomock.store` (ServerStore -> DatabaseStore ->
CollectionStore). Inserts, deletes, drops and index changes go through the store's methods, which
the subclasses below extend. Updates do not: `Collection._update` changes the stored dict in place.
So `_Collection` notes the `_id` of each document an update touches and writes those documents
when the update ends (or deletes their rows when they are gone).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import bson
import mongomock
from bson.codec_options import CodecOptions
from bson.errors import BSONError, InvalidDocument
from mongomock import helpers
from mongomock import store as mongomock_store
from mongomock.collection import Collection
from mongomock.database import Database
from pymongo.errors import ConnectionFailure

DATABASE_FILE = "hoso.sqlite3"
LOCK_FILE = "hoso.lock"
SCHEMA_VERSION = 1
# mongomock keeps datetimes naive, in UTC (helpers.patch_datetime_awareness_in_document).
DECODE = CodecOptions(tz_aware=False)

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    db TEXT NOT NULL, coll TEXT NOT NULL, id BLOB NOT NULL, doc BLOB NOT NULL,
    PRIMARY KEY (db, coll, id)
);
CREATE TABLE IF NOT EXISTS collections (
    db TEXT NOT NULL, coll TEXT NOT NULL, created INTEGER NOT NULL, indexes BLOB NOT NULL,
    PRIMARY KEY (db, coll)
);
"""
# ON CONFLICT ... DO UPDATE keeps the row's rowid, so reading back by rowid gives mongomock's
# natural order (insertion order) again.
UPSERT_DOCUMENT = (
    "INSERT INTO documents (db, coll, id, doc) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (db, coll, id) DO UPDATE SET doc = excluded.doc"
)


class EmbeddedStoreError(Exception):
    """The embedded database cannot be opened; the message is one line a person can act on."""


class DataDirInUse(EmbeddedStoreError):
    """Another process holds the data folder."""


class EmbeddedStoreFailed(ConnectionFailure):
    """A write to the file failed: the store refuses further writes until the service restarts.

    A `ConnectionFailure`, so a request answers 503 and /health names it, as for a lost server.
    """


def lock_data_dir(data_dir: Path) -> int:
    """Create `data_dir` if needed and lock it for this process; return the lock's descriptor."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise EmbeddedStoreError(
            f"cannot use the data folder {data_dir}: {exc.strerror or exc}"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode("ascii", "replace").strip()
        os.close(fd)
        who = f" (pid {holder})" if holder.isdigit() else ""
        raise DataDirInUse(
            f"the data folder {data_dir} is in use by another hoso process{who}: stop that "
            "process, or set mongodb_url to share a MongoDB server between processes"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def open_file(path: Path) -> sqlite3.Connection:
    try:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise EmbeddedStoreError(f"cannot open the database file {path}: {exc}") from None
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise EmbeddedStoreError(
                f"the database file {path} was written by a newer hoso (format {version}); "
                "run that version"
            )
        connection.execute("PRAGMA journal_mode = WAL")
        # FULL: a commit is on disk before the write returns, so a number once answered survives
        # a power cut too (NORMAL would only survive a crash of the process).
        connection.execute("PRAGMA synchronous = FULL")
        connection.executescript(SCHEMA)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except (sqlite3.Error, EmbeddedStoreError) as exc:
        connection.close()
        if isinstance(exc, EmbeddedStoreError):
            raise
        raise EmbeddedStoreError(f"cannot open the database file {path}: {exc}") from None
    return connection


def check_data_dir(data_dir: Path) -> None:
    """Raise `EmbeddedStoreError` unless the embedded store could open here; hold nothing."""
    fd = lock_data_dir(data_dir)
    try:
        open_file(data_dir / DATABASE_FILE).close()
    finally:
        os.close(fd)


class EmbeddedStore(mongomock_store.ServerStore):
    """A mongomock ServerStore loaded from, and written through to, `<data_dir>/hoso.sqlite3`."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.path = data_dir / DATABASE_FILE
        self._depth = 0
        self._mutex = threading.RLock()
        self.failure: str | None = None
        self._lock_fd: int | None = lock_data_dir(data_dir)
        try:
            self._sql: sqlite3.Connection = open_file(self.path)
        except BaseException:
            os.close(self._lock_fd)
            raise
        try:
            self._load()
        except (sqlite3.Error, BSONError) as exc:
            self.close()
            raise EmbeddedStoreError(f"cannot read the database file {self.path}: {exc}") from None

    def client(self) -> mongomock.MongoClient:
        """A mongomock client on this store (tz_aware as the service's MongoDB clients are)."""
        return _Client(tz_aware=True, _store=self)

    def __getitem__(self, db_name: str) -> _DatabaseStore:
        try:
            return self._databases[db_name]
        except KeyError:
            db = self._databases[db_name] = _DatabaseStore(self, db_name)
            return db

    def close(self) -> None:
        """Close the file (SQLite checkpoints the WAL into it) and release the folder."""
        with self._mutex:
            if self._lock_fd is None:
                return
            try:
                self._sql.close()
            finally:
                os.close(self._lock_fd)
                self._lock_fd = None
                self.failure = self.failure or f"the embedded database {self.path} is closed"

    def check(self) -> None:
        if self.failure:
            raise EmbeddedStoreFailed(self.failure)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Make the SQL of one mongomock operation one commit (nested calls join the outer one).

        The commit happens even when the operation raises (a duplicate key, say): memory changed
        as far as the operation got, and the file must say the same. A failing write to the file
        rolls back and stops the store: memory may be ahead of the file, so nothing more is
        written; a restart reloads what was committed.
        """
        with self._mutex:
            self.check()
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            try:
                self._sql.execute("BEGIN")
                try:
                    yield
                except sqlite3.Error:
                    raise
                except BaseException:
                    self._sql.execute("COMMIT")
                    raise
                self._sql.execute("COMMIT")
            except sqlite3.Error as exc:
                self._stop(exc)
            finally:
                self._depth = 0

    def execute(self, sql: str, parameters: tuple[Any, ...]) -> None:
        with self.transaction():
            self._sql.execute(sql, parameters)

    def query_one(self, sql: str, parameters: tuple[Any, ...]) -> Any:
        with self._mutex:
            return self._sql.execute(sql, parameters).fetchone()

    def _stop(self, exc: sqlite3.Error) -> None:
        with suppress(sqlite3.Error):
            self._sql.execute("ROLLBACK")
        self.failure = (
            f"writing the embedded database {self.path} failed ({exc}); nothing more is written "
            "until hoso restarts (free disk space or fix the file first)"
        )
        raise EmbeddedStoreFailed(self.failure) from exc

    def _load(self) -> None:
        """Fill the stores from the file, bypassing the write-through (nothing is written)."""
        sql = self._sql
        for db_name, coll_name, created, indexes in sql.execute("SELECT * FROM collections"):
            collection = self[db_name][coll_name]
            collection._is_force_created = bool(created)
            for name, spec in bson.decode(indexes, DECODE)["indexes"]:
                # BSON has no tuples; mongomock compares index keys as lists of tuples.
                spec["key"] = [tuple(pair) for pair in spec["key"]]
                mongomock_store.CollectionStore.create_index(collection, name, spec)
        rows = sql.execute("SELECT db, coll, doc FROM documents ORDER BY rowid")
        for db_name, coll_name, raw in rows:
            document = bson.decode(raw, DECODE)
            self[db_name][coll_name]._documents[_key(document["_id"])] = document


class _DatabaseStore(mongomock_store.DatabaseStore):
    def __init__(self, server: EmbeddedStore, name: str) -> None:
        super().__init__()
        self._server = server
        self._name = name

    def __getitem__(self, col_name: str) -> _CollectionStore:
        try:
            return self._collections[col_name]
        except KeyError:
            col = self._collections[col_name] = _CollectionStore(self._server, self._name, col_name)
            return col

    def rename(self, name: str, new_name: str) -> None:
        server, db = self._server, self._name
        with server.transaction():
            super().rename(name, new_name)
            for table in ("documents", "collections"):
                server.execute(f"DELETE FROM {table} WHERE db = ? AND coll = ?", (db, new_name))
                server.execute(
                    f"UPDATE {table} SET coll = ? WHERE db = ? AND coll = ?", (new_name, db, name)
                )


class _CollectionStore(mongomock_store.CollectionStore):
    def __init__(self, server: EmbeddedStore, db: str, name: str) -> None:
        self._server: EmbeddedStore | None = None  # the base __init__ sets `indexes`: not saved
        super().__init__(name)
        self._server = server
        self._db = db
        self._dirty: set[Any] = set()

    # Documents.

    def __setitem__(self, key: Any, value: dict[str, Any]) -> None:
        with self._server.transaction():
            super().__setitem__(key, value)
            self._write(key, value)

    def __delitem__(self, key: Any) -> None:
        with self._server.transaction():
            super().__delitem__(key)
            self._write(key, None)

    def mark_dirty(self, document_id: Any) -> None:
        """An update is about to change this document in place: write it when the update ends."""
        self._dirty.add(_key(document_id))

    def flush_dirty(self) -> None:
        refused: InvalidDocument | None = None
        with self._server.transaction():
            while self._dirty:
                key = self._dirty.pop()
                try:
                    self._write(key, self._documents.get(key))
                except InvalidDocument as exc:
                    refused = refused or exc
        if refused is not None:
            raise refused

    def _write(self, key: Any, document: dict[str, Any] | None) -> None:
        where = (self._db, self.name, bson.encode({"_id": key}))
        if document is None:
            sql = "DELETE FROM documents WHERE db = ? AND coll = ? AND id = ?"
            self._server.execute(sql, where)
            return
        try:
            encoded = bson.encode(document)
        except (InvalidDocument, OverflowError) as exc:
            # mongomock checks inserts but not updates: a value BSON cannot hold ($set of a
            # Python object) is refused as a server would, and the document is put back as the
            # file has it.
            row = self._server.query_one(
                "SELECT doc FROM documents WHERE db = ? AND coll = ? AND id = ?", where
            )
            if row is None:
                self._documents.pop(key, None)
            else:
                self._documents[key] = bson.decode(row[0], DECODE)
            raise InvalidDocument(f"cannot store the document {key!r}: {exc}") from None
        self._server.execute(UPSERT_DOCUMENT, (*where, encoded))

    # The collection itself: created flag and indexes.

    @property  # type: ignore[override]
    def indexes(self) -> dict[str, Any]:
        return self._indexes

    @indexes.setter
    def indexes(self, value: dict[str, Any]) -> None:
        # `Collection.drop_indexes` assigns `{}` here directly.
        self._indexes = value
        if self._server is not None:
            self._save_collection()

    def create(self) -> None:
        with self._server.transaction():
            super().create()
            self._save_collection()

    def create_index(self, index_name: str, index_dict: dict[str, Any]) -> None:
        with self._server.transaction():
            super().create_index(index_name, index_dict)
            self._save_collection()

    def drop_index(self, index_name: str) -> None:
        with self._server.transaction():
            super().drop_index(index_name)
            self._save_collection()

    def drop(self) -> None:
        with self._server.transaction():
            super().drop()
            for table in ("documents", "collections"):
                self._server.execute(
                    f"DELETE FROM {table} WHERE db = ? AND coll = ?", (self._db, self.name)
                )

    def _save_collection(self) -> None:
        where = (self._db, self.name)
        if not self._indexes and not self._is_force_created:
            self._server.execute("DELETE FROM collections WHERE db = ? AND coll = ?", where)
            return
        indexes = bson.encode({"indexes": [[name, spec] for name, spec in self._indexes.items()]})
        self._server.execute(
            "INSERT INTO collections (db, coll, created, indexes) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (db, coll) DO UPDATE SET created = excluded.created, "
            "indexes = excluded.indexes",
            (*where, int(self._is_force_created), indexes),
        )


def _key(document_id: Any) -> Any:
    # mongomock keys a document whose _id is a dict by a hashable copy of it.
    return helpers.hashdict(document_id) if isinstance(document_id, dict) else document_id


# mongomock builds its Database and Collection objects with the base classes (`get_database`,
# `get_collection`, `with_options`); these overrides turn them into the subclasses below.


def _adopt(instance: Any, cls: type) -> Any:
    if not isinstance(instance, cls):
        instance.__class__ = cls
    return instance


class _Client(mongomock.MongoClient):
    def get_database(self, *args: Any, **kwargs: Any) -> _Database:
        return _adopt(super().get_database(*args, **kwargs), _Database)


class _Database(Database):
    def get_collection(self, *args: Any, **kwargs: Any) -> _Collection:
        return _adopt(super().get_collection(*args, **kwargs), _Collection)

    def with_options(self, *args: Any, **kwargs: Any) -> _Database:
        return _adopt(super().with_options(*args, **kwargs), _Database)


class _Collection(Collection):
    """One transaction per write operation; documents changed in place are written at its end."""

    def with_options(self, *args: Any, **kwargs: Any) -> _Collection:
        return _adopt(super().with_options(*args, **kwargs), _Collection)

    def create_index(self, key_or_list: Any, *args: Any, **kwargs: Any) -> Any:
        # mongomock keeps the key as given (a list, or dict_items from `create_indexes`) and
        # compares it with the existing index's; the file gives back a list of pairs, so make
        # every key one: the same index asked for again at the next start is then accepted.
        if not isinstance(key_or_list, str):
            key_or_list = [tuple(pair) for pair in key_or_list]
        return super().create_index(key_or_list, *args, **kwargs)

    def _insert(self, *args: Any, **kwargs: Any) -> Any:
        # One commit for insert_many, and for an insert mongomock takes back (duplicate key).
        with self._store_server().transaction():
            return super()._insert(*args, **kwargs)

    def _delete(self, *args: Any, **kwargs: Any) -> Any:
        with self._store_server().transaction():
            return super()._delete(*args, **kwargs)

    def _update(self, *args: Any, **kwargs: Any) -> Any:
        store = self._store
        with store._server.transaction():
            try:
                return super()._update(*args, **kwargs)
            finally:
                # Also after a failure: mongomock may have changed, or put back, documents.
                store.flush_dirty()

    def _apply_update_document(self, existing_document: dict[str, Any], *args: Any) -> Any:
        self._store.mark_dirty(existing_document["_id"])
        return super()._apply_update_document(existing_document, *args)

    def _apply_update_pipeline(self, existing_document: dict[str, Any], *args: Any) -> Any:
        self._store.mark_dirty(existing_document["_id"])
        return super()._apply_update_pipeline(existing_document, *args)

    def _store_server(self) -> EmbeddedStore:
        return self._store._server
