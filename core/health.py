"""`GET /health`: does the service reach its database and its blob store?"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency

from core.database import database_kind
from core.embedded_store import DATABASE_FILE
from core.errors import ServiceUnavailable
from core.problems import PROBLEM_JSON
from core.runtime import Runtime
from storage import BlobStoreUnavailable

CHECK_TIMEOUT_SECONDS = 3.0


@get("/health", tags=["service"], summary="Database and blob store status", problems=(503,))
async def health(runtime: NamedDependency[Runtime]) -> Response[dict[str, Any]]:
    """200 when both the database and the blob store answer; 503 naming the one that does not."""
    database, blobs = await asyncio.gather(_check_database(runtime), _check_blobs(runtime))
    checks = {"database": database, "blobs": blobs}
    failing = [f"{name}: {check['detail']}" for name, check in checks.items() if check["detail"]]
    if not failing:
        return Response({"status": "ok", "checks": checks})
    body = {
        "type": "about:blank",
        "title": "Service unavailable",
        "status": 503,
        "detail": "; ".join(failing),
        "checks": checks,
    }
    return Response(body, status_code=503, media_type=PROBLEM_JSON)


async def _check_database(runtime: Runtime) -> dict[str, Any]:
    """`kind`: `embedded` (with the `path` of its file), `in-memory` (keeps nothing), `mongodb`."""
    database = runtime.database
    check: dict[str, Any] = {"kind": database_kind(runtime.settings)}
    if check["kind"] == "embedded":
        path = database.path if database else runtime.settings.data_dir / DATABASE_FILE
        check["path"] = str(Path(path).resolve())
    if database is None:
        return {"status": "unavailable", **check, "detail": "not connected"}
    try:
        await database.ping(CHECK_TIMEOUT_SECONDS)
    except ServiceUnavailable as exc:
        return {"status": "unavailable", **check, "detail": exc.detail}
    return {"status": "ok", **check, "detail": None}


async def _check_blobs(runtime: Runtime) -> dict[str, Any]:
    kind = "s3" if runtime.settings.s3_endpoint else "filesystem"
    try:
        await asyncio.wait_for(runtime.blobs.check(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        detail = f"the blob store did not answer within {CHECK_TIMEOUT_SECONDS:g} s"
        return {"status": "unavailable", "kind": kind, "detail": detail}
    except BlobStoreUnavailable as exc:
        return {"status": "unavailable", "kind": kind, "detail": str(exc)}
    return {"status": "ok", "kind": kind, "detail": None}
