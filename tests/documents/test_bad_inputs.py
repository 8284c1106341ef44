"""Bad input on every endpoint: a problem a person can act on, never a 500, and nothing stored.

Each case sends one mistake and checks the status, that the answer is `application/problem+json`
whose detail (or field list) names the field or the fix, and that the documents, the types and the
register books read back exactly as before.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.documents.conftest import PROVINCE, assert_problem, create, incoming, issue, outgoing

UNKNOWN_ID = "65f0a1b2c3d4e5f6a7b8c9d0"  # a well-formed ObjectId no document has
# Fields a document always holds: they may be left out of a request, never sent as null.
ALWAYS_SET = [
    "summary",
    "issuing_body",
    "type_code",
    "language",
    "keywords",
    "access_mode",
    "urgency",
    "secrecy",
    "recipients",
]
NULL_REFUSED = "cannot be null; leave the field out to keep its value or get its default"
MIB = 1_048_576


async def state(client: AsyncTestClient) -> dict[str, Any]:
    """Everything a bad request could have touched, read through the API."""
    documents = await client.get("/api/v1/documents", params={"limit": 200})
    types = await client.get("/api/v1/document-types", params={"unit": PROVINCE})
    registers = await client.get(f"/api/v1/units/{PROVINCE}/registers")
    for response in (documents, types, registers):
        assert response.status_code == 200, response.text
    return {
        "documents": documents.json()["items"],
        "types": types.json(),
        "registers": registers.json(),
    }


@pytest.fixture
async def draft(client: AsyncTestClient) -> dict[str, Any]:
    """An outgoing draft, and an issued document so the register book has an entry to keep."""
    await issue(client, (await create(client, outgoing(summary="Văn bản đã ban hành")))["id"])
    return await create(client, outgoing())


def raw(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def nested(depth: int) -> bytes:
    """`outgoing()` whose extra field holds lists `depth` levels deep."""
    return raw(outgoing(extra={"a": 0})).replace(b'"a": 0', b'"a": ' + b"[" * depth + b"]" * depth)


JSON = {"content-type": "application/json"}

# --- POST /api/v1/documents ------------------------------------------------------------------

CREATE_CASES = [
    pytest.param(b'{"unit": "000.00.00.H25",', 400, ("not valid JSON",), id="truncated-json"),
    pytest.param(b"{unit: 1}", 400, ("not valid JSON",), id="malformed-json"),
    pytest.param(b"", 422, ("body",), id="no-body"),
    pytest.param(b"[1, 2]", 422, ("body",), id="json-array"),
    pytest.param(raw(outgoing(page_count="many")), 422, ("page_count",), id="page-count-text"),
    pytest.param(raw(outgoing(page_count=1000)), 422, ("page_count",), id="page-count-over-999"),
    pytest.param(raw(outgoing(page_count=1.5)), 422, ("page_count",), id="page-count-fraction"),
    pytest.param(raw(outgoing(direction="sideways")), 422, ("direction",), id="unknown-direction"),
    pytest.param(raw(outgoing(keywords="a")), 422, ("keywords",), id="keywords-not-a-list"),
    pytest.param(raw(outgoing(keywords=["x" * 101])), 422, ("keywords.0",), id="keyword-over-100"),
    pytest.param(raw(outgoing(urgency="asap")), 422, ("urgency",), id="unknown-urgency"),
    pytest.param(raw(outgoing(due_date="2026-13-01")), 422, ("due_date",), id="impossible-date"),
    pytest.param(raw(outgoing(extra=["a"])), 422, ("extra",), id="extra-not-an-object"),
    pytest.param(
        raw({"summary": "Về việc"}),
        422,
        ("unit", "direction", "type_code"),
        id="missing-unit-direction-type",
    ),
    pytest.param(
        raw({k: v for k, v in outgoing().items() if k != "summary"}),
        422,
        ("summary",),
        id="missing-summary",
    ),
    pytest.param(raw(outgoing(summary="   ")), 422, ("summary",), id="blank-summary"),
    pytest.param(raw(outgoing(numbr="05")), 422, ("numbr",), id="unknown-field"),
    pytest.param(raw(outgoing(number=5)), 422, ("number",), id="sets-number"),
    pytest.param(raw(outgoing(state="issued")), 422, ("state",), id="sets-state"),
    pytest.param(raw(outgoing(revision=7)), 422, ("revision",), id="sets-revision"),
    pytest.param(raw(outgoing(summary="x" * 501)), 422, ("summary",), id="summary-over-500"),
    pytest.param(
        raw(outgoing(issuing_body="x" * 201)), 422, ("issuing_body",), id="issuing-body-over-200"
    ),
    pytest.param(
        raw(outgoing(description="x" * 501)), 422, ("description",), id="description-over-500"
    ),
    pytest.param(
        raw(incoming(original_number="x" * 12)),
        422,
        ("original_number",),
        id="original-number-over-11",
    ),
    pytest.param(
        raw(incoming(original_symbol="x" * 31)),
        422,
        ("original_symbol",),
        id="original-symbol-over-30",
    ),
    pytest.param(
        raw(outgoing(signer={"full_name": "x" * 51, "position": "Giám đốc"})),
        422,
        ("signer.full_name",),
        id="signer-name-over-50",
    ),
    pytest.param(
        raw(outgoing(signer={"full_name": "Lê Văn Nam", "position": "Giám đốc", "capacity": "XX"})),
        422,
        ("signer.capacity",),
        id="unknown-signing-capacity",
    ),
    pytest.param(
        raw(outgoing(recipients=[{"organ_id": "x" * 14, "organ_name": "Sở Tư pháp"}])),
        422,
        ("recipients.0.organ_id",),
        id="recipient-id-over-13",
    ),
    pytest.param(
        raw(outgoing(drafting_section="vx")), 422, ("drafting_section",), id="lowercase-section"
    ),
    pytest.param(
        raw(outgoing(unit="000.99.99.H25")), 422, ("000.99.99.H25", "unit"), id="unknown-unit"
    ),
    pytest.param(
        raw(outgoing(type_code="ZZ")),
        422,
        ("type_code", "/api/v1/document-types"),
        id="unknown-type",
    ),
    pytest.param(
        raw(outgoing(secrecy="secret")), 422, ("secrecy", "Secret documents"), id="secret"
    ),
    pytest.param(raw(outgoing(secrecy="confidential")), 422, ("secrecy",), id="confidential"),
    pytest.param(
        raw({k: v for k, v in incoming().items() if k != "issuing_body"}),
        422,
        ("issuing_body",),
        id="incoming-without-issuing-body",
    ),
    pytest.param(
        raw(outgoing(extra={"$where": "1"})), 422, ("extra", "'$where'"), id="extra-dollar-name"
    ),
    pytest.param(raw(outgoing(extra={"a.b": 1})), 422, ("extra", "'a.b'"), id="extra-dotted-name"),
    pytest.param(raw(outgoing(extra={"a\x00b": 1})), 422, ("extra", "NUL"), id="extra-nul-in-name"),
    pytest.param(nested(30), 422, ("extra", "nested deeper"), id="extra-nested-30-deep"),
    pytest.param(nested(400), 422, ("extra", "nested deeper"), id="extra-nested-400-deep"),
    pytest.param(nested(5000), 400, ("nested too deeply",), id="body-nested-5000-deep"),
    pytest.param(raw(outgoing(description="x" * MIB)), 413, ("larger than",), id="body-over-1-mib"),
    pytest.param(
        raw(outgoing(extra={"a": 2**63})),
        422,
        ("extra.a", "outside that range as a string"),
        id="extra-int-over-64-bits",
    ),
    pytest.param(
        raw(outgoing(extra={"a": {"b": [1, -(2**63) - 1]}})),
        422,
        ("extra.a.b.1", "9223372036854775807"),
        id="extra-int-under-64-bits-deep",
    ),
    pytest.param(
        raw(outgoing(extra={"matrix": [[1, 2], [3, 4]]})),
        422,
        ("extra.matrix", "arrays inside arrays are not stored", "list of objects"),
        id="extra-array-in-array",
    ),
    pytest.param(
        raw(outgoing(extra={"rows": [{"cells": [[]]}]})),
        422,
        ("extra.rows.0.cells", "arrays inside arrays"),
        id="extra-empty-array-in-array-deep",
    ),
    pytest.param(
        raw(outgoing(summary="Về việc\x00 ban hành")), 422, ("summary", "NUL"), id="nul-in-summary"
    ),
    pytest.param(
        raw(outgoing(keywords=["đất đai", "a\x1bb"])),
        422,
        ("keywords.1", "U+001B"),
        id="escape-in-keyword",
    ),
    pytest.param(
        raw(outgoing(description="x\x85y")), 422, ("description", "U+0085"), id="c1-in-description"
    ),
    pytest.param(
        raw(outgoing(signer={"full_name": "Lê Văn\x07 Nam", "position": "Giám đốc"})),
        422,
        ("signer.full_name", "U+0007"),
        id="bell-in-signer-name",
    ),
    pytest.param(
        raw(outgoing(extra={"note": "a\x7fb"})), 422, ("extra.note", "U+007F"), id="del-in-extra"
    ),
    pytest.param(
        raw(outgoing(extra={"a\x01": 1})), 422, ("extra", "U+0001"), id="control-in-extra-name"
    ),
    pytest.param(
        raw(outgoing(summary="\u200b")), 422, ("summary", "visible text"), id="zero-width-summary"
    ),
    pytest.param(
        raw(outgoing(summary=" \u00ad\u200b\ufeff ")),
        422,
        ("summary", "visible text"),
        id="invisible-summary",
    ),
    pytest.param(raw(outgoing(keywords=["\u200b"])), 422, ("keywords.0",), id="invisible-keyword"),
    pytest.param(
        raw(incoming(issuing_body="\u2060")), 422, ("issuing_body",), id="invisible-issuing-body"
    ),
    pytest.param(
        raw(outgoing(signer={"full_name": "\u200b", "position": "Giám đốc"})),
        422,
        ("signer.full_name", "visible text"),
        id="invisible-signer-name",
    ),
    pytest.param(
        raw(outgoing(recipients=[{"organ_name": "Sở Tư pháp"}, {"organ_name": "\u00ad"}])),
        422,
        ("recipients.1.organ_name",),
        id="invisible-recipient",
    ),
]


@pytest.mark.parametrize(("body", "status", "named"), CREATE_CASES)
async def test_create_with_bad_input_answers_a_problem_and_stores_nothing(
    client: AsyncTestClient, draft: dict[str, Any], body: bytes, status: int, named: tuple[str, ...]
) -> None:
    before = await state(client)

    response = await client.post("/api/v1/documents", content=body, headers=JSON)

    assert_problem(response, status, *named)
    assert await state(client) == before


async def test_incoming_with_a_blank_issuing_body_answers_422_naming_it(
    client: AsyncTestClient, draft: dict[str, Any]
) -> None:
    before = await state(client)

    response = await client.post("/api/v1/documents", json=incoming(issuing_body="  "))

    assert_problem(response, 422, "issuing_body")
    assert await state(client) == before


# --- GET, PATCH, DELETE /api/v1/documents/{id} and its actions -------------------------------


@pytest.mark.parametrize("document_id", [UNKNOWN_ID, "abc", "0" * 25, "%00"])
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"revision": 1, "page_count": 2}),
        ("DELETE", "", None),
        ("POST", "/issue", None),
        ("POST", "/register", None),
    ],
    ids=["get", "patch", "delete", "issue", "register"],
)
async def test_unknown_document_answers_404_naming_the_id(
    client: AsyncTestClient,
    draft: dict[str, Any],
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
    document_id: str,
) -> None:
    before = await state(client)

    response = await client.request(method, f"/api/v1/documents/{document_id}{suffix}", json=body)

    assert_problem(response, 404, "There is no document with id")
    assert await state(client) == before


PATCH_CASES = [
    pytest.param(b'{"revision": 1,', 400, ("not valid JSON",), id="truncated-json"),
    pytest.param(b"", 422, ("body",), id="no-body"),
    pytest.param(raw({"summary": "Về việc khác"}), 422, ("revision",), id="missing-revision"),
    pytest.param(b'{"revision": "one"}', 422, ("revision",), id="revision-text"),
    pytest.param(b'{"revision": 0}', 422, ("revision",), id="revision-zero"),
    pytest.param(b'{"revision": 1, "page_count": "many"}', 422, ("page_count",), id="page-text"),
    pytest.param(b'{"revision": 1, "keywords": "a"}', 422, ("keywords",), id="keywords-not-list"),
    pytest.param(b'{"revision": 1, "direction": "incoming"}', 422, ("direction",), id="direction"),
    pytest.param(b'{"revision": 1, "unit": "000.00.06.H25"}', 422, ("unit",), id="moves-unit"),
    pytest.param(b'{"revision": 1, "numbr": "05"}', 422, ("numbr",), id="unknown-field"),
    pytest.param(b'{"revision": 1, "number": 5}', 422, ("number",), id="sets-number"),
    pytest.param(b'{"revision": 1, "state": "issued"}', 422, ("state",), id="sets-state"),
    pytest.param(
        raw({"revision": 1, "summary": "x" * 501}), 422, ("summary",), id="summary-over-500"
    ),
    pytest.param(b'{"revision": 1, "type_code": "ZZ"}', 422, ("type_code",), id="unknown-type"),
    pytest.param(b'{"revision": 1, "secrecy": "top_secret"}', 422, ("secrecy",), id="secret"),
    pytest.param(
        raw({"revision": 1, "extra": {"$set": {"state": "issued"}}}),
        422,
        ("extra",),
        id="extra-dollar-name",
    ),
    pytest.param(
        raw({"revision": 1, "description": "x" * MIB}), 413, ("larger than",), id="over-1-mib"
    ),
    pytest.param(b'{"revision": 2, "page_count": 2}', 409, ("revision 2",), id="stale-revision"),
    pytest.param(
        raw({"revision": 1, "extra": {"a": 2**63}}),
        422,
        ("extra.a", "as a string"),
        id="extra-int-over-64-bits",
    ),
    pytest.param(
        raw({"revision": 1, "extra": {"m": [[1]]}}),
        422,
        ("extra.m", "arrays inside arrays"),
        id="extra-array-in-array",
    ),
    pytest.param(
        raw({"revision": 1, "summary": "Về việc\x00"}), 422, ("summary", "NUL"), id="nul-in-summary"
    ),
    pytest.param(
        raw({"revision": 1, "summary": "\u200b"}), 422, ("summary",), id="zero-width-summary"
    ),
    pytest.param(
        raw({"revision": 1, "keywords": ["x\x0c"]}),
        422,
        ("keywords.0", "U+000C"),
        id="form-feed-in-keyword",
    ),
]


@pytest.mark.parametrize(("body", "status", "named"), PATCH_CASES)
async def test_update_with_bad_input_answers_a_problem_and_changes_nothing(
    client: AsyncTestClient, draft: dict[str, Any], body: bytes, status: int, named: tuple[str, ...]
) -> None:
    before = await state(client)

    response = await client.patch(f"/api/v1/documents/{draft['id']}", content=body, headers=JSON)

    assert_problem(response, status, *named)
    assert await state(client) == before


@pytest.mark.parametrize("field", ALWAYS_SET)
async def test_update_setting_a_required_field_to_null_answers_422_naming_it(
    client: AsyncTestClient, draft: dict[str, Any], field: str
) -> None:
    before = await state(client)

    response = await client.patch(
        f"/api/v1/documents/{draft['id']}", json={"revision": 1, field: None}
    )

    body = assert_problem(response, 422, field, "cannot be null")
    assert body["errors"] == [
        {"field": field, "message": NULL_REFUSED},
    ]
    assert await state(client) == before


async def test_update_of_an_issued_document_naming_locked_fields_changes_nothing(
    client: AsyncTestClient, draft: dict[str, Any]
) -> None:
    issued = await issue(client, draft["id"])
    before = await state(client)

    response = await client.patch(
        f"/api/v1/documents/{draft['id']}",
        json={
            "revision": issued["revision"],
            "keywords": ["mới"],
            "signer": None,
            "urgency": "flash",
        },
    )

    body = assert_problem(response, 409, "signer", "urgency")
    assert body["fields"] == ["signer", "urgency"]
    assert await state(client) == before


@pytest.mark.parametrize(
    ("revision", "status", "named"),
    [
        pytest.param("x", 422, ("revision",), id="revision-text"),
        pytest.param("0", 422, ("revision",), id="revision-zero"),
        pytest.param("2", 409, ("revision 2",), id="stale-revision"),
    ],
)
async def test_delete_with_a_bad_revision_answers_a_problem_and_keeps_the_draft(
    client: AsyncTestClient,
    draft: dict[str, Any],
    revision: str,
    status: int,
    named: tuple[str, ...],
) -> None:
    before = await state(client)

    response = await client.delete(
        f"/api/v1/documents/{draft['id']}", params={"revision": revision}
    )

    assert_problem(response, status, *named)
    assert await state(client) == before


ACTION_CASES = [
    pytest.param(b'{"revision": ', 400, ("not valid JSON",), id="truncated-json"),
    pytest.param(b'{"revision": "one"}', 422, ("revision",), id="revision-text"),
    pytest.param(b'{"revision": 0}', 422, ("revision",), id="revision-zero"),
    pytest.param(b'{"numbr": 5}', 422, ("numbr",), id="unknown-field"),
    pytest.param(b'{"number": 5}', 422, ("number",), id="sets-number"),
    pytest.param(b"[1]", 422, ("body",), id="json-array"),
    pytest.param(b'{"revision": 9}', 409, ("revision 9",), id="stale-revision"),
    pytest.param(raw({"revision": 1, "x": "x" * MIB}), 413, ("larger than",), id="over-1-mib"),
]


@pytest.mark.parametrize(("body", "status", "named"), ACTION_CASES)
async def test_issue_with_bad_input_answers_a_problem_and_takes_no_number(
    client: AsyncTestClient, draft: dict[str, Any], body: bytes, status: int, named: tuple[str, ...]
) -> None:
    before = await state(client)

    response = await client.post(
        f"/api/v1/documents/{draft['id']}/issue", content=body, headers=JSON
    )

    assert_problem(response, status, *named)
    assert await state(client) == before


@pytest.mark.parametrize(("body", "status", "named"), ACTION_CASES)
async def test_register_with_bad_input_answers_a_problem_and_takes_no_number(
    client: AsyncTestClient, draft: dict[str, Any], body: bytes, status: int, named: tuple[str, ...]
) -> None:
    arrival = await create(client, incoming())
    before = await state(client)

    response = await client.post(
        f"/api/v1/documents/{arrival['id']}/register", content=body, headers=JSON
    )

    assert_problem(response, status, *named)
    assert await state(client) == before


# --- GET /api/v1/documents (list) ------------------------------------------------------------

LIST_CASES = [
    pytest.param({"cursor": "abc"}, 422, ("cursor", "start again without it"), id="garbage-cursor"),
    pytest.param({"limit": "0"}, 422, ("limit",), id="limit-zero"),
    pytest.param({"limit": "-1"}, 422, ("limit",), id="limit-negative"),
    pytest.param({"limit": "1000"}, 422, ("limit",), id="limit-over-200"),
    pytest.param({"limit": "ten"}, 422, ("limit",), id="limit-text"),
    pytest.param(
        {"date_from": "2026-03-31", "date_to": "2026-03-01"},
        422,
        ("date_from is after date_to",),
        id="dates-reversed",
    ),
    pytest.param({"date_from": "yesterday"}, 422, ("date_from",), id="date-from-text"),
    pytest.param({"date_to": "2026-02-30"}, 422, ("date_to",), id="impossible-date-to"),
    pytest.param({"direction": "sideways"}, 422, ("direction",), id="unknown-direction"),
    pytest.param({"state": "archived"}, 422, ("state",), id="unknown-state"),
    pytest.param({"unit": "000.99.99.H25"}, 422, ("000.99.99.H25", "unit"), id="unknown-unit"),
    pytest.param({"q": "x" * 501}, 422, ("q",), id="search-over-500"),
]


@pytest.mark.parametrize(("params", "status", "named"), LIST_CASES)
async def test_list_with_bad_parameters_answers_a_problem(
    client: AsyncTestClient,
    draft: dict[str, Any],
    params: dict[str, str],
    status: int,
    named: tuple[str, ...],
) -> None:
    before = await state(client)

    response = await client.get("/api/v1/documents", params=params)

    assert_problem(response, status, *named)
    assert await state(client) == before


async def test_list_with_an_unknown_state_names_the_query_parameter_not_an_internal_one(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/api/v1/documents", params={"state": "archived"})

    body = assert_problem(response, 422, "state")
    assert [error["field"] for error in body["errors"]] == ["state"]


# --- /api/v1/document-types ------------------------------------------------------------------


def new_type(**fields: Any) -> dict[str, Any]:
    body = {"unit": PROVINCE, "code": "GXN", "name": "Giấy xác nhận"}
    body.update(fields)
    return body


TYPE_CREATE_CASES = [
    pytest.param(b'{"unit": ', 400, ("not valid JSON",), id="truncated-json"),
    pytest.param(b"", 422, ("body",), id="no-body"),
    pytest.param(b"{}", 422, ("unit", "code", "name"), id="missing-fields"),
    pytest.param(raw(new_type(numbr=1)), 422, ("numbr",), id="unknown-field"),
    pytest.param(raw(new_type(name=5)), 422, ("name",), id="name-number"),
    pytest.param(raw(new_type(code="gxn")), 422, ("code",), id="lowercase-code"),
    pytest.param(raw(new_type(extra_schema="object")), 422, ("extra_schema",), id="schema-text"),
    pytest.param(
        raw(new_type(extra_schema={"type": "objekt"})), 422, ("extra_schema",), id="bad-schema"
    ),
    pytest.param(
        raw(new_type(extra_schema={"type": "object", "properties": {"a\x00": {}}})),
        422,
        ("extra_schema", "NUL"),
        id="nul-in-schema-name",
    ),
    pytest.param(raw(new_type(unit="000.99.99.H25")), 422, ("unit",), id="unknown-unit"),
    pytest.param(raw(new_type(name="\u200b")), 422, ("name", "visible text"), id="invisible-name"),
    pytest.param(raw(new_type(name="Giấy\x00")), 422, ("name", "NUL"), id="nul-in-name"),
    pytest.param(raw(new_type(code="QD")), 409, ("QD", "by a plugin"), id="plugin-code"),
    pytest.param(
        raw(new_type(extra_schema={"type": "object", "description": "x" * MIB})),
        413,
        ("larger than",),
        id="over-1-mib",
    ),
]


@pytest.mark.parametrize(("body", "status", "named"), TYPE_CREATE_CASES)
async def test_type_definition_with_bad_input_answers_a_problem_and_defines_nothing(
    client: AsyncTestClient, draft: dict[str, Any], body: bytes, status: int, named: tuple[str, ...]
) -> None:
    before = await state(client)

    response = await client.post("/api/v1/document-types", content=body, headers=JSON)

    assert_problem(response, status, *named)
    assert await state(client) == before


TYPE_UPDATE_CASES = [
    pytest.param("GXN", b'{"name": ', 400, ("not valid JSON",), id="truncated-json"),
    pytest.param("GXN", b'{"numbr": 1}', 422, ("numbr",), id="unknown-field"),
    pytest.param("GXN", b'{"code": "GXM"}', 422, ("code",), id="changes-code"),
    pytest.param("GXN", b'{"name": ""}', 422, ("name",), id="empty-name"),
    pytest.param("GXN", raw({"name": "\u00ad"}), 422, ("name",), id="invisible-name"),
    pytest.param("GXN", raw({"name": "Giấy\x1f"}), 422, ("name", "U+001F"), id="control-in-name"),
    pytest.param("GXN", b'{"extra_schema": []}', 422, ("extra_schema",), id="schema-list"),
    pytest.param(
        "GXN", b'{"extra_schema": {"type": "objekt"}}', 422, ("extra_schema",), id="bad-schema"
    ),
    pytest.param("NONE", raw({"name": "Giấy khác"}), 404, ("defines no type NONE",), id="unknown"),
    pytest.param("QD", raw({"name": "Giấy khác"}), 404, ("plugin types",), id="plugin-type"),
]


@pytest.mark.parametrize(("code", "body", "status", "named"), TYPE_UPDATE_CASES)
async def test_type_change_with_bad_input_answers_a_problem_and_changes_nothing(
    client: AsyncTestClient, code: str, body: bytes, status: int, named: tuple[str, ...]
) -> None:
    defined = await client.post("/api/v1/document-types", json=new_type())
    assert defined.status_code == 201, defined.text
    before = await state(client)

    response = await client.patch(
        f"/api/v1/document-types/{PROVINCE}/{code}", content=body, headers=JSON
    )

    assert_problem(response, status, *named)
    assert await state(client) == before


async def test_listing_types_without_a_unit_answers_400_naming_the_parameter(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/api/v1/document-types")

    assert_problem(response, 400, "'unit'")


# --- /api/v1/units and the register books ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "status", "named"),
    [
        pytest.param("/api/v1/units", {"level": "ward"}, 422, ("level", "commune"), id="level"),
        pytest.param(
            "/api/v1/units", {"parent": "000.99.99.H25"}, 404, ("000.99.99.H25",), id="parent"
        ),
        pytest.param("/api/v1/units/000.99.99.H25", {}, 404, ("000.99.99.H25",), id="unit"),
        pytest.param("/api/v1/units/abc/subtree", {}, 404, ("'abc'",), id="subtree"),
        pytest.param("/api/v1/units/abc/registers", {}, 404, ("'abc'",), id="registers"),
        pytest.param(
            "/api/v1/units/abc/registers/outgoing/2026", {}, 404, ("'abc'",), id="book-unit"
        ),
        pytest.param(
            f"/api/v1/units/{PROVINCE}/registers/outgoing/1800", {}, 422, ("year",), id="book-1800"
        ),
        pytest.param(
            f"/api/v1/units/{PROVINCE}/registers/outgoing/10000",
            {},
            422,
            ("year",),
            id="book-10000",
        ),
        pytest.param(
            f"/api/v1/units/{PROVINCE}/registers/outgoing/năm",
            {},
            404,
            ("/schema",),
            id="book-year-text",
        ),
    ],
)
async def test_units_and_registers_with_bad_input_answer_a_problem(
    client: AsyncTestClient,
    draft: dict[str, Any],
    path: str,
    params: dict[str, str],
    status: int,
    named: tuple[str, ...],
) -> None:
    before = await state(client)

    response = await client.get(path, params=params)

    assert_problem(response, status, *named)
    assert await state(client) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"page_count": True}, "page_count"),
        ({"page_count": "5"}, "page_count"),
        ({"issued_amount": 2.5}, "issued_amount"),
    ],
)
async def test_counts_must_be_json_numbers_not_booleans_or_strings(
    client: AsyncTestClient, body: dict[str, Any], field: str
) -> None:
    before = await state(client)

    response = await client.post("/api/v1/documents", json=outgoing(**body))

    assert_problem(response, 422, field)
    assert await state(client) == before


async def test_revision_true_is_not_revision_1(client: AsyncTestClient) -> None:
    document = await create(client, outgoing())

    response = await client.patch(
        f"/api/v1/documents/{document['id']}", json={"revision": True, "summary": "Khác"}
    )

    assert_problem(response, 422, "revision")
    stored = (await client.get(f"/api/v1/documents/{document['id']}")).json()
    assert (stored["revision"], stored["summary"]) == (1, document["summary"])


# --- text and values kept as sent -----------------------------------------------------------


async def test_tabs_and_line_breaks_are_kept_in_text(client: AsyncTestClient) -> None:
    description = "Dòng một\r\n\tDòng hai\n"

    created = await create(client, outgoing(description=description, extra={"note": "a\tb"}))

    stored = (await client.get(f"/api/v1/documents/{created['id']}")).json()
    assert (stored["description"], stored["extra"]) == (description, {"note": "a\tb"})


async def test_whole_numbers_at_the_64_bit_edges_are_stored_exactly(
    client: AsyncTestClient,
) -> None:
    extra = {"largest": 2**63 - 1, "smallest": -(2**63), "numbers": [0, 2**62]}

    created = await create(client, outgoing(extra=extra))

    stored = (await client.get(f"/api/v1/documents/{created['id']}")).json()
    assert stored["extra"] == extra


async def test_lists_of_objects_holding_arrays_are_stored(client: AsyncTestClient) -> None:
    extra = {"rows": [{"values": [1, 2]}, {"values": [3, 4]}], "tags": ["a", "b"]}

    created = await create(client, outgoing(extra=extra))

    stored = (await client.get(f"/api/v1/documents/{created['id']}")).json()
    assert stored["extra"] == extra


async def test_summary_pasted_with_invisible_characters_is_found_by_plain_search(
    client: AsyncTestClient,
) -> None:
    pasted = "Về việc tổ chức lịch\u00ad tiếp\u200b công dân tháng 12"
    created = await create(client, outgoing(summary=pasted))

    found = await client.get("/api/v1/documents", params={"q": "lich tiep cong dan"})

    assert found.status_code == 200, found.text
    assert [item["id"] for item in found.json()["items"]] == [created["id"]]
    assert found.json()["items"][0]["summary"] == pasted
