"""`hoso demo`: opens the configured database the way the service does (the app's own lifespan),
loads the demo province, and prints how to try it."""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core.demo.loader import DemoResult, ensure_empty, load_demo
from core.identity import service as identity
from core.identity.models import Grant
from core.identity.policy import Principal
from core.openapi import API_PREFIX
from core.runtime import Runtime

TOKEN_DAYS = 90
TOKEN_FILE = "demo-token"


class UploadFailed(Exception):
    pass


def demo_admin(runtime: Runtime) -> Principal:
    """The command line acts with every right, as `hoso users` does."""
    grants = [Grant(unit=code, role="province_admin") for code in identity.top_units(runtime)]
    return runtime.policy.principal("cli:demo", "system", grants, via="cli")


async def run_demo(app: Litestar, documents: int, seed: int, console: Console) -> dict[str, Any]:
    """Load the demo into `app`'s database, inside the app's lifespan; what to print after."""
    runtime: Runtime = app.state.runtime
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per upload otherwise
    async with app.lifespan():
        store = runtime.database.store if runtime.database is not None else None
        with store.bulk_load() if store is not None else contextlib.nullcontext():
            return await load_into_running_app(app, documents, seed, console)


async def load_into_running_app(
    app: Litestar, documents: int, seed: int, console: Console
) -> dict[str, Any]:
    """The load itself, in an app whose lifespan has begun (tests run it inside theirs)."""
    runtime: Runtime = app.state.runtime
    started = time.monotonic()
    await ensure_empty()
    admin = demo_admin(runtime)
    token, text = await identity.create_api_token(
        runtime,
        admin,
        name="hoso demo (province administrator, for trying the API)",
        grants=list(admin.grants),
        expires_at=datetime.now(UTC) + timedelta(days=TOKEN_DAYS),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://hoso.demo",
        headers={"Authorization": f"Bearer {text}"},
        timeout=60,
    ) as http:

        async def upload(document_id: str, name: str, data: bytes) -> None:
            response = await http.post(
                f"{API_PREFIX}/documents/{document_id}/files",
                params={"role": "main", "name": name},
                content=data,
                headers={"Content-Type": "application/pdf"},
            )
            if response.status_code != 201:
                raise UploadFailed(f"{response.status_code}: {response.text[:300]}")

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            result = await load_demo(
                runtime,
                admin,
                documents=documents,
                seed=seed,
                upload=upload,
                progress=progress,
            )
    token_file = _keep_token(runtime, text)
    return {
        "result": result,
        "token": text,
        "token_id": token.id,
        "token_file": token_file,
        "seconds": time.monotonic() - started,
    }


def _keep_token(runtime: Runtime, text: str) -> Path | None:
    """Beside the embedded database, so the README's commands can read it."""
    if runtime.settings.mongodb_url is not None or runtime.settings.in_memory_database:
        return None
    path = Path(runtime.settings.data_dir) / TOKEN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def describe(outcome: dict[str, Any], host: str, port: int) -> list[str]:
    result: DemoResult = outcome["result"]
    base = f"http://{host}:{port}{API_PREFIX}"
    records = ", ".join(f"{state} {count}" for state, count in sorted(result.records.items()))
    steps = ", ".join(f"{name} {count}" for name, count in sorted(result.steps.items()))
    token_line = (
        f"TOKEN=$(cat {outcome['token_file']})"
        if outcome["token_file"]
        else f"TOKEN={outcome['token']}"
    )
    lines = [
        f"hoso demo: loaded in {outcome['seconds']:.0f} s",
        f"  documents: {result.documents} ({result.files} with a PDF main file)",
        f"  steps taken: {steps}",
        f"  record lists approved: {result.lists}; records: {records}",
        "",
        "THIS IS A DEMO: made-up documents, illustrative unit codes, one shared password.",
        f"  people ({len(result.people)}): {', '.join(result.people[:6])}, …",
        f"  password of every demo account: {result.password}",
        f"  API token (province administrator, {TOKEN_DAYS} days): {outcome['token']}",
    ]
    if outcome["token_file"]:
        lines.append(f"  kept in {outcome['token_file']}")
    lines += [
        "",
        "Now start the service and try it:",
        "  hoso serve",
        f"  {token_line}",
        f"  curl -H \"Authorization: Bearer $TOKEN\" '{base}/search?q=quyet+dinh'",
        f'  curl -H "Authorization: Bearer $TOKEN" \'{base}/reports/units/000.00.00.H25'
        f"?year={datetime.now(UTC).year}'",
    ]
    if result.failures:
        lines += ["", f"{len(result.failures)} step(s) were refused, e.g.:"]
        lines += [f"  {failure}" for failure in result.failures[:5]]
    return lines
