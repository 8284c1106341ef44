"""`hoso users …` and `hoso tokens …`: accounts from the command line, for the first
administrator of a real database and for scripts. The CLI has the database in hand, so it acts with
every right (as `cli:<login>`); the same services as the API apply every other rule.

With the embedded database the service must be stopped first: one process opens it at a time.
"""

from __future__ import annotations

import asyncio
import getpass
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from core.blobs import create_blob_store
from core.database import DatabaseUnreachable, check_embedded_database, connect_database
from core.errors import HosoError
from core.identity import service
from core.identity.models import Grant
from core.identity.policy import Policy, Principal
from core.runtime import Runtime
from core.settings import ConfigError, load_settings

users_app = typer.Typer(help="People's accounts and their roles per unit.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for systems.", no_args_is_help=True)

T = TypeVar("T")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (default: HOSO_CONFIG or config/hoso.toml)."),
]
GrantOption = Annotated[
    list[str] | None,
    typer.Option(
        "--grant",
        help="ROLE@UNIT, e.g. clerk@000.00.05.H25; repeat for several (see GET /api/v1/roles).",
    ),
]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"hoso: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _grants(values: list[str] | None) -> list[Grant]:
    grants = []
    for value in values or []:
        role, at, unit = value.partition("@")
        if not at or not role or not unit:
            raise _fail(f"--grant {value!r}: write ROLE@UNIT, e.g. clerk@000.00.05.H25", code=2)
        grants.append(Grant(unit=unit.strip(), role=role.strip()))
    return grants


def _run(config: Path | None, work: Callable[[Runtime, Principal], Awaitable[T]]) -> T:
    """Open the database, run `work` as the command line's administrator, close it."""
    from core.app import roles_of  # the app module builds the roles the same way
    from core.plugins import create_plugin_host
    from core.units.tree import load_unit_tree

    try:
        settings = load_settings(config)
        units = load_unit_tree(settings.resolved_units_file())
        plugins = create_plugin_host(units)
        policy = Policy(units, roles_of(plugins))
        if settings.mongodb_url is None and not settings.in_memory_database:
            check_embedded_database(settings)
    except (ConfigError, DatabaseUnreachable) as exc:
        raise _fail(str(exc), code=2) from None
    runtime = Runtime(settings, units, plugins, create_blob_store(settings), policy)
    actor = policy.principal(
        f"cli:{_login()}",
        "system",
        [Grant(unit=code, role="province_admin") for code in service.top_units(runtime)],
        via="cli",
    )

    async def main() -> T:
        runtime.database = await connect_database(settings)
        try:
            return await work(runtime, actor)
        finally:
            runtime.database.close()

    try:
        return asyncio.run(main())
    except HosoError as exc:
        raise _fail(exc.detail) from None
    except DatabaseUnreachable as exc:
        raise _fail(str(exc)) from None


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def _password(given: str | None, username: str) -> str:
    if given is not None:
        return given
    first = typer.prompt(f"Password for {username}", hide_input=True)
    again = typer.prompt("Again", hide_input=True)
    if first != again:
        raise _fail("the two passwords differ", code=2)
    return first


def _show_user(user: Any) -> None:
    grants = ", ".join(f"{g.role}@{g.unit}" for g in user.grants) or "no role yet"
    state = " (disabled)" if user.disabled else ""
    typer.echo(f"{user.id}{state}  {user.full_name}  [{grants}]")


@users_app.command("add")
def users_add(
    username: str,
    full_name: Annotated[str, typer.Option("--full-name", help="Họ và tên.")],
    grant: GrantOption = None,
    password: Annotated[
        str | None,
        typer.Option(help="Asked for when left out (not shown). Leave it out with --sso-only."),
    ] = None,
    sso_only: Annotated[
        bool, typer.Option("--sso-only", help="Signs in only through single sign-on.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Make a person's account, e.g. the first administrator:
    hoso users add admin --full-name "Quản trị" --grant province_admin@000.00.00.H25"""
    secret = None if sso_only else _password(password, username)

    async def work(runtime: Runtime, actor: Principal) -> Any:
        return await service.create_user(
            runtime,
            actor,
            username=username.strip().lower(),
            full_name=full_name,
            password=secret,
            grants=_grants(grant),
        )

    _show_user(_run(config, work))


@users_app.command("grant")
def users_grant(
    username: str,
    grant: Annotated[list[str], typer.Argument(help="ROLE@UNIT")],
    config: ConfigOption = None,
) -> None:
    """Give a person roles in units: hoso users grant lan clerk@000.00.05.H25"""
    _change_grants(config, username, grant, service.add_grant)


@users_app.command("revoke")
def users_revoke(
    username: str,
    grant: Annotated[list[str], typer.Argument(help="ROLE@UNIT")],
    config: ConfigOption = None,
) -> None:
    """Take roles back: hoso users revoke lan clerk@000.00.05.H25"""
    _change_grants(config, username, grant, service.remove_grant)


def _change_grants(config: Path | None, username: str, grants: list[str], change: Any) -> None:
    """Apply `change` (add_grant or remove_grant) for each ROLE@UNIT, then show the person."""

    async def work(runtime: Runtime, actor: Principal) -> Any:
        user = None
        for one in _grants(grants):
            user = await change(runtime, actor, username, one)
        return user

    _show_user(_run(config, work))


@users_app.command("password")
def users_password(
    username: str,
    password: Annotated[str | None, typer.Option(help="Asked for when left out.")] = None,
    config: ConfigOption = None,
) -> None:
    """Set a person's password (their sign-ins end, a lockout is lifted)."""
    secret = _password(password, username)

    async def work(runtime: Runtime, actor: Principal) -> None:
        await service.set_password(runtime, actor, username, secret)

    _run(config, work)
    typer.echo(f"password of {username} set")


@users_app.command("disable")
def users_disable(username: str, config: ConfigOption = None) -> None:
    """Disable an account: its sign-ins end at once."""

    async def work(runtime: Runtime, actor: Principal) -> Any:
        return await service.update_user(runtime, actor, username, full_name=None, disabled=True)

    _show_user(_run(config, work))


@users_app.command("list")
def users_list(config: ConfigOption = None) -> None:
    """Every account and its roles."""

    async def work(runtime: Runtime, actor: Principal) -> Any:
        return await service.list_users(actor)

    for user in _run(config, work):
        _show_user(user)


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Option("--name", help="What system uses it.")],
    grant: GrantOption = None,
    days: Annotated[int | None, typer.Option(help="Expires after this many days.")] = None,
    config: ConfigOption = None,
) -> None:
    """Make an API token; it is printed once, keep it: hoso tokens create --name "Cổng dịch vụ
    công" --grant clerk@000.00.05.H25 --days 365"""
    expires = datetime.now(UTC) + timedelta(days=days) if days else None

    async def work(runtime: Runtime, actor: Principal) -> Any:
        return await service.create_api_token(
            runtime, actor, name=name, grants=_grants(grant), expires_at=expires
        )

    token, text = _run(config, work)
    typer.echo(f"token {token.id} ({token.name}); shown only now:")
    typer.echo(text)


@tokens_app.command("list")
def tokens_list(config: ConfigOption = None) -> None:
    """Every API token (never its secret)."""

    async def work(runtime: Runtime, actor: Principal) -> Any:
        return await service.list_api_tokens(actor)

    for token in _run(config, work):
        grants = ", ".join(f"{g.role}@{g.unit}" for g in token.grants)
        state = "revoked" if token.revoked_at else f"expires {token.expires_at or 'never'}"
        typer.echo(f"{token.id}  {token.name}  [{grants}]  {state}")


@tokens_app.command("revoke")
def tokens_revoke(token_id: str, config: ConfigOption = None) -> None:
    """Revoke an API token: refused from its next request on."""

    async def work(runtime: Runtime, actor: Principal) -> Any:
        return await service.revoke_api_token(runtime, actor, token_id)

    token = _run(config, work)
    typer.echo(f"token {token.id} revoked")
