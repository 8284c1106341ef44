"""What a search finds: Vietnamese with and without diacritics, phrases, word beginnings, and
every searchable field of a document."""

from __future__ import annotations

import httpx

from tests.documents.conftest import (
    AWARD_EXTRA,
    HOME_AFFAIRS,
    PROVINCE,
    create,
    incoming,
    issue,
    outgoing,
)
from tests.search.helpers import found

DECISION = "Quyết định về việc ban hành quy chế làm việc"


async def test_with_or_without_diacritics_and_in_any_case_the_same_documents(
    client: httpx.AsyncClient,
) -> None:
    decision = await create(client, outgoing(summary=DECISION))
    other = await create(client, outgoing(summary="Kế hoạch phòng chống thiên tai"))
    for q in ("quyết định", "Quyet Dinh", "QUYẾT ĐỊNH", "quyet dinh", "định quyết"):
        assert await found(client, q) == [decision["id"]], q
    assert await found(client, "thien tai") == [other["id"]]
    assert await found(client, "dinh thien") == []  # every word must be found


async def test_d_with_stroke_is_d(client: httpx.AsyncClient) -> None:
    made = await create(client, outgoing(summary="Về việc đầu tư đường giao thông"))
    assert await found(client, "dau tu duong") == [made["id"]]
    assert await found(client, "ĐẦU TƯ") == [made["id"]]


async def test_exact_diacritics_tell_quyet_quyết_and_quyệt_apart(
    client: httpx.AsyncClient,
) -> None:
    right = await create(client, outgoing(summary="Quyết toán ngân sách"))
    wrong = await create(client, outgoing(summary="Quyệt toán ngân sách"))
    plain = await create(client, outgoing(summary="Quyet toan ngan sach"))
    everything = {right["id"], wrong["id"], plain["id"]}
    assert set(await found(client, "quyết toán")) == everything
    assert await found(client, "QUYẾT toán", exact_diacritics="true") == [right["id"]]
    assert await found(client, "quyet", exact_diacritics="true") == [plain["id"]]
    assert await found(client, "quyệt", exact_diacritics="true") == [wrong["id"]]


async def test_phrases_need_their_words_together_and_in_order(client: httpx.AsyncClient) -> None:
    together = await create(client, outgoing(summary="Về việc ban hành quy chế"))
    apart = await create(client, outgoing(summary="Quy chế về việc ban hành"))
    assert set(await found(client, "ban hành quy chế")) == {together["id"], apart["id"]}
    assert await found(client, '"ban hành quy chế"') == [together["id"]]
    assert await found(client, '"hanh quy"') == [together["id"]]
    assert await found(client, '"quy chế ban"') == []


async def test_a_word_beginning_ends_with_a_star(client: httpx.AsyncClient) -> None:
    rule = await create(client, outgoing(summary="Ban hành quy chế"))
    plan = await create(client, outgoing(summary="Quy hoạch sử dụng đất"))
    decision = await create(client, outgoing(summary="Quyết định khen thưởng"))
    assert set(await found(client, "quy*")) == {rule["id"], plan["id"], decision["id"]}
    assert set(await found(client, "quyê*")) == {decision["id"]}
    assert set(await found(client, "quy")) == {rule["id"], plan["id"]}  # a whole word
    assert await found(client, '"ban hành quy c*"') == [rule["id"]]


async def test_number_and_symbol_find_an_issued_document(client: httpx.AsyncClient) -> None:
    made = await create(client, outgoing(summary="Về việc thành lập tổ công tác"))
    issued = await issue(client, made["id"])
    number, symbol = issued["number_text"], issued["symbol"]
    assert symbol == "QĐ-UBND"
    for q in (f"{number}/{symbol}", symbol, f"{number}/QĐ", "qd-ubnd"):
        assert made["id"] in await found(client, q), q
    assert await found(client, f"{int(number) + 1:02d}/{symbol}") == []


async def test_issuing_body_signer_keywords_and_the_senders_number(
    client: httpx.AsyncClient,
) -> None:
    received = await create(client, incoming(issuing_body="Bộ Tài nguyên và Môi trường"))
    signed = await create(
        client,
        outgoing(
            signer={"full_name": "Trần Thị Bình", "position": "Chủ tịch"},
            keywords=["chuyển đổi số", "hồ sơ điện tử"],
        ),
    )
    assert await found(client, "tai nguyen moi truong") == [received["id"]]
    assert await found(client, "1234/BNV-VP") == [received["id"]]
    assert await found(client, "Tran Thi Binh") == [signed["id"]]
    assert await found(client, '"chuyen doi so"') == [signed["id"]]
    response = await client.get("/api/v1/search", params={"q": "trần bình"})
    assert response.json()["items"][0]["matched_fields"] == ["signer"]


async def test_extra_fields_a_type_marks_searchable(client: httpx.AsyncClient) -> None:
    award = await create(
        client,
        outgoing(unit=HOME_AFFAIRS, type_code="QDKT", summary="Khen thưởng", extra=AWARD_EXTRA),
    )
    assert await found(client, "cải cách hành chính") == [award["id"]]  # emulation_movement
    assert await found(client, "Nguyen Van An") == [award["id"]]  # awardees
    assert await found(client, "Bằng khen") == []  # award_form is not marked searchable


async def test_a_custom_type_marks_its_own_fields_searchable(client: httpx.AsyncClient) -> None:
    schema = {
        "type": "object",
        "properties": {
            "project": {"type": "string", "x-searchable": True},
            "note": {"type": "string"},
        },
    }
    defined = await client.post(
        "/api/v1/document-types",
        json={"unit": PROVINCE, "code": "GDA", "name": "Giấy đề án", "extra_schema": schema},
    )
    assert defined.status_code == 201, defined.text
    made = await create(
        client,
        outgoing(type_code="GDA", extra={"project": "Cầu Cửa Hội", "note": "Ghi chú riêng"}),
    )
    assert await found(client, "cau cua hoi") == [made["id"]]
    assert await found(client, "ghi chu rieng") == []


async def test_an_edit_and_a_deletion_change_what_is_found(client: httpx.AsyncClient) -> None:
    made = await create(client, outgoing(summary="Kế hoạch tuyên truyền"))
    changed = await client.patch(
        f"/api/v1/documents/{made['id']}",
        json={"revision": made["revision"], "summary": "Kế hoạch kiểm tra"},
    )
    assert changed.status_code == 200, changed.text
    assert await found(client, "tuyên truyền") == []
    assert await found(client, "kiểm tra") == [made["id"]]
    deleted = await client.delete(f"/api/v1/documents/{made['id']}")
    assert deleted.status_code == 204, deleted.text
    assert await found(client, "kiểm tra") == []


async def test_relevance_puts_summary_matches_first(client: httpx.AsyncClient) -> None:
    in_keywords = await create(client, outgoing(summary="Báo cáo năm", keywords=["thủy lợi"]))
    in_summary = await create(client, outgoing(summary="Công trình thủy lợi"))
    in_body = await create(client, incoming(issuing_body="Ban quản lý thủy lợi"))
    ids = await found(client, "thủy lợi")
    assert ids == [in_summary["id"], in_keywords["id"], in_body["id"]]
