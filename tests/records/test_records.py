"""Records through the API: opened from the approved list or outside it, read, changed, private
to their unit, filed in by hand and on numbering, closed."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from tests.conftest import concurrent_client
from tests.documents.conftest import (
    AWARD_EXTRA,
    HOME_AFFAIRS,
    PROVINCE,
    assert_problem,
    create,
    incoming,
    issue,
    outgoing,
)
from tests.identity.people import OTHER, acting, grant, make_token
from tests.records.records_helpers import YEAR, file, filed, open_record, store_list

CODE = f"{PROVINCE}.{YEAR}.01.TH"


async def events(http: Any, unit: str, target: str) -> list[dict[str, Any]]:
    response = await http.get(
        "/api/v1/audit/events", params={"unit": unit, "document": target, "limit": 200}
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_record_opens_once_from_an_approved_entry(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        record = await open_record(http, PROVINCE, "TH-1")
        assert record["code"] == CODE
        assert record["state"] == "open"
        assert record["title"] == "Hồ sơ tổng hợp"
        assert record["retention"] == "20 years"
        assert record["number_and_symbol"] == "01.TH"
        assert record["creator"] == record["created_by"]
        assert record["field_set"] == "tt02-2019"
        assert record["outside_list"] is False

        again = await http.post(
            "/api/v1/records", json={"unit": PROVINCE, "year": YEAR, "entry_id": "TH-1"}
        )
        body = assert_problem(again, 409, CODE)
        assert body["record"] == CODE

        got = await http.get(f"/api/v1/records/{CODE}")
        assert got.status_code == 200 and got.json()["revision"] == 1
        listed = await http.get(f"/api/v1/units/{PROVINCE}/records", params={"year": YEAR})
        assert [item["code"] for item in listed.json()["items"]] == [CODE]
        assert [event["action"] for event in await events(http, PROVINCE, CODE)] == ["record.open"]


async def test_a_draft_list_or_an_unknown_entry_opens_nothing(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE, state="draft")
        draft = await http.post(
            "/api/v1/records", json={"unit": PROVINCE, "year": YEAR, "entry_id": "TH-1"}
        )
        assert_problem(draft, 409, "approved")
        unknown = await http.post(
            "/api/v1/records", json={"unit": PROVINCE, "year": YEAR, "entry_id": "nope"}
        )
        assert_problem(unknown, 422, "entry_id")
        neither = await http.post("/api/v1/records", json={"unit": PROVINCE, "year": YEAR})
        assert neither.status_code == 422
        listed = await http.get(f"/api/v1/units/{PROVINCE}/records")
        assert listed.json()["items"] == []


async def test_a_record_outside_the_list_needs_a_reason_and_is_marked(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        body = {
            "unit": PROVINCE,
            "year": YEAR,
            "outside_list": True,
            "title": "Hồ sơ phòng chống bão lũ",
            "number_and_symbol": "15.TH",
            "retention": "permanent",
        }
        assert_problem(await http.post("/api/v1/records", json=body), 422, "reason")
        response = await http.post("/api/v1/records", json={**body, "reason": "Bão số 3"})
        assert response.status_code == 201, response.text
        record = response.json()
        assert record["code"] == f"{PROVINCE}.{YEAR}.15.TH"
        assert record["outside_list"] is True and record["outside_reason"] == "Bão số 3"
        assert response.headers["location"] == f"/api/v1/records/{record['code']}"


async def test_another_units_record_does_not_exist_for_its_caller(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        await open_record(http, PROVINCE)
        stranger = acting(http, (await make_token(http, grant("clerk", OTHER)))["token"])
        assert_problem(await stranger.get(f"/api/v1/records/{CODE}"), 404)
        assert_problem(await stranger.get(f"/api/v1/units/{PROVINCE}/records"), 404)
        assert_problem(
            await stranger.post(
                f"/api/v1/records/{CODE}/documents", json={"document_id": "0" * 24}
            ),
            404,
        )
        opened = await stranger.post(
            "/api/v1/records", json={"unit": PROVINCE, "year": YEAR, "entry_id": "TH-2"}
        )
        assert_problem(opened, 404)


async def test_metadata_changes_with_the_revision_read(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        await open_record(http, PROVINCE)
        changed = await http.patch(
            f"/api/v1/records/{CODE}",
            json={"revision": 1, "description": "Chú giải", "archival": {"fonds_code": "H25"}},
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["revision"] == 2
        assert changed.json()["archival"]["fonds_code"] == "H25"
        stale = await http.patch(f"/api/v1/records/{CODE}", json={"revision": 1, "title": "X"})
        assert_problem(stale, 409, "revision")
        bad = await http.patch(f"/api/v1/records/{CODE}", json={"revision": 2, "retention": "x"})
        assert bad.status_code == 422
        assert (await http.get(f"/api/v1/records/{CODE}")).json()["title"] == "Hồ sơ tổng hợp"


async def test_filing_numbers_documents_without_copying_them(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        await open_record(http, PROVINCE, "TH-1")
        second = (await open_record(http, PROVINCE, "TH-2"))["code"]
        one = await issue(http, (await create(http, outgoing()))["id"])
        two = await create(http, outgoing(summary="Dự thảo báo cáo"))

        first = await file(http, CODE, one["id"])
        assert first.status_code == 201, first.text
        assert first.json()["order"] == 1
        assert (await file(http, CODE, two["id"])).json()["order"] == 2
        assert_problem(await file(http, CODE, one["id"]), 409, "already")
        # The same document in a second record: one more membership, still one document.
        assert (await file(http, second, one["id"])).json()["order"] == 1

        items = await filed(http, CODE)
        assert [(item["document_id"], item["order"]) for item in items] == [
            (one["id"], 1),
            (two["id"], 2),
        ]
        assert items[0]["number_and_symbol"] == one["number_and_symbol"].removeprefix("Số: ")

        reordered = await http.put(
            f"/api/v1/records/{CODE}/order", json={"documents": [two["id"], one["id"]]}
        )
        assert reordered.status_code == 200, reordered.text
        assert [item["order"] for item in await filed(http, CODE)] == [1, 2]
        assert (await filed(http, CODE))[0]["document_id"] == two["id"]
        incomplete = await http.put(
            f"/api/v1/records/{CODE}/order", json={"documents": [one["id"]]}
        )
        assert_problem(incomplete, 422, "left out")

        removed = await http.delete(f"/api/v1/records/{CODE}/documents/{two['id']}")
        assert removed.status_code == 204
        assert [item["document_id"] for item in await filed(http, CODE)] == [one["id"]]
        assert (await http.get(f"/api/v1/documents/{two['id']}")).status_code == 200
        # A number once given is not given again.
        assert (await file(http, CODE, two["id"])).json()["order"] == 3
        actions = [event["action"] for event in await events(http, PROVINCE, CODE)]
        assert actions.count("record.file") == 3 and "record.unfile" in actions
        assert "record.reorder" in actions


async def test_only_the_units_own_readable_non_secret_documents_are_filed(
    make_settings: Any,
) -> None:
    from core.app import create_app

    app = create_app(make_settings(accept_secret_documents=True))
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        await open_record(http, PROVINCE)
        secret = await create(http, outgoing(secrecy="confidential"))
        refused = await file(http, CODE, secret["id"])
        assert_problem(refused, 422, "secret_documents_in_records")
        elsewhere = await create(http, outgoing(unit=OTHER))
        assert_problem(await file(http, CODE, elsewhere["id"]), 422, "unit")
        assert_problem(await file(http, CODE, "0" * 24), 404)
        assert await filed(http, CODE) == []


async def test_issued_and_registered_documents_file_themselves(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        await open_record(http, PROVINCE)
        outgoing_one = await create(http, outgoing(record_code=CODE))
        assert outgoing_one["record_code"] == CODE
        await issue(http, outgoing_one["id"])
        arrived = await create(http, incoming(record_code=CODE))
        registered = await http.post(f"/api/v1/documents/{arrived['id']}/register")
        assert registered.status_code == 200, registered.text
        items = await filed(http, CODE)
        assert [(item["document_id"], item["automatic"]) for item in items] == [
            (outgoing_one["id"], True),
            (arrived["id"], True),
        ]

        # A record that does not exist: the document is issued all the same, the miss recorded.
        lost = await create(http, outgoing(record_code=f"{PROVINCE}.{YEAR}.09.TH"))
        issued = await issue(http, lost["id"])
        assert issued["state"] == "issued"
        failed = [
            event
            for event in await events(http, PROVINCE, lost["id"])
            if event["action"] == "record.file_failed"
        ]
        assert len(failed) == 1 and "09.TH" in failed[0]["detail"]["reason"]


async def test_closing_refuses_drafts_and_sets_dates_and_totals(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        await open_record(http, PROVINCE)
        empty = await http.post(f"/api/v1/records/{CODE}/close")
        assert_problem(empty, 422, "no documents")
        done = await issue(http, (await create(http, outgoing(page_count=3)))["id"])
        draft = await create(http, outgoing(summary="Dự thảo chưa ban hành", page_count=2))
        await file(http, CODE, done["id"])
        await file(http, CODE, draft["id"])
        refused = await http.post(f"/api/v1/records/{CODE}/close")
        assert_problem(refused, 422, draft["id"])
        assert (await http.get(f"/api/v1/records/{CODE}")).json()["state"] == "open"

        await http.delete(f"/api/v1/records/{CODE}/documents/{draft['id']}")
        closed = await http.post(f"/api/v1/records/{CODE}/close")
        assert closed.status_code == 200, closed.text
        record = closed.json()
        assert record["state"] == "closed"
        assert record["doc_total"] == 1 and record["page_total"] == 3
        assert record["start_date"] == record["end_date"] == done["issued_date"]
        assert record["due_date"] is not None
        assert record["due_date"][:4] == str(int(done["issued_date"][:4]) + 1)
        assert_problem(await file(http, CODE, draft["id"]), 409, "closed")
        assert_problem(await http.post(f"/api/v1/records/{CODE}/close"), 409, "closed")
        listed = await filed(http, CODE)
        assert [(item["order"], item["summary"]) for item in listed] == [(1, done["summary"])]


async def test_a_plugins_required_components_keep_a_record_open(app: Litestar) -> None:
    commendation = f"{HOME_AFFAIRS}.{YEAR}.01.TĐKT"
    async with concurrent_client(app) as http:
        await store_list(HOME_AFFAIRS, headings=[("TĐKT", ["Hồ sơ thi đua, khen thưởng"])])
        record = await open_record(http, HOME_AFFAIRS, "TĐKT-1")
        assert record["code"] == commendation
        # The unit's plugin files commendation decisions in the year's commendation record.
        decision = await create(
            http, outgoing(unit=HOME_AFFAIRS, type_code="QDKT", extra=AWARD_EXTRA)
        )
        await issue(http, decision["id"])
        assert [item["document_id"] for item in await filed(http, commendation)] == [decision["id"]]
        refused = await http.post(f"/api/v1/records/{commendation}/close")
        body = assert_problem(refused, 422, "Tờ trình")
        assert body["missing"] == [{"name": "Tờ trình", "type_code": "TTR"}]

        proposal = await create(http, outgoing(unit=HOME_AFFAIRS, type_code="TTR"))
        await issue(http, proposal["id"])
        assert (await file(http, commendation, proposal["id"])).status_code == 201
        closed = await http.post(f"/api/v1/records/{commendation}/close")
        assert closed.status_code == 200, closed.text
        assert closed.json()["doc_total"] == 2


async def test_a_reply_is_filed_where_the_document_it_answers_is(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        await open_record(http, PROVINCE)
        arrived = await create(http, incoming(record_code=CODE))
        assert (await http.post(f"/api/v1/documents/{arrived['id']}/register")).status_code == 200
        reply = await create(http, outgoing(type_code="CV", answers=arrived["id"]))
        assert reply["answers"] == arrived["id"]
        await issue(http, reply["id"])
        assert [item["document_id"] for item in await filed(http, CODE)] == [
            arrived["id"],
            reply["id"],
        ]
        unknown = await http.post("/api/v1/documents", json=outgoing(answers="0" * 24))
        assert_problem(unknown, 422, "answers")


async def test_metadata_given_at_opening_is_kept_and_the_due_date_follows_settlement(
    app: Litestar,
) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        record = await open_record(
            http,
            PROVINCE,
            creator="Nguyễn Văn An",
            language="vi",
            description="Công trình trụ sở",
            access_mode="restricted",
            capital_construction=True,
            archival={"fonds_code": "H25", "keywords": ["xây dựng"]},
        )
        assert record["creator"] == "Nguyễn Văn An"
        assert record["access_mode"] == "restricted"
        assert record["archival"]["keywords"] == ["xây dựng"]
        assert record["capital_construction"] is True
        done = await issue(http, (await create(http, outgoing()))["id"])
        await file(http, CODE, done["id"])
        closed = (await http.post(f"/api/v1/records/{CODE}/close")).json()
        # Not settled yet: due a year after the end of the work, until settlement is known.
        assert closed["due_date"][:4] == str(int(done["issued_date"][:4]) + 1)
        settled = await http.patch(
            f"/api/v1/records/{CODE}",
            json={"revision": closed["revision"], "final_settlement_date": "2026-11-30"},
        )
        assert settled.status_code == 200, settled.text
        assert settled.json()["due_date"] == "2027-02-28"


async def register(http: Any, document_id: str) -> dict[str, Any]:
    response = await http.post(f"/api/v1/documents/{document_id}/register")
    assert response.status_code == 200, response.text
    return response.json()


async def test_closing_refuses_a_second_copy_of_the_same_letter(app: Litestar) -> None:
    """The same letter received twice (same sender, number and symbol) is registered twice and
    may be filed twice; a closed record keeps it once (D30 Art. 29.3)."""
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        await open_record(http, PROVINCE)
        letter = {"original_number": "15", "original_symbol": "UBND-VP", "summary": "Về việc A"}
        first = await register(http, (await create(http, incoming(**letter)))["id"])
        again = await register(http, (await create(http, incoming(**letter)))["id"])
        other = await register(http, (await create(http, incoming(original_number="16")))["id"])
        for document in (first, again, other):
            assert (await file(http, CODE, document["id"])).status_code == 201

        refused = await http.post(f"/api/v1/records/{CODE}/close")
        assert_problem(refused, 422, again["id"], f"copy of {first['id']}")
        assert (await http.get(f"/api/v1/records/{CODE}")).json()["state"] == "open"

        await http.delete(f"/api/v1/records/{CODE}/documents/{again['id']}")
        closed = await http.post(f"/api/v1/records/{CODE}/close")
        assert closed.status_code == 200, closed.text
        assert closed.json()["doc_total"] == 2


async def test_a_filing_that_lands_while_the_record_closes_keeps_it_open(
    app: Litestar, monkeypatch: Any
) -> None:
    """A document filed between the closing's reading of the record and its writing of the
    closed state was never checked: the record stays open, and the clerk is told to close again."""
    from core.records import closing

    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        await open_record(http, PROVINCE)
        done = await issue(http, (await create(http, outgoing()))["id"])
        await file(http, CODE, done["id"])
        late = await create(http, outgoing(summary="Dự thảo nộp muộn"))
        read_filed = closing._filed

        async def filed_then_one_more(record: Any) -> Any:
            found = await read_filed(record)
            assert (await file(http, CODE, late["id"])).status_code == 201
            return found

        monkeypatch.setattr(closing, "_filed", filed_then_one_more)
        raced = await http.post(f"/api/v1/records/{CODE}/close")
        monkeypatch.setattr(closing, "_filed", read_filed)

        assert_problem(raced, 409, "while it was being closed")
        after = (await http.get(f"/api/v1/records/{CODE}")).json()
        assert after["state"] == "open" and after["doc_total"] in (None, 0)
        assert {item["document_id"] for item in await filed(http, CODE)} == {
            done["id"],
            late["id"],
        }
        # Closing again sees the draft, and refuses it.
        assert_problem(await http.post(f"/api/v1/records/{CODE}/close"), 422, late["id"])


async def test_a_record_outside_the_list_cannot_take_an_entrys_number(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)

        async def outside(number: str) -> Any:
            return await http.post(
                "/api/v1/records",
                json={
                    "unit": PROVINCE,
                    "year": YEAR,
                    "outside_list": True,
                    "reason": "Việc phát sinh",
                    "title": "Hồ sơ ngoài danh mục",
                    "number_and_symbol": number,
                    "retention": "10 years",
                },
            )

        taken = await outside("1.TH")  # written without its leading zero: still entry 01.TH
        zero = await outside("0.TH")
        free = await outside("7.TH")
        from_list = await http.post(
            "/api/v1/records", json={"unit": PROVINCE, "year": YEAR, "entry_id": "TH-1"}
        )

    assert_problem(taken, 409, "01.TH", "TH-1")
    assert_problem(zero, 422, "number_and_symbol")
    assert free.status_code == 201, free.text
    assert free.json()["number_and_symbol"] == "07.TH"
    assert free.json()["code"].endswith(f".{YEAR}.07.TH")
    assert from_list.status_code == 201, from_list.text  # the entry still gets its own record
