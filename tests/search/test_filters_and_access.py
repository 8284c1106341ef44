"""Filters, order, pages, records, and that nobody finds what they may not read."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar

from tests.conftest import concurrent_client
from tests.documents.conftest import FINANCE, PROVINCE, assert_problem, create, incoming, issue
from tests.documents.conftest import outgoing as outgoing_body
from tests.identity.people import OTHER, OWN, PARENT, acting, grant, make_token, upload
from tests.records.records_helpers import file
from tests.search.helpers import found, outside_record, store_file_text

SECRET = "Về việc quy hoạch khu công nghiệp Vũng Áng bí mật"


async def outgoing(http: Any, **fields: Any) -> dict[str, Any]:
    return await create(http, outgoing_body(**fields))


async def test_filters_by_unit_subtree_type_direction_state_and_dates(
    client: httpx.AsyncClient,
) -> None:
    province = await outgoing(client, summary="Kế hoạch chuyển đổi số")
    issued = await issue(client, (await outgoing(client, summary="Quyết định chuyển đổi số"))["id"])
    finance = await outgoing(client, unit=FINANCE, summary="Chuyển đổi số ngành tài chính")
    commune = await outgoing(client, unit=OWN, summary="Chuyển đổi số cấp xã")
    received = await create(client, incoming(summary="Hướng dẫn chuyển đổi số"))
    q = "chuyen doi so"
    assert set(await found(client, q)) == {
        province["id"],
        issued["id"],
        finance["id"],
        commune["id"],
        received["id"],
    }
    assert set(await found(client, q, unit=FINANCE)) == {finance["id"]}
    assert set(await found(client, q, unit=PARENT, subtree="true")) == {commune["id"]}
    assert set(await found(client, q, unit=PARENT)) == set()
    assert set(await found(client, q, direction="incoming")) == {received["id"]}
    assert set(await found(client, q, type="CV")) == {received["id"]}
    assert set(await found(client, q, state="issued")) == {issued["id"]}
    today = issued["issued_date"]
    assert set(await found(client, q, date_from=today, date_to=today)) == {issued["id"]}
    assert set(await found(client, q, date_to="2000-01-01")) == set()


async def test_sorted_by_date_and_paged_with_a_cursor(client: httpx.AsyncClient) -> None:
    made = [(await outgoing(client, summary=f"Báo cáo tháng {n}"))["id"] for n in range(7)]
    seen: list[str] = []
    params: dict[str, Any] = {"q": "bao cao", "limit": 3, "sort": "date"}
    pages = 0
    while True:
        response = await client.get("/api/v1/search", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["complete"] is True
        seen.extend(item["id"] for item in body["items"])
        pages += 1
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert pages == 3
    assert seen == list(reversed(made))  # same day: newest made first, each once


async def test_filtered_by_the_record_they_are_filed_in(client: httpx.AsyncClient) -> None:
    record = await outside_record(client, PROVINCE, "Hồ sơ phòng chống bão lũ", "15.TH")
    inside = await issue(client, (await outgoing(client, summary="Phương án ứng phó bão"))["id"])
    outside = await outgoing(client, summary="Phương án ứng phó bão số 2")
    filed = await file(client, record["code"], inside["id"])
    assert filed.status_code == 201, filed.text
    assert set(await found(client, "ung pho bao")) == {inside["id"], outside["id"]}
    assert await found(client, "ung pho bao", record=record["code"]) == [inside["id"]]
    response = await client.get(
        "/api/v1/search", params={"q": "bao", "record": f"{PROVINCE}.2000.99.XX"}
    )
    assert_problem(response, 422, "record")


async def test_records_are_found_by_title_and_code_and_listed_with_q(
    client: httpx.AsyncClient,
) -> None:
    flood = await outside_record(client, PROVINCE, "Hồ sơ phòng chống bão lũ năm nay", "15.TH")
    other = await outside_record(client, PROVINCE, "Hồ sơ thi đua khen thưởng", "16.TH")
    assert await found(client, "bao lu", kind="records") == [flood["code"]]
    assert await found(client, "15.TH", kind="records") == [flood["code"]]
    assert await found(client, "bao lu") == []  # documents are another kind
    listed = await client.get(f"/api/v1/units/{PROVINCE}/records", params={"q": "khen thuong"})
    assert listed.status_code == 200, listed.text
    assert [r["code"] for r in listed.json()["items"]] == [other["code"]]
    clerk = acting(client, (await make_token(client, grant("clerk", OTHER)))["token"])
    assert await found(clerk, "bao lu", kind="records") == []


async def test_the_documents_list_q_matches_as_search_does(client: httpx.AsyncClient) -> None:
    received = await create(client, incoming(issuing_body="Sở Giao thông Vận tải"))
    await outgoing(client, summary="Giao thông nông thôn")
    response = await client.get(
        "/api/v1/documents", params={"q": '"giao thông vận tải"', "direction": "incoming"}
    )
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [received["id"]]


async def test_another_units_documents_are_never_found_through_summary_or_file_text(
    app: Litestar,
) -> None:
    async with concurrent_client(app) as admin:
        theirs = await outgoing(admin, unit=OTHER, summary=SECRET)
        ours = await outgoing(admin, unit=OWN, summary="Quy hoạch khu dân cư")
        uploaded = await upload(admin, theirs["id"])
        assert uploaded.status_code == 201, uploaded.text
        our_upload = await upload(admin, ours["id"])
        assert our_upload.status_code == 201, our_upload.text
        runtime = app.state.runtime
        for document, uploaded_file, text in (
            (theirs, uploaded, "Bản vẽ mặt bằng nhà máy thép Formosa"),
            (ours, our_upload, "Bản đồ hiện trạng sử dụng đất xã Cẩm Bình"),
        ):
            file_id = uploaded_file.json()[0]["file_id"]
            await store_file_text(runtime, document, file_id, text)

        assert await found(admin, "nha may thep formosa") == [theirs["id"]]
        hit = (await admin.get("/api/v1/search", params={"q": "formosa"})).json()["items"][0]
        assert hit["matched_fields"] == ["file"]
        assert await found(admin, "ban do hien trang") == [ours["id"]]

        clerk = acting(admin, (await make_token(admin, grant("clerk", OWN)))["token"])
        assert await found(clerk, "formosa") == []
        assert await found(clerk, "vung ang") == []
        assert await found(clerk, "quy hoach") == [ours["id"]]
        assert await found(clerk, "ban do hien trang") == [ours["id"]]
        assert await found(clerk, "quy*", unit=OTHER) == []
        listed = await clerk.get("/api/v1/documents", params={"q": "formosa"})
        assert listed.status_code == 200 and listed.json()["items"] == []


async def test_a_restricted_document_is_found_only_by_those_who_may_read_it(
    client: httpx.AsyncClient,
) -> None:
    hidden = await outgoing(client, unit=OWN, summary="Nhân sự quy hoạch", access_mode="restricted")
    clerk = acting(client, (await make_token(client, grant("clerk", OWN)))["token"])
    assert await found(clerk, "nhan su") == []
    assert await found(client, "nhan su") == [hidden["id"]]


async def test_bad_requests_answer_422_and_change_nothing(client: httpx.AsyncClient) -> None:
    await outgoing(client, summary="Quyết định thành lập hội đồng")
    cases = [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 5000}, "q"),
        ({"q": "quyết", "cursor": "not-a-cursor!"}, "cursor"),
        ({"q": "quyết", "cursor": "W10"}, "cursor"),
        ({"q": "quyết", "unit": "000.99.99.H25"}, "unit"),
        ({"q": "quyết", "subtree": "true"}, "subtree"),
        ({"q": "quyết", "state": "archived"}, "state"),
        ({"q": "quyết", "date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_from"),
        ({"q": "q*"}, "q"),
        ({"q": "quyết", "kind": "people"}, "kind"),
        ({"q": "quyết", "limit": 0}, "limit"),
    ]
    for params, field in cases:
        response = await client.get("/api/v1/search", params=params)
        assert response.status_code == 422, (params, response.text)
        body = response.json()
        assert field in body["detail"] or any(field in str(e) for e in body.get("errors", []))
    # A cursor given for relevance, sent with the date order.
    first = await client.get("/api/v1/search", params={"q": "quyết", "limit": 1})
    assert first.status_code == 200 and len(first.json()["items"]) == 1
    mixed = await client.get(
        "/api/v1/search", params={"q": "quyết", "sort": "date", "cursor": "WzEsICJhIl0"}
    )
    assert_problem(mixed, 422, "cursor")
    assert await found(client, "quyết") != []


async def test_records_are_found_when_documents_hold_the_same_words_beyond_a_read(
    client: httpx.AsyncClient, monkeypatch: Any
) -> None:
    # A clause reads a bounded number of postings; documents' postings sort first, and must not
    # fill that read when records are asked for.
    monkeypatch.setattr("core.search.query.CANDIDATES", 3)
    for n in range(5):
        await outgoing(client, summary=f"Phòng chống bão lũ đợt {n}")
    flood = await outside_record(client, PROVINCE, "Hồ sơ phòng chống bão lũ", "17.TH")
    assert await found(client, "bao lu", kind="records") == [flood["code"]]
    listed = await client.get(f"/api/v1/units/{PROVINCE}/records", params={"q": "bao lu"})
    assert [r["code"] for r in listed.json()["items"]] == [flood["code"]]


async def test_a_reader_taken_off_finds_the_document_no_more_even_before_its_postings_change(
    client: httpx.AsyncClient, monkeypatch: Any
) -> None:
    clerk_token = (await make_token(client, grant("clerk", OWN)))["token"]
    clerk = acting(client, clerk_token)
    shared = await outgoing(client, unit=OWN, summary="Hồ sơ nhân sự dự nguồn")
    assert await found(clerk, "du nguon") == [shared["id"]]

    async def postings_left_as_they_were(*args: Any, **kwargs: Any) -> None:
        return None  # the postings lag behind the change (a worker stopped half-way)

    monkeypatch.setattr("core.search.index._write_postings", postings_left_as_they_were)
    changed = await client.patch(
        f"/api/v1/documents/{shared['id']}",
        json={"access_mode": "restricted", "revision": shared["revision"]},
    )
    assert changed.status_code == 200, changed.text
    assert await found(clerk, "du nguon") == []
