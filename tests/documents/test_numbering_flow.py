"""Issuing outgoing documents and registering incoming ones, as a clerk (văn thư) does."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from tests.documents.conftest import (
    AWARD_EXTRA,
    FINANCE,
    HOME_AFFAIRS,
    PROVINCE,
    create,
    incoming,
    issue,
    outgoing,
)


async def test_first_issue_of_the_year_gets_number_01_and_the_decree30_symbol(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing())

    issued = await issue(client, draft["id"])

    assert issued["state"] == "issued"
    assert issued["number"] == 1
    assert issued["number_text"] == "01"
    assert issued["symbol"] == "QĐ-UBND"
    assert issued["number_and_symbol"] == "Số: 01/QĐ-UBND"
    assert issued["register_code"] == "outgoing"
    assert issued["revision"] == draft["revision"] + 1
    stored = (await client.get(f"/api/v1/documents/{draft['id']}")).json()
    assert stored["number_and_symbol"] == "Số: 01/QĐ-UBND"


async def test_second_issue_in_year_gets_number_2_and_cong_van_uses_the_drafting_section(
    client: AsyncTestClient,
) -> None:
    await issue(client, (await create(client, outgoing()))["id"])
    letter = await create(client, outgoing(type_code="CV", drafting_section="VX"))

    issued = await issue(client, letter["id"])

    assert issued["number_and_symbol"] == "Số: 02/UBND-VX"
    assert issued["type_symbol"] is None


async def test_register_book_lists_every_number_with_its_document(client: AsyncTestClient) -> None:
    ids = [(await create(client, outgoing()))["id"] for _ in range(3)]
    for document_id in ids:
        await issue(client, document_id)
    year = (await client.get(f"/api/v1/documents/{ids[0]}")).json()["register_year"]

    book = await client.get(f"/api/v1/units/{PROVINCE}/registers/outgoing/{year}")

    assert book.status_code == 200
    assert [(e["number"], e["document_id"]) for e in book.json()["entries"]] == [
        (1, ids[0]),
        (2, ids[1]),
        (3, ids[2]),
    ]


async def test_issuing_twice_is_refused_and_keeps_the_number(client: AsyncTestClient) -> None:
    draft = await create(client, outgoing())
    first = await issue(client, draft["id"])

    again = await client.post(f"/api/v1/documents/{draft['id']}/issue")

    assert again.status_code == 409
    assert "already issued (Số: 01/QĐ-UBND)" in again.json()["detail"]
    stored = (await client.get(f"/api/v1/documents/{draft['id']}")).json()
    assert stored["number"] == first["number"] and stored["revision"] == first["revision"]


async def test_incoming_document_gets_an_arrival_number_when_registered(
    client: AsyncTestClient,
) -> None:
    first = await create(client, incoming())
    second = await create(client, incoming(original_number="77"))

    registered_first = await client.post(f"/api/v1/documents/{first['id']}/register")
    registered_second = await client.post(f"/api/v1/documents/{second['id']}/register")

    assert registered_first.status_code == 200
    assert registered_first.json()["arrival_number"] == 1
    assert registered_second.json()["arrival_number"] == 2
    assert registered_second.json()["state"] == "registered"
    assert registered_second.json()["arrival_date"] is not None
    assert registered_second.json()["number"] is None  # the sender's number stays original_*
    assert registered_second.json()["original_number"] == "77"


async def test_outgoing_and_incoming_series_are_separate(client: AsyncTestClient) -> None:
    await issue(client, (await create(client, outgoing()))["id"])
    arrival = await create(client, incoming())

    registered = await client.post(f"/api/v1/documents/{arrival['id']}/register")

    assert registered.json()["arrival_number"] == 1


async def test_wrong_action_for_the_direction_is_refused(client: AsyncTestClient) -> None:
    draft = await create(client, outgoing())
    arrival = await create(client, incoming())

    register_outgoing = await client.post(f"/api/v1/documents/{draft['id']}/register")
    issue_incoming = await client.post(f"/api/v1/documents/{arrival['id']}/issue")

    assert register_outgoing.status_code == 409
    assert "/issue" in register_outgoing.json()["detail"]
    assert issue_incoming.status_code == 409
    assert "/register" in issue_incoming.json()["detail"]
    for document_id in (draft["id"], arrival["id"]):
        assert (await client.get(f"/api/v1/documents/{document_id}")).json()["state"] == "draft"


async def test_each_unit_numbers_on_its_own(client: AsyncTestClient) -> None:
    await issue(client, (await create(client, outgoing(unit=PROVINCE)))["id"])
    await issue(client, (await create(client, outgoing(unit=PROVINCE)))["id"])

    # Sở Khoa học và Công nghệ (Sở Tài chính's decisions pass a legal review before numbering).
    science = await issue(client, (await create(client, outgoing(unit="000.00.08.H25")))["id"])

    assert science["number_and_symbol"] == "Số: 01/QĐ-SKHCN"


async def test_home_affairs_numbers_commendations_in_their_own_register(
    client: AsyncTestClient,
) -> None:
    decision = await issue(client, (await create(client, outgoing(unit=HOME_AFFAIRS)))["id"])
    award = await create(
        client,
        outgoing(
            unit=HOME_AFFAIRS, type_code="QDKT", summary="Về việc tặng Bằng khen", extra=AWARD_EXTRA
        ),
    )

    awarded = await issue(client, award["id"])
    second_decision = await issue(client, (await create(client, outgoing(unit=HOME_AFFAIRS)))["id"])

    assert decision["number_and_symbol"] == "Số: 01/QĐ-SNV"
    assert awarded["register_code"] == "thi-dua-khen-thuong"
    assert awarded["number_and_symbol"] == "Số: 01/QĐ-SNV-TĐKT"
    assert awarded["extra"] == AWARD_EXTRA
    assert second_decision["number_and_symbol"] == "Số: 02/QĐ-SNV"


async def test_finance_has_no_commendation_type_and_numbers_by_decree30(
    client: AsyncTestClient,
) -> None:
    refused = await client.post(
        "/api/v1/documents", json=outgoing(unit=FINANCE, type_code="QDKT", extra=AWARD_EXTRA)
    )
    types = await client.get("/api/v1/document-types", params={"unit": FINANCE})
    home_types = await client.get("/api/v1/document-types", params={"unit": HOME_AFFAIRS})

    assert refused.status_code == 422
    assert "not available to unit 000.00.06.H25" in refused.json()["detail"]
    assert "QDKT" not in {t["code"] for t in types.json()}
    qdkt = next(t for t in home_types.json() if t["code"] == "QDKT")
    assert qdkt["sources"] == ["plugin:ha_tinh_home_affairs"]
    assert qdkt["extra_schema"]["required"] == ["award_form", "awardees"]


async def test_an_incoming_document_received_twice_is_registered_with_a_warning(
    client: AsyncTestClient,
) -> None:
    first = await create(client, incoming())
    await client.post(f"/api/v1/documents/{first['id']}/register")

    second = await client.post("/api/v1/documents", json=incoming())
    registered = await client.post(f"/api/v1/documents/{second.json()['id']}/register")
    other_sender = await create(client, incoming(issuing_body="Bộ Tài chính"))

    assert second.status_code == 201
    assert second.json()["warnings"] == [
        f"Incoming document {first['id']} has the same sender, number and symbol "
        "(Bộ Nội vụ, 1234/BNV-VP); check that this one is not received twice."
    ]
    assert registered.json()["arrival_number"] == 2
    assert len(registered.json()["warnings"]) == 1
    assert first["warnings"] == [] and other_sender["warnings"] == []
