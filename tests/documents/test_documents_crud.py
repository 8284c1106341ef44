"""Drafting, reading, changing, deleting and finding documents, as a clerk (văn thư) does."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from core.app import create_app
from core.settings import Settings
from tests.accounts import admin_client
from tests.documents.conftest import (
    AWARD_EXTRA,
    COMMUNE,
    FINANCE,
    HOME_AFFAIRS,
    PROBLEM_JSON,
    PROVINCE,
    assert_problem,
    count_documents,
    create,
    incoming,
    issue,
    outgoing,
)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


async def read(client: AsyncTestClient, document_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/documents/{document_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def listed_ids(client: AsyncTestClient, **filters: str) -> set[str]:
    response = await client.get("/api/v1/documents", params={"limit": 200, **filters})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


# --- create and read -------------------------------------------------------------------------


async def test_outgoing_draft_is_stored_as_given_with_the_unit_name_as_issuing_body(
    client: AsyncTestClient,
) -> None:
    body = outgoing(
        unit=FINANCE,
        type_code="KH",
        summary="Kế hoạch kiểm tra công tác văn thư năm 2026",
        page_count=4,
        keywords=["văn thư", "kiểm tra"],
        urgency="urgent",
        signer={"full_name": "Trần Văn Bình", "position": "Giám đốc"},
        recipients=[{"organ_id": "000.00.07.H25", "organ_name": "Sở Tư pháp"}],
        issued_amount=3,
        due_date="2026-12-15",
    )

    response = await client.post("/api/v1/documents", json=body)

    assert response.status_code == 201, response.text
    stored = await read(client, response.json()["id"])
    assert stored == response.json()
    assert stored["issuing_body"] == "Sở Tài chính"
    assert (stored["state"], stored["revision"], stored["direction"]) == ("draft", 1, "outgoing")
    assert (stored["type_code"], stored["type_name"], stored["type_symbol"]) == (
        "KH",
        "Kế hoạch",
        "KH",
    )
    assert stored["summary"] == "Kế hoạch kiểm tra công tác văn thư năm 2026"
    assert stored["page_count"] == 4
    assert stored["keywords"] == ["văn thư", "kiểm tra"]
    assert stored["urgency"] == "urgent"
    assert stored["signer"] == {
        "full_name": "Trần Văn Bình",
        "position": "Giám đốc",
        "capacity": None,
    }
    assert stored["recipients"] == [{"organ_id": "000.00.07.H25", "organ_name": "Sở Tư pháp"}]
    assert (stored["issued_amount"], stored["due_date"]) == (3, "2026-12-15")
    assert stored["number"] is None and stored["number_and_symbol"] is None


async def test_incoming_document_keeps_the_senders_body_number_symbol_and_date(
    client: AsyncTestClient,
) -> None:
    response = await client.post("/api/v1/documents", json=incoming(to_places="Văn phòng"))

    assert response.status_code == 201, response.text
    stored = await read(client, response.json()["id"])
    assert (stored["direction"], stored["state"]) == ("incoming", "draft")
    assert stored["issuing_body"] == "Bộ Nội vụ"
    assert (stored["original_number"], stored["original_symbol"], stored["original_date"]) == (
        "1234",
        "BNV-VP",
        "2026-11-20",
    )
    assert stored["to_places"] == "Văn phòng"
    assert stored["arrival_number"] is None


async def test_internal_draft_is_stored_and_listed_as_internal(client: AsyncTestClient) -> None:
    body = outgoing(direction="internal", type_code="TB", summary="Thông báo lịch họp giao ban")

    response = await client.post("/api/v1/documents", json=body)

    assert response.status_code == 201, response.text
    stored = await read(client, response.json()["id"])
    assert (stored["direction"], stored["type_code"]) == ("internal", "TB")
    assert stored["issuing_body"] == "Ủy ban nhân dân tỉnh Hà Tĩnh"
    assert await listed_ids(client, direction="internal") == {stored["id"]}


async def test_outgoing_draft_keeps_an_issuing_body_that_is_given(client: AsyncTestClient) -> None:
    body = outgoing(issuing_body="Ban Chỉ đạo chuyển đổi số tỉnh")

    created = await create(client, body)

    assert (await read(client, created["id"]))["issuing_body"] == "Ban Chỉ đạo chuyển đổi số tỉnh"


async def test_vietnamese_text_sent_decomposed_is_stored_composed(client: AsyncTestClient) -> None:
    summary = "Quyết định về việc giao đất cho Ủy ban nhân dân xã Cẩm Bình"
    body = outgoing(
        summary=nfd(summary),
        issuing_body=nfd("Sở Tư pháp"),
        keywords=[nfd("đất đai")],
        signer={"full_name": nfd("Nguyễn Thị Hương"), "position": nfd("Phó Chủ tịch")},
        recipients=[{"organ_name": nfd("Ủy ban nhân dân xã Cẩm Bình")}],
    )
    assert body["summary"] != summary  # the request really carries decomposed text

    created = await create(client, body)

    stored = await read(client, created["id"])
    assert stored["summary"] == summary
    assert stored["issuing_body"] == "Sở Tư pháp"
    assert stored["keywords"] == ["đất đai"]
    assert stored["signer"]["full_name"] == "Nguyễn Thị Hương"
    assert stored["signer"]["position"] == "Phó Chủ tịch"
    assert stored["recipients"][0]["organ_name"] == "Ủy ban nhân dân xã Cẩm Bình"


async def test_decomposed_extra_fields_still_match_the_choices_of_the_type(
    client: AsyncTestClient,
) -> None:
    extra = {
        "award_form": nfd("Bằng khen"),
        "awardees": [{"full_name": nfd("Lê Thị Hà"), "organization": nfd("Sở Nội vụ")}],
    }

    response = await client.post(
        "/api/v1/documents",
        json=outgoing(
            unit=HOME_AFFAIRS, type_code="QDKT", summary="Về việc tặng Bằng khen", extra=extra
        ),
    )

    assert response.status_code == 201, response.text
    stored = await read(client, response.json()["id"])
    assert stored["extra"] == {
        "award_form": "Bằng khen",
        "awardees": [{"full_name": "Lê Thị Hà", "organization": "Sở Nội vụ"}],
    }


async def test_commendation_keeps_its_extra_fields(client: AsyncTestClient) -> None:
    created = await create(
        client,
        outgoing(
            unit=HOME_AFFAIRS, type_code="QDKT", summary="Về việc tặng Bằng khen", extra=AWARD_EXTRA
        ),
    )

    assert (await read(client, created["id"]))["extra"] == AWARD_EXTRA


# --- change ----------------------------------------------------------------------------------


async def test_update_with_current_revision_changes_fields_and_bumps_revision(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing())

    response = await client.patch(
        f"/api/v1/documents/{draft['id']}",
        json={"revision": 1, "summary": "Về việc sửa đổi Quy chế làm việc", "page_count": 7},
    )

    assert response.status_code == 200, response.text
    stored = await read(client, draft["id"])
    assert stored == response.json()
    assert stored["revision"] == 2
    assert (stored["summary"], stored["page_count"]) == ("Về việc sửa đổi Quy chế làm việc", 7)
    assert stored["issuing_body"] == draft["issuing_body"]  # fields not sent stay as they were
    assert stored["created_at"] == draft["created_at"]


async def test_update_of_the_summary_makes_the_new_text_searchable(client: AsyncTestClient) -> None:
    draft = await create(client, outgoing(summary="Về việc ban hành Quy chế"))

    await client.patch(
        f"/api/v1/documents/{draft['id']}",
        json={"revision": 1, "summary": "Về việc giao đất"},
    )

    assert await listed_ids(client, q="giao dat") == {draft["id"]}
    assert await listed_ids(client, q="quy che") == set()


async def test_update_with_stale_revision_answers_409_and_changes_nothing(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing())
    await client.patch(f"/api/v1/documents/{draft['id']}", json={"revision": 1, "page_count": 2})
    before = await read(client, draft["id"])

    response = await client.patch(
        f"/api/v1/documents/{draft['id']}", json={"revision": 1, "summary": "Về việc khác"}
    )

    assert response.status_code == 409
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["current_revision"] == 2
    assert "Read it again" in response.json()["detail"]
    assert await read(client, draft["id"]) == before


async def test_after_issue_summary_cannot_change_and_the_409_names_it(
    client: AsyncTestClient,
) -> None:
    issued = await issue(client, (await create(client, outgoing()))["id"])

    response = await client.patch(
        f"/api/v1/documents/{issued['id']}",
        json={"revision": issued["revision"], "summary": "Về việc khác"},
    )

    assert response.status_code == 409
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["fields"] == ["summary"]
    assert "summary can no longer change" in response.json()["detail"]
    assert "replacing document" in response.json()["detail"]
    assert await read(client, issued["id"]) == issued


async def test_after_issue_keywords_can_still_change(client: AsyncTestClient) -> None:
    issued = await issue(client, (await create(client, outgoing()))["id"])

    response = await client.patch(
        f"/api/v1/documents/{issued['id']}",
        json={"revision": issued["revision"], "keywords": ["quy chế", "làm việc"]},
    )

    assert response.status_code == 200, response.text
    stored = await read(client, issued["id"])
    assert stored["keywords"] == ["quy chế", "làm việc"]
    assert stored["revision"] == issued["revision"] + 1
    assert stored["number_and_symbol"] == issued["number_and_symbol"]


# --- delete ----------------------------------------------------------------------------------


async def test_delete_of_a_draft_answers_204_and_then_the_document_is_gone(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing())

    response = await client.delete(f"/api/v1/documents/{draft['id']}")

    assert response.status_code == 204
    gone = await client.get(f"/api/v1/documents/{draft['id']}")
    assert gone.status_code == 404
    assert draft["id"] in gone.json()["detail"]
    assert await count_documents(client) == 0


async def test_delete_with_the_current_revision_deletes_the_draft(client: AsyncTestClient) -> None:
    draft = await create(client, outgoing())

    response = await client.delete(f"/api/v1/documents/{draft['id']}", params={"revision": 1})

    assert response.status_code == 204
    assert await count_documents(client) == 0


async def test_delete_with_a_stale_revision_answers_409_and_keeps_the_draft(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing())
    await client.patch(f"/api/v1/documents/{draft['id']}", json={"revision": 1, "page_count": 2})
    before = await read(client, draft["id"])

    response = await client.delete(f"/api/v1/documents/{draft['id']}", params={"revision": 1})

    assert response.status_code == 409
    assert response.json()["current_revision"] == 2
    assert await read(client, draft["id"]) == before


async def test_delete_of_an_issued_document_answers_409_and_it_stays(
    client: AsyncTestClient,
) -> None:
    issued = await issue(client, (await create(client, outgoing()))["id"])

    response = await client.delete(f"/api/v1/documents/{issued['id']}")

    assert response.status_code == 409
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert "cannot be deleted" in response.json()["detail"]
    assert await read(client, issued["id"]) == issued
    book = await client.get(
        f"/api/v1/units/{PROVINCE}/registers/outgoing/{issued['register_year']}"
    )
    assert [e["document_id"] for e in book.json()["entries"]] == [issued["id"]]


async def test_delete_of_a_registered_incoming_document_answers_409_and_it_stays(
    client: AsyncTestClient,
) -> None:
    arrival = await create(client, incoming())
    registered = (await client.post(f"/api/v1/documents/{arrival['id']}/register")).json()

    response = await client.delete(f"/api/v1/documents/{arrival['id']}")

    assert response.status_code == 409
    assert await read(client, arrival["id"]) == registered


# --- list and filter -------------------------------------------------------------------------


async def test_list_filters_by_unit(client: AsyncTestClient) -> None:
    province = await create(client, outgoing(unit=PROVINCE))
    finance = await create(client, outgoing(unit=FINANCE))
    await create(client, outgoing(unit=COMMUNE))

    assert await listed_ids(client, unit=FINANCE) == {finance["id"]}
    assert await listed_ids(client, unit=PROVINCE) == {province["id"]}  # not the units below


async def test_list_with_subtree_takes_the_units_below_too(client: AsyncTestClient) -> None:
    province = await create(client, outgoing(unit=PROVINCE))
    finance = await create(client, outgoing(unit=FINANCE))
    commune = await create(client, outgoing(unit=COMMUNE))

    everything = await listed_ids(client, unit=PROVINCE, subtree="true")
    district = await listed_ids(client, unit="000.00.35.H25", subtree="true")

    assert everything == {province["id"], finance["id"], commune["id"]}
    assert district == {commune["id"]}


async def test_list_with_subtree_but_no_unit_answers_422(client: AsyncTestClient) -> None:
    response = await client.get("/api/v1/documents", params={"subtree": "true"})

    assert_problem(response, 422, "subtree")


async def test_list_filters_by_direction(client: AsyncTestClient) -> None:
    await create(client, outgoing())
    arrival = await create(client, incoming())

    assert await listed_ids(client, direction="incoming") == {arrival["id"]}


async def test_list_filters_by_type(client: AsyncTestClient) -> None:
    await create(client, outgoing(type_code="QD"))
    plan = await create(client, outgoing(type_code="KH", summary="Kế hoạch chuyển đổi số"))

    assert await listed_ids(client, type="KH") == {plan["id"]}


async def test_list_filters_by_state(client: AsyncTestClient) -> None:
    issued = await issue(client, (await create(client, outgoing()))["id"])
    draft = await create(client, outgoing())

    assert await listed_ids(client, state="issued") == {issued["id"]}
    assert await listed_ids(client, state="draft") == {draft["id"]}


async def test_list_filters_combine(client: AsyncTestClient) -> None:
    await create(client, outgoing(unit=FINANCE))
    await create(client, incoming(unit=PROVINCE))
    wanted = await create(client, incoming(unit=FINANCE))

    assert await listed_ids(client, unit=FINANCE, direction="incoming") == {wanted["id"]}


async def test_date_range_finds_documents_issued_or_received_within_it(
    make_settings: Callable[..., Settings],
) -> None:
    # 03:00 UTC is 10:00 in Hà Tĩnh: the same calendar day.
    clock = FixedClock(datetime(2026, 3, 10, 3, 0, tzinfo=UTC))
    async with admin_client(create_app(make_settings(), clock=clock)) as client:
        march_10 = await issue(client, (await create(client, outgoing()))["id"])
        clock.now = datetime(2026, 3, 20, 3, 0, tzinfo=UTC)
        arrival = await create(client, incoming())
        await client.post(f"/api/v1/documents/{arrival['id']}/register")
        clock.now = datetime(2026, 4, 5, 3, 0, tzinfo=UTC)
        await issue(client, (await create(client, outgoing()))["id"])
        await create(client, outgoing())  # a draft has no date yet

        march = await listed_ids(client, date_from="2026-03-01", date_to="2026-03-31")
        late_march = await listed_ids(client, date_from="2026-03-15", date_to="2026-03-31")
        until_march_10 = await listed_ids(client, date_to="2026-03-10")
        from_march_20 = await listed_ids(client, date_from="2026-03-20")

    assert march == {march_10["id"], arrival["id"]}
    assert late_march == {arrival["id"]}
    assert until_march_10 == {march_10["id"]}  # date_to includes its own day
    assert len(from_march_20) == 2 and arrival["id"] in from_march_20


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("quyet dinh", {"decision"}),
        ("Quyết định", {"decision"}),
        ("QUYẾT ĐỊNH", {"decision"}),
        ("đất", {"land"}),
        ("dat", {"land"}),
        ("giao  đất", {"land"}),
        ("về việc", {"decision", "land"}),
        ("ngân sách", set()),
    ],
)
async def test_text_search_in_the_summary_folds_diacritics_and_case(
    client: AsyncTestClient, query: str, found: set[str]
) -> None:
    documents = {
        "decision": await create(
            client, outgoing(summary="Quyết định về việc ban hành Quy chế làm việc")
        ),
        "land": await create(client, outgoing(type_code="CV", summary="Về việc giao đất")),
        "report": await create(client, incoming(summary="Báo cáo tình hình lập hồ sơ")),
    }

    ids = await listed_ids(client, q=query)

    assert ids == {documents[name]["id"] for name in found}


async def test_text_search_takes_regex_characters_literally(client: AsyncTestClient) -> None:
    await create(client, outgoing(summary="Về việc ban hành Quy chế"))
    wanted = await create(client, outgoing(summary="Về việc (sửa đổi) Quy chế [2026]"))

    assert await listed_ids(client, q="(sửa đổi)") == {wanted["id"]}
    # Punctuation alone holds no word to look for: refused, not taken as a pattern.
    response = await client.get("/api/v1/documents", params={"q": ".*"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "q"


async def test_cursor_pages_through_every_document_once_newest_first(
    client: AsyncTestClient,
) -> None:
    created = [(await create(client, outgoing(summary=f"Văn bản số {n}")))["id"] for n in range(5)]

    pages: list[list[str]] = []
    cursors: list[str | None] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        response = await client.get("/api/v1/documents", params=params)
        assert response.status_code == 200, response.text
        pages.append([item["id"] for item in response.json()["items"]])
        cursors.append(response.json()["next_cursor"])
        if response.json()["next_cursor"] is None:
            break
        params["cursor"] = response.json()["next_cursor"]
        assert len(pages) <= 3, "the cursor does not come to an end"

    assert [len(page) for page in pages] == [2, 2, 1]
    assert cursors[-1] is None and all(cursors[:-1])
    flat = [document_id for page in pages for document_id in page]
    assert flat == list(reversed(created))


async def test_list_without_a_limit_answers_the_default_page(client: AsyncTestClient) -> None:
    for n in range(3):
        await create(client, outgoing(summary=f"Văn bản số {n}"))

    response = await client.get("/api/v1/documents")

    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 3
    assert response.json()["next_cursor"] is None
