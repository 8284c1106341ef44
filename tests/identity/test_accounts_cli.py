"""`hoso users` and `hoso tokens` as an operator uses them, then the API with what they made."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from typer.testing import CliRunner

from core.app import create_app
from core.cli import app as hoso_cli
from core.settings import Settings


def run_hoso(*args: str, env: dict[str, str]) -> Any:
    """The `hoso` command in this process (the same code `hoso …` runs, without starting a new
    interpreter each time); stdout and stderr apart, as a terminal shows them."""
    result = CliRunner().invoke(hoso_cli, list(args), env=env)
    result.returncode = result.exit_code
    return result


UNIT = "000.00.05.H25"


@pytest.fixture
def embedded(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(mongodb_url=None, in_memory_database=False, bootstrap_token=None)


def env_of(settings: Settings) -> dict[str, str]:
    return {
        "HOSO_DATA_DIR": str(settings.data_dir),
        "HOSO_BLOB_DIR": str(settings.blob_dir),
        "HOSO_MONGODB_DATABASE": settings.mongodb_database,
    }


def test_the_first_administrator_made_from_the_cli_signs_in_through_the_api(
    embedded: Settings, tmp_path: Path
) -> None:
    env = env_of(embedded)
    added = run_hoso(
        "users", "add", "quantri", "--full-name", "Quản trị Sở Nội vụ",
        "--grant", f"unit_admin@{UNIT}", "--password", "mot-mat-khau-dai", env=env,
    )  # fmt: skip
    token = run_hoso(
        "tokens", "create", "--name", "Cổng dịch vụ công", "--grant", f"clerk@{UNIT}",
        "--days", "30", env=env,
    )  # fmt: skip
    bad_role = run_hoso("users", "grant", "quantri", f"thu_ky@{UNIT}", env=env)
    bad_form = run_hoso("users", "grant", "quantri", "clerk", env=env)
    # A name that could pass for a token's, or that looks like another person's, is refused.
    bad_name = run_hoso(
        "users", "add", "token:0000000000ad", "--full-name", "x", "--sso-only", env=env
    )
    listed = run_hoso("users", "list", env=env)

    assert added.returncode == 0, added.stderr
    assert f"quantri  Quản trị Sở Nội vụ  [unit_admin@{UNIT}]" in added.stdout
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip().splitlines()[-1]
    assert secret.startswith("hoso_")
    assert bad_role.returncode == 1 and "Unknown role 'thu_ky'" in bad_role.stderr
    assert bad_form.returncode == 2 and "ROLE@UNIT" in bad_form.stderr
    assert bad_name.returncode == 1 and "is refused" in bad_name.stderr
    assert "quantri" in listed.stdout

    async def through_the_api() -> tuple[Any, Any, Any]:
        async with AsyncTestClient(app=create_app(embedded)) as http:
            signed_in = await http.post(
                "/api/v1/auth/login", json={"username": "quantri", "password": "mot-mat-khau-dai"}
            )
            assert signed_in.status_code == 200, signed_in.text
            me = await http.get(
                "/api/v1/auth/me",
                headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"},
            )
            system = await http.get(
                "/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"}
            )
        return signed_in, me, system

    signed_in, me, system = asyncio.run(through_the_api())

    assert signed_in.status_code == 200, signed_in.text
    assert me.json()["grants"] == [{"unit": UNIT, "role": "unit_admin"}]
    assert system.status_code == 200 and system.json()["grants"] == [
        {"unit": UNIT, "role": "clerk"}
    ]

    revoked = run_hoso("tokens", "revoke", secret.split("_")[1], env=env)
    assert revoked.returncode == 0, revoked.stderr

    async def with_the_revoked_token() -> Any:
        async with AsyncTestClient(app=create_app(embedded)) as http:
            return await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})

    refused = asyncio.run(with_the_revoked_token())
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
