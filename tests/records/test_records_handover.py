"""Handover through the API: submitted, returned, accepted and locked; due lists, keeping longer,
the figures, the handover list XLSX and the BagIt package."""

from __future__ import annotations

import calendar
import io
import tarfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import bagit
from litestar import Litestar
from openpyxl import load_workbook

from tests.conftest import concurrent_client
from tests.documents.conftest import PROVINCE, assert_problem, create, incoming, issue, outgoing
from tests.identity.people import PDF, acting, grant, make_token, upload
from tests.records.records_helpers import YEAR, file, open_record, store_list

CODE = f"{PROVINCE}.{YEAR}.01.TH"


async def closed_record(http: Any, **more: Any) -> tuple[str, list[dict[str, Any]]]:
    """The record of entry TH-1 with an issued document (with a file) and a registered one,
    closed."""
    await store_list(PROVINCE)
    code = (await open_record(http, PROVINCE, "TH-1", **more))["code"]
    draft = await create(http, outgoing(page_count=2))
    assert (await upload(http, draft["id"])).status_code == 201
    issued = await issue(http, draft["id"])
    arrived = await create(http, incoming(page_count=1))
    registered = await http.post(f"/api/v1/documents/{arrived['id']}/register")
    documents = [issued, registered.json()]
    for document in documents:
        assert (await file(http, code, document["id"])).status_code == 201
    closed = await http.post(f"/api/v1/records/{code}/close")
    assert closed.status_code == 200, closed.text
    return code, documents


async def test_a_record_goes_to_the_archive_and_is_locked_there(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        code, (issued, registered) = await closed_record(http)
        archivist = acting(http, (await make_token(http, grant("archivist", PROVINCE)))["token"])
        clerk = acting(http, (await make_token(http, grant("clerk", PROVINCE)))["token"])

        assert_problem(await archivist.post(f"/api/v1/records/{code}/accept"), 409, "closed")
        submitted = await clerk.post(f"/api/v1/records/{code}/submit")
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["state"] == "submitted"
        assert_problem(await clerk.post(f"/api/v1/records/{code}/accept"), 403, "archivist")

        # Returned with a reason: it collects documents again, then goes back.
        assert_problem(await archivist.post(f"/api/v1/records/{code}/return", json={}), 422)
        returned = await archivist.post(
            f"/api/v1/records/{code}/return", json={"reason": "Thiếu tờ trình"}
        )
        assert returned.status_code == 200, returned.text
        assert returned.json()["state"] == "returned"
        assert returned.json()["returned_reason"] == "Thiếu tờ trình"
        extra = await issue(http, (await create(http, outgoing(summary="Tờ trình bổ sung")))["id"])
        assert (await file(http, code, extra["id"])).status_code == 201
        assert (await clerk.post(f"/api/v1/records/{code}/close")).status_code == 200
        assert (await clerk.post(f"/api/v1/records/{code}/submit")).status_code == 200
        accepted = await archivist.post(f"/api/v1/records/{code}/accept")
        assert accepted.status_code == 200, accepted.text
        record = accepted.json()
        assert record["state"] == "accepted" and record["doc_total"] == 3

        # Locked: the record, its list of documents and the documents themselves.
        assert_problem(await file(http, code, extra["id"]), 409, "accepted")
        assert_problem(
            await http.delete(f"/api/v1/records/{code}/documents/{extra['id']}"), 409, "locked"
        )
        assert_problem(
            await http.patch(
                f"/api/v1/records/{code}", json={"revision": record["revision"], "title": "X"}
            ),
            409,
            "locked",
        )
        assert_problem(
            await http.patch(
                f"/api/v1/documents/{issued['id']}",
                json={"revision": issued["revision"], "keywords": ["khóa"]},
            ),
            409,
            "locked",
        )
        assert_problem(await upload(http, registered["id"]), 409, "locked")
        assert_problem(
            await archivist.post(f"/api/v1/records/{code}/return", json={"reason": "x"}), 409
        )
        # A document in no accepted record still changes.
        free = await issue(http, (await create(http, outgoing()))["id"])
        changed = await http.patch(
            f"/api/v1/documents/{free['id']}",
            json={"revision": free["revision"], "keywords": ["khóa"]},
        )
        assert changed.status_code == 200, changed.text

        events = await http.get(
            "/api/v1/audit/events", params={"unit": PROVINCE, "document": code, "limit": 200}
        )
        actions = [event["action"] for event in events.json()["items"]]
        for action in ("record.submit", "record.return", "record.accept", "record.close"):
            assert action in actions


async def test_due_lists_and_keeping_a_record_longer(app: Litestar) -> None:
    settled = date.today() - timedelta(days=80)  # due 3 months after: within 30 days
    async with concurrent_client(app) as http:
        code, _ = await closed_record(
            http, capital_construction=True, final_settlement_date=settled.isoformat()
        )
        record = (await http.get(f"/api/v1/records/{code}")).json()
        month = settled.month + 3  # due 3 months after final settlement
        year, month = settled.year + (month - 1) // 12, (month - 1) % 12 + 1
        expected = date(year, month, min(settled.day, calendar.monthrange(year, month)[1]))
        assert record["due_date"] == expected.isoformat()
        due = (await http.get(f"/api/v1/units/{PROVINCE}/records/due")).json()
        assert [item["code"] for item in due["due_soon"]] == [code]
        assert due["overdue"] == []

        too_late = date.fromisoformat(record["due_date"]) + timedelta(days=800)
        refused = await http.post(
            f"/api/v1/records/{code}/extend",
            json={"until": too_late.isoformat(), "reason": "Còn tranh chấp"},
        )
        assert_problem(refused, 422, "until")
        later = date.fromisoformat(record["due_date"]) + timedelta(days=365)
        kept = await http.post(
            f"/api/v1/records/{code}/extend",
            json={"until": later.isoformat(), "reason": "Còn tranh chấp"},
        )
        assert kept.status_code == 200, kept.text
        assert kept.json()["extended_until"] == later.isoformat()
        due = (await http.get(f"/api/v1/units/{PROVINCE}/records/due")).json()
        assert due == {"due_soon": [], "overdue": []}
        no_reason = await http.post(
            f"/api/v1/records/{code}/extend", json={"until": later.isoformat()}
        )
        assert no_reason.status_code == 422


async def test_figures_handover_list_and_package(app: Litestar, tmp_path: Path) -> None:
    async with concurrent_client(app) as http:
        code, (issued, _) = await closed_record(http)
        await open_record(http, PROVINCE, "TH-2")
        assert (await http.post(f"/api/v1/records/{code}/submit")).status_code == 200

        figures = await http.get(f"/api/v1/units/{PROVINCE}/records/figures", params={"year": YEAR})
        assert figures.status_code == 200, figures.text
        counted = figures.json()
        assert counted["records_created"] == 2
        assert counted["records_closed"] == counted["records_complete"] == 1
        assert counted["records_submitted"] == 1
        assert counted["list_entries"] == 2 and counted["list_entries_with_record"] == 2

        listed = await http.get(f"/api/v1/units/{PROVINCE}/records/handover-list")
        assert listed.status_code == 200, listed.text
        sheet = load_workbook(io.BytesIO(listed.content)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert rows[3][:3] == ["Số TT", "Số và ký hiệu hồ sơ", "Tiêu đề hồ sơ"]
        assert rows[4][:3] == [1, "01.TH", "Hồ sơ tổng hợp"]
        assert rows[4][4] == "20 năm"

        package = await http.get(f"/api/v1/records/{code}/package")
        assert package.status_code == 200, package.text
        assert package.headers["content-type"].startswith("application/x-tar")
        with tarfile.open(fileobj=io.BytesIO(package.content)) as tar:
            tar.extractall(tmp_path / "package", filter="data")
        (bag_dir,) = list((tmp_path / "package").iterdir())
        bag = bagit.Bag(str(bag_dir))
        bag.validate()
        assert "sha256" in bag.algorithms
        names = {Path(name).as_posix() for name in bag.payload_files()}
        assert "data/record.json" in names and "data/record.xml" in names
        stored = [
            name for name in names if name.startswith(f"data/documents/0001-{issued['id']}/files/")
        ]
        assert len(stored) == 1
        assert (bag_dir / stored[0]).read_bytes() == PDF
        assert (
            b"<MaHoSo>" + code.encode() + b"</MaHoSo>" in (bag_dir / "data/record.xml").read_bytes()
        )

        stranger = acting(http, (await make_token(http, grant("clerk", "000.00.36.H25")))["token"])
        assert_problem(await stranger.get(f"/api/v1/records/{code}/package"), 404)
        assert_problem(await stranger.get(f"/api/v1/units/{PROVINCE}/records/due"), 404)
