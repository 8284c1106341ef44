"""The OpenAPI document at /schema/openapi.json, read as a front-end team reads it: every error
it can get, which fields are required, the rules the server enforces, where created items live."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.documents.conftest import PROBLEM_JSON, create, outgoing

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


@pytest.fixture
async def document(client: AsyncTestClient) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def component(document: dict[str, Any], name: str) -> dict[str, Any]:
    return document["components"]["schemas"][name]


async def test_every_error_response_is_documented_as_problem_details(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        errors = {code: r for code, r in operation["responses"].items() if int(code) >= 400}
        assert errors, (method, path)
        for code, response in errors.items():
            if method == "HEAD":  # the same answer as GET, without the body
                assert "content" not in response, (method, path, code)
                continue
            assert list(response["content"]) == [PROBLEM_JSON], (method, path, code)
            schema = response["content"][PROBLEM_JSON]["schema"]
            assert schema == {"$ref": "#/components/schemas/ProblemDetails"}, (method, path)


async def test_problem_details_schema_names_the_fields_the_service_sends(
    document: dict[str, Any],
) -> None:
    problem = component(document, "ProblemDetails")

    assert set(problem["required"]) == {"title", "status", "detail"}
    assert {"type", "title", "status", "detail", "errors"} <= set(problem["properties"])
    field_error = component(document, "FieldError")
    assert set(field_error["required"]) == {"field", "message"}


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("POST", "/api/v1/documents", {"400", "409", "413", "415", "422", "431", "503"}),
        ("GET", "/api/v1/documents/{document_id}", {"404", "431"}),
        ("HEAD", "/api/v1/documents/{document_id}", {"404", "431"}),
        ("PATCH", "/api/v1/documents/{document_id}", {"404", "409", "415", "422"}),
        ("DELETE", "/api/v1/documents/{document_id}", {"404", "409"}),
        ("POST", "/api/v1/documents/{document_id}/issue", {"404", "409", "415", "422", "500"}),
        ("POST", "/api/v1/document-types", {"415", "422"}),
        ("GET", "/health", {"431", "503"}),
        ("POST", "/api/v1/documents/{document_id}/files", {"404", "413", "415", "422"}),
        ("GET", "/api/v1/document-types", {"400", "422"}),
        ("GET", "/api/v1/units/{code}/registers/{register_code}/{year}", {"404", "422"}),
    ],
)
async def test_operations_document_the_errors_they_answer(
    document: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    responses = document["paths"][path][method.lower()]["responses"]

    assert statuses <= set(responses), sorted(responses)


async def test_every_operation_can_answer_431_and_every_json_body_415(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        assert "431" in operation["responses"], (method, path)
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            assert "415" in operation["responses"], (method, path)


async def test_every_get_has_a_documented_head_without_bodies(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        if "get" not in item:
            continue
        get, head = item["get"], item["head"]
        for code, response in head["responses"].items():
            assert "content" not in response, (path, code)
        if path.endswith("/content"):
            assert head["operationId"] == "download_file_headers"  # its own handler
            continue
        assert set(head["responses"]) == set(get["responses"]), path
        assert head["operationId"] == f"{get['operationId']}_head"
        assert head.get("parameters") == get.get("parameters"), path
        for code, response in head["responses"].items():
            assert response.get("headers") == get["responses"][code].get("headers"), (path, code)


async def test_query_and_header_parameters_are_never_null(document: dict[str, Any]) -> None:
    def parameter(path: str, method: str, name: str) -> dict[str, Any]:
        found = [p for p in document["paths"][path][method]["parameters"] if p["name"] == name]
        return found[0]["schema"]

    for method, path, operation in operations(document):
        for p in operation.get("parameters", []):
            if p["in"] in ("query", "header"):
                assert "null" not in str(p["schema"]), (method, path, p["name"], p["schema"])
    documents = "/api/v1/documents"
    assert parameter(documents, "get", "q") == {
        "type": "string",
        "minLength": 1,
        "maxLength": 500,
        "description": parameter(documents, "get", "q")["description"],
    }
    assert parameter(documents, "get", "direction") == {"$ref": "#/components/schemas/Direction"}
    assert parameter(documents, "get", "date_from")["format"] == "date"
    assert parameter(f"{documents}/{{document_id}}", "delete", "revision") == {
        "type": "integer",
        "minimum": 1,
    }
    download = f"{documents}/{{document_id}}/files/{{file_id}}/content"
    for method in ("get", "head"):
        version = parameter(download, method, "version")
        assert (version["type"], version["minimum"]) == ("integer", 1)
        assert "current one" in version["description"]
    assert parameter("/api/v1/units", "get", "level") == {"type": "string"}


async def test_optional_bodies_are_not_marked_required(document: dict[str, Any]) -> None:
    for path in (
        "/api/v1/documents/{document_id}/issue",
        "/api/v1/documents/{document_id}/register",
    ):
        body = document["paths"][path]["post"]["requestBody"]
        assert body["required"] is False
        assert body["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/RevisionOnly"
        }


async def test_schemas_carry_the_rules_the_server_enforces(document: dict[str, Any]) -> None:
    type_create = component(document, "DocumentTypeCreate")["properties"]
    signer = component(document, "SignerIn")["properties"]
    create_fields = component(document, "DocumentCreate")["properties"]
    recipient = component(document, "RecipientIn")["properties"]

    assert type_create["code"]["pattern"] == "^[A-Z][A-Z0-9_]{0,19}$"
    assert "pattern" in str(type_create["symbol"])
    assert "TUQ" in str(signer["capacity"])
    assert create_fields["keywords"]["maxItems"] == 50
    assert "maxLength" not in create_fields["keywords"]
    assert create_fields["recipients"]["maxItems"] == 500
    assert "minimum" in str(create_fields["page_count"]) and "999" in str(
        create_fields["page_count"]
    )
    assert "H" in str(recipient["organ_id"]["anyOf"][0]["pattern"])


async def test_fields_that_refuse_null_do_not_offer_it(document: dict[str, Any]) -> None:
    fields = component(document, "DocumentCreate")["properties"]

    for name in ("secrecy", "access_mode", "urgency", "keywords", "language", "recipients"):
        assert "null" not in str(fields[name]), name
        assert "default" not in fields[name], name
    assert "null" in str(fields["description"])  # null clears it


def _walk(value: Any) -> list[str]:
    if isinstance(value, dict):
        return list(value) + [key for item in value.values() for key in _walk(item)]
    if isinstance(value, list):
        return [key for item in value for key in _walk(item)]
    return []


async def test_no_schema_keyword_is_left_in_python_spelling(document: dict[str, Any]) -> None:
    keys = set(_walk(document["components"]))

    assert not keys & {"ge", "le", "gt", "lt", "max_length", "min_length"}


async def test_operation_ids_are_unique_and_named_after_what_they_do(
    document: dict[str, Any],
) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(document)]

    assert len(ids) == len(set(ids)), sorted(ids)
    assert {"create_document", "issue_document", "list_documents"} <= set(ids)


async def test_a_created_document_says_where_it_lives(
    client: AsyncTestClient, document: dict[str, Any]
) -> None:
    created = await client.post("/api/v1/documents", json=outgoing())

    assert created.status_code == 201
    location = created.headers["location"]
    assert location == f"/api/v1/documents/{created.json()['id']}"
    assert (await client.get(location)).json() == {**created.json(), "warnings": []}
    headers = document["paths"]["/api/v1/documents"]["post"]["responses"]["201"]["headers"]
    assert headers["Location"]["schema"]["type"] == "string"


async def test_a_defined_type_says_where_it_can_be_changed(client: AsyncTestClient) -> None:
    body = {"unit": "000.00.00.H25", "code": "GXN", "name": "Giấy xác nhận"}

    created = await client.post("/api/v1/document-types", json=body)
    changed = await client.patch(created.headers["location"], json={"name": "Giấy xác nhận cư trú"})

    assert created.status_code == 201
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Giấy xác nhận cư trú"


async def test_a_wrong_method_answers_405_with_allow(client: AsyncTestClient) -> None:
    draft = await create(client, outgoing())

    response = await client.put(f"/api/v1/documents/{draft['id']}", json={})

    assert response.status_code == 405
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH"
    assert "DELETE, GET, HEAD, OPTIONS, PATCH" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/v1/documents", "GET, HEAD, OPTIONS, POST"),
        ("/api/v1/documents/65f0a1b2c3d4e5f6a7b8c9d0", "DELETE, GET, HEAD, OPTIONS, PATCH"),
        ("/api/v1/documents/65f0a1b2c3d4e5f6a7b8c9d0/files", "GET, HEAD, OPTIONS, POST"),
        ("/health", "GET, HEAD, OPTIONS"),
    ],
)
async def test_options_lists_every_method_of_the_path(
    client: AsyncTestClient, path: str, allowed: str
) -> None:
    response = await client.options(path)

    assert response.status_code == 204
    assert response.headers["allow"] == allowed


PDF = b"%PDF-1.4\n%%EOF\n"


async def test_uploads_say_where_the_files_live(client: AsyncTestClient) -> None:
    draft = await create(client, outgoing())
    files_url = f"/api/v1/documents/{draft['id']}/files"

    one = await client.post(files_url, files=[("files", ("a.pdf", PDF, "application/pdf"))])
    two = await client.post(
        files_url,
        files=[
            ("files", ("b.pdf", PDF, "application/pdf")),
            ("files", ("c.pdf", PDF, "application/pdf")),
        ],
    )
    file_id = one.json()[0]["file_id"]
    version = await client.post(
        f"{files_url}/{file_id}/versions", files=[("files", ("a2.pdf", PDF, "application/pdf"))]
    )

    assert one.status_code == two.status_code == version.status_code == 201
    assert one.headers["location"] == f"{files_url}/{file_id}"
    assert (await client.get(one.headers["location"])).json()["name"] == "a2.pdf"  # its current
    assert two.headers["location"] == files_url
    assert len((await client.get(two.headers["location"])).json()) == 3
    assert version.headers["location"] == f"{files_url}/{file_id}"
