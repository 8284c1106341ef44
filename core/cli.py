"""The `hoso` command: serve the API, list plugins, check the configuration, verify the audit
history."""

from __future__ import annotations

import asyncio
import copy
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from core.app import roles_of
from core.audit.models import PROVINCE_CHAIN
from core.audit.verify import ChainReport, verify_chains
from core.blobs import describe_blob_store
from core.calendar.config import describe_calendar, load_calendar
from core.database import (
    DatabaseUnreachable,
    check_embedded_database,
    connect_database,
    database_kind,
    describe_database,
)
from core.documents.types import check_plugin_types
from core.identity.cli import tokens_app, users_app
from core.plugins import PluginHost, create_plugin_host
from core.reports.targets import load_targets
from core.settings import ConfigError, Settings, load_settings
from core.signatures.trust import load_trust_roots
from core.units.tree import load_unit_tree
from core.workflows.registry import WorkflowRegistry, load_workflows

app = typer.Typer(help="hoso: electronic documents and work records service.", no_args_is_help=True)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
audit_app = typer.Typer(help="The audit history.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (default: HOSO_CONFIG or config/hoso.toml)."),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"hoso: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _load(config: Path | None, **overrides: Any) -> tuple[Settings, PluginHost]:
    """Settings and plugins, with everything the service would refuse at start checked here, so
    that a mistake is one line naming the file, not a traceback from a worker."""
    try:
        settings = load_settings(config, **overrides)
        host = create_plugin_host(load_unit_tree(settings.resolved_units_file()))
        check_plugin_types(host)
        _load_parts(settings, host)
        load_trust_roots(settings.resolved_trust_roots_dir())  # a bad certificate stops the start
    except ConfigError as exc:
        raise _fail(f"configuration error: {exc}") from None
    return settings, host


def _load_parts(settings: Settings, host: PluginHost) -> tuple[Any, WorkflowRegistry]:
    calendar = load_calendar(settings)
    roles = roles_of(host)
    workflows = load_workflows(settings.resolved_workflows_dir(), host, host.units, set(roles))
    load_targets(
        settings.resolved_reports_file(),
        host.units.levels,
        required=settings.reports_file is not None,
    )
    return calendar, workflows


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
    reload: Annotated[bool, typer.Option(help="Restart when code changes (development).")] = False,
    config: ConfigOption = None,
) -> None:
    """Start the HTTP API (OpenAPI docs at /schema)."""
    overrides = {
        key: value
        for key, value in {"host": host, "port": port, "workers": workers}.items()
        if value is not None
    }
    settings, _ = _load(config, **overrides)
    _check_database_reachable(settings)
    if config is not None:
        # Workers build their own settings: hand them the same file.
        os.environ["HOSO_CONFIG"] = str(config)
    base = f"http://{settings.host}:{settings.port}"
    typer.echo(f"hoso: API docs at {base}/schema (OpenAPI document: {base}/schema/openapi.json)")
    uvicorn.run(
        "core.app:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=None if reload else settings.workers,
        reload=reload,
        log_level=settings.log_level,
        log_config=_log_config(settings.log_level),
        # h11, not httptools (uvicorn's default when installed): httptools has no limit on the
        # size of a request's head and keeps every header byte it is sent, so a 50 MB header
        # costs the worker more than 100 MB. h11 refuses a request line plus headers longer
        # than this (400, connection closed) before holding more of it, but only while the head
        # is incomplete: one that arrives whole in a read reaches the app, which counts it and
        # answers 431 (core.http_rules). Its pure-Python parsing is slower per request, which
        # the database and file store dwarf here.
        http="h11",
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )


def _check_database_reachable(settings: Settings) -> None:
    """Fail fast, in one line, when the configured database does not answer, or when the embedded
    one cannot open (its folder in use by another process, say)."""
    kind = database_kind(settings)
    if kind == "in-memory":
        return

    async def probe() -> None:
        database = await connect_database(settings)
        database.close()

    try:
        if kind == "embedded":
            check_embedded_database(settings)
        else:
            asyncio.run(probe())
    except DatabaseUnreachable as exc:
        raise _fail(str(exc), code=1) from None


def _log_config(level: str) -> dict[str, Any]:
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["hoso"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    return config


@app.command()
def demo(
    documents: Annotated[
        int, typer.Option("--documents", min=1, max=200_000, help="How many documents to load.")
    ] = 3000,
    seed: Annotated[int, typer.Option(help="Another seed makes another province.")] = 2021,
    config: ConfigOption = None,
) -> None:
    """Load a demo province (Hà Tĩnh's 2021 pilot units under their current names) into an
    empty database: people, record lists, records in every state, and documents numbered and
    moved through their workflows over this year and the last. Then `hoso serve`."""
    from rich.console import Console

    from core.app import create_app
    from core.demo.command import describe, run_demo
    from core.demo.loader import AlreadyLoaded

    settings, _ = _load(config)
    if database_kind(settings) == "in-memory":
        raise _fail("in_memory_database is set: the demo would be gone when this command ends")
    _check_database_reachable(settings)
    try:
        outcome = asyncio.run(run_demo(create_app(settings), documents, seed, Console()))
    except AlreadyLoaded as exc:
        raise _fail(str(exc), code=1) from None
    except DatabaseUnreachable as exc:
        raise _fail(str(exc), code=1) from None
    for line in describe(outcome, settings.host, settings.port):
        typer.echo(line)


@app.command()
def plugins(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    config: ConfigOption = None,
) -> None:
    """List plugins: where each comes from, its hooks, and the units it is on for."""
    _, host = _load(config)
    infos = host.describe()
    if as_json:
        typer.echo(json.dumps([asdict(info) for info in infos], ensure_ascii=False, indent=2))
        return
    for info in infos:
        origin = "built-in" if info.builtin else f"package {info.version or '?'}"
        typer.echo(f"{info.name}  ({info.module}, {origin})")
        typer.echo(f"  hooks: {', '.join(info.hooks) or '-'}")
        units = ", ".join(info.units) if info.units else "no unit turns it on"
        typer.echo(f"  units: {units}")


@config_app.command("check")
def config_check(config: ConfigOption = None) -> None:
    """Check settings, the units tree, plugins, the calendar and the workflows; print what the
    service would use."""
    settings, host = _load(config)
    calendar, workflows = _load_parts(settings, host)
    typer.echo(f"settings: {settings.config_file or 'defaults only'}")
    typer.echo(f"database: {describe_database(settings)}")
    typer.echo(f"blobs:    {describe_blob_store(settings)}")
    typer.echo(f"units:    {len(host.units)} from {host.units.source}")
    typer.echo(f"plugins:  {', '.join(host.plugin_names())}")
    typer.echo(f"calendar: {describe_calendar(settings, calendar)}")
    typer.echo(f"workflows: {', '.join(sorted(workflows.definitions))}")
    roots = load_trust_roots(settings.resolved_trust_roots_dir())
    typer.echo(f"trust:    {len(roots.certificates)} signature trust root(s) from {roots.where}")
    typer.echo("configuration OK")


@audit_app.command("verify")
def audit_verify(
    unit: Annotated[
        str | None,
        typer.Option("--unit", help=f"Only this unit's chain (a unit code, or {PROVINCE_CHAIN})."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Walk the audit chains and report the first broken link of each.

    Exit code 0 when every chain is intact, 1 when one is broken, 2 when it could not be checked.
    Each intact chain's head (seq and hash) is printed: record it elsewhere, and a later run
    shows whether the chain was rewritten since.
    """
    settings, _ = _load(config)
    if database_kind(settings) == "in-memory":
        raise _fail("in_memory_database is set: there is no kept audit history to verify")
    if unit is not None and ("|" in unit or not unit):
        raise _fail(f"--unit {unit!r} is not a unit code")

    async def verify() -> list[ChainReport]:
        database = await connect_database(settings)
        try:
            return await verify_chains(chain=unit)
        finally:
            database.close()

    try:
        reports = asyncio.run(verify())
    except DatabaseUnreachable as exc:
        raise _fail(str(exc)) from None
    for report in reports:
        typer.echo(_describe_chain(report))
    broken = [report for report in reports if not report.intact]
    events = sum(report.events for report in reports)
    if broken:
        typer.echo(f"audit history BROKEN: {len(broken)} of {len(reports)} chains")
        raise typer.Exit(1)
    typer.echo(f"audit history intact: {len(reports)} chains, {events} events")


def _describe_chain(report: ChainReport) -> str:
    if report.broken is not None:
        where = "" if report.broken.seq is None else f" at event {report.broken.seq}"
        return (
            f"{report.chain}: BROKEN{where} ({report.broken.kind}): {report.broken.detail}; "
            f"{report.checked} events intact before it"
        )
    if not report.events:
        return f"{report.chain}: no events"
    head = f"head {report.head_seq} {report.head_hash}"
    return f"{report.chain}: {report.events} events intact; {head}"


def main() -> None:
    app()
