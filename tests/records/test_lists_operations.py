"""PATCH of a draft record list: operations applied in order, all or none."""

from __future__ import annotations

from typing import Any

import httpx

from tests.records.test_lists import entry, fill, numbers, path, start


async def patch(client: httpx.AsyncClient, revision: int, *operations: dict[str, Any]):
    return await client.patch(path(), json={"revision": revision, "operations": list(operations)})


async def test_operations_add_edit_move_and_remove(client: httpx.AsyncClient) -> None:
    await start(client)
    listed = await fill(client)
    th, tccb = listed["headings"]
    first = th["entries"][0]
    report = th["headings"][0]
    response = await patch(
        client,
        listed["revision"],
        {"op": "add_heading", "symbol": "KHTC", "title": "Kế hoạch tài chính", "position": 1},
        {"op": "add_entry", "heading_id": th["heading_id"], "position": 0, "entry": entry("Mới")},
        {"op": "edit_entry", "entry_id": first["entry_id"], "notes": "Bản điện tử"},
        {
            "op": "move_entry",
            "entry_id": report["entries"][0]["entry_id"],
            "heading_id": tccb["heading_id"],
        },
        {"op": "remove_heading", "heading_id": report["heading_id"]},
        {"op": "edit_heading", "heading_id": tccb["heading_id"], "title": "Tổ chức - cán bộ"},
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["revision"] == listed["revision"] + 1
    assert [h["symbol"] for h in changed["headings"]] == ["TH", "KHTC", "TCCB"]
    assert [h["label"] for h in changed["headings"]][2] == "III. TỔ CHỨC - CÁN BỘ"
    new_th = changed["headings"][0]
    assert [e["title"] for e in new_th["entries"]] == ["Mới", "Kế hoạch công tác năm"]
    assert new_th["entries"][1]["entry_id"] == first["entry_id"]
    assert new_th["entries"][1]["notes"] == "Bản điện tử"
    assert new_th["entries"][1]["responsible"] == "Nguyễn Văn An"  # not sent: kept
    assert new_th["headings"] == []
    assert numbers(changed) == ["01.TH", "02.TH", "01.TCCB", "02.TCCB", "03.TCCB"]
    moved = changed["headings"][2]["entries"][-1]
    # After the big heading's own entries, before those of its small headings.
    assert moved["title"] == "Báo cáo tháng" and moved["number_and_symbol"] == "02.TCCB"


async def test_a_wrong_operation_changes_nothing(client: httpx.AsyncClient) -> None:
    await start(client)
    listed = await fill(client)
    th = listed["headings"][0]
    cases = [
        ({"op": "remove_heading", "heading_id": th["heading_id"]}, "operations.1.heading_id"),
        ({"op": "remove_entry", "entry_id": "nothere"}, "operations.1.entry_id"),
        ({"op": "add_heading", "title": "Không ký hiệu"}, "operations.1.symbol"),
        ({"op": "edit_entry", "entry_id": th["entries"][0]["entry_id"], "title": None}, "title"),
        (
            {"op": "edit_entry", "entry_id": th["entries"][0]["entry_id"], "retention": "x"},
            "retention",
        ),
        ({"op": "fly"}, "op"),
    ]
    for operation, field in cases:
        response = await patch(
            client,
            listed["revision"],
            {"op": "add_entry", "heading_id": th["heading_id"], "entry": entry("Trước")},
            operation,
        )
        assert response.status_code == 422, (operation, response.text)
        assert any(field in e["field"] for e in response.json()["errors"]), response.json()
    assert (await client.get(path())).json() == listed
    stale = await patch(client, listed["revision"] - 1, {"op": "remove_entry", "entry_id": "x"})
    assert stale.status_code == 409
    assert stale.json()["current_revision"] == listed["revision"]


async def test_an_approved_list_refuses_operations(client: httpx.AsyncClient) -> None:
    await start(client)
    listed = await fill(client)
    approved = (await client.post(f"{path()}/approve")).json()
    th = listed["headings"][0]
    response = await patch(
        client,
        approved["revision"],
        {"op": "add_entry", "heading_id": th["heading_id"], "entry": entry("Mới")},
    )
    assert response.status_code == 409
    assert "amendments" in response.json()["detail"]
