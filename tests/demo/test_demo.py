"""`hoso demo`: a small demo province loaded in the test database, then looked at through the API
as a user of the README would."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
from rich.console import Console
from typer.testing import CliRunner

from core.app import create_app
from core.cli import app as cli
from core.demo.command import load_into_running_app
from core.demo.province import DEMO_PASSWORD, DEMO_UNITS
from core.records.models import RecordState
from core.settings import Settings
from tests.conftest import REPO, concurrent_client

DOCUMENTS = 60


async def ok(http: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await http.get(path, params=params)
    assert response.status_code == 200, f"{path}: {response.text}"
    return response.json()


async def test_demo_loads_a_province_that_the_api_shows(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings())
    output = io.StringIO()
    async with concurrent_client(app) as http:
        outcome = await load_into_running_app(
            app, DOCUMENTS, seed=7, console=Console(file=output, width=100)
        )
        result = outcome["result"]
        assert result.failures == []
        assert result.documents == DOCUMENTS
        assert "Văn bản (documents)" in output.getvalue()
        assert f"{DOCUMENTS}/{DOCUMENTS}" in output.getvalue()

        # The pilot's units, under their current names.
        listed = {unit["code"]: unit for unit in await ok(http, "/api/v1/units")}
        assert {unit.code for unit in DEMO_UNITS} <= set(listed)
        assert listed["000.00.08.H25"]["name"] == "Sở Khoa học và Công nghệ"
        assert listed["000.01.40.H25"]["name"] == "Ủy ban nhân dân phường Thành Sen"

        # Numbered through the real numbering: every register book runs 1, 2, 3… without a gap.
        books = 0
        for unit in DEMO_UNITS:
            for register in await ok(http, f"/api/v1/units/{unit.code}/registers"):
                book = await ok(
                    http,
                    f"/api/v1/units/{unit.code}/registers/{register['register']}/{register['year']}",
                )
                numbers = [entry["number"] for entry in book["entries"]]
                assert numbers == list(range(1, len(numbers) + 1)), (unit.code, register)
                books += 1
        assert books >= 4

        # Documents in and out, the numbered ones with their number and symbol, one with a PDF.
        seen: dict[str, Any] = {}
        for unit in DEMO_UNITS:
            page = await ok(http, "/api/v1/documents", unit=unit.code, limit=200)
            for document in page["items"]:
                seen[document["id"]] = document
        assert len(seen) == DOCUMENTS
        assert {d["direction"] for d in seen.values()} == {"incoming", "outgoing"}
        issued = [d for d in seen.values() if d["number_and_symbol"]]
        assert issued and all(d["summary"] for d in issued)
        with_file = None
        for document in seen.values():
            files = await ok(http, f"/api/v1/documents/{document['id']}/files")
            if files:
                with_file = (document, files[0])
                break
        assert with_file is not None
        document, file = with_file
        content = await http.get(
            f"/api/v1/documents/{document['id']}/files/{file['file_id']}/content"
        )
        assert content.status_code == 200
        assert content.content.startswith(b"%PDF")

        # Record lists approved for both years, records in every state.
        years = sorted({d["created_at"][:4] for d in seen.values()})
        for unit in DEMO_UNITS:
            for year in years:
                record_list = await ok(http, f"/api/v1/units/{unit.code}/record-lists/{year}")
                assert record_list["state"] == "approved"
        states: set[str] = set()
        for unit in DEMO_UNITS:
            for record in (await ok(http, f"/api/v1/units/{unit.code}/records"))["items"]:
                states.add(record["state"])
        assert states == {state.value for state in RecordState}

        # Then, as the README's first lines do: a search and a report.
        decisions = [d for d in seen.values() if d["summary"].startswith("Quyết định")]
        found = await ok(http, "/api/v1/search", q="quyet dinh", limit=100)
        assert decisions and found["items"]
        assert {item["id"] for item in found["items"]} <= {d["id"] for d in decisions} | {
            d["id"] for d in seen.values() if "quyết định" in d["summary"].lower()
        }
        year = max(years)
        report = await ok(http, "/api/v1/reports/units/000.00.00.H25", year=year, subtree="true")
        counted_out = sum(
            1
            for d in seen.values()
            if d["direction"] == "outgoing" and (d["issued_date"] or "").startswith(year)
        )
        assert report["total"]["documents"]["outgoing"]["total"] == counted_out > 0

        # The demo's people sign in with the one demo password.
        signed_in = await http.post(
            "/api/v1/auth/login",
            json={"username": "stc.vanthu", "password": DEMO_PASSWORD},
        )
        assert signed_in.status_code == 200, signed_in.text


def test_demo_refuses_the_in_memory_database(tmp_path: Any) -> None:
    settings = tmp_path / "hoso.toml"
    config = REPO / "config"
    settings.write_text(
        "in_memory_database = true\n"
        f'units_file = "{config / "units.toml"}"\n'
        f'workflows_dir = "{config / "workflows"}"\n'
        f'calendar_file = "{config / "calendar.toml"}"\n'
    )

    result = CliRunner().invoke(cli, ["demo", "--config", str(settings), "--documents", "5"])

    assert result.exit_code == 2
    assert "in_memory_database" in result.output
