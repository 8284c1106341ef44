"""The document database: MongoDB (or a compatible server) when configured, else embedded.

The embedded database (core/embedded_store.py) keeps its data in a file under `data_dir`; the
in-memory one, asked for with `in_memory_database`, keeps nothing (the tests use it for speed).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from beanie import Document, init_beanie
from mongomock_motor import AsyncMongoMockClient
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo.errors import PyMongoError

from core.embedded_store import DATABASE_FILE, EmbeddedStore, EmbeddedStoreError, check_data_dir
from core.errors import ServiceUnavailable
from core.models import DOCUMENT_MODELS
from core.settings import Settings

logger = logging.getLogger("hoso")

DatabaseKind = Literal["mongodb", "embedded", "in-memory"]

IN_MEMORY_WARNING = (
    "in_memory_database is set: using the IN-MEMORY database. NOTHING IS KEPT when the service "
    "stops. Unset it to keep data in data_dir, or set HOSO_MONGODB_URL to a MongoDB 6+ server."
)
EMBEDDED_WARNING = (
    "HOSO_MONGODB_URL is not set: using the EMBEDDED database in %s (kept across restarts; one "
    "process at a time). For several workers or machines set HOSO_MONGODB_URL to a MongoDB 6+ "
    "server."
)


@dataclass
class Database:
    client: Any
    name: str
    kind: DatabaseKind
    # The embedded database's store, which holds its file open.
    store: EmbeddedStore | None = None

    @property
    def in_memory(self) -> bool:
        return self.kind == "in-memory"

    @property
    def path(self) -> Path | None:
        """The embedded database's file."""
        return self.store.path if self.store is not None else None

    @property
    def db(self) -> Any:
        return self.client[self.name]

    async def ping(self, timeout: float) -> None:
        """Raise `ServiceUnavailable` unless the server answers within `timeout` seconds."""
        try:
            if self.store is not None:
                self.store.check()  # a write to its file failed: it refuses writes
            await asyncio.wait_for(self.db.command("ping"), timeout)
        except TimeoutError:
            raise ServiceUnavailable(f"the database did not answer within {timeout:g} s") from None
        except PyMongoError as exc:
            raise ServiceUnavailable(f"the database is not answering: {_first_line(exc)}") from None

    def close(self) -> None:
        self.client.close()
        if self.store is not None:
            self.store.close()


def database_kind(settings: Settings) -> DatabaseKind:
    if settings.mongodb_url is not None:
        return "mongodb"
    return "in-memory" if settings.in_memory_database else "embedded"


def describe_database(settings: Settings) -> str:
    """One line for `hoso config check`: which database, and where."""
    kind = database_kind(settings)
    if kind == "mongodb":
        return f"MongoDB at {redact_url(settings.mongodb_url or '')}"
    if kind == "in-memory":
        return "in-memory (not kept)"
    return f"embedded, file {settings.data_dir / DATABASE_FILE} (kept; one process at a time)"


def check_embedded_database(settings: Settings) -> None:
    """Raise `DatabaseUnreachable` when the embedded database could not open (folder in use by
    another process, not writable, not a database file); hold nothing."""
    try:
        check_data_dir(settings.data_dir)
    except EmbeddedStoreError as exc:
        raise DatabaseUnreachable(str(exc)) from None


async def connect_database(settings: Settings) -> Database:
    """Connect, check the server answers, and register the models (creating their indexes)."""
    kind = database_kind(settings)
    if kind == "in-memory":
        logger.warning(IN_MEMORY_WARNING)
        client = AsyncMongoMockClient(tz_aware=True)
        database = Database(client, settings.mongodb_database, kind)
    elif kind == "embedded":
        try:
            store = EmbeddedStore(settings.data_dir)
        except EmbeddedStoreError as exc:
            raise DatabaseUnreachable(str(exc)) from None
        logger.warning(EMBEDDED_WARNING, store.path.resolve())
        client = AsyncMongoMockClient(mock_mongo_client=store.client())
        database = Database(client, settings.mongodb_database, kind, store)
    else:
        assert settings.mongodb_url is not None
        timeout_ms = int(settings.mongodb_timeout_seconds * 1000)
        client = AsyncIOMotorClient(
            settings.mongodb_url,
            tz_aware=True,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            # Notice a server that comes back quickly, so /health recovers within seconds.
            heartbeatFrequencyMS=1000,
        )
        database = Database(client, settings.mongodb_database, kind)
        try:
            await database.ping(settings.mongodb_timeout_seconds + 1)
        except ServiceUnavailable as exc:
            client.close()
            raise DatabaseUnreachable(
                f"cannot reach the database at {redact_url(settings.mongodb_url)}: {exc.detail}. "
                "Check HOSO_MONGODB_URL and that the server is running."
            ) from None
    try:
        await init_beanie(
            database=database.db, document_models=list(DOCUMENT_MODELS), skip_indexes=True
        )
        await ensure_indexes(DOCUMENT_MODELS)
    except BaseException:
        database.close()  # the embedded database releases its folder
        raise
    return database


async def ensure_indexes(models: list[type[Document]]) -> None:
    """Create each model's indexes, one `createIndexes` command per index.

    Beanie sends all of a collection's indexes in one command; FerretDB 1.24 panics on such a
    command when the indexes already exist (every start after the first). One per command works
    on every engine and is a no-op for an index that exists.
    """
    for model in models:
        collection = model.get_motor_collection()
        for index in getattr(model.Settings, "indexes", []):
            await collection.create_indexes([index])


class DatabaseUnreachable(Exception):
    """The configured database does not answer at start."""


def redact_url(url: str) -> str:
    """Hide the password of a connection string before it is logged or shown."""
    scheme, separator, rest = url.partition("//")
    if not separator:
        return url
    netloc, slash, tail = rest.partition("/")
    credentials, at, hosts = netloc.rpartition("@")  # the last @ ends the credentials
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}//{user}:***@{hosts}{slash}{tail}"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    # pymongo appends its whole view of the cluster after ", Timeout:"; the reason comes first.
    return text.splitlines()[0].split(", Timeout:")[0][:300]
