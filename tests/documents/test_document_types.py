"""Document types: the Decree 30 list every unit has, and types a unit defines for itself and the
units below it, with a JSON Schema for their extra fields."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import concurrent_client
from tests.documents.conftest import (
    COMMUNE,
    FINANCE,
    HOME_AFFAIRS,
    PROVINCE,
    assert_problem,
    count_documents,
    outgoing,
)

DISTRICT = "000.00.35.H25"  # Cẩm Xuyên, parent of the commune Cẩm Bình
OTHER_DISTRICT = "000.00.36.H25"

RESIDENCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "citizen_name": {"type": "string", "minLength": 1, "maxLength": 100},
        "birth_year": {"type": "integer", "minimum": 1900, "maximum": 2026},
        "village": {"type": "string"},
    },
    "required": ["citizen_name", "birth_year"],
    "additionalProperties": False,
}


def residence_type(unit: str = DISTRICT, **fields: Any) -> dict[str, Any]:
    body = {
        "unit": unit,
        "code": "GXNCT",
        "name": "Giấy xác nhận cư trú",
        "symbol": "GXN",
        "extra_schema": RESIDENCE_SCHEMA,
    }
    body.update(fields)
    return body


def residence_letter(unit: str = COMMUNE, **extra: Any) -> dict[str, Any]:
    return outgoing(
        unit=unit,
        type_code="GXNCT",
        summary="Xác nhận cư trú tại thôn Nam Hà",
        extra=extra or {"citizen_name": "Phan Văn Đức", "birth_year": 1985},
    )


async def types_of(client: AsyncTestClient, unit: str) -> dict[str, dict[str, Any]]:
    response = await client.get("/api/v1/document-types", params={"unit": unit})
    assert response.status_code == 200, response.text
    return {item["code"]: item for item in response.json()}


async def define(client: AsyncTestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/document-types", json=body)
    assert response.status_code == 201, response.text
    return response.json()


# --- the Decree 30 list ----------------------------------------------------------------------


async def test_every_unit_has_the_29_decree30_types(client: AsyncTestClient) -> None:
    types = await types_of(client, COMMUNE)

    assert len(types) == 29
    assert {t["sources"][0] for t in types.values()} == {"plugin:decree30"}
    assert (types["QD"]["name"], types["QD"]["symbol"]) == ("Quyết định", "QĐ")
    assert (types["QYD"]["name"], types["QYD"]["symbol"]) == ("Quy định", "QyĐ")
    assert types["TTR"]["symbol"] == "TTr"


async def test_cong_van_has_no_symbol_of_its_own(client: AsyncTestClient) -> None:
    types = await types_of(client, PROVINCE)

    assert (types["CV"]["name"], types["CV"]["symbol"]) == ("Công văn", None)
    assert types["THUCONG"]["symbol"] is None


async def test_home_affairs_has_the_decree30_types_and_its_plugins_commendation(
    client: AsyncTestClient,
) -> None:
    types = await types_of(client, HOME_AFFAIRS)

    assert len(types) == 30
    assert types["QDKT"]["sources"] == ["plugin:ha_tinh_home_affairs"]


async def test_listing_types_of_an_unknown_unit_answers_422(client: AsyncTestClient) -> None:
    response = await client.get("/api/v1/document-types", params={"unit": "000.99.99.H25"})

    body = assert_problem(response, 422, "000.99.99.H25", "GET /api/v1/units")
    assert body["errors"] == [{"field": "unit", "message": "unknown unit"}]


# --- defining a type -------------------------------------------------------------------------


async def test_defined_type_is_answered_as_stored(client: AsyncTestClient) -> None:
    response = await client.post("/api/v1/document-types", json=residence_type())

    assert response.status_code == 201, response.text
    assert response.json() == {
        "code": "GXNCT",
        "name": "Giấy xác nhận cư trú",
        "symbol": "GXN",
        "extra_schema": RESIDENCE_SCHEMA,
        "sources": [f"unit:{DISTRICT}"],
    }
    assert (await types_of(client, DISTRICT))["GXNCT"] == response.json()


async def test_defined_type_applies_to_the_unit_and_the_units_below_it_only(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type(unit=DISTRICT))

    assert "GXNCT" in await types_of(client, DISTRICT)
    assert "GXNCT" in await types_of(client, COMMUNE)
    assert "GXNCT" not in await types_of(client, PROVINCE)
    assert "GXNCT" not in await types_of(client, FINANCE)
    assert "GXNCT" not in await types_of(client, OTHER_DISTRICT)


async def test_type_defined_for_the_province_reaches_every_unit(client: AsyncTestClient) -> None:
    await define(client, residence_type(unit=PROVINCE))

    for unit in (PROVINCE, FINANCE, HOME_AFFAIRS, DISTRICT, COMMUNE):
        assert "GXNCT" in await types_of(client, unit), unit


async def test_a_units_own_definition_wins_over_its_parents(client: AsyncTestClient) -> None:
    await define(client, residence_type(unit=DISTRICT))
    await define(client, residence_type(unit=COMMUNE, name="Giấy xác nhận cư trú (xã)"))

    assert (await types_of(client, COMMUNE))["GXNCT"]["name"] == "Giấy xác nhận cư trú (xã)"
    assert (await types_of(client, DISTRICT))["GXNCT"]["name"] == "Giấy xác nhận cư trú"


async def test_type_without_a_schema_gets_an_empty_object_schema(client: AsyncTestClient) -> None:
    body = residence_type()
    del body["extra_schema"]

    defined = await define(client, body)

    assert defined["extra_schema"] == {"type": "object", "properties": {}}


# --- documents of a defined type -------------------------------------------------------------


async def test_commune_files_a_document_of_its_districts_type(client: AsyncTestClient) -> None:
    await define(client, residence_type())

    response = await client.post("/api/v1/documents", json=residence_letter())

    assert response.status_code == 201, response.text
    stored = (await client.get(f"/api/v1/documents/{response.json()['id']}")).json()
    assert (stored["type_code"], stored["type_name"], stored["type_symbol"]) == (
        "GXNCT",
        "Giấy xác nhận cư trú",
        "GXN",
    )
    assert stored["extra"] == {"citizen_name": "Phan Văn Đức", "birth_year": 1985}


async def test_unit_outside_the_subtree_cannot_file_a_document_of_the_type(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type())

    response = await client.post("/api/v1/documents", json=residence_letter(unit=FINANCE))

    body = assert_problem(response, 422, "GXNCT", "not available to unit 000.00.06.H25")
    assert body["errors"][0]["field"] == "type_code"
    assert await count_documents(client) == 0


async def test_document_with_wrong_extra_fields_answers_422_naming_each_and_stores_nothing(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type())
    letter = residence_letter(citizen_name="", birth_year="1985", hamlet="Nam Hà")

    response = await client.post("/api/v1/documents", json=letter)

    body = assert_problem(response, 422, "extra.citizen_name", "extra.birth_year")
    fields = {error["field"] for error in body["errors"]}
    assert {"extra.citizen_name", "extra.birth_year", "extra"} <= fields
    assert any("hamlet" in error["message"] for error in body["errors"])
    assert await count_documents(client) == 0


async def test_document_missing_a_required_extra_field_answers_422_naming_it(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type())

    response = await client.post(
        "/api/v1/documents", json=residence_letter(citizen_name="Phan Văn Đức")
    )

    body = assert_problem(response, 422, "extra.birth_year")
    assert body["errors"] == [
        {"field": "extra.birth_year", "message": "'birth_year' is a required property"}
    ]
    assert await count_documents(client) == 0


async def test_changing_a_document_to_wrong_extra_fields_answers_422_and_keeps_it(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type())
    created = (await client.post("/api/v1/documents", json=residence_letter())).json()

    response = await client.patch(
        f"/api/v1/documents/{created['id']}",
        json={"revision": 1, "extra": {"citizen_name": "Phan Văn Đức", "birth_year": 1850}},
    )

    assert_problem(response, 422, "extra.birth_year")
    assert (await client.get(f"/api/v1/documents/{created['id']}")).json() == created


# --- changing a type -------------------------------------------------------------------------


async def test_changed_schema_applies_to_new_documents(client: AsyncTestClient) -> None:
    await define(client, residence_type())
    looser = {"type": "object", "properties": {"citizen_name": {"type": "string"}}}

    response = await client.patch(
        f"/api/v1/document-types/{DISTRICT}/GXNCT", json={"extra_schema": looser}
    )
    created = await client.post(
        "/api/v1/documents", json=residence_letter(citizen_name="Võ Thị Lan")
    )

    assert response.status_code == 200, response.text
    assert response.json()["extra_schema"] == looser
    assert (await types_of(client, COMMUNE))["GXNCT"]["extra_schema"] == looser
    assert created.status_code == 201, created.text


async def test_changing_the_name_keeps_the_schema(client: AsyncTestClient) -> None:
    await define(client, residence_type())

    response = await client.patch(
        f"/api/v1/document-types/{DISTRICT}/GXNCT", json={"name": "Giấy xác nhận nơi cư trú"}
    )

    assert response.status_code == 200, response.text
    stored = (await types_of(client, DISTRICT))["GXNCT"]
    assert (stored["name"], stored["extra_schema"]) == (
        "Giấy xác nhận nơi cư trú",
        RESIDENCE_SCHEMA,
    )


async def test_changing_to_an_invalid_schema_answers_422_and_keeps_the_old_one(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type())

    response = await client.patch(
        f"/api/v1/document-types/{DISTRICT}/GXNCT", json={"extra_schema": {"type": "objekt"}}
    )

    assert_problem(response, 422, "extra_schema", "objekt")
    assert (await types_of(client, DISTRICT))["GXNCT"]["extra_schema"] == RESIDENCE_SCHEMA


async def test_changing_a_plugin_type_answers_404(client: AsyncTestClient) -> None:
    response = await client.patch(
        f"/api/v1/document-types/{PROVINCE}/QD", json={"name": "Quyết định (sửa)"}
    )

    assert_problem(response, 404, "plugin types cannot be changed")
    assert (await types_of(client, PROVINCE))["QD"]["name"] == "Quyết định"


async def test_changing_a_type_through_a_unit_below_its_definer_answers_404(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type(unit=DISTRICT))

    response = await client.patch(
        f"/api/v1/document-types/{COMMUNE}/GXNCT", json={"name": "Giấy xác nhận khác"}
    )

    assert_problem(response, 404, COMMUNE, "GXNCT")
    assert (await types_of(client, COMMUNE))["GXNCT"]["name"] == "Giấy xác nhận cư trú"


# --- refused definitions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "field", "hint"),
    [
        pytest.param({"type": "objekt"}, "extra_schema", "objekt", id="unknown-type-keyword"),
        pytest.param(
            {"type": "object", "properties": {"a": {"type": "string", "pattern": "("}}},
            "extra_schema",
            "properties/a/pattern",
            id="pattern-that-is-no-regex",
        ),
        pytest.param(
            {"type": "object", "required": "citizen_name"},
            "extra_schema",
            "required",
            id="required-not-a-list",
        ),
        pytest.param({"type": "array"}, "extra_schema.type", "must describe an object", id="array"),
        pytest.param(
            {"properties": {}}, "extra_schema.type", "must describe an object", id="no-type"
        ),
        pytest.param(
            {"type": "object", "properties": {"a": {"$ref": "#/$defs/person"}}},
            "extra_schema",
            "#/$defs/person",
            id="reference-to-nothing",
        ),
        pytest.param(
            {"type": "object", "$ref": "http://127.0.0.1:9/schema.json"},
            "extra_schema",
            "http://127.0.0.1:9/schema.json",
            id="reference-to-another-server",
        ),
    ],
)
async def test_invalid_schema_answers_422_and_defines_nothing(
    client: AsyncTestClient, schema: dict[str, Any], field: str, hint: str
) -> None:
    response = await client.post("/api/v1/document-types", json=residence_type(extra_schema=schema))

    body = assert_problem(response, 422, hint)
    assert body["errors"][0]["field"] == field
    assert "GXNCT" not in await types_of(client, DISTRICT)


@pytest.mark.parametrize("schema", [["type", "object"], "object", 5, None], ids=repr)
async def test_schema_that_is_not_a_json_object_answers_422(
    client: AsyncTestClient, schema: Any
) -> None:
    response = await client.post("/api/v1/document-types", json=residence_type(extra_schema=schema))

    body = assert_problem(response, 422, "extra_schema")
    assert body["errors"][0]["field"] == "extra_schema"
    assert "GXNCT" not in await types_of(client, DISTRICT)


async def test_duplicate_code_for_the_same_unit_answers_409_and_keeps_the_first(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type())

    response = await client.post(
        "/api/v1/document-types", json=residence_type(name="Giấy xác nhận khác")
    )

    assert_problem(response, 409, "already defines type GXNCT")
    assert (await types_of(client, DISTRICT))["GXNCT"]["name"] == "Giấy xác nhận cư trú"


async def test_code_of_a_plugin_type_answers_409(client: AsyncTestClient) -> None:
    response = await client.post(
        "/api/v1/document-types", json=residence_type(unit=PROVINCE, code="QD")
    )

    assert_problem(response, 409, "Type QD", "by a plugin", "choose another code")
    assert (await types_of(client, PROVINCE))["QD"]["sources"] == ["plugin:decree30"]


async def test_code_of_a_plugin_type_of_a_unit_below_answers_409(client: AsyncTestClient) -> None:
    # Sở Nội vụ's plugin gives it QDKT; a province-wide QDKT would hide that type from it.
    response = await client.post(
        "/api/v1/document-types", json=residence_type(unit=PROVINCE, code="QDKT")
    )

    assert_problem(response, 409, "QDKT", HOME_AFFAIRS)
    assert (await types_of(client, HOME_AFFAIRS))["QDKT"]["sources"] == [
        "plugin:ha_tinh_home_affairs"
    ]
    assert "QDKT" not in await types_of(client, FINANCE)


async def test_type_for_an_unknown_unit_answers_422(client: AsyncTestClient) -> None:
    response = await client.post(
        "/api/v1/document-types", json=residence_type(unit="000.99.99.H25")
    )

    body = assert_problem(response, 422, "000.99.99.H25", "GET /api/v1/units")
    assert body["errors"] == [{"field": "unit", "message": "unknown unit"}]
    assert "GXNCT" not in await types_of(client, PROVINCE)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"code": "gxn"}, "code", id="lowercase-code"),
        pytest.param({"code": "GIẤY"}, "code", id="non-ascii-code"),
        pytest.param({"name": ""}, "name", id="empty-name"),
        pytest.param({"name": "x" * 101}, "name", id="name-over-100"),
        pytest.param({"symbol": "gxn"}, "symbol", id="lowercase-symbol"),
    ],
)
async def test_badly_formed_definition_answers_422_naming_the_field(
    client: AsyncTestClient, change: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/document-types", json=residence_type(**change))

    body = assert_problem(response, 422, field)
    assert [error["field"] for error in body["errors"]] == [field]
    assert len(await types_of(client, DISTRICT)) == 29


async def test_schema_with_defs_and_refs_is_kept_whole_and_used(client: AsyncTestClient) -> None:
    schema = {
        "type": "object",
        "$defs": {
            "person": {
                "type": "object",
                "properties": {"full_name": {"type": "string"}},
                "required": ["full_name"],
            }
        },
        "properties": {"applicant": {"$ref": "#/$defs/person"}, "thôn.xóm": {"type": "string"}},
        "required": ["applicant"],
    }
    defined = await define(client, residence_type(extra_schema=schema))

    refused = await client.post(
        "/api/v1/documents", json=residence_letter(applicant={"name": "thiếu họ tên"})
    )
    accepted = await client.post(
        "/api/v1/documents", json=residence_letter(applicant={"full_name": "Lê Thị Hoa"})
    )

    assert defined["extra_schema"] == schema
    assert (await types_of(client, COMMUNE))["GXNCT"]["extra_schema"] == schema
    assert_problem(refused, 422, "extra.applicant.full_name")
    assert accepted.status_code == 201


async def test_a_catastrophic_pattern_checks_documents_in_linear_time(
    client: AsyncTestClient,
) -> None:
    schema = {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": "^(a+)+$"}},
        "required": ["code"],
    }
    await define(client, residence_type(extra_schema=schema))

    response = await client.post("/api/v1/documents", json=residence_letter(code="a" * 5000 + "b"))

    assert_problem(response, 422, "extra.code")
    # Python's backtracking `re` would take longer than the universe has had: RE2 answers.


async def test_a_pattern_with_look_around_is_refused_when_the_type_is_defined(
    client: AsyncTestClient,
) -> None:
    schema = {"type": "object", "properties": {"code": {"type": "string", "pattern": "^(?=a)a$"}}}

    response = await client.post("/api/v1/document-types", json=residence_type(extra_schema=schema))

    assert_problem(response, 422, "look-around")
    assert "GXNCT" not in await types_of(client, DISTRICT)


@pytest.mark.parametrize("field", ["name", "extra_schema"])
async def test_changing_a_type_to_null_answers_422_and_keeps_it(
    client: AsyncTestClient, field: str
) -> None:
    await define(client, residence_type())

    response = await client.patch(f"/api/v1/document-types/{DISTRICT}/GXNCT", json={field: None})

    assert_problem(response, 422, field)
    kept = (await types_of(client, DISTRICT))["GXNCT"]
    assert (kept["name"], kept["extra_schema"]) == ("Giấy xác nhận cư trú", RESIDENCE_SCHEMA)


# --- schemas and documents that would cost too much ------------------------------------------


def doubling_schema(levels: int) -> dict[str, Any]:
    """About 1.2 KB for 16 levels: each level refers twice to the next, so checking one value
    follows 2**levels paths."""
    defs: dict[str, Any] = {
        f"a{i}": {"anyOf": [{"$ref": f"#/$defs/a{i + 1}"}, {"$ref": f"#/$defs/a{i + 1}"}]}
        for i in range(levels)
    }
    defs[f"a{levels}"] = {"type": "string"}
    return {"type": "object", "$defs": defs, "properties": {"code": {"$ref": "#/$defs/a0"}}}


async def test_a_schema_that_multiplies_through_references_is_refused_as_too_complex(
    client: AsyncTestClient,
) -> None:
    schema = doubling_schema(16)

    response = await client.post("/api/v1/document-types", json=residence_type(extra_schema=schema))

    body = assert_problem(response, 422, "too complex", "2,000 subschemas", "Simplify it")
    assert body["errors"][0]["field"] == "extra_schema"
    assert "GXNCT" not in await types_of(client, DISTRICT)


async def test_changing_a_type_to_a_too_complex_schema_answers_422_and_keeps_the_old_one(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type())

    response = await client.patch(
        f"/api/v1/document-types/{DISTRICT}/GXNCT", json={"extra_schema": doubling_schema(16)}
    )

    assert_problem(response, 422, "too complex")
    assert (await types_of(client, DISTRICT))["GXNCT"]["extra_schema"] == RESIDENCE_SCHEMA


async def test_a_schema_reusing_definitions_within_the_limit_is_accepted_and_used(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type(extra_schema=doubling_schema(6)))

    accepted = await client.post("/api/v1/documents", json=residence_letter(code="CX-01"))
    refused = await client.post("/api/v1/documents", json=residence_letter(code=5))

    assert accepted.status_code == 201, accepted.text
    assert_problem(refused, 422, "extra.code")


@pytest.mark.parametrize(
    "schema",
    [
        pytest.param(
            {
                "type": "object",
                "$defs": {"a": {"$ref": "#/$defs/a"}},
                "properties": {"x": {"$ref": "#/$defs/a"}},
            },
            id="definition-refers-to-itself",
        ),
        pytest.param(
            {
                "type": "object",
                "$defs": {
                    "person": {"properties": {"guardian": {"$ref": "#/$defs/guardian"}}},
                    "guardian": {"$ref": "#/$defs/person"},
                },
                "properties": {"applicant": {"$ref": "#/$defs/person"}},
            },
            id="two-definitions-refer-to-each-other",
        ),
        pytest.param(
            {"type": "object", "properties": {"x": {"$ref": "#"}}}, id="refers-to-the-root"
        ),
    ],
)
async def test_a_schema_that_refers_to_itself_is_refused_when_defined(
    client: AsyncTestClient, schema: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/document-types", json=residence_type(extra_schema=schema))

    body = assert_problem(response, 422, "refers to itself")
    assert body["errors"][0]["field"] == "extra_schema"
    assert "GXNCT" not in await types_of(client, DISTRICT)


async def test_a_chain_of_references_past_the_level_limit_is_refused(
    client: AsyncTestClient,
) -> None:
    defs: dict[str, Any] = {f"a{i}": {"$ref": f"#/$defs/a{i + 1}"} for i in range(150)}
    defs["a150"] = {"type": "string"}
    schema = {"type": "object", "$defs": defs, "properties": {"x": {"$ref": "#/$defs/a0"}}}

    response = await client.post("/api/v1/document-types", json=residence_type(extra_schema=schema))

    assert_problem(response, 422, "too complex", "levels deep")
    assert "GXNCT" not in await types_of(client, DISTRICT)


# 400 subschemas, well inside the limit; but 2,000 entries failing 200 alternatives each would
# take seven seconds to check.
MANY_ALTERNATIVES_SCHEMA = {
    "type": "object",
    "properties": {
        "codes": {
            "type": "array",
            "items": {"anyOf": [{"type": "string", "minLength": 3}] * 200},
        }
    },
}


async def test_a_document_too_costly_to_check_stops_at_the_work_cap_and_stores_nothing(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type(extra_schema=MANY_ALTERNATIVES_SCHEMA))

    response = await client.post(
        "/api/v1/documents", json=residence_letter(codes=list(range(2000)))
    )

    # The check stops at its work cap instead of running on.
    assert_problem(response, 422, "too large to check", "GXNCT", "100,000 checks")
    assert await count_documents(client) == 0


async def test_checking_a_document_leaves_the_service_answering_other_requests(
    app: Litestar,
) -> None:
    finished: list[str] = []
    async with concurrent_client(app) as client:
        await define(client, residence_type(extra_schema=MANY_ALTERNATIVES_SCHEMA))

        async def file_a_costly_document() -> None:
            letter = residence_letter(codes=list(range(2000)))
            response = await client.post("/api/v1/documents", json=letter)
            assert response.status_code == 422, response.text
            finished.append("document")

        async def list_the_types() -> None:
            await anyio.sleep(0.05)  # once the document's check has started
            await types_of(client, COMMUNE)
            finished.append("types")

        async with anyio.create_task_group() as group:
            group.start_soon(file_a_costly_document)
            group.start_soon(list_the_types)

    assert finished == ["types", "document"]


async def test_wrong_extra_fields_are_answered_in_brief_whatever_their_size(
    client: AsyncTestClient,
) -> None:
    communes = [f"Xã số {i:03d} thuộc huyện Cẩm Xuyên, tỉnh Hà Tĩnh" for i in range(500)]
    schema = {"type": "object", "additionalProperties": {"enum": communes}}
    await define(client, residence_type(extra_schema=schema))
    extra = {f"commune_{i:03d}": "Xã Cẩm Bình " * 1000 for i in range(60)}

    response = await client.post("/api/v1/documents", json=residence_letter(**extra))

    body = assert_problem(response, 422, "extra.commune_000", "and 40 more")
    assert len(response.content) < 20_000
    fields = [error["field"] for error in body["errors"]]
    assert fields == [f"extra.commune_{i:03d}" for i in range(20)]
    for error in body["errors"]:
        assert error["message"].startswith("must be one of ['Xã số 000")
        assert len(error["message"]) <= 200
        assert "Cẩm Bình" not in error["message"]
    assert await count_documents(client) == 0


async def test_a_long_wrong_value_is_not_repeated_in_the_answer(client: AsyncTestClient) -> None:
    await define(client, residence_type())

    response = await client.post(
        "/api/v1/documents",
        json=residence_letter(citizen_name="Phan Văn Đức", birth_year="1985" * 50_000),
    )

    body = assert_problem(response, 422, "extra.birth_year")
    assert body["errors"] == [{"field": "extra.birth_year", "message": "must be of type integer"}]
    assert await count_documents(client) == 0


async def test_each_missing_required_extra_field_is_named(client: AsyncTestClient) -> None:
    await define(client, residence_type())

    response = await client.post("/api/v1/documents", json=residence_letter(village="Nam Hà"))

    body = assert_problem(response, 422, "extra.citizen_name", "extra.birth_year")
    assert body["errors"] == [
        {"field": "extra.birth_year", "message": "'birth_year' is a required property"},
        {"field": "extra.citizen_name", "message": "'citizen_name' is a required property"},
    ]
    assert await count_documents(client) == 0


async def test_a_catastrophic_pattern_among_pattern_properties_checks_names_in_linear_time(
    client: AsyncTestClient,
) -> None:
    schema = {
        "type": "object",
        "patternProperties": {"^(a+)+$": {"type": "string"}},
        "additionalProperties": False,
    }
    await define(client, residence_type(extra_schema=schema))

    letter = residence_letter(**{"a" * 40 + "b": "x"})
    response = await client.post("/api/v1/documents", json=letter)

    assert_problem(response, 422, "fields not allowed here")
    # Python's backtracking `re` would take hours: RE2 answers.
    assert await count_documents(client) == 0


async def test_unevaluated_properties_beside_pattern_properties_is_refused_when_defined(
    client: AsyncTestClient,
) -> None:
    schema = {
        "type": "object",
        "patternProperties": {"^(a+)+$": {"type": "string"}},
        "unevaluatedProperties": False,
    }

    response = await client.post("/api/v1/document-types", json=residence_type(extra_schema=schema))

    assert_problem(response, 422, "unevaluatedProperties", "use additionalProperties")
    assert "GXNCT" not in await types_of(client, DISTRICT)


async def test_unique_items_over_many_entries_are_checked_in_linear_time(
    client: AsyncTestClient,
) -> None:
    schema = {
        "type": "object",
        "properties": {"households": {"type": "array", "uniqueItems": True}},
    }
    await define(client, residence_type(extra_schema=schema))
    households = [{"number": i} for i in range(6000)]

    unique = await client.post("/api/v1/documents", json=residence_letter(households=households))
    repeated = await client.post(
        "/api/v1/documents", json=residence_letter(households=[*households, {"number": 7.0}])
    )

    assert unique.status_code == 201, unique.text
    assert_problem(repeated, 422, "extra.households", "must all differ")
    # Comparing every pair took about 20 seconds; the check is linear.
    assert await count_documents(client) == 1
