"""The units tree of config/units.toml as the API shows it, and the register books of a unit."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.documents.conftest import (
    COMMUNE,
    FINANCE,
    HOME_AFFAIRS,
    PROVINCE,
    assert_problem,
    create,
    incoming,
    issue,
    outgoing,
)

DISTRICT = "000.00.35.H25"

CONFIGURED = [
    ("000.00.00.H25", "province", None),
    ("000.00.01.H25", "department", PROVINCE),
    ("000.00.05.H25", "department", PROVINCE),
    ("000.00.06.H25", "department", PROVINCE),
    ("000.00.07.H25", "department", PROVINCE),
    ("000.00.08.H25", "department", PROVINCE),
    ("000.00.31.H25", "district", PROVINCE),
    ("000.00.35.H25", "district", PROVINCE),
    ("000.00.36.H25", "district", PROVINCE),
    ("000.01.40.H25", "commune", PROVINCE),
    ("000.02.40.H25", "commune", PROVINCE),
    ("000.01.41.H25", "commune", PROVINCE),
    ("000.01.42.H25", "commune", PROVINCE),
    ("000.02.42.H25", "commune", PROVINCE),
    ("000.01.35.H25", "commune", DISTRICT),
]


async def units(client: AsyncTestClient, path: str = "/api/v1/units", **params: str) -> list[Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_units_list_shows_the_configured_units_parents_first(
    client: AsyncTestClient,
) -> None:
    listed = await units(client)

    assert [(u["code"], u["level"], u["parent"]) for u in listed] == CONFIGURED
    seen: set[str] = set()
    for unit in listed:
        assert unit["parent"] is None or unit["parent"] in seen, unit["code"]
        seen.add(unit["code"])


async def test_unit_shows_name_abbreviation_and_level(client: AsyncTestClient) -> None:
    response = await client.get(f"/api/v1/units/{FINANCE}")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "code": FINANCE,
        "name": "Sở Tài chính",
        "abbreviation": "STC",
        "level": "department",
        "parent": PROVINCE,
        "plugins": ["decree30", "ha_tinh_legal_review"],
    }


async def test_level_filter_lists_the_departments_only(client: AsyncTestClient) -> None:
    listed = await units(client, level="department")

    assert [u["code"] for u in listed] == [c for c, level, _ in CONFIGURED if level == "department"]


async def test_parent_filter_lists_the_direct_children_only(client: AsyncTestClient) -> None:
    children = await units(client, parent=PROVINCE)

    assert [u["code"] for u in children] == [c for c, _, parent in CONFIGURED if parent == PROVINCE]
    assert COMMUNE not in {u["code"] for u in children}


async def test_parent_and_level_filters_combine(client: AsyncTestClient) -> None:
    assert [u["code"] for u in await units(client, parent=DISTRICT, level="commune")] == [COMMUNE]
    assert await units(client, parent=DISTRICT, level="department") == []


async def test_unknown_level_answers_422_listing_the_levels(client: AsyncTestClient) -> None:
    response = await client.get("/api/v1/units", params={"level": "ward"})

    body = assert_problem(response, 422, "'ward'", "province, department, district, commune")
    assert body["errors"] == [{"field": "level", "message": "unknown level"}]


async def test_unknown_parent_answers_404(client: AsyncTestClient) -> None:
    response = await client.get("/api/v1/units", params={"parent": "000.99.99.H25"})

    assert_problem(response, 404, "000.99.99.H25", "GET /api/v1/units")


async def test_home_affairs_shows_its_own_plugin_and_the_inherited_one_by_name_only(
    client: AsyncTestClient,
) -> None:
    response = await client.get(f"/api/v1/units/{HOME_AFFAIRS}")

    assert response.status_code == 200, response.text
    assert response.json()["plugins"] == ["decree30", "ha_tinh_home_affairs"]
    # Settings stay inside: they may hold credentials.
    assert "thi-dua-khen-thuong" not in response.text
    assert "per_heading" not in response.text


async def test_commune_inherits_the_provinces_plugin(client: AsyncTestClient) -> None:
    response = await client.get(f"/api/v1/units/{COMMUNE}")

    assert response.json()["plugins"] == ["decree30"]


async def test_subtree_of_a_district_is_the_district_then_its_commune(
    client: AsyncTestClient,
) -> None:
    listed = await units(client, f"/api/v1/units/{DISTRICT}/subtree")

    assert [u["code"] for u in listed] == [DISTRICT, COMMUNE]


async def test_subtree_of_the_province_is_every_unit_parents_first(
    client: AsyncTestClient,
) -> None:
    listed = await units(client, f"/api/v1/units/{PROVINCE}/subtree")

    assert sorted(u["code"] for u in listed) == sorted(code for code, _, _ in CONFIGURED)
    assert listed[0]["code"] == PROVINCE
    assert listed[-1]["code"] == COMMUNE


async def test_subtree_of_a_commune_is_the_commune_alone(client: AsyncTestClient) -> None:
    listed = await units(client, f"/api/v1/units/{COMMUNE}/subtree")

    assert [u["code"] for u in listed] == [COMMUNE]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/units/000.99.99.H25",
        "/api/v1/units/000.99.99.H25/subtree",
        "/api/v1/units/000.99.99.H25/registers",
        "/api/v1/units/000.99.99.H25/registers/outgoing/2026",
    ],
    ids=["unit", "subtree", "registers", "register-book"],
)
async def test_unknown_unit_answers_404_pointing_to_the_units_list(
    client: AsyncTestClient, path: str
) -> None:
    response = await client.get(path)

    assert_problem(response, 404, "'000.99.99.H25'", "GET /api/v1/units")


async def test_registers_of_a_unit_count_the_numbers_taken_in_each(
    client: AsyncTestClient,
) -> None:
    first = await issue(client, (await create(client, outgoing()))["id"])
    await issue(client, (await create(client, outgoing()))["id"])
    arrival = await create(client, incoming())
    await client.post(f"/api/v1/documents/{arrival['id']}/register")
    await issue(client, (await create(client, outgoing(unit=FINANCE, type_code="CV")))["id"])
    year = first["register_year"]

    listed = await units(client, f"/api/v1/units/{PROVINCE}/registers")

    assert listed == [
        {"register": "incoming", "year": year, "entries": 1},
        {"register": "outgoing", "year": year, "entries": 2},
    ]


async def test_unit_without_numbered_documents_has_no_registers(client: AsyncTestClient) -> None:
    await create(client, outgoing(unit=FINANCE))

    assert await units(client, f"/api/v1/units/{FINANCE}/registers") == []


async def test_register_book_of_a_register_never_used_is_empty(client: AsyncTestClient) -> None:
    response = await client.get(f"/api/v1/units/{PROVINCE}/registers/outgoing/2026")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "unit": PROVINCE,
        "register_code": "outgoing",
        "year": 2026,
        "entries": [],
    }
