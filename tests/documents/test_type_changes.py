"""Changing or redefining a document type never leaves its documents outside its schema.

A unit may redefine a type of a unit above for itself and the units below, and a type's schema may
change, only when the documents of the type there fit the new schema. While such a change is under
way, a new document must fit both schemas.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import concurrent_client
from tests.documents.conftest import assert_problem, count_documents, create
from tests.documents.test_document_types import (
    COMMUNE,
    DISTRICT,
    RESIDENCE_SCHEMA,
    define,
    residence_letter,
    residence_type,
    types_of,
)

STRICTER = {**RESIDENCE_SCHEMA, "required": ["citizen_name", "birth_year", "village"]}


async def test_a_unit_cannot_redefine_a_type_its_documents_would_no_longer_fit(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type(unit=DISTRICT))
    letter = await create(client, residence_letter(unit=COMMUNE))

    response = await client.post(
        "/api/v1/document-types", json=residence_type(unit=COMMUNE, extra_schema=STRICTER)
    )

    assert_problem(response, 409, letter["id"], "no longer fit")
    assert (await types_of(client, COMMUNE))["GXNCT"]["sources"] == [f"unit:{DISTRICT}"]
    changed = await client.patch(
        f"/api/v1/documents/{letter['id']}", json={"revision": 1, "summary": "Xác nhận lại"}
    )
    assert changed.status_code == 200, changed.text


async def test_a_unit_may_redefine_a_type_its_documents_fit(client: AsyncTestClient) -> None:
    await define(client, residence_type(unit=DISTRICT))
    await create(client, residence_letter(unit=COMMUNE))
    wider = {**RESIDENCE_SCHEMA, "properties": {**RESIDENCE_SCHEMA["properties"], "note": {}}}

    redefined = await define(
        client, residence_type(unit=COMMUNE, name="Giấy xác nhận (xã)", extra_schema=wider)
    )

    assert redefined["extra_schema"] == wider
    assert (await types_of(client, COMMUNE))["GXNCT"]["extra_schema"] == wider
    assert (await types_of(client, DISTRICT))["GXNCT"]["extra_schema"] == RESIDENCE_SCHEMA


async def test_a_change_of_the_district_type_ignores_documents_of_a_commune_that_redefined_it(
    client: AsyncTestClient,
) -> None:
    await define(client, residence_type(unit=DISTRICT))
    await define(client, residence_type(unit=COMMUNE, name="Giấy xác nhận (xã)"))
    await create(client, residence_letter(unit=COMMUNE))  # follows the commune's own definition

    changed = await client.patch(
        f"/api/v1/document-types/{DISTRICT}/GXNCT", json={"extra_schema": STRICTER}
    )

    assert changed.status_code == 200, changed.text


async def test_while_a_schema_change_is_under_way_a_document_must_fit_both(app: Litestar) -> None:
    # The app in this test's event loop: the test reaches into its database below.
    async with concurrent_client(app) as client:
        await define(client, residence_type(unit=DISTRICT))
        # A change under way, as another worker leaves it between marking and writing the schema.
        types = app.state.runtime.database.db["document_types"]
        await types.update_one(
            {"unit": DISTRICT, "code": "GXNCT"},
            {"$set": {"pending_schema_json": _json(STRICTER)}},
        )
        before = await count_documents(client)

        fits_old_only = await client.post("/api/v1/documents", json=residence_letter())
        fits_both = await client.post(
            "/api/v1/documents",
            json=residence_letter(citizen_name="Phan Văn Đức", birth_year=1985, village="Nam Hà"),
        )
        another_change = await client.patch(
            f"/api/v1/document-types/{DISTRICT}/GXNCT", json={"extra_schema": RESIDENCE_SCHEMA}
        )
        after = await count_documents(client)

    assert_problem(fits_old_only, 422, "village")
    assert fits_both.status_code == 201, fits_both.text
    assert after == before + 1
    assert_problem(another_change, 409, "being changed")


async def test_one_type_as_a_unit_sees_it(client: AsyncTestClient) -> None:
    await define(client, residence_type(unit=DISTRICT))

    inherited = await client.get(f"/api/v1/document-types/{COMMUNE}/GXNCT")
    standard = await client.get(f"/api/v1/document-types/{COMMUNE}/QD")
    missing = await client.get(f"/api/v1/document-types/{COMMUNE}/NOPE")
    no_unit = await client.get("/api/v1/document-types/000.99.99.H25/QD")

    assert inherited.status_code == 200
    assert inherited.json()["sources"] == [f"unit:{DISTRICT}"]
    assert standard.json()["name"] == "Quyết định"
    assert_problem(missing, 404, "NOPE")
    assert_problem(no_unit, 404, "000.99.99.H25")


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


async def test_a_document_checked_just_before_a_schema_change_is_not_kept_outside_it(
    app: Litestar, client: AsyncTestClient, monkeypatch: Any
) -> None:
    """The change marks its schema pending, then scans; a creation that read the type before
    the mark and stored its document after the scan looks at the type again and takes it back."""
    await define(client, residence_type(unit=DISTRICT))
    from core.documents import service

    real = service.type_for_unit
    calls = 0

    async def type_read_before_the_mark(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        found = await real(*args)
        if calls == 1:  # the creation's first read: then the change marks its schema pending
            types = app.state.runtime.database.db["document_types"]
            await types.update_one(
                {"unit": DISTRICT, "code": "GXNCT"},
                {"$set": {"pending_schema_json": _json(STRICTER)}},
            )
        return found

    monkeypatch.setattr(service, "type_for_unit", type_read_before_the_mark)
    before = await count_documents(client)

    response = await client.post("/api/v1/documents", json=residence_letter())

    assert_problem(response, 409, "changed while the document was being created", "village")
    assert await count_documents(client) == before
