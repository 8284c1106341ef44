"""The annual record list (danh mục hồ sơ) through the API: started from the template or last
year's list, edited as a draft, approved, amended, downloaded and uploaded."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from tests.documents.conftest import PROBLEM_JSON
from tests.identity.people import acting, credential_for, grant, make_token

PROVINCE = "000.00.00.H25"
HOME_AFFAIRS = "000.00.05.H25"
FINANCE = "000.00.06.H25"
YEAR = 2026
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPO = Path(__file__).resolve().parents[2]


def path(unit: str = HOME_AFFAIRS, year: int = YEAR) -> str:
    return f"/api/v1/units/{unit}/record-lists/{year}"


def entry(title: str, retention: str = "20 năm", **more: Any) -> dict[str, Any]:
    return {"title": title, "retention": retention, **more}


TREE = [
    {
        "symbol": "TH",
        "title": "Tổng hợp",
        "entries": [entry("Kế hoạch công tác năm", "Vĩnh viễn", responsible="Nguyễn Văn An")],
        "headings": [
            {"title": "Báo cáo", "entries": [entry("Báo cáo tháng", "10 years")]},
        ],
    },
    {
        "symbol": "TCCB",
        "title": "Tổ chức cán bộ",
        "entries": [entry("Hồ sơ tuyển dụng", "permanent", notes="Bản gốc")],
        "headings": [
            {"title": "Thi đua khen thưởng", "entries": [entry("Hồ sơ khen thưởng", "20")]},
        ],
    },
]


async def start(client: httpx.AsyncClient, unit: str = HOME_AFFAIRS, year: int = YEAR, **body):
    response = await client.post(path(unit, year), json={"from": "template", **body})
    assert response.status_code == 201, response.text
    return response.json()


async def fill(client: httpx.AsyncClient, unit: str = HOME_AFFAIRS, year: int = YEAR, tree=TREE):
    current = (await client.get(path(unit, year))).json()
    response = await client.put(
        path(unit, year), json={"revision": current["revision"], "headings": tree}
    )
    assert response.status_code == 200, response.text
    return response.json()


def numbers(listed: dict[str, Any]) -> list[str]:
    return [
        e["number_and_symbol"]
        for big in listed["headings"]
        for e in [*big["entries"], *(x for small in big["headings"] for x in small["entries"])]
    ]


async def test_a_list_starts_from_the_plugin_template(client: httpx.AsyncClient) -> None:
    created = await start(client)
    assert created["state"] == "draft"
    assert created["revision"] == 1
    assert created["numbering"] == "per_heading"  # the province's decree30 setting
    assert [(h["label"], h["symbol"]) for h in created["headings"]] == [("I. TỔNG HỢP", "TH")]
    read = await client.get(path())
    assert read.status_code == 200
    assert read.json() == created
    again = await client.post(path(), json={"from": "template"})
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM_JSON
    assert "already has a record list for 2026" in again.json()["detail"]


async def test_numbers_restart_in_each_big_heading(client: httpx.AsyncClient) -> None:
    await start(client)
    listed = await fill(client)
    assert numbers(listed) == ["01.TH", "02.TH", "01.TCCB", "02.TCCB"]
    assert [h["label"] for h in listed["headings"]] == ["I. TỔNG HỢP", "II. TỔ CHỨC CÁN BỘ"]
    assert listed["headings"][0]["headings"][0]["label"] == "1. Báo cáo"
    assert listed["totals"] == {"entries": 4, "permanent": 2, "fixed_term": 2}
    retentions = [e["retention"] for e in listed["headings"][0]["entries"]]
    assert retentions == ["permanent"]
    assert listed["headings"][0]["headings"][0]["entries"][0]["retention"] == "10 years"


async def test_numbers_run_through_the_whole_list_when_the_unit_says_so(
    make_settings: Any, tmp_path: Path
) -> None:
    from core.app import create_app
    from tests.accounts import admin_client

    units = (REPO / "config" / "units.toml").read_text()
    units = units.replace('record_numbering = "per_heading"', 'record_numbering = "whole_list"')
    (tmp_path / "units.toml").write_text(units)
    app = create_app(make_settings(units_file=tmp_path / "units.toml"))
    async with admin_client(app) as client:
        created = await start(client)
        assert created["numbering"] == "whole_list"
        listed = await fill(client)
        assert numbers(listed) == ["01.TH", "02.TH", "03.TCCB", "04.TCCB"]


async def test_moving_and_removing_entries_renumbers_them(client: httpx.AsyncClient) -> None:
    await start(client)
    listed = await fill(client)
    th, tccb = listed["headings"]
    kept = th["entries"][0]
    moved = tccb["entries"][0]
    tree = [
        {
            "heading_id": tccb["heading_id"],
            "symbol": "TCCB",
            "title": "Tổ chức cán bộ",
            "entries": [
                {**entry("Hồ sơ tuyển dụng năm 2026", "permanent"), "entry_id": moved["entry_id"]},
                {**entry("Kế hoạch công tác năm", "Vĩnh viễn"), "entry_id": kept["entry_id"]},
            ],
        },
        {"heading_id": th["heading_id"], "symbol": "TH", "title": "Tổng hợp"},
    ]
    response = await client.put(path(), json={"revision": listed["revision"], "headings": tree})
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["revision"] == listed["revision"] + 1
    assert [h["symbol"] for h in changed["headings"]] == ["TCCB", "TH"]
    first = changed["headings"][0]["entries"]
    assert [(e["entry_id"], e["number_and_symbol"]) for e in first] == [
        (moved["entry_id"], "01.TCCB"),
        (kept["entry_id"], "02.TCCB"),
    ]
    assert first[0]["title"] == "Hồ sơ tuyển dụng năm 2026"
    assert changed["totals"]["entries"] == 2


async def test_an_edit_of_a_stale_revision_is_refused(client: httpx.AsyncClient) -> None:
    await start(client)
    listed = await fill(client)
    stale = await client.put(path(), json={"revision": listed["revision"] - 1, "headings": []})
    assert stale.status_code == 409
    assert stale.json()["current_revision"] == listed["revision"]
    assert (await client.get(path())).json() == listed


async def test_bad_input_changes_nothing(client: httpx.AsyncClient) -> None:
    await start(client)
    listed = await fill(client)
    revision = listed["revision"]
    cases = [
        (
            [{"symbol": "TH", "title": "A", "entries": [entry("x", "forever")]}],
            "entries.0.retention",
        ),
        ([{"symbol": "TH", "title": "A", "entries": [entry("x", "0 năm")]}], "retention"),
        ([{"symbol": "th", "title": "A"}], "symbol"),
        ([{"symbol": "TH", "title": " "}], "title"),
        ([{"symbol": "TH", "title": "A"}, {"symbol": "TH", "title": "B"}], "headings.1.symbol"),
        (
            [{"symbol": "TH", "title": "A", "entries": [{**entry("x"), "entry_id": "abc"}]}],
            "entry_id",
        ),
        ([{"symbol": "TH", "title": "A\u202eB"}], "title"),
    ]
    for tree, field in cases:
        response = await client.put(path(), json={"revision": revision, "headings": tree})
        assert response.status_code == 422, (tree, response.text)
        assert response.headers["content-type"] == PROBLEM_JSON
        assert any(field in e["field"] for e in response.json()["errors"]), response.json()
    assert (await client.get(path())).json() == listed
    nothing = await client.get(path(year=2031))
    assert nothing.status_code == 404
    assert "POST" in nothing.json()["detail"]
    wrong_start = await client.post(path(year=2031), json={"from": "nowhere"})
    assert wrong_start.status_code == 422
    unknown_unit = await client.get(path(unit="000.99.99.H25"))
    assert unknown_unit.status_code == 404
    year_out = await client.get(path(year=1800))
    assert year_out.status_code in (400, 404, 422)


async def test_copy_of_last_years_list(client: httpx.AsyncClient) -> None:
    missing = await client.post(path(year=YEAR), json={"from": "previous_year"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "from"
    assert (await client.get(path())).status_code == 404  # nothing stored
    await start(client, year=YEAR - 1)
    last_year = await fill(client, year=YEAR - 1)
    response = await client.post(path(), json={"from": "previous_year"})
    assert response.status_code == 201, response.text
    copied = response.json()
    assert copied["state"] == "draft" and copied["started_from"] == "previous_year"
    assert numbers(copied) == numbers(last_year)

    def titles(listed: dict[str, Any]) -> list[str]:
        return [
            e["title"]
            for big in listed["headings"]
            for e in [*big["entries"], *(x for s in big["headings"] for x in s["entries"])]
        ]

    assert titles(copied) == titles(last_year)
    old_ids = {e["entry_id"] for big in last_year["headings"] for e in big["entries"]}
    assert old_ids.isdisjoint(e["entry_id"] for big in copied["headings"] for e in big["entries"])


async def test_approved_list_is_frozen_and_amended_with_a_reason(
    client: httpx.AsyncClient,
) -> None:
    await start(client)
    listed = await fill(client)
    approved = await client.post(f"{path()}/approve", json={"revision": listed["revision"]})
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["state"] == "approved" and body["approved_by"]
    before = numbers(body)

    frozen = await client.put(path(), json={"revision": body["revision"], "headings": []})
    assert frozen.status_code == 409
    assert "approved" in frozen.json()["detail"] and "amendments" in frozen.json()["detail"]
    twice = await client.post(f"{path()}/approve")
    assert twice.status_code == 409

    th = body["headings"][0]
    no_reason = await client.post(
        f"{path()}/amendments", json={"entries": [{**entry("Mới"), "heading_id": th["heading_id"]}]}
    )
    assert no_reason.status_code == 422
    amended = await client.post(
        f"{path()}/amendments",
        json={
            "reason": "Nhiệm vụ mới phát sinh trong năm",
            "entries": [{**entry("Hồ sơ phát sinh", "5 năm"), "heading_id": th["heading_id"]}],
        },
    )
    assert amended.status_code == 200, amended.text
    after = amended.json()
    assert after["state"] == "approved"
    # The new entry stands under its heading but takes the next number: none printed before moves.
    assert numbers(after) == ["01.TH", "03.TH", "02.TH", "01.TCCB", "02.TCCB"]
    assert sorted(numbers(after)) == sorted([*before, "03.TH"])
    [amendment] = after["amendments"]
    assert amendment["reason"] == "Nhiệm vụ mới phát sinh trong năm"
    assert amendment["number"] == 1 and amendment["by"] and amendment["at"]
    added = after["headings"][0]["entries"][-1]
    assert added["entry_id"] in amendment["entry_ids"] and added["amendment"] == 1

    events = await client.get("/api/v1/audit/events", params={"unit": HOME_AFFAIRS})
    assert events.status_code == 200, events.text
    actions = [e["action"] for e in events.json()["items"]]
    for action in ("record_list.create", "record_list.edit", "record_list.approve"):
        assert action in actions
    assert "record_list.amend" in actions


async def test_an_empty_list_is_not_approved_and_a_draft_is_not_amended(
    client: httpx.AsyncClient,
) -> None:
    created = await start(client)
    empty = await client.post(f"{path()}/approve")
    assert empty.status_code == 409
    draft_amend = await client.post(
        f"{path()}/amendments",
        json={
            "reason": "x",
            "entries": [{**entry("Mới"), "heading_id": created["headings"][0]["heading_id"]}],
        },
    )
    assert draft_amend.status_code == 409
    assert "PUT" in draft_amend.json()["detail"]


async def test_roles_and_isolation(client: httpx.AsyncClient) -> None:
    await start(client)
    listed = await fill(client)
    outsider = acting(client, (await make_token(client, grant("clerk", FINANCE)))["token"])
    for response in (
        await outsider.get(path()),
        await outsider.get(f"{path()}/xlsx"),
        await outsider.get(f"{path()}/csv"),
        await outsider.put(path(), json={"revision": listed["revision"], "headings": []}),
        await outsider.post(f"{path()}/approve"),
        await outsider.patch(
            path(), json={"revision": 2, "operations": [{"op": "remove_entry", "entry_id": "a"}]}
        ),
        await outsider.post(
            f"{path()}/amendments",
            json={"reason": "x", "entries": [{**entry("Mới"), "heading_id": "a"}]},
        ),
        await outsider.post(f"{path()}/import", content=b"x", headers={"content-type": XLSX}),
        await outsider.post(path(year=2030), json={"from": "template"}),
    ):
        assert response.status_code == 404, response.text
        assert "unit" in response.json()["detail"]
    clerk = acting(client, (await make_token(client, grant("clerk", HOME_AFFAIRS)))["token"])
    assert (await clerk.get(path())).status_code == 200
    refused = await clerk.post(f"{path()}/approve")
    assert refused.status_code == 403
    assert "leader" in refused.json()["detail"]
    archivist = acting(
        client, (await make_token(client, grant("archivist", HOME_AFFAIRS)))["token"]
    )
    edit = await archivist.put(path(), json={"revision": listed["revision"], "headings": []})
    assert edit.status_code == 403
    leader = acting(client, await credential_for(client, grant("leader", HOME_AFFAIRS)))
    assert (await leader.post(f"{path()}/approve")).status_code == 200


# --- XLSX and CSV ---------------------------------------------------------------------------


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


async def test_xlsx_in_the_printed_layout(client: httpx.AsyncClient) -> None:
    await start(client)
    await fill(client)
    response = await client.get(f"{path()}/xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert "attachment" in response.headers["content-disposition"]
    rows = sheet_rows(response.content)
    assert rows[0][0] == "Sở Nội vụ"
    assert rows[1][0] == "DANH MỤC HỒ SƠ Năm 2026"
    assert rows[3] == (
        "Số và ký hiệu hồ sơ",
        "Tên đề mục và tiêu đề hồ sơ",
        "Thời hạn bảo quản",
        "Người lập hồ sơ",
        "Ghi chú",
    )
    assert rows[4][:3] == ("TH", "I. TỔNG HỢP", None)
    assert rows[5] == ("01.TH", "Kế hoạch công tác năm", "Vĩnh viễn", "Nguyễn Văn An", None)
    assert rows[6][:2] == (None, "1. Báo cáo")
    assert rows[7][:3] == ("02.TH", "Báo cáo tháng", "10 năm")
    assert rows[8][:2] == ("TCCB", "II. TỔ CHỨC CÁN BỘ")
    assert rows[-1][0] == (
        "Bản danh mục hồ sơ này có 4 hồ sơ, bao gồm: 2 hồ sơ vĩnh viễn; 2 hồ sơ có thời hạn."
    )


async def test_csv_has_the_same_rows(client: httpx.AsyncClient) -> None:
    await start(client)
    await fill(client)
    response = await client.get(f"{path()}/csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Số và ký hiệu hồ sơ"
    printed = sheet_rows((await client.get(f"{path()}/xlsx")).content)
    table = [
        tuple(cell or "" for cell in row)
        for row in printed[4:]
        if any(row) and not str(row[0]).startswith("Bản danh mục")
    ]
    assert [tuple(row) for row in rows[1:]] == table


async def test_xlsx_round_trip_into_a_new_draft(client: httpx.AsyncClient) -> None:
    await start(client, year=YEAR - 1)
    await fill(client, year=YEAR - 1)
    downloaded = (await client.get(f"{path(year=YEAR - 1)}/xlsx")).content
    await start(client)
    response = await client.post(
        f"{path()}/import", content=downloaded, headers={"content-type": XLSX}
    )
    assert response.status_code == 200, response.text
    assert response.json()["revision"] == 2
    again = (await client.get(f"{path()}/xlsx")).content
    assert sheet_rows(again)[3:] == sheet_rows(downloaded)[3:]
    assert sheet_rows(again)[1][0] == "DANH MỤC HỒ SƠ Năm 2026"
    csv_then = (await client.get(f"{path(year=YEAR - 1)}/csv")).content
    assert (await client.get(f"{path()}/csv")).content == csv_then


def workbook(*rows: tuple[Any, ...]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Sở Nội vụ"])
    sheet.append(["DANH MỤC HỒ SƠ Năm 2026"])
    sheet.append([])
    sheet.append(
        [
            "Số và ký hiệu hồ sơ",
            "Tên đề mục và tiêu đề hồ sơ",
            "Thời hạn bảo quản",
            "Người lập hồ sơ",
            "Ghi chú",
        ]
    )
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_import_names_every_wrong_row_and_stores_nothing(client: httpx.AsyncClient) -> None:
    created = await start(client)
    content = workbook(
        ("TH", "I. Tổng hợp"),  # row 5
        ("01.TH", "Kế hoạch", "Vĩnh viễn"),  # row 6: fine
        ("02.TH", "Báo cáo", "mãi mãi"),  # row 7: retention
        (None, "", "10 năm"),  # row 8: no title
        ("05.TH", "Hồ sơ", "5 năm"),  # row 9: its place makes it 04
        ("03.TCCB", "Hồ sơ", "5 năm"),  # row 10: another heading's symbol
        (None, "Một dòng lạ"),  # row 11: neither heading nor entry
    )
    response = await client.post(
        f"{path()}/import", content=content, headers={"content-type": XLSX}
    )
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "row 7, Thời hạn bảo quản" in errors
    assert "retention" in errors["row 7, Thời hạn bảo quản"]
    assert "row 8, Tên đề mục và tiêu đề hồ sơ" in errors
    assert "row 9, Số và ký hiệu hồ sơ" in errors and "04" in errors["row 9, Số và ký hiệu hồ sơ"]
    assert "row 10, Số và ký hiệu hồ sơ" in errors
    assert "row 11, Tên đề mục và tiêu đề hồ sơ" in errors
    assert not any(field.startswith("row 6") for field in errors)
    assert (await client.get(path())).json() == created


async def test_import_refuses_what_is_not_a_list(client: httpx.AsyncClient) -> None:
    created = await start(client)
    not_xlsx = await client.post(
        f"{path()}/import", content=b"PK\x03\x04 broken", headers={"content-type": XLSX}
    )
    assert not_xlsx.status_code == 422
    no_header = await client.post(
        f"{path()}/import",
        content=_plain_workbook(),
        headers={"content-type": XLSX},
    )
    assert no_header.status_code == 422
    assert "five columns" in no_header.json()["detail"]
    wrong_type = await client.post(
        f"{path()}/import", content=b"a,b", headers={"content-type": "text/csv"}
    )
    assert wrong_type.status_code == 415
    too_big = await client.post(
        f"{path()}/import", content=b"0" * (1_048_576 + 10), headers={"content-type": XLSX}
    )
    assert too_big.status_code == 413
    stale = await client.post(
        f"{path()}/import",
        params={"revision": 5},
        content=workbook(),
        headers={"content-type": XLSX},
    )
    assert stale.status_code == 409
    assert (await client.get(path())).json() == created


def _plain_workbook() -> bytes:
    book = Workbook()
    book.active.append(["a", "b"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_import_into_an_approved_list_is_refused(client: httpx.AsyncClient) -> None:
    await start(client)
    await fill(client)
    assert (await client.post(f"{path()}/approve")).status_code == 200
    response = await client.post(
        f"{path()}/import",
        content=workbook(("TH", "I. Tổng hợp"), ("01.TH", "Kế hoạch", "Vĩnh viễn")),
        headers={"content-type": XLSX},
    )
    assert response.status_code == 409
    assert "approved" in response.json()["detail"]


@pytest.mark.parametrize("retention", ["Vĩnh viễn", "permanent", "PERMANENT"])
async def test_permanent_retention_spellings(client: httpx.AsyncClient, retention: str) -> None:
    await start(client)
    listed = await fill(
        client, tree=[{"symbol": "TH", "title": "Tổng hợp", "entries": [entry("A", retention)]}]
    )
    assert listed["headings"][0]["entries"][0]["retention"] == "permanent"
    assert listed["headings"][0]["entries"][0]["retention_printed"] == "Vĩnh viễn"


async def test_text_that_looks_like_a_formula_stays_text(client: httpx.AsyncClient) -> None:
    await start(client)
    title = '=HYPERLINK("http://example.invalid","Báo cáo")'
    await fill(client, tree=[{"symbol": "TH", "title": "Tổng hợp", "entries": [entry(title)]}])
    sheet = load_workbook(io.BytesIO((await client.get(f"{path()}/xlsx")).content)).worksheets[0]
    assert sheet["B6"].value == title
    assert sheet["B6"].data_type == "s"
    # The CSV says the same, as text a spreadsheet opens without running it.
    rows = list(csv.reader(io.StringIO((await client.get(f"{path()}/csv")).content.decode())))
    assert ["'" + title] in [row[1:2] for row in rows]


async def test_a_small_file_that_unpacks_to_millions_of_cells_is_refused(
    client: httpx.AsyncClient,
) -> None:
    """A 100 KB workbook whose one row holds a million cells would keep the reader busy for
    seconds: refused by its unpacked size before it is read."""
    created = await start(client)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "<c><v>1</v></c>" * 1_000_000)
    assert len(packed.getvalue()) < 1_048_576

    bomb = await client.post(
        f"{path()}/import", content=packed.getvalue(), headers={"content-type": XLSX}
    )

    assert bomb.status_code == 422
    assert "unpacks to more than 8 MiB" in bomb.json()["detail"]
    assert (await client.get(path())).json() == created
