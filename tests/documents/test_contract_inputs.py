"""Inputs the OpenAPI contract speaks of: nulls it refuses, fields that belong to one direction,
identifier codes, and text that would display in another order than it is stored.

Each refusal is a 422 problem naming the field, and nothing is stored or changed.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.documents.conftest import (
    PROVINCE,
    assert_problem,
    count_documents,
    create,
    incoming,
    outgoing,
)
from tests.documents.test_bad_inputs import ALWAYS_SET, NULL_REFUSED, state

# Those that always hold a value, but for `summary` and `type_code`, which create requires.
NOT_NULL_FIELDS = [name for name in ALWAYS_SET if name not in ("summary", "type_code")]


@pytest.mark.parametrize("field", NOT_NULL_FIELDS)
async def test_create_with_null_where_a_value_is_always_kept_answers_422_and_stores_nothing(
    client: AsyncTestClient, field: str
) -> None:
    response = await client.post("/api/v1/documents", json=outgoing(**{field: None}))

    body = assert_problem(response, 422, field, "cannot be null")
    assert body["errors"] == [{"field": field, "message": NULL_REFUSED}]
    assert await count_documents(client) == 0


async def test_create_with_null_in_a_clearable_field_stores_it_as_absent(
    client: AsyncTestClient,
) -> None:
    created = await create(client, outgoing(description=None, signer=None, due_date=None))

    stored = (await client.get(f"/api/v1/documents/{created['id']}")).json()
    assert (stored["description"], stored["signer"], stored["due_date"]) == (None, None, None)
    assert stored["secrecy"] == "none" and stored["keywords"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("original_number", "1234"),
        ("original_symbol", "BNV-VP"),
        ("original_date", "2026-11-20"),
        ("to_places", "Văn phòng UBND tỉnh"),
    ],
)
@pytest.mark.parametrize("direction", ["outgoing", "internal"])
async def test_incoming_only_fields_on_an_outgoing_or_internal_document_answer_422(
    client: AsyncTestClient, direction: str, field: str, value: str
) -> None:
    body = outgoing(direction=direction, **{field: value})

    response = await client.post("/api/v1/documents", json=body)

    assert_problem(response, 422, field, "incoming documents only")
    assert await count_documents(client) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("recipients", [{"organ_name": "Sở Tài chính"}]), ("issued_amount", 5)],
)
async def test_outgoing_only_fields_on_an_incoming_document_answer_422(
    client: AsyncTestClient, field: str, value: Any
) -> None:
    response = await client.post("/api/v1/documents", json=incoming(**{field: value}))

    assert_problem(response, 422, field, "outgoing and internal documents only")
    assert await count_documents(client) == 0


async def test_changing_an_outgoing_draft_with_an_incoming_field_changes_nothing(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing())
    before = await state(client)

    response = await client.patch(
        f"/api/v1/documents/{draft['id']}", json={"revision": 1, "original_number": "12"}
    )

    assert_problem(response, 422, "original_number")
    assert await state(client) == before


@pytest.mark.parametrize("organ_id", ["Sở Tài chính", "000.00.06", "000.00.06.H25 ", "H25"])
async def test_a_recipient_organ_id_must_be_an_identifier_code(
    client: AsyncTestClient, organ_id: str
) -> None:
    recipients = [{"organ_id": organ_id, "organ_name": "Sở Tài chính"}]

    response = await client.post("/api/v1/documents", json=outgoing(recipients=recipients))

    assert_problem(response, 422, "recipients.0.organ_id")
    assert await count_documents(client) == 0


async def test_a_recipient_with_an_identifier_code_is_stored(client: AsyncTestClient) -> None:
    recipients = [{"organ_id": "000.00.06.H25", "organ_name": "Sở Tài chính"}]

    created = await create(client, outgoing(recipients=recipients))

    assert created["recipients"] == recipients


async def test_a_recipient_with_an_unknown_field_answers_422(client: AsyncTestClient) -> None:
    recipients = [{"organ_name": "Sở Tài chính", "email": "stc@hatinh.gov.vn"}]

    response = await client.post("/api/v1/documents", json=outgoing(recipients=recipients))

    assert_problem(response, 422, "recipients.0.email")
    assert await count_documents(client) == 0


@pytest.mark.parametrize("mark", ["\u202e", "\u202d", "\u2066", "\u2067", "\u200f", "\u061c"])
@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"summary": "Về việc {}khen thưởng"}, "summary"),
        ({"issuing_body": "Sở {}Nội vụ"}, "issuing_body"),
        ({"signer": {"full_name": "Nguyễn {}Văn An", "position": "Giám đốc"}}, "signer.full_name"),
        ({"extra": {"ghi_chu": "abc{}def"}}, "extra.ghi_chu"),
    ],
)
async def test_bidirectional_controls_in_text_answer_422_naming_the_field(
    client: AsyncTestClient, mark: str, fields: dict[str, Any], where: str
) -> None:
    filled = {
        name: (
            value.format(mark)
            if isinstance(value, str)
            else {k: v.format(mark) if isinstance(v, str) else v for k, v in value.items()}
        )
        for name, value in fields.items()
    }

    response = await client.post("/api/v1/documents", json=outgoing(**filled))

    assert_problem(response, 422, where, f"U+{ord(mark):04X}")
    assert await count_documents(client) == 0


async def test_a_bidirectional_override_in_a_type_name_is_refused(
    client: AsyncTestClient,
) -> None:
    response = await client.post(
        "/api/v1/document-types",
        json={"unit": PROVINCE, "code": "GXN", "name": "Giấy \u202exác nhận"},
    )

    assert_problem(response, 422, "name", "U+202E")
    types = (await client.get("/api/v1/document-types", params={"unit": PROVINCE})).json()
    assert "GXN" not in [t["code"] for t in types]


GXN_SCHEMA = {
    "type": "object",
    "properties": {"citizen_name": {"type": "string"}},
    "required": ["citizen_name"],
}


async def test_a_type_schema_that_its_documents_no_longer_fit_is_refused_naming_them(
    client: AsyncTestClient,
) -> None:
    defined = await client.post(
        "/api/v1/document-types",
        json={"unit": PROVINCE, "code": "GXN", "name": "Giấy xác nhận", "extra_schema": GXN_SCHEMA},
    )
    assert defined.status_code == 201, defined.text
    document = await create(
        client, outgoing(type_code="GXN", extra={"citizen_name": "Trần Thị Bình"})
    )
    stricter = {
        **GXN_SCHEMA,
        "properties": {**GXN_SCHEMA["properties"], "address": {"type": "string"}},
        "required": ["citizen_name", "address"],
    }

    refused = await client.patch(
        f"/api/v1/document-types/{PROVINCE}/GXN", json={"extra_schema": stricter}
    )
    widened = {**stricter, "required": ["citizen_name"]}
    accepted = await client.patch(
        f"/api/v1/document-types/{PROVINCE}/GXN", json={"extra_schema": widened}
    )

    assert_problem(refused, 409, document["id"], "no longer fit")
    assert accepted.status_code == 200, accepted.text
    types = (await client.get("/api/v1/document-types", params={"unit": PROVINCE})).json()
    assert [t["extra_schema"] for t in types if t["code"] == "GXN"] == [widened]


async def test_a_change_that_sends_the_stored_values_makes_no_new_revision(
    client: AsyncTestClient,
) -> None:
    draft = await create(client, outgoing(keywords=["quy chế"]))

    same = await client.patch(
        f"/api/v1/documents/{draft['id']}",
        json={"revision": 1, "description": None, "keywords": ["quy chế"], "secrecy": "none"},
    )
    changed = await client.patch(
        f"/api/v1/documents/{draft['id']}", json={"revision": 1, "description": "Ghi chú"}
    )

    assert same.status_code == 200 and same.json()["revision"] == 1
    assert changed.status_code == 200 and changed.json()["revision"] == 2
