"""`hoso users` and `hoso tokens` as an operator uses them, then the API with what they made."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.settings import Settings
from tests.foundation.test_cli import run_hoso

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


async def test_the_first_administrator_made_from_the_cli_signs_in_through_the_api(
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

    async with AsyncTestClient(app=create_app(embedded)) as http:
        signed_in = await http.post(
            "/api/v1/auth/login", json={"username": "quantri", "password": "mot-mat-khau-dai"}
        )
        assert signed_in.status_code == 200, signed_in.text
        me = await http.get(
            "/api/v1/auth/me",
            headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"},
        )
        system = await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})

    assert signed_in.status_code == 200, signed_in.text
    assert me.json()["grants"] == [{"unit": UNIT, "role": "unit_admin"}]
    assert system.status_code == 200 and system.json()["grants"] == [
        {"unit": UNIT, "role": "clerk"}
    ]

    revoked = run_hoso("tokens", "revoke", secret.split("_")[1], env=env)
    assert revoked.returncode == 0, revoked.stderr
    async with AsyncTestClient(app=create_app(embedded)) as http:
        refused = await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
