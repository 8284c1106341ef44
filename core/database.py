"""The document database: MongoDB (or a compatible server) when configured, else in memory."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from beanie import Document, init_beanie
from mongomock_motor import AsyncMongoMockClient
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo.errors import PyMongoError

from core.errors import ServiceUnavailable
from core.models import DOCUMENT_MODELS
from core.settings import Settings

logger = logging.getLogger("hoso")

IN_MEMORY_WARNING = (
    "HOSO_MONGODB_URL is not set: using the IN-MEMORY database. NOTHING IS KEPT when the service "
    "stops. Set HOSO_MONGODB_URL to a MongoDB 6+ server for real use."
)


@dataclass
class Database:
    client: Any
    name: str
    in_memory: bool

    @property
    def db(self) -> Any:
        return self.client[self.name]

    async def ping(self, timeout: float) -> None:
        """Raise `ServiceUnavailable` unless the server answers within `timeout` seconds."""
        try:
            await asyncio.wait_for(self.db.command("ping"), timeout)
        except TimeoutError:
            raise ServiceUnavailable(f"the database did not answer within {timeout:g} s") from None
        except PyMongoError as exc:
            raise ServiceUnavailable(f"the database is not answering: {_first_line(exc)}") from None

    def close(self) -> None:
        self.client.close()


async def connect_database(settings: Settings) -> Database:
    """Connect, check the server answers, and register the models (creating their indexes)."""
    if settings.mongodb_url is None:
        logger.warning(IN_MEMORY_WARNING)
        database = Database(AsyncMongoMockClient(tz_aware=True), settings.mongodb_database, True)
    else:
        timeout_ms = int(settings.mongodb_timeout_seconds * 1000)
        client = AsyncIOMotorClient(
            settings.mongodb_url,
            tz_aware=True,
            serverSelectionTimeoutMS=timeout_ms,
            connectTimeoutMS=timeout_ms,
            # Notice a server that comes back quickly, so /health recovers within seconds.
            heartbeatFrequencyMS=1000,
        )
        database = Database(client, settings.mongodb_database, False)
        try:
            await database.ping(settings.mongodb_timeout_seconds + 1)
        except ServiceUnavailable as exc:
            client.close()
            raise DatabaseUnreachable(
                f"cannot reach the database at {redact_url(settings.mongodb_url)}: {exc.detail}. "
                "Check HOSO_MONGODB_URL and that the server is running."
            ) from None
    await init_beanie(
        database=database.db, document_models=list(DOCUMENT_MODELS), skip_indexes=True
    )
    await ensure_indexes(DOCUMENT_MODELS)
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
