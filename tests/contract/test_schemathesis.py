"""Schemathesis generates requests from the OpenAPI document of a running service and checks every
answer against it: no server errors, documented statuses, media types, headers and bodies, refusal
of what the schema forbids, 405 with Allow for other methods, and stateful sequences (create, then
read, change, delete what was created) found through the Location headers and ids the API answers.

Bounded in time (`HOSO_SCHEMATHESIS_SECONDS`, default 45 s); runs on every tier, so on the
real-server tier it checks FerretDB and MinIO too. The seed is printed on failure to replay it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from core.settings import Settings
from tests.accounts import ADMIN_TOKEN
from tests.service_process import running_service

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CONFIG = Path(__file__).with_name("schemathesis.toml")
SECONDS = os.environ.get("HOSO_SCHEMATHESIS_SECONDS", "45")


@pytest.mark.schemathesis
def test_the_api_keeps_its_openapi_contract_under_generated_requests(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    with running_service(make_settings()) as (base, _pid):
        result = subprocess.run(
            [
                SCHEMATHESIS,
                "--config-file",
                CONFIG,
                "--no-color",
                "run",
                f"{base}/schema/openapi.json",
                "--checks",
                "all",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--max-time",
                SECONDS,
                "--header",
                f"Authorization: Bearer {ADMIN_TOKEN}",
                "--workers",
                "1",
                "--request-timeout",
                "30",
            ],
            cwd=tmp_path,  # Hypothesis keeps its example database here
            capture_output=True,
            text=True,
            check=False,
        )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20_000:]
    assert "Tested: " in output, output  # operations were found and exercised
