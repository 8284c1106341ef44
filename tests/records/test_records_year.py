"""A year of Sở Nội vụ's work records through the API: the list drafted from the template and
approved, records opened from it, documents filed on issue and on registration, one record
refused as incomplete and then closed, submitted, accepted and locked, its package exported and
validated, and the figures the province counts."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import bagit
from litestar import Litestar

from tests.conftest import concurrent_client
from tests.documents.conftest import (
    AWARD_EXTRA,
    HOME_AFFAIRS,
    assert_problem,
    create,
    incoming,
    issue,
    outgoing,
)
from tests.identity.people import acting, credential_for, grant, make_token
from tests.records.records_helpers import YEAR, file, filed

LISTS = f"/api/v1/units/{HOME_AFFAIRS}/record-lists/{YEAR}"
TREE = [
    {
        "symbol": "TĐKT",
        "title": "Thi đua, khen thưởng",
        "entries": [{"title": "Hồ sơ thi đua, khen thưởng năm", "retention": "Vĩnh viễn"}],
    },
    {
        "symbol": "TH",
        "title": "Tổng hợp",
        "entries": [{"title": "Hồ sơ báo cáo định kỳ", "retention": "10 năm"}],
    },
]


def entry_ids(listed: dict[str, Any]) -> dict[str, str]:
    return {
        e["number_and_symbol"]: e["entry_id"] for big in listed["headings"] for e in big["entries"]
    }


async def test_a_year_of_records(app: Litestar, tmp_path: Path) -> None:
    async with concurrent_client(app) as http:
        leader = acting(http, await credential_for(http, grant("leader", HOME_AFFAIRS)))
        clerk = acting(http, (await make_token(http, grant("clerk", HOME_AFFAIRS)))["token"])
        archivist = acting(
            http, (await make_token(http, grant("archivist", HOME_AFFAIRS)))["token"]
        )

        # The list: from the template, filled, approved by the leader.
        started = await clerk.post(LISTS, json={"from": "template"})
        assert started.status_code == 201, started.text
        filled = await clerk.put(
            LISTS, json={"revision": started.json()["revision"], "headings": TREE}
        )
        assert filled.status_code == 200, filled.text
        entries = entry_ids(filled.json())
        commendation_entry = {"unit": HOME_AFFAIRS, "year": YEAR, "entry_id": entries["01.TĐKT"]}
        early = await clerk.post("/api/v1/records", json=commendation_entry)
        assert_problem(early, 409, "approved")
        approved = await leader.post(
            f"{LISTS}/approve", json={"revision": filled.json()["revision"]}
        )
        assert approved.status_code == 200, approved.text

        # Records opened from it.
        opened = await clerk.post("/api/v1/records", json=commendation_entry)
        assert opened.status_code == 201, opened.text
        commendation = opened.json()["code"]
        assert commendation == f"{HOME_AFFAIRS}.{YEAR}.01.TĐKT"
        reports = await clerk.post(
            "/api/v1/records",
            json={"unit": HOME_AFFAIRS, "year": YEAR, "entry_id": entries["01.TH"]},
        )
        assert reports.status_code == 201, reports.text
        reports_code = reports.json()["code"]

        # Filed as the work happens: a commendation decision on issue (the unit's plugin), an
        # incoming report on registration (it names its record).
        decision = await create(
            clerk, outgoing(unit=HOME_AFFAIRS, type_code="QDKT", extra=AWARD_EXTRA, page_count=2)
        )
        decision = await issue(clerk, decision["id"])
        report = await create(clerk, incoming(unit=HOME_AFFAIRS, record_code=reports_code))
        assert (await clerk.post(f"/api/v1/documents/{report['id']}/register")).status_code == 200
        assert [item["document_id"] for item in await filed(clerk, commendation)] == [
            decision["id"]
        ]
        assert [item["document_id"] for item in await filed(clerk, reports_code)] == [report["id"]]

        # Closing: refused while the proposal is missing, then done.
        refused = await clerk.post(f"/api/v1/records/{commendation}/close")
        assert_problem(refused, 422, "Tờ trình")
        proposal = await issue(
            clerk,
            (await create(clerk, outgoing(unit=HOME_AFFAIRS, type_code="TTR", page_count=3)))["id"],
        )
        assert (await file(clerk, commendation, proposal["id"])).status_code == 201
        closed = await clerk.post(f"/api/v1/records/{commendation}/close")
        assert closed.status_code == 200, closed.text
        assert (closed.json()["doc_total"], closed.json()["page_total"]) == (2, 5)

        # Handed over, accepted, locked.
        assert (await clerk.post(f"/api/v1/records/{commendation}/submit")).status_code == 200
        accepted = await archivist.post(f"/api/v1/records/{commendation}/accept")
        assert accepted.status_code == 200, accepted.text
        assert_problem(await file(clerk, commendation, report["id"]), 409, "locked")

        # Exported as one package that validates.
        package = await archivist.get(f"/api/v1/records/{commendation}/package")
        assert package.status_code == 200, package.text
        with tarfile.open(fileobj=io.BytesIO(package.content)) as tar:
            tar.extractall(tmp_path / "package", filter="data")
        (bag_dir,) = list((tmp_path / "package").iterdir())
        bagit.Bag(str(bag_dir)).validate()

        figures = await leader.get(
            f"/api/v1/units/{HOME_AFFAIRS}/records/figures", params={"year": YEAR}
        )
        assert figures.status_code == 200, figures.text
        counted = figures.json()
        assert counted["records_created"] == 2
        assert counted["records_complete"] == counted["records_accepted"] == 1
        assert counted["list_entries"] == counted["list_entries_with_record"] == 2
