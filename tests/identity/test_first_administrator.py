"""A new installation's first administrator. On the embedded database the first start makes the
person `admin` and prints its password once; later starts print nothing and that password still
works. On a database server nothing is made: the operator runs `hoso users add`."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from core.app import create_app
from core.identity.models import ApiToken, User
from core.settings import Settings
from tests.accounts import ADMIN_HEADERS
from tests.conftest import TEST_MONGODB, concurrent_client
from tests.identity.people import PROVINCE
from tests.service_process import running_service

ANNOUNCED = "FIRST ADMINISTRATOR CREATED"


def serve_and_sign_in(settings: Settings, said: Path, password: str | None) -> dict:
    """Start the service, read what it printed, sign in as `admin` with `password` (or the one
    it printed), and say what happened."""
    with said.open("wb") as errors, running_service(settings, stderr=errors) as (base, _):
        printed = said.read_text("utf-8", "replace")
        found = re.search(r"password: (\S+)", printed)
        password = password or (found[1] if found else None)
        with httpx.Client(base_url=base, timeout=30) as http:
            signed_in = http.post(
                "/api/v1/auth/login", json={"username": "admin", "password": password or "-"}
            )
            with_suite_token = http.get("/api/v1/documents", headers=ADMIN_HEADERS)
            me = None
            if signed_in.status_code == 200:
                access = signed_in.json()["access_token"]
                me = http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"})
    return {
        "printed": printed,
        "password": password,
        "signed_in": signed_in,
        "with_suite_token": with_suite_token,
        "me": me,
    }


def test_the_embedded_default_prints_a_first_password_once_and_keeps_it(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(bootstrap_token=None, mongodb_url=None, in_memory_database=False)

    first = serve_and_sign_in(settings, tmp_path / "first.log", None)
    second = serve_and_sign_in(settings, tmp_path / "second.log", first["password"])

    assert first["printed"].count(ANNOUNCED) == 1, first["printed"]
    assert "username: admin" in first["printed"]
    assert first["password"] and len(first["password"]) >= 20
    assert first["signed_in"].status_code == 200, first["signed_in"].text
    me = first["me"].json()
    assert me["name"] == "admin" and me["kind"] == "person"
    assert me["grants"] == [{"unit": PROVINCE, "role": "province_admin"}]
    # No bootstrap_token setting: no token works but the ones made later.
    assert first["with_suite_token"].status_code == 401

    assert ANNOUNCED not in second["printed"]
    assert first["password"] not in second["printed"]
    assert second["signed_in"].status_code == 200, second["signed_in"].text


@pytest.mark.skipif(
    TEST_MONGODB == "memory",
    reason="the default tier has no database server: runs with HOSO_TEST_MONGODB=ferretdb or a URL",
)
async def test_on_a_database_server_no_account_is_made(
    make_settings: Callable[..., Settings],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(make_settings(bootstrap_token=None))

    # Building the app gives the root logger Litestar's handlers in place of caplog's: listen on
    # the service's logger itself.
    hoso_logger = logging.getLogger("hoso")
    hoso_logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.WARNING, logger="hoso"):
            async with concurrent_client(app) as client:
                people = await User.find_all().count()
                tokens = await ApiToken.find_all().count()
                signed_in = await client.post(
                    "/api/v1/auth/login", json={"username": "admin", "password": "anything at all"}
                )
                with_suite_token = await client.get("/api/v1/documents")
    finally:
        hoso_logger.removeHandler(caplog.handler)

    assert (people, tokens) == (0, 0)
    assert signed_in.status_code == 401
    assert with_suite_token.status_code == 401
    assert ANNOUNCED not in capsys.readouterr().err
    assert "hoso users add admin" in caplog.text
