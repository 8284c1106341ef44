"""What any API client sees before touching a document: docs, errors, limits."""

from __future__ import annotations

from litestar.testing import AsyncTestClient


async def test_openapi_schema_and_docs_pages_are_served(client: AsyncTestClient) -> None:
    schema = await client.get("/schema/openapi.json")
    docs = await client.get("/schema")
    swagger = await client.get("/schema/swagger")

    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "hoso"
    assert "/health" in schema.json()["paths"]
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    assert swagger.status_code == 200 and swagger.text == docs.text


async def test_unknown_path_is_a_problem_document(client: AsyncTestClient) -> None:
    response = await client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 404
    assert "/api/v1/nothing-here" in body["detail"]


async def test_wrong_method_is_a_problem_document(client: AsyncTestClient) -> None:
    response = await client.post("/health", json={})

    assert response.status_code == 405
    assert response.json()["title"] == "Method not allowed"
