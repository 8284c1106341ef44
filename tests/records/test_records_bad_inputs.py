"""Every record endpoint answers bad input and the wrong state with a problem and changes nothing;
a writer that stopped half-way does not block the record for ever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar

from core.records.models import RecordRevision, WorkRecord, record_revision_key
from tests.conftest import concurrent_client
from tests.documents.conftest import PROVINCE, assert_problem, create, outgoing
from tests.identity.people import acting, grant, make_token
from tests.records.records_helpers import YEAR, file, filed, open_record, store_list

CODE = f"{PROVINCE}.{YEAR}.01.TH"


async def snapshot(http: Any) -> dict[str, Any]:
    record = (await http.get(f"/api/v1/records/{CODE}")).json()
    return {"record": record, "filed": await filed(http, CODE)}


@pytest.mark.parametrize(
    "body",
    [
        {"unit": PROVINCE, "year": YEAR, "entry_id": "TH-1", "outside_list": True},
        {"unit": PROVINCE, "year": YEAR, "entry_id": "TH-1", "title": "Khác"},
        {"unit": PROVINCE, "year": 1900, "entry_id": "TH-1"},
        {"unit": PROVINCE, "year": "2026", "entry_id": "TH-1", "colour": "red"},
        {"unit": "999.99.99.X00", "year": YEAR, "entry_id": "TH-1"},
        {
            "unit": PROVINCE,
            "year": YEAR,
            "outside_list": True,
            "reason": "x",
            "title": "x",
            "number_and_symbol": "abc",
            "retention": "permanent",
        },
        {
            "unit": PROVINCE,
            "year": YEAR,
            "outside_list": True,
            "reason": "x",
            "title": "x",
            "number_and_symbol": "02.TH",
            "retention": "forever",
        },
        {"unit": PROVINCE, "year": YEAR, "entry_id": "TH-1", "creator": ""},
        {"unit": PROVINCE, "year": YEAR, "entry_id": "TH-1", "archival": {"sheet_count": -1}},
    ],
)
async def test_opening_with_bad_input_opens_nothing(app: Litestar, body: dict[str, Any]) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        assert_problem(await http.post("/api/v1/records", json=body), 422)
        listed = await http.get(f"/api/v1/units/{PROVINCE}/records")
        assert listed.json()["items"] == []


async def test_wrong_state_and_wrong_input_change_nothing(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        await open_record(http, PROVINCE)
        document = await create(http, outgoing())
        assert (await file(http, CODE, document["id"])).status_code == 201
        before = await snapshot(http)

        assert_problem(await http.post(f"/api/v1/records/{CODE}/submit"), 409, "closed")
        assert_problem(await http.post(f"/api/v1/records/{CODE}/accept"), 409)
        assert_problem(await http.post(f"/api/v1/records/{CODE}/return", json={"reason": "x"}), 409)
        extend = {"until": "2030-01-01", "reason": "x"}
        assert_problem(await http.post(f"/api/v1/records/{CODE}/extend", json=extend), 409)
        assert_problem(await http.post(f"/api/v1/records/{CODE}/close", json={"revision": 9}), 409)
        assert_problem(await http.post(f"/api/v1/records/{CODE}/close"), 422, document["id"])
        assert_problem(await file(http, CODE, "not-an-id"), 404)
        assert (await http.post(f"/api/v1/records/{CODE}/documents", json={})).status_code == 422
        twice = {"documents": [document["id"], document["id"]]}
        assert_problem(await http.put(f"/api/v1/records/{CODE}/order", json=twice), 422, "twice")
        assert_problem(
            await http.delete(f"/api/v1/records/{CODE}/documents/{'0' * 24}"), 404, "not filed"
        )
        assert_problem(
            await http.patch(f"/api/v1/records/{CODE}", json={"revision": 1, "state": "closed"}),
            422,
        )
        assert (await http.get(f"/api/v1/units/{PROVINCE}/records/figures")).status_code == 400
        assert await snapshot(http) == before

        for path in ("/api/v1/records/nope", "/api/v1/records/a|b", "/api/v1/units/nope/records"):
            assert_problem(await http.get(path), 404)


async def test_a_role_without_the_right_action_is_told_which_role_would(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        archivist = acting(http, (await make_token(http, grant("archivist", PROVINCE)))["token"])
        body = {"unit": PROVINCE, "year": YEAR, "entry_id": "TH-1"}
        assert_problem(await archivist.post("/api/v1/records", json=body), 403, "clerk")
        await open_record(http, PROVINCE)
        assert (await archivist.get(f"/api/v1/records/{CODE}")).status_code == 200
        assert_problem(await archivist.post(f"/api/v1/records/{CODE}/close"), 403)


async def test_a_stalled_claim_is_rolled_forward_and_a_live_one_left_alone(
    app: Litestar,
) -> None:
    async with concurrent_client(app) as http:
        await store_list(PROVINCE)
        await open_record(http, PROVINCE)
        stored = await WorkRecord.get(CODE)
        assert stored is not None
        snapshot_body = stored.model_dump(mode="json", exclude={"id", "revision_id"})

        async def claim(at: datetime, description: str) -> None:
            revision = (await WorkRecord.get(CODE)).revision + 1  # type: ignore[union-attr]
            await RecordRevision(
                id=record_revision_key(CODE, revision),
                record_code=CODE,
                revision=revision,
                change="edit",
                at=at,
                snapshot={**snapshot_body, "revision": revision, "description": description},
            ).insert()

        await claim(datetime.now(UTC), "đang ghi")  # a writer at work: left alone
        patch = {"revision": 1, "description": "mới"}
        assert_problem(await http.patch(f"/api/v1/records/{CODE}", json=patch), 409)
        assert (await http.get(f"/api/v1/records/{CODE}")).json()["revision"] == 1

        await RecordRevision.get_motor_collection().delete_many({})
        await claim(datetime.now(UTC) - timedelta(minutes=5), "bỏ dở")  # its writer stopped
        assert_problem(await http.patch(f"/api/v1/records/{CODE}", json=patch), 409)
        record = (await http.get(f"/api/v1/records/{CODE}")).json()
        assert (record["revision"], record["description"]) == (2, "bỏ dở")
        patch = {"revision": 2, "description": "mới"}
        assert (await http.patch(f"/api/v1/records/{CODE}", json=patch)).status_code == 200
