"""The embedded database: mongomock answers queries from memory, every change is written to SQLite.

With no `mongodb_url`, hoso runs on mongomock (an in-memory MongoDB) and keeps its data in one
SQLite file, `<data_dir>/hoso.sqlite3`. Each mongomock write operation is one SQLite transaction,
committed (WAL, synchronous=FULL: on disk, not only in the OS cache) before the call returns; at
start the file is checked (`PRAGMA integrity_check`) and read back into memory, and a damaged file
or row is refused in one line. One process at a time: the folder is locked (flock) while the store
is open, and the kernel drops the lock when the process dies, even on kill -9.

mongomock keeps documents as dicts in `mongomock.store` (ServerStore -> DatabaseStore ->
CollectionStore). Inserts, deletes, drops and index changes go through the store's methods, which
the subclasses below extend. Updates do not: `Collection._update` changes the stored dict in place.
So `_Collection` notes the `_id` of each document an update touches and writes those documents
when the update ends (or deletes their rows when they are gone).

Memory never holds what the file does not: before an operation changes a document, a collection
(its indexes, its created flag) or a database's list of collections, the store notes how it was
(`_Journal`). When the operation's transaction fails, SQLite rolls it back and memory is put back
as noted. A file locked by another process (`database is locked`) only fails that operation; an
error that means the file can no longer be trusted (I/O error, disk full, damaged) also stops
further writes until a restart, and /health says so. The store runs on the event loop, so SQLite
waits at most `BUSY_TIMEOUT_SECONDS` for a lock held by another process.
"""

from __future__ import annotations

import copy
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bson
import mongomock
from bson import ObjectId
from bson.codec_options import CodecOptions
from bson.errors import BSONError, InvalidDocument
from mongomock import helpers
from mongomock import store as mongomock_store
from mongomock.collection import Collection
from mongomock.database import Database
from mongomock.filtering import filter_applies
from pymongo.errors import ConnectionFailure, PyMongoError, WriteError

DATABASE_FILE = "hoso.sqlite3"
LOCK_FILE = "hoso.lock"
SCHEMA_VERSION = 1
# mongomock keeps datetimes naive, in UTC (helpers.patch_datetime_awareness_in_document).
DECODE = CodecOptions(tz_aware=False)
# How long a write waits for a lock another process holds on the file (an sqlite3 shell, a
# backup tool) before it fails with `database is locked`. The store runs on the event loop, so
# every request waits as long: SQLite's default, 5 s, froze the service. hoso's own commits take
# a few milliseconds, and no other hoso process writes the file (the folder lock).
BUSY_TIMEOUT_SECONDS = 0.25
# SQLite result codes (the low byte of an extended code) that only say "not now".
TRANSIENT_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})

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
    """A write to the file failed in a way that means the file can no longer be trusted (I/O
    error, disk full, damaged): the store refuses further writes until the service restarts.

    A `ConnectionFailure`, so a request answers 503 and /health names it, as for a lost server.
    """


class EmbeddedStoreBusy(ConnectionFailure):
    """Another process held the file locked: this operation changed nothing; the next may work.

    A `ConnectionFailure`, so the request answers 503.
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


def damaged(path: Path, detail: str) -> EmbeddedStoreError:
    """The one line that refuses a damaged database file."""
    detail = " ".join(detail.split())
    if len(detail) > 200:
        detail = detail[:199] + "…"
    return EmbeddedStoreError(
        f"the database file {path} is damaged ({detail}): restore it from a backup (it is an "
        f"SQLite file; `sqlite3 {path} .recover` may save what is still readable)"
    )


def open_file(path: Path) -> sqlite3.Connection:
    """Open the database file, check it whole (`PRAGMA integrity_check`), set it up."""
    try:
        connection = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise EmbeddedStoreError(f"cannot open the database file {path}: {exc}") from None
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise EmbeddedStoreError(
                f"the database file {path} was written by a newer hoso (format {version}); "
                "run that version"
            )
        # Every page of every table and index: a damaged page the start does not read (an
        # index's) would otherwise fail the first write that reaches it, and every one after.
        # About 30 ms for 20,000 documents (28 MB), against 0.5 s to read them into memory.
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            lines = "\n".join(map(str, problems)).splitlines()
            raise damaged(path, "; ".join(line for line in lines if not line.startswith("***")))
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
        if _code(exc) == sqlite3.SQLITE_CORRUPT:
            raise damaged(path, str(exc)) from None
        advice = ""
        if _code(exc) == sqlite3.SQLITE_NOTADB:
            advice = " (not an SQLite file, or its first page is damaged: restore it from a backup)"
        raise EmbeddedStoreError(f"cannot open the database file {path}: {exc}{advice}") from None
    return connection


def check_data_dir(data_dir: Path) -> None:
    """Raise `EmbeddedStoreError` unless the embedded store opens here; hold nothing.

    The store is opened whole, its rows read (about 0.5 s for 20,000 documents), so that a
    damaged row is refused in one line before the service starts, not by its start-up hook.
    """
    EmbeddedStore(data_dir).close()


def _code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code of an error (None for one raised by Python's module)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


_ABSENT = object()  # what the journal notes for a document that was not there


def _snapshot(document: dict[str, Any]) -> bytes | dict[str, Any]:
    """A copy of a document about to change in place: its BSON, as the file holds it (six times
    quicker than a deep copy)."""
    try:
        return bson.encode(document)
    except (InvalidDocument, OverflowError):
        return copy.deepcopy(document)


def _restored(state: bytes | dict[str, Any]) -> dict[str, Any]:
    return bson.decode(state, DECODE) if isinstance(state, bytes) else state


@dataclass
class _Journal:
    """How one operation found what it changed in memory, so that a failed transaction can put it
    back; only the first note of each thing counts."""

    # (id of the collection store, document key) -> (collection store, key, state), the state a
    # document that is replaced or removed (not changed), a `_snapshot`, or _ABSENT
    documents: dict[tuple[int, Any], tuple[_CollectionStore, Any, Any]] = field(
        default_factory=dict
    )
    # id of the collection store -> (collection store, its keys in order before the first delete)
    orders: dict[int, tuple[_CollectionStore, list[Any]]] = field(default_factory=dict)
    # id of the collection store -> (collection store, (documents, indexes, ttl, created, name))
    collections: dict[int, tuple[_CollectionStore, tuple[Any, ...]]] = field(default_factory=dict)
    # id of the database store -> (database store, its collections)
    databases: dict[int, tuple[_DatabaseStore, dict[str, Any]]] = field(default_factory=dict)

    def undo(self) -> None:
        for database, collections in self.databases.values():
            database._collections.clear()
            database._collections.update(collections)
        for collection, (documents, indexes, ttl, created, name) in self.collections.values():
            collection._documents = documents
            collection._indexes = indexes
            collection._ttl_indexes = ttl
            collection._is_force_created = created
            collection.name = name
        for collection, key, document in self.documents.values():
            if document is _ABSENT:
                collection._documents.pop(key, None)
            else:
                collection._documents[key] = _restored(document)
        for collection, order in self.orders.values():
            # A document deleted and put back goes where it was (the file keeps its rowid).
            documents = collection._documents
            if list(documents) != order:
                items = [(key, documents[key]) for key in order if key in documents]
                known = set(order)
                items += [(key, doc) for key, doc in documents.items() if key not in known]
                documents.clear()
                documents.update(items)
        for collection, *_ in [*self.documents.values(), *self.collections.values()]:
            collection._dirty.clear()


class EmbeddedStore(mongomock_store.ServerStore):
    """A mongomock ServerStore loaded from, and written through to, `<data_dir>/hoso.sqlite3`."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.path = data_dir / DATABASE_FILE
        self._journal: _Journal | None = None
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
        except BaseException as exc:
            self.close()
            if isinstance(exc, EmbeddedStoreError) or not isinstance(exc, Exception):
                raise
            if isinstance(exc, sqlite3.Error) and _code(exc) != sqlite3.SQLITE_CORRUPT:
                raise EmbeddedStoreError(
                    f"cannot read the database file {self.path}: {exc}"
                ) from None
            raise damaged(self.path, f"{type(exc).__name__}: {exc}") from None

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

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """For a load of many writes by one command (`hoso demo`): commits reach the disk at the
        WAL's checkpoints instead of one by one (synchronous = NORMAL). A crash of the process
        loses nothing; a power cut during the load may lose its last writes. At the end every
        write is on disk and commits are FULL again."""
        with self._mutex:
            self._sql.execute("PRAGMA synchronous = NORMAL")
        try:
            yield
        finally:
            with self._mutex:
                self._sql.execute("PRAGMA synchronous = FULL")
                self._sql.execute("PRAGMA wal_checkpoint(FULL)")

    def check(self) -> None:
        """Raise `EmbeddedStoreFailed` when the store refuses writes (what /health reports)."""
        if self.failure:
            raise EmbeddedStoreFailed(self.failure)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Make the SQL of one mongomock operation one commit (nested calls join the outer one).

        The commit happens even when the operation raises (a duplicate key, say): memory changed
        as far as the operation got, and the file must say the same. When the file cannot be
        written, SQLite rolls back and memory is put back as the journal noted it: what the
        operation changed is gone from both.
        """
        with self._mutex:
            self.check()
            if self._journal is not None:
                yield
                return
            journal = self._journal = _Journal()
            try:
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
                    raise self._failed(exc, journal) from exc
            finally:
                self._journal = None

    def execute(self, sql: str, parameters: tuple[Any, ...]) -> None:
        with self.transaction():
            self._sql.execute(sql, parameters)

    def _failed(self, exc: sqlite3.Error, journal: _Journal) -> ConnectionFailure:
        """Roll the file and memory back; return the error to raise. Writes go on after a lock,
        not after an error that means the file can no longer be trusted."""
        with suppress(sqlite3.Error):
            if self._sql.in_transaction:
                self._sql.execute("ROLLBACK")
        journal.undo()
        if _code(exc) in TRANSIENT_CODES:
            return EmbeddedStoreBusy(
                f"the embedded database {self.path} is locked by another process ({exc}); "
                "nothing was changed"
            )
        self.failure = (
            f"writing the embedded database {self.path} failed ({exc}); nothing more is written "
            "until hoso restarts (free disk space, or restore the file from a backup, first)"
        )
        return EmbeddedStoreFailed(self.failure)

    # The journal: how things were before the running operation changed them.

    def note_document(self, collection: _CollectionStore, key: Any, state: Any = None) -> None:
        """`collection`'s document `key` is about to change; `state` is how it is now: by default
        what the collection holds (a document that is replaced or removed, not changed), else the
        `_snapshot` of a document changed in place."""
        journal = self._journal
        if journal is None or (id(collection), key) in journal.documents:
            return
        if state is None:
            state = collection._documents.get(key, _ABSENT)
        journal.documents[id(collection), key] = (collection, key, state)

    def note_order(self, collection: _CollectionStore) -> None:
        journal = self._journal
        if journal is not None and id(collection) not in journal.orders:
            journal.orders[id(collection)] = (collection, list(collection._documents))

    def note_collection(self, collection: _CollectionStore) -> None:
        journal = self._journal
        if journal is not None and id(collection) not in journal.collections:
            state = (
                collection._documents,  # `drop` replaces it, so this one stays as it was
                dict(collection._indexes),
                dict(collection._ttl_indexes),
                collection._is_force_created,
                collection.name,
            )
            journal.collections[id(collection)] = (collection, state)

    def note_database(self, database: _DatabaseStore) -> None:
        journal = self._journal
        if journal is not None and id(database) not in journal.databases:
            journal.databases[id(database)] = (database, dict(database._collections))

    def restore_document(self, collection: _CollectionStore, key: Any) -> None:
        """Put back a document as the running operation found it."""
        assert self._journal is not None
        _, _, document = self._journal.documents[id(collection), key]
        if document is _ABSENT:
            collection._documents.pop(key, None)
        else:
            collection._documents[key] = _restored(document)

    def _load(self) -> None:
        """Fill the stores from the file, bypassing the write-through (nothing is written).

        A row that cannot be what the store wrote raises `EmbeddedStoreError` naming it.
        """
        sql = self._sql
        for db_name, coll_name, created, indexes in sql.execute("SELECT * FROM collections"):
            where = f"collection {db_name}.{coll_name}"
            try:
                collection = self[db_name][coll_name]
                collection._is_force_created = bool(created)
                for name, spec in bson.decode(indexes, DECODE)["indexes"]:
                    # BSON has no tuples; mongomock compares index keys as lists of tuples.
                    spec["key"] = [tuple(pair) for pair in spec["key"]]
                    mongomock_store.CollectionStore.create_index(collection, name, spec)
            except (BSONError, LookupError, TypeError, ValueError) as exc:
                raise damaged(self.path, f"{where}: unreadable indexes, {exc!r}") from None
        rows = sql.execute("SELECT rowid, db, coll, id, doc FROM documents ORDER BY rowid")
        for rowid, db_name, coll_name, raw_id, raw in rows:
            where = f"document row {rowid} of {db_name}.{coll_name}"
            try:
                document = bson.decode(raw, DECODE)
            except (BSONError, TypeError, ValueError) as exc:
                raise damaged(self.path, f"{where}: not BSON, {exc}") from None
            if "_id" not in document:
                raise damaged(self.path, f"{where}: the document has no _id")
            key = _key(document["_id"])
            # Writes find the row by this column: one that does not match would never change.
            if raw_id != bson.encode({"_id": key}):
                raise damaged(self.path, f"{where}: its id column is not its _id")
            self[db_name][coll_name]._documents[key] = document


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
            server.note_database(self)
            if name in self._collections:
                server.note_collection(self._collections[name])
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
            self._server.note_document(self, key)
            super().__setitem__(key, value)
            self._write(key, value)

    def __delitem__(self, key: Any) -> None:
        with self._server.transaction():
            self._server.note_order(self)
            self._server.note_document(self, key)
            super().__delitem__(key)
            self._write(key, None)

    def mark_dirty(self, document: dict[str, Any]) -> bytes | dict[str, Any]:
        """An update is about to change `document` in place: note how it is, and write it when
        the update ends. Return its `_snapshot`."""
        key = _key(document["_id"])
        before = _snapshot(document)
        # An upsert changes a document of its own, inserted at the end: note what is stored.
        if self._documents.get(key) is document:
            self._server.note_document(self, key, before)
        else:
            self._server.note_document(self, key)
        self._dirty.add(key)
        return before

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
            # mongomock checks inserts but not updates: a value BSON cannot hold ($push of a
            # Python object) is refused as a server would, and the document is put back.
            self._server.restore_document(self, key)
            raise InvalidDocument(f"cannot store the document {key!r}: {exc}") from None
        self._server.execute(UPSERT_DOCUMENT, (*where, encoded))

    # The collection itself: created flag and indexes.

    @property  # type: ignore[override]
    def indexes(self) -> dict[str, Any]:
        return self._indexes

    @indexes.setter
    def indexes(self, value: dict[str, Any]) -> None:
        # `Collection.drop_indexes` assigns `{}` here directly.
        if self._server is None:
            self._indexes = value
            return
        with self._server.transaction():
            self._server.note_collection(self)
            self._indexes = value
            self._save_collection()

    def create(self) -> None:
        with self._server.transaction():
            self._server.note_collection(self)
            super().create()
            self._save_collection()

    def create_index(self, index_name: str, index_dict: dict[str, Any]) -> None:
        with self._server.transaction():
            self._server.note_collection(self)
            super().create_index(index_name, index_dict)
            self._save_collection()

    def drop_index(self, index_name: str) -> None:
        with self._server.transaction():
            self._server.note_collection(self)
            super().drop_index(index_name)
            self._save_collection()

    def drop(self) -> None:
        with self._server.transaction():
            self._server.note_collection(self)
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


def _plain_key(value: Any) -> bool:
    """An `_id` value that names one document (not an operator, a regex or a sub-document)."""
    return isinstance(value, str | int | ObjectId | bytes) and not isinstance(value, bool)


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
        apply = super()._apply_update_document
        return self._apply_whole(apply, existing_document, *args)

    def _apply_update_pipeline(self, existing_document: dict[str, Any], *args: Any) -> Any:
        apply = super()._apply_update_pipeline
        return self._apply_whole(apply, existing_document, *args)

    def _apply_whole(self, apply: Any, document: dict[str, Any], *args: Any) -> Any:
        """Apply an update to one document wholly or not at all, as MongoDB does.

        mongomock changes the document field by field, and an operator that fails halfway
        (`$inc` of a string) leaves the fields before it changed and raises a Python error. The
        document is put back as it was, and the error is a `WriteError`, as a server's would be.
        """
        before = self._store.mark_dirty(document)
        try:
            return apply(document, *args)
        except Exception as exc:
            document.clear()
            document.update(copy.deepcopy(_restored(before)))
            if isinstance(exc, (PyMongoError, BSONError, NotImplementedError)):
                raise
            code = 14 if isinstance(exc, TypeError) else 2  # TypeMismatch, BadValue
            raise WriteError(f"the update cannot be applied: {exc}", code) from exc

    def _iter_documents(self, filter: Any) -> Any:
        # mongomock tests every document of the collection against every filter. A filter on
        # one `_id` finds its document in the store's dict instead: reads, replaces and deletes
        # by `_id` (numbering, documents by id) then cost the same at any collection size.
        if isinstance(filter, dict) and _plain_key(filter.get("_id")):
            try:
                document = self._store[filter["_id"]]
            except KeyError:
                return iter(())
            return iter([document] if filter_applies(filter, document) else [])
        return super()._iter_documents(filter)

    def _store_server(self) -> EmbeddedStore:
        return self._store._server
