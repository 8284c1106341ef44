"""A document's revision history: every change is kept, readable as it was, oldest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.documents import service
from core.documents.models import DocumentRevision, FileVersion, StoredDocument
from core.errors import ServiceUnavailable
from core.settings import Settings
from tests.conftest import concurrent_client
from tests.documents.conftest import (
    FixedClock,
    assert_problem,
    create,
    incoming,
    issue,
    outgoing,
)

DOCUMENTS = "/api/v1/documents"


async def history(client: Any, document_id: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{DOCUMENTS}/{document_id}/revisions", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def changes(client: Any, document_id: str) -> list[tuple[int, str]]:
    return [(item["revision"], item["change"]) for item in await history(client, document_id)]


async def at_revision(client: Any, document_id: str, revision: int) -> dict[str, Any]:
    response = await client.get(f"{DOCUMENTS}/{document_id}/revisions/{revision}")
    assert response.status_code == 200, response.text
    return response.json()


async def edit(client: Any, document_id: str, revision: int, **fields: Any) -> dict[str, Any]:
    response = await client.patch(
        f"{DOCUMENTS}/{document_id}", json={"revision": revision, **fields}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_new_document_has_one_revision_which_is_the_document(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing())

    items = await history(client, draft["id"])

    assert [(i["revision"], i["change"], i["actor"]) for i in items] == [
        (1, "create", "token:0000000000ad")
    ]
    assert items[0]["at"] == draft["created_at"]
    assert await at_revision(client, draft["id"], 1) == draft


async def test_edits_and_issuing_each_add_a_revision_that_reads_as_it_was(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing(summary="Về việc ban hành Quy chế"))
    edited = await edit(client, draft["id"], 1, summary="Về việc sửa đổi Quy chế")
    issued = await issue(client, draft["id"])

    assert await changes(client, draft["id"]) == [(1, "create"), (2, "edit"), (3, "issue")]
    first, second, third = [await at_revision(client, draft["id"], n) for n in (1, 2, 3)]
    assert (first["summary"], first["revision"], first["state"]) == (
        "Về việc ban hành Quy chế",
        1,
        "draft",
    )
    assert second == edited
    assert third == issued == (await client.get(f"{DOCUMENTS}/{draft['id']}")).json()
    assert third["number_and_symbol"] == "Số: 01/QĐ-UBND"
    assert [i["at"] for i in await history(client, draft["id"])] == [
        draft["created_at"],
        edited["updated_at"],
        issued["updated_at"],
    ]


async def test_registering_an_incoming_document_is_a_revision(client: AsyncTestClient) -> None:
    arrived = await create(client, incoming())

    response = await client.post(f"{DOCUMENTS}/{arrived['id']}/register")

    assert response.status_code == 200, response.text
    assert await changes(client, arrived["id"]) == [(1, "create"), (2, "register")]
    assert (await at_revision(client, arrived["id"], 2))["arrival_number"] == 1


async def test_a_change_that_changes_nothing_adds_no_revision(client: AsyncTestClient) -> None:
    draft = await create(client, outgoing())

    unchanged = await edit(client, draft["id"], 1, summary=draft["summary"])

    assert unchanged["revision"] == 1
    assert await changes(client, draft["id"]) == [(1, "create")]


async def test_a_stale_edit_answers_409_with_the_current_revision_and_records_nothing(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing())
    await edit(client, draft["id"], 1, page_count=2)
    await edit(client, draft["id"], 2, page_count=3)

    response = await client.patch(
        f"{DOCUMENTS}/{draft['id']}", json={"revision": 2, "summary": "Về việc khác"}
    )

    body = assert_problem(response, 409, "your revision 2, current 3")
    assert body["current_revision"] == 3
    assert await changes(client, draft["id"]) == [(1, "create"), (2, "edit"), (3, "edit")]
    assert (await at_revision(client, draft["id"], 3))["summary"] == draft["summary"]


async def test_a_deleted_draft_keeps_its_history_and_its_last_content(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing())
    edited = await edit(client, draft["id"], 1, summary="Về việc nội dung cuối")

    response = await client.delete(f"{DOCUMENTS}/{draft['id']}", params={"revision": 2})

    assert response.status_code == 204
    assert (await client.get(f"{DOCUMENTS}/{draft['id']}")).status_code == 404
    assert await changes(client, draft["id"]) == [(1, "create"), (2, "edit"), (3, "delete")]
    deleted = await at_revision(client, draft["id"], 3)
    assert (deleted["summary"], deleted["revision"]) == (edited["summary"], 3)
    assert_problem(await client.get(f"{DOCUMENTS}/{draft['id']}/revisions/4"), 404, "no revision")


async def test_a_deleted_first_revision_is_recorded_before_the_deletion(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing())

    await client.delete(f"{DOCUMENTS}/{draft['id']}")

    assert await changes(client, draft["id"]) == [(1, "create"), (2, "delete")]
    assert await at_revision(client, draft["id"], 1) == draft


async def test_history_pages_oldest_first_with_a_cursor(client: AsyncTestClient) -> None:
    draft = await create(client, outgoing())
    for revision in range(1, 5):
        await edit(client, draft["id"], revision, page_count=revision)

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"{DOCUMENTS}/{draft['id']}/revisions", params=params)).json()
        seen += [item["revision"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [1, 2, 3, 4, 5]
    assert pages == 3


@pytest.mark.parametrize("cursor", ["abc", "-1", "1" * 5000, "٣"])
async def test_a_cursor_the_service_did_not_give_answers_422(
    client: AsyncTestClient, cursor: str
) -> None:
    draft = await create(client, outgoing())

    response = await client.get(f"{DOCUMENTS}/{draft['id']}/revisions", params={"cursor": cursor})

    assert_problem(response, 422, "cursor")


@pytest.mark.parametrize("revision", ["2", "0", "-1", "1000000000"])
async def test_a_revision_the_document_never_had_answers_404(
    client: AsyncTestClient, revision: str
) -> None:
    draft = await create(client, outgoing())

    response = await client.get(f"{DOCUMENTS}/{draft['id']}/revisions/{revision}")

    assert_problem(response, 404, f"no revision {revision}", "at revision 1")


@pytest.mark.parametrize("path", ["/revisions", "/revisions/1"], ids=["history", "one revision"])
@pytest.mark.parametrize(
    "document_id", ["6750f0c2a1b2c3d4e5f60718", "not-an-id"], ids=["unknown", "malformed"]
)
async def test_revisions_of_a_document_that_never_existed_answer_404(
    client: AsyncTestClient, path: str, document_id: str
) -> None:
    response = await client.get(f"{DOCUMENTS}/{document_id}{path}")

    assert_problem(response, 404, document_id)


async def test_each_revision_is_stored_once_under_its_document_and_number(app: Litestar) -> None:
    async with concurrent_client(app) as client:
        draft = await create(client, outgoing())
        await edit(client, draft["id"], 1, page_count=4)
        await issue(client, draft["id"])
        refused = await client.patch(
            f"{DOCUMENTS}/{draft['id']}", json={"revision": 1, "page_count": 5}
        )

        stored = await DocumentRevision.get_motor_collection().find({}).to_list(None)
        document = await StoredDocument.get_motor_collection().find_one({})

    assert refused.status_code == 409
    assert sorted(entry["_id"] for entry in stored) == [
        f"{draft['id']}|000000001",
        f"{draft['id']}|000000002",
        f"{draft['id']}|000000003",
    ]
    by_revision = {entry["revision"]: entry for entry in stored}
    assert [by_revision[n]["change"] for n in (1, 2, 3)] == ["create", "edit", "issue"]
    assert all(str(entry["document_id"]) == draft["id"] for entry in stored)
    # Who made each: the administrator the suite acts as (its API token).
    assert [entry["actor"] for entry in stored] == ["token:0000000000ad"] * 3
    assert [by_revision[n]["snapshot"]["revision"] for n in (1, 2, 3)] == [1, 2, 3]
    document.pop("_id")
    assert by_revision[3]["snapshot"] == document  # the whole document, as stored


# A writer that stops between claiming a revision and writing the document, simulated by the
# database failing right after the claim: the claim holds the change, the document does not.


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 5, 4, 3, 0, tzinfo=UTC))


@pytest.fixture
def clocked_app(make_settings: Callable[..., Settings], clock: FixedClock) -> Litestar:
    return create_app(make_settings(), clock=clock)


def fail_after_claiming(monkeypatch: pytest.MonkeyPatch) -> None:
    claim = service.claim_next

    async def claim_then_fail(*args: Any, **kwargs: Any) -> None:
        await claim(*args, **kwargs)
        monkeypatch.undo()
        raise ServiceUnavailable("the database did not answer")

    monkeypatch.setattr(service, "claim_next", claim_then_fail)


async def test_a_change_claimed_but_never_written_is_rolled_forward_once_stalled(
    clocked_app: Litestar, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with concurrent_client(clocked_app) as client:
        draft = await create(client, outgoing())
        fail_after_claiming(monkeypatch)
        lost = await client.patch(
            f"{DOCUMENTS}/{draft['id']}", json={"revision": 1, "summary": "Về việc đã nhận"}
        )
        assert lost.status_code == 503

        # Its writer may still be at work: the claim is left alone, the document too.
        clock.now += timedelta(seconds=5)
        young = await client.patch(
            f"{DOCUMENTS}/{draft['id']}", json={"revision": 1, "page_count": 2}
        )
        assert assert_problem(young, 409, "current 2")["current_revision"] == 2
        assert (await client.get(f"{DOCUMENTS}/{draft['id']}")).json()["revision"] == 1

        # Stalled: the claim is the truth, and the document is brought up to it.
        clock.now += timedelta(minutes=1)
        stalled = await client.patch(
            f"{DOCUMENTS}/{draft['id']}", json={"revision": 1, "page_count": 2}
        )
        assert assert_problem(stalled, 409, "current 2")["current_revision"] == 2
        rolled = (await client.get(f"{DOCUMENTS}/{draft['id']}")).json()
        assert (rolled["revision"], rolled["summary"]) == (2, "Về việc đã nhận")
        assert rolled == await at_revision(client, draft["id"], 2)

        after = await edit(client, draft["id"], 2, page_count=2)
        assert (after["revision"], after["summary"], after["page_count"]) == (
            3,
            "Về việc đã nhận",
            2,
        )
        assert await changes(client, draft["id"]) == [(1, "create"), (2, "edit"), (3, "edit")]


async def test_a_deletion_claimed_but_never_done_is_finished_once_stalled(
    clocked_app: Litestar, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with concurrent_client(clocked_app) as client:
        draft = await create(client, outgoing())
        uploaded = await client.post(
            f"{DOCUMENTS}/{draft['id']}/files",
            files=[
                ("files", ("Dự thảo.pdf", b"%PDF-1.4\n" + bytes(range(256)), "application/pdf"))
            ],
        )
        assert uploaded.status_code == 201, uploaded.text
        fail_after_claiming(monkeypatch)
        lost = await client.delete(f"{DOCUMENTS}/{draft['id']}")
        assert lost.status_code == 503
        assert (await client.get(f"{DOCUMENTS}/{draft['id']}")).status_code == 200

        clock.now += timedelta(minutes=1)
        response = await client.patch(
            f"{DOCUMENTS}/{draft['id']}", json={"revision": 1, "page_count": 2}
        )

        assert_problem(response, 404, "deleted")
        assert (await client.get(f"{DOCUMENTS}/{draft['id']}")).status_code == 404
        assert await changes(client, draft["id"]) == [(1, "create"), (2, "delete")]
        assert await FileVersion.get_motor_collection().count_documents({}) == 0
