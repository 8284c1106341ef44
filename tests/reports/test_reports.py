"""Reports through the API: every figure equals a count made here from the stored data, for a unit
alone, rolled up the units tree, per level, per month; downloads; who may see what."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from core.app import create_app
from tests.conftest import concurrent_client
from tests.identity.people import grant, make_token
from tests.reports.province import (
    COMMUNE,
    DISTRICT,
    OTHER_DISTRICT,
    PROVINCE,
    YEAR,
    Province,
    as_counts,
    build,
    stored_figures,
    write_workflows,
)
from tests.workflows.people import Clock

TODAY = date(2026, 3, 20)


@pytest.fixture
def province_app(make_settings, tmp_path) -> tuple[Any, Clock]:
    clock = Clock(datetime(2026, 1, 2, 2, 0, tzinfo=UTC))
    settings = make_settings(workflows_dir=write_workflows(tmp_path / "workflows"))
    return create_app(settings, clock=clock), clock


@asynccontextmanager
async def built(province_app: tuple[Any, Clock]) -> AsyncIterator[tuple[Any, Any, Province]]:
    """The province built, with a client and the database (a context manager, not a fixture:
    the app's lifespan must end in the task it began in)."""
    app, clock = province_app
    async with concurrent_client(app) as http:
        made = await build(http, clock)
        yield http, app.state.runtime.database.db, made


async def report(http: Any, unit: str = PROVINCE, **params: Any) -> dict[str, Any]:
    response = await http.get(f"/api/v1/reports/units/{unit}", params={"year": YEAR, **params})
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_unit_alone_matches_the_scenario_and_the_stored_data(province_app):
    async with built(province_app) as (http, db, made):
        body = await report(http)
        assert (body["unit"]["code"], body["year"], body["month"], body["subtree"]) == (
            PROVINCE,
            YEAR,
            None,
            False,
        )
        assert (body["period_start"], body["period_end"], body["as_of"]) == (
            "2026-01-01",
            "2026-12-31",
            "2026-03-20",
        )
        own = body["total"]
        assert own["documents"]["incoming"] == {
            "total": 3,
            "on_time": 1,
            "late": 1,
            "pending": 1,
            "no_deadline": 0,
        }
        assert own["documents"]["outgoing"] == {
            "total": 1,
            "on_time": 1,
            "late": 0,
            "no_deadline": 0,
        }
        assert own["records"] == {
            "created": 2,
            "complete": 1,
            "closed": 1,
            "submitted": 1,
            "accepted": 1,
        }
        assert own["electronic_records"] == {
            "list_entries": 4,
            "exempt_state_secret": 1,
            "exempt_complex": 1,
            "counted": 2,
            "with_record": 1,
            "share": 0.5,
            "target": 0.9,
            "meets_target": False,
        }
        assert as_counts(own) == await stored_figures(db, PROVINCE, None, made, TODAY)
        assert [unit["code"] for unit in body["units"]] == [PROVINCE]
        assert body["units"][0]["subtree"] is None and body["units"][0]["own"] == own
        assert len(body["months"]) == 12


async def test_every_figure_of_the_province_tree_equals_the_stored_count(province_app):
    async with built(province_app) as (http, db, made):
        for month in (None, 1, 2, 3, 4):
            params = {"subtree": "true", **({"month": month} if month else {})}
            body = await report(http, **params)
            units = {unit["code"]: unit for unit in body["units"]}
            tree = province_app[0].state.runtime.units
            assert list(units) == [unit.code for unit in tree.subtree(PROVINCE)]
            own = {}
            for code, unit in units.items():
                own[code] = await stored_figures(db, code, month, made, TODAY)
                assert as_counts(unit["own"]) == own[code], (code, month)
            for code, unit in units.items():
                below: Counter[str] = Counter()
                for item in tree.subtree(code):
                    below.update(own[item.code])
                assert as_counts(unit["subtree"]) == below, (code, month)
                share = unit["subtree"]["electronic_records"]
                counted = below["entries"] - below["exempt_state_secret"] - below["exempt_complex"]
                assert share["counted"] == counted
                assert share["share"] == (
                    round(below["with_record"] / counted, 4) if counted else None
                )
            assert as_counts(body["total"]) == as_counts(units[PROVINCE]["subtree"])
            levels = {level["level"]: level for level in body["levels"]}
            for level, target in (
                ("province", 0.9),
                ("department", 0.9),
                ("district", 0.8),
                ("commune", 0.3),
            ):
                of_level = [code for code in units if tree.get(code).level == level]
                with_record = sum(own[code]["with_record"] for code in of_level)
                assert levels[level]["units"] == len(of_level)
                assert levels[level]["electronic_records"]["with_record"] == with_record
                assert levels[level]["electronic_records"]["target"] == target
            if month is None:
                for entry in body["months"]:
                    summed: Counter[str] = Counter()
                    for code in units:
                        summed.update(await stored_figures(db, code, entry["month"], made, TODAY))
                    assert as_counts(entry) == summed, entry["month"]


async def test_the_roll_up_sums_counts_and_recomputes_shares(province_app):
    async with built(province_app) as (http, _, _):
        body = await report(http, DISTRICT, subtree="true")
        district, commune = body["units"]
        assert (district["code"], commune["code"]) == (DISTRICT, COMMUNE)
        # District: 1 of 3 entries; commune: 2 of 3 counted (one complex): 3 of 6, not (1/3+2/3)/2.
        assert district["own"]["electronic_records"]["share"] == 0.3333
        assert district["own"]["electronic_records"]["meets_target"] is False
        assert commune["own"]["electronic_records"]["share"] == 0.6667
        assert commune["own"]["electronic_records"]["meets_target"] is True  # target 30 %
        rolled = district["subtree"]["electronic_records"]
        assert (rolled["counted"], rolled["with_record"], rolled["share"]) == (6, 3, 0.5)
        assert rolled["target"] is None  # levels mix: see `levels`
        assert body["total"] == district["subtree"]
        assert [level["level"] for level in body["levels"]] == ["district", "commune"]
        # As of the end of January, the district's record was opened; the commune's were not yet.
        january = await report(http, DISTRICT, subtree="true", month=1)
        assert january["total"]["electronic_records"]["with_record"] == 1
        assert january["months"] == []


async def test_xlsx_has_the_sheets_and_headers_and_the_json_figures(province_app):
    async with built(province_app) as (http, _, _):
        body = await report(http, subtree="true")
        response = await http.get(
            f"/api/v1/reports/units/{PROVINCE}/report.xlsx",
            params={"year": YEAR, "subtree": "true"},
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert "attachment" in response.headers["content-disposition"]
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == [
            "Văn bản",
            "Hồ sơ",
            "Tỷ lệ hồ sơ điện tử",
            "Theo tháng",
            "Thông tin",
        ]
        documents = [list(row) for row in book["Văn bản"].iter_rows(values_only=True)]
        assert documents[0][:6] == [
            "Mã đơn vị",
            "Tên đơn vị",
            "Cấp",
            "Phạm vi",
            "Văn bản đến",
            "Văn bản đến: đúng hạn",
        ]
        assert documents[1][:5] == [
            PROVINCE,
            "Ủy ban nhân dân tỉnh Hà Tĩnh",
            "province",
            "Đơn vị",
            3,
        ]
        assert documents[2][3:5] == [
            "Đơn vị và trực thuộc",
            body["total"]["documents"]["incoming"]["total"],
        ]
        assert len(documents) == 1 + 2 * len(body["units"])
        records = [list(row) for row in book["Hồ sơ"].iter_rows(values_only=True)]
        assert records[0][4:] == [
            "Hồ sơ tạo lập",
            "Hồ sơ hoàn thành",
            "Hồ sơ kết thúc",
            "Hồ sơ nộp lưu",
            "Hồ sơ được tiếp nhận",
        ]
        assert records[1][4:] == [2, 1, 1, 1, 1]
        shares = [list(row) for row in book["Tỷ lệ hồ sơ điện tử"].iter_rows(values_only=True)]
        assert shares[0][4:] == [
            "Hồ sơ trong danh mục",
            "Miễn trừ: bí mật nhà nước",
            "Miễn trừ: thành phần phức tạp",
            "Hồ sơ được tính",
            "Hồ sơ điện tử",
            "Tỷ lệ (%)",
            "Chỉ tiêu (%)",
            "Đánh giá",
        ]
        assert shares[1][4:] == [4, 1, 1, 2, 1, 50.0, 90.0, "Chưa đạt"]
        by_level = (
            shares[shares.index([None] * len(shares[0])) + 1 :]
            if [None] * len(shares[0]) in shares
            else shares[-5:]
        )
        assert by_level[0][0] == "Theo cấp"
        assert [row[0] for row in by_level[1:]] == ["province", "department", "district", "commune"]
        months = [list(row) for row in book["Theo tháng"].iter_rows(values_only=True)]
        assert months[0][0] == "Tháng" and [row[0] for row in months[1:]] == list(range(1, 13))
        assert months[1][1] == body["months"][0]["documents"]["incoming"]["total"]


async def test_csv_parses_with_a_row_per_unit_and_scope(province_app):
    async with built(province_app) as (http, _, _):
        body = await report(http, DISTRICT, subtree="true", month=2)
        response = await http.get(
            f"/api/v1/reports/units/{DISTRICT}/report.csv",
            params={"year": YEAR, "subtree": "true", "month": 2},
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert response.content.startswith("\ufeff".encode())
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [(row["Mã đơn vị"], row["Phạm vi"]) for row in rows] == [
            (DISTRICT, "Đơn vị"),
            (DISTRICT, "Đơn vị và trực thuộc"),
            (COMMUNE, "Đơn vị"),
            (COMMUNE, "Đơn vị và trực thuộc"),
        ]
        district = rows[0]
        assert (district["Năm"], district["Tháng"], district["Văn bản đến"]) == ("2026", "2", "1")
        assert district["Văn bản đến: không có hạn"] == "1"
        assert district["Văn bản đi: trễ hạn"] == "1"
        assert rows[1]["Văn bản đến"] == str(body["total"]["documents"]["incoming"]["total"]) == "2"
        assert rows[2]["Tỷ lệ (%)"] == "33.33" and rows[2]["Chỉ tiêu (%)"] == "30.0"


async def test_another_units_caller_gets_404_and_sees_only_what_it_reads(province_app):
    async with built(province_app) as (http, _, _):
        other = (await make_token(http, grant("specialist", OTHER_DISTRICT)))["token"]
        headers = {"Authorization": f"Bearer {other}"}
        for path in ("", "/report.xlsx", "/report.csv"):
            response = await http.get(
                f"/api/v1/reports/units/{PROVINCE}{path}", params={"year": YEAR}, headers=headers
            )
            assert response.status_code == 404, response.text
        response = await http.get(
            f"/api/v1/reports/units/{COMMUNE}", params={"year": YEAR}, headers=headers
        )
        assert response.status_code == 404
        # The district's administrator covers the commune; a district specialist does not.
        admin = (await make_token(http, grant("unit_admin", DISTRICT)))["token"]
        body = (
            await http.get(
                f"/api/v1/reports/units/{DISTRICT}",
                params={"year": YEAR, "subtree": "true"},
                headers={"Authorization": f"Bearer {admin}"},
            )
        ).json()
        assert [unit["code"] for unit in body["units"]] == [DISTRICT, COMMUNE]
        specialist = (await make_token(http, grant("specialist", DISTRICT)))["token"]
        body = (
            await http.get(
                f"/api/v1/reports/units/{DISTRICT}",
                params={"year": YEAR, "subtree": "true"},
                headers={"Authorization": f"Bearer {specialist}"},
            )
        ).json()
        assert [unit["code"] for unit in body["units"]] == [DISTRICT]
        assert body["units_not_shown"] == 1
        assert body["total"]["records"]["created"] == 1  # the district's own, not the commune's


@pytest.mark.parametrize(
    "params",
    [
        {"year": 1999},
        {"year": 2101},
        {"year": "năm"},
        {"year": YEAR, "month": 0},
        {"year": YEAR, "month": 13},
        {"year": YEAR, "subtree": "maybe"},
    ],
)
async def test_a_bad_year_or_month_answers_422(client, params):
    for path in ("", "/report.csv", "/report.xlsx"):
        response = await client.get(f"/api/v1/reports/units/{PROVINCE}{path}", params=params)
        assert response.status_code == 422, response.text


async def test_an_unknown_unit_answers_404(client):
    response = await client.get("/api/v1/reports/units/999.99.99.H99", params={"year": YEAR})
    assert response.status_code == 404
