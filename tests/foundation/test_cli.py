"""The `hoso` command as an operator uses it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.servers.launch import free_port

REPO = Path(__file__).resolve().parents[2]


def run_hoso(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "core", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def test_config_check_reports_what_the_service_would_use() -> None:
    result = run_hoso("config", "check")

    assert result.returncode == 0, result.stderr
    assert "database: embedded, file var/data/hoso.sqlite3 (kept; one process at a time)" in (
        result.stdout
    )
    assert "blobs:    directory var/blobs" in result.stdout
    assert "units:    15 from" in result.stdout
    assert "configuration OK" in result.stdout


def test_config_check_names_the_bad_environment_variable() -> None:
    result = run_hoso("config", "check", env={"HOSO_PORT": "eighty"})

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hoso: configuration error: environment variable HOSO_PORT: Input should be a valid "
        "integer, unable to parse string as an integer (got 'eighty')"
    ]


def test_config_check_names_the_file_and_key_of_a_bad_value(tmp_path: Path) -> None:
    config = tmp_path / "hoso.toml"
    config.write_text('port = 8000\ns3_bucket = "X"\n', encoding="utf-8")

    result = run_hoso("config", "check", "--config", str(config))

    assert result.returncode == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert f"configuration file {config}, key 's3_bucket'" in line


def test_config_check_rejects_a_misspelled_key(tmp_path: Path) -> None:
    config = tmp_path / "hoso.toml"
    config.write_text("mongodb_ulr = 'mongodb://x'\n", encoding="utf-8")

    result = run_hoso("config", "check", "--config", str(config))

    assert result.returncode == 2
    assert "key 'mongodb_ulr': unknown setting" in result.stderr


def test_config_check_names_the_unit_with_a_bad_code(tmp_path: Path) -> None:
    units = tmp_path / "units.toml"
    units.write_text(
        '[[unit]]\ncode = "H25"\nname = "Tỉnh"\nabbreviation = "UBND"\nlevel = "province"\n',
        encoding="utf-8",
    )

    result = run_hoso("config", "check", env={"HOSO_UNITS_FILE": str(units)})

    assert result.returncode == 2
    assert f"units file {units}, unit H25 (entry 1), key 'code'" in result.stderr
    assert "000.00.00.H25" in result.stderr


def test_serve_fails_fast_in_one_line_when_the_database_is_unreachable() -> None:
    port = free_port()
    url = f"mongodb://hoso:secret@127.0.0.1:{port}/"

    result = run_hoso("serve", env={"HOSO_MONGODB_URL": url, "HOSO_MONGODB_TIMEOUT_SECONDS": "1"})

    assert result.returncode == 1
    assert f"cannot reach the database at mongodb://hoso:***@127.0.0.1:{port}/" in result.stderr
    assert "secret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_config_check_names_the_in_memory_database_and_refuses_it_beside_a_server() -> None:
    in_memory = run_hoso("config", "check", env={"HOSO_IN_MEMORY_DATABASE": "true"})
    both = run_hoso(
        "config",
        "check",
        env={"HOSO_IN_MEMORY_DATABASE": "true", "HOSO_MONGODB_URL": "mongodb://db:27017/"},
    )

    assert in_memory.returncode == 0, in_memory.stderr
    assert "database: in-memory (not kept)" in in_memory.stdout
    assert both.returncode == 2
    assert both.stderr.strip().splitlines() == [
        "hoso: configuration error: settings: in_memory_database and mongodb_url are both set: "
        "choose one of the two"
    ]


def test_serve_starts_on_the_embedded_defaults_and_answers(tmp_path: Path) -> None:
    """No settings at all: the database goes to ./var/data, as files go to ./var/blobs."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSO_")}
    env.update({"HOSO_PORT": str(port), "PYTHONPATH": str(REPO)})
    process = subprocess.Popen(
        [sys.executable, "-m", "core", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None and health.status_code == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)

    database_file = (tmp_path / "var" / "data" / "hoso.sqlite3").resolve()
    assert f"API docs at http://127.0.0.1:{port}/schema" in output
    assert f"using the EMBEDDED database in {database_file} (kept across restarts" in output
    assert health.json()["checks"]["database"]["path"] == str(database_file)
    assert database_file.is_file() and (tmp_path / "var" / "blobs").is_dir()


def test_a_list_in_an_environment_variable_must_be_json_and_the_error_says_so() -> None:
    result = run_hoso("config", "check", env={"HOSO_ALLOWED_MEDIA_TYPES": "application/pdf"})

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hoso: configuration error: environment variable HOSO_ALLOWED_MEDIA_TYPES is not valid "
        'JSON; write lists as JSON, e.g. ["application/pdf", "image/png"]'
    ]


def test_several_workers_on_the_in_memory_database_are_refused() -> None:
    result = run_hoso("serve", "--workers", "2")

    assert result.returncode == 2
    assert "more than one worker needs a shared database" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_connection_string_with_an_unescaped_password_is_refused_without_showing_it() -> None:
    result = run_hoso("config", "check", env={"HOSO_MONGODB_URL": "mongodb://hoso:p@ss@db:27017/"})

    assert result.returncode == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "HOSO_MONGODB_URL: is not a valid connection string" in line
    assert "p@ss" not in line and "ss@db" not in line


def test_an_s3_endpoint_given_as_a_url_is_refused_with_the_expected_form() -> None:
    result = run_hoso("config", "check", env={"HOSO_S3_ENDPOINT": "http://localhost:9000"})

    assert result.returncode == 2
    assert "HOSO_S3_ENDPOINT: must be host:port" in result.stderr
    assert "s3_secure" in result.stderr
