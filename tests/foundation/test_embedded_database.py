"""The embedded database as an operator meets it: `hoso serve` with no database server keeps
documents, files and register numbers across restarts, and after a kill -9; one process per
data folder; a write the file did not take is not served; a damaged file is refused at start."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest

from core.settings import Settings
from tests.accounts import ADMIN_HEADERS
from tests.servers.launch import free_port
from tests.service_process import REPO, running_service, service_env

PROVINCE = "000.00.00.H25"
PDF = b"%PDF-1.4\n" + "Quyết định về việc ban hành quy chế\n".encode() * 300


@pytest.fixture
def embedded(make_settings: Callable[..., Settings]) -> Settings:
    """This test's own data folder, whatever database the rest of the suite runs on."""
    return make_settings(mongodb_url=None, in_memory_database=False)


def new_outgoing(http: httpx.Client, summary: str) -> dict:
    body = {"unit": PROVINCE, "direction": "outgoing", "type_code": "QD", "summary": summary}
    response = http.post("/api/v1/documents", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def issue(http: httpx.Client, document_id: str) -> dict:
    response = http.post(f"/api/v1/documents/{document_id}/issue")
    assert response.status_code == 200, response.text
    return response.json()


def register_book(http: httpx.Client, register: str, year: int) -> list[tuple[int, str]]:
    response = http.get(f"/api/v1/units/{PROVINCE}/registers/{register}/{year}")
    assert response.status_code == 200, response.text
    return [(entry["number"], entry["document_id"]) for entry in response.json()["entries"]]


def test_documents_files_and_numbers_are_kept_across_a_restart(embedded: Settings) -> None:
    with (
        running_service(embedded) as (base, _),
        httpx.Client(base_url=base, timeout=30, headers=ADMIN_HEADERS) as http,
    ):
        check = http.get("/health").json()["checks"]["database"]
        assert check["kind"] == "embedded"
        assert check["path"] == str((embedded.data_dir / "hoso.sqlite3").resolve())
        first = new_outgoing(http, "Về việc ban hành Quy chế làm việc")
        files = [("files", ("Quyết định.pdf", PDF, "application/pdf"))]
        uploaded = http.post(f"/api/v1/documents/{first['id']}/files", files=files)
        assert uploaded.status_code == 201, uploaded.text
        file_id = uploaded.json()[0]["file_id"]
        issued = issue(http, first["id"])
        assert issued["number_and_symbol"] == "Số: 01/QĐ-UBND"
        year = int(issued["issued_date"][:4])
        book = register_book(http, issued["register_code"], year)
        assert book == [(1, first["id"])]

    with (
        running_service(embedded) as (base, _),
        httpx.Client(base_url=base, timeout=30, headers=ADMIN_HEADERS) as http,
    ):
        again = http.get(f"/api/v1/documents/{first['id']}")
        assert again.status_code == 200, again.text
        assert again.json() == issued
        content = http.get(f"/api/v1/documents/{first['id']}/files/{file_id}/content")
        assert content.status_code == 200, content.text
        assert content.content == PDF
        assert register_book(http, issued["register_code"], year) == book

        second = issue(http, new_outgoing(http, "Về việc thứ hai")["id"])

        assert second["number_and_symbol"] == "Số: 02/QĐ-UBND"
        assert register_book(http, issued["register_code"], year) == [
            (1, first["id"]),
            (2, second["id"]),
        ]


def test_a_number_answered_before_a_kill_9_is_never_given_again(embedded: Settings) -> None:
    with (
        running_service(embedded) as (base, pid),
        httpx.Client(base_url=base, timeout=30, headers=ADMIN_HEADERS) as http,
    ):
        first = issue(http, new_outgoing(http, "Trước khi mất điện")["id"])
        os.kill(pid, signal.SIGKILL)  # no shutdown: what was answered must already be on disk

    with (
        running_service(embedded) as (base, _),
        httpx.Client(base_url=base, timeout=30, headers=ADMIN_HEADERS) as http,
    ):
        kept = http.get(f"/api/v1/documents/{first['id']}")
        second = issue(http, new_outgoing(http, "Sau khi khởi động lại")["id"])

    assert first["number_and_symbol"] == "Số: 01/QĐ-UBND"
    assert kept.status_code == 200 and kept.json() == first
    assert second["number_and_symbol"] == "Số: 02/QĐ-UBND"


def test_a_second_service_on_the_same_data_folder_is_refused_in_one_line(
    embedded: Settings,
) -> None:
    with running_service(embedded) as (base, pid):
        second = serve_once(embedded)
        still_serving = httpx.get(f"{base}/health", timeout=5)

    assert second.returncode == 1
    (line,) = second.stderr.strip().splitlines()
    assert line == (
        f"hoso: the data folder {embedded.data_dir} is in use by another hoso process (pid "
        f"{pid}): stop that process, or set mongodb_url to share a MongoDB server between "
        "processes"
    )
    assert still_serving.status_code == 200


def test_a_write_refused_while_another_process_locks_the_file_is_not_served(
    embedded: Settings,
) -> None:
    database_file = embedded.data_dir / "hoso.sqlite3"
    with (
        running_service(embedded) as (base, _),
        httpx.Client(base_url=base, timeout=30, headers=ADMIN_HEADERS) as http,
    ):
        kept = new_outgoing(http, "Trước khi khóa tệp")
        other = sqlite3.connect(database_file, isolation_level=None)  # an sqlite3 shell, say
        try:
            other.execute("BEGIN EXCLUSIVE")
            body = {"unit": PROVINCE, "direction": "outgoing", "type_code": "QD", "summary": "x"}
            refused = http.post("/api/v1/documents", json=body)
            listed = http.get("/api/v1/documents", params={"limit": 200})
            health = http.get("/health")
            other.execute("ROLLBACK")
        finally:
            other.close()
        after = new_outgoing(http, "Sau khi mở khóa")  # the lock gone, writes go on

    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [item["id"] for item in listed.json()["items"]] == [kept["id"]]
    assert health.status_code == 200, health.text  # a lock is not a broken file

    with (
        running_service(embedded) as (base, _),
        httpx.Client(base_url=base, timeout=30, headers=ADMIN_HEADERS) as http,
    ):
        listed = http.get("/api/v1/documents", params={"limit": 200})
    assert [item["id"] for item in listed.json()["items"]] == [after["id"], kept["id"]]


def test_a_damaged_database_file_is_refused_at_start_in_one_line(embedded: Settings) -> None:
    with (
        running_service(embedded) as (base, _),
        httpx.Client(base_url=base, timeout=30, headers=ADMIN_HEADERS) as http,
    ):
        new_outgoing(http, "Trước khi tệp hỏng")
    database_file = embedded.data_dir / "hoso.sqlite3"
    with sqlite3.connect(database_file) as sql:  # a document that lost its _id
        sql.execute("UPDATE documents SET doc = x'0500000000' WHERE rowid = 1")
    sql.close()

    started = serve_once(embedded)

    assert started.returncode == 1
    (line,) = started.stderr.strip().splitlines()
    assert line.startswith(f"hoso: the database file {database_file} is damaged (document row 1")
    assert "restore it from a backup" in line


def serve_once(settings: Settings) -> subprocess.CompletedProcess[str]:
    """`hoso serve` as a second process on the same folder: it is expected to refuse, and exit."""
    return subprocess.run(
        [sys.executable, "-m", "core", "serve"],
        cwd=REPO,
        env=service_env(settings, free_port()),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
