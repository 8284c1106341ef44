"""A number, once taken, is never lost, never doubled, and never left without its document."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.database import connect_database
from core.documents import issuing
from core.documents.models import Direction, RevisionChange, StoredDocument
from core.documents.schemas import DocumentUpdate
from core.documents.service import update_document
from core.errors import NotFound
from core.numbering.models import RegisterEntry
from core.numbering.service import register_entries, take_number
from core.runtime import Runtime
from core.settings import Settings
from tests.accounts import admin_actor, admin_client
from tests.documents.conftest import COMMUNE, assert_problem, create, issue, outgoing
from tests.plugin_packages import install_plugin, units_file_with

REPO = Path(__file__).resolve().parents[2]

# Formats every other call: the dry run before taking a number passes, the real one fails, the
# retry passes — a plugin that breaks at the worst moment.
FLAKY_FORMATTER = """
    import pluggy
    hookimpl = pluggy.HookimplMarker("hoso")
    calls = []

    @hookimpl
    def hoso_format_document_number(unit, document, number, register):
        calls.append(number)
        if len(calls) % 3 == 2:
            raise RuntimeError("symbol service timed out")
        return {"number": str(number), "symbol": "TB-XA"}
"""

BROKEN_FORMATTER = """
    import pluggy
    hookimpl = pluggy.HookimplMarker("hoso")

    @hookimpl
    def hoso_format_document_number(unit, document, number, register):
        return {"number": number}
"""


# Puts urgent documents in a register of their own but leaves the symbol to Decree 30: both
# series would print `Số: 01/QĐ-UBND` in the same year.
SAME_SYMBOL_TWO_REGISTERS = """
    import pluggy
    hookimpl = pluggy.HookimplMarker("hoso")

    @hookimpl
    def hoso_number_register(unit, document):
        return "urgent" if document["urgency"] != "normal" else None
"""


@pytest.fixture
def app_with_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_settings: Callable[..., Settings]
) -> Callable[[str, str], object]:
    def build(name: str, source: str):
        install_plugin(tmp_path, monkeypatch, name, source)
        units = units_file_with(tmp_path, REPO, COMMUNE, name)
        return create_app(make_settings(units_file=units))

    return build


async def book(client: AsyncTestClient, register: str = "outgoing") -> list[dict]:
    year = datetime.now(UTC).year
    response = await client.get(f"/api/v1/units/{COMMUNE}/registers/{register}/{year}")
    return response.json()["entries"]


async def test_a_plugin_answering_nonsense_fails_the_issue_before_a_number_is_taken(
    app_with_plugin,
) -> None:
    async with admin_client(app_with_plugin("broken_format", BROKEN_FORMATTER)) as client:
        draft = await create(client, outgoing(unit=COMMUNE))

        response = await client.post(f"/api/v1/documents/{draft['id']}/issue")
        stored = (await client.get(f"/api/v1/documents/{draft['id']}")).json()
        entries = await book(client)
        deleted = await client.delete(f"/api/v1/documents/{draft['id']}")

    assert_problem(response, 500, "Plugin 'broken_format' formatted number 1")
    assert stored["state"] == "draft" and stored["revision"] == draft["revision"]
    assert entries == []
    assert deleted.status_code == 204


async def test_a_plugin_failing_after_the_number_is_taken_keeps_it_for_the_retry(
    app_with_plugin,
) -> None:
    async with admin_client(app_with_plugin("flaky_format", FLAKY_FORMATTER)) as client:
        draft = await create(client, outgoing(unit=COMMUNE))

        failed = await client.post(f"/api/v1/documents/{draft['id']}/issue")
        held = await book(client)
        refused_delete = await client.delete(f"/api/v1/documents/{draft['id']}")
        retried = await client.post(f"/api/v1/documents/{draft['id']}/issue")
        entries = await book(client)

    assert_problem(failed, 500, "flaky_format", "symbol service timed out")
    assert [(e["number"], e["document_id"]) for e in held] == [(1, draft["id"])]
    assert_problem(refused_delete, 409, "holds number 1", "issue it again")
    assert retried.status_code == 200
    assert retried.json()["number_and_symbol"] == "Số: 1/TB-XA"
    assert [(e["number"], e["document_id"]) for e in entries] == [(1, draft["id"])]


async def test_two_registers_printing_the_same_number_and_symbol_are_stopped_at_the_second(
    app_with_plugin,
) -> None:
    app = app_with_plugin("urgent_register", SAME_SYMBOL_TWO_REGISTERS)
    async with admin_client(app) as client:
        ordinary = await issue(client, (await create(client, outgoing(unit=COMMUNE)))["id"])
        urgent = await create(client, outgoing(unit=COMMUNE, urgency="urgent"))

        response = await client.post(f"/api/v1/documents/{urgent['id']}/issue")
        stored = (await client.get(f"/api/v1/documents/{urgent['id']}")).json()
        urgent_book = await book(client, "urgent")

    assert ordinary["number_and_symbol"] == "Số: 01/QĐ-UBND"
    assert_problem(response, 500, "already printed on document", "unique within a year")
    assert stored["state"] == "draft" and stored["number"] is None
    assert [(e["number"], e["document_id"]) for e in urgent_book] == [(1, urgent["id"])]


# The two races below are driven at the service level: through HTTP their timing cannot be
# forced, and the outcome is what matters.


@pytest.fixture
async def runtime(settings: Settings) -> Runtime:
    database = await connect_database(settings)
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    runtime.database = database
    yield runtime
    if not database.in_memory:
        await database.client.drop_database(settings.mongodb_database)
    database.close()


async def stored_draft(runtime: Runtime, type_code: str = "QD") -> StoredDocument:
    now = runtime.clock()
    document = StoredDocument(
        unit="000.00.00.H25",
        direction=Direction.OUTGOING,
        type_code=type_code,
        type_name="Quyết định",
        type_symbol="QĐ",
        issuing_body="UBND tỉnh",
        summary="Về việc thử",
        summary_folded="ve viec thu",
        created_at=now,
        updated_at=now,
    )
    await document.insert()
    return document


async def number_only(document: StoredDocument, entry: RegisterEntry) -> dict:
    return {"number": entry.number}


async def test_a_document_deleted_while_being_numbered_leaves_its_number_void_not_missing(
    runtime: Runtime,
) -> None:
    document = await stored_draft(runtime)
    entry = await take_number(
        unit="000.00.00.H25",
        register="outgoing",
        year=2026,
        document_id=document.id,
        now=runtime.clock(),
    )
    await document.delete()

    with pytest.raises(NotFound, match="marked void"):
        await issuing._write_number(
            runtime, document, entry, number_only, change=RevisionChange.ISSUE
        )

    entries = await register_entries("000.00.00.H25", "outgoing", 2026)
    assert [(e.number, e.void_reason is not None) for e in entries] == [(1, True)]


async def test_an_edit_that_lands_during_numbering_is_kept_and_the_symbol_follows_it(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = await stored_draft(runtime, type_code="QD")
    take = issuing._take

    async def take_while_a_clerk_edits(*args, **kwargs):
        entry = await take(*args, **kwargs)
        # The edit lands after the issue read the document and before it writes the number.
        await update_document(
            runtime,
            admin_actor(runtime),
            str(document.id),
            DocumentUpdate(revision=1, type_code="KH"),
        )
        return entry

    monkeypatch.setattr(issuing, "_take", take_while_a_clerk_edits)

    issued = await issuing.issue_document(runtime, admin_actor(runtime), str(document.id), None)

    assert (issued.type_code, issued.symbol, issued.number) == ("KH", "KH-UBND", 1)
    assert issued.revision == 3
    stored = await StoredDocument.get(document.id)
    assert (stored.type_code, stored.symbol, stored.state.value) == ("KH", "KH-UBND", "issued")
