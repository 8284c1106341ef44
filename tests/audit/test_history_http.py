"""The history as a unit's leader or an administrator reads it through the API: every change
made through the API is there, with who, what and the digests; others cannot read it; tampering
shows in the verify endpoint."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar

from core.audit.models import AuditEvent
from tests.accounts import ADMIN_TOKEN
from tests.conftest import concurrent_client
from tests.identity.people import acting, credential_for, grant, make_token

OWN = "000.00.05.H25"
OTHER = "000.00.06.H25"
PDF = b"%PDF-1.4\n" + b"x" * 200


async def _history(caller: Any, **params: Any) -> httpx.Response:
    return await caller.get("/api/v1/audit/events", params=params)


async def test_every_change_through_the_api_is_in_the_units_history(app: Litestar) -> None:
    async with concurrent_client(app) as admin:
        clerk = acting(admin, (await make_token(admin, grant("clerk", OWN)))["token"])
        leader = acting(admin, await credential_for(admin, grant("leader", OWN)))
        body = {"unit": OWN, "direction": "outgoing", "type_code": "QD", "summary": "Về việc A"}
        draft = (await clerk.post("/api/v1/documents", json=body)).json()
        edited = await clerk.patch(
            f"/api/v1/documents/{draft['id']}", json={"revision": 1, "summary": "Về việc B"}
        )
        uploaded = await clerk.post(
            f"/api/v1/documents/{draft['id']}/files",
            files=[("files", ("qd.pdf", PDF, "application/pdf"))],
            params={"role": "main"},
        )
        issued = await clerk.post(f"/api/v1/documents/{draft['id']}/issue")
        history = await _history(leader, unit=OWN, document=draft["id"], oldest_first="true")
        by_clerk = await _history(leader, unit=OWN, user=f"token:{clerk.token.split('_')[1]}")
        refused_clerk = await _history(clerk, unit=OWN)
        refused_other = await _history(leader, unit=OTHER)
        refused_all = await _history(leader)
        verified = await admin.get("/api/v1/audit/verify", params={"unit": OWN})
        not_for_leader = await leader.get("/api/v1/audit/verify", params={"unit": OWN})

    assert edited.status_code == 200 and uploaded.status_code == 201 and issued.status_code == 200
    assert history.status_code == 200, history.text
    events = history.json()["items"]
    assert [e["action"] for e in events] == [
        "document.create",
        "document.edit",
        "file.upload",
        "document.issue",
    ]
    clerk_name = f"token:{clerk.token.split('_')[1]}"
    assert {e["actor"] for e in events} == {clerk_name}
    assert all(e["chain"] == OWN and e["target_id"] == draft["id"] for e in events)
    create, edit, upload, issue = events
    assert create["before"] is None and create["after"]
    assert edit["before"] == create["after"] and edit["after"] != edit["before"]
    assert edit["detail"]["fields"] == ["summary"]
    assert upload["detail"]["files"][0]["name"] == "qd.pdf"
    assert issue["detail"]["number"] == 1
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert {e["action"] for e in by_clerk.json()["items"]} >= {"document.create"}
    assert refused_clerk.status_code == 403  # a clerk works in the unit but reads no history
    assert refused_other.status_code == 404
    assert refused_all.status_code == 422
    assert verified.status_code == 200, verified.text
    assert verified.json()[0]["intact"] is True and verified.json()[0]["head_seq"] >= 4
    assert not_for_leader.status_code == 403


async def test_accounts_and_sign_ins_are_in_the_province_history(app: Litestar) -> None:
    async with concurrent_client(app) as admin:
        made = await admin.post(
            "/api/v1/users",
            json={
                "username": "lan",
                "full_name": "Nguyễn Thị Lan",
                "password": "mot-mat-khau-dai",
                "grants": [grant("clerk", OWN)],
            },
        )
        wrong = await admin.post(
            "/api/v1/auth/login", json={"username": "lan", "password": "khong-dung-dau"}
        )
        right = await admin.post(
            "/api/v1/auth/login", json={"username": "lan", "password": "mot-mat-khau-dai"}
        )
        province = await _history(admin, unit="_province", oldest_first="true")
        unit = await _history(admin, unit=OWN, oldest_first="true")

    assert made.status_code == 201 and wrong.status_code == 401 and right.status_code == 200
    actions = [(e["action"], e["actor"]) for e in province.json()["items"]]
    admin_name = f"token:{ADMIN_TOKEN.split('_')[1]}"
    assert actions == [
        ("user.create", admin_name),
        ("sign_in.failed", "lan"),
        ("sign_in", "lan"),
    ]
    assert [(e["action"], e["detail"]) for e in unit.json()["items"]] == [
        ("grant", {"role": "clerk", "unit": OWN})
    ]


async def test_an_event_edited_in_the_database_shows_in_the_verify_endpoint(
    app: Litestar,
) -> None:
    async with concurrent_client(app) as admin:
        body = {"unit": OWN, "direction": "outgoing", "type_code": "QD", "summary": "Về việc C"}
        for _ in range(3):
            assert (await admin.post("/api/v1/documents", json=body)).status_code == 201
        events = AuditEvent.get_motor_collection()
        await events.update_one({"chain": OWN, "seq": 2}, {"$set": {"actor": "someone else"}})
        report = await admin.get("/api/v1/audit/verify", params={"unit": OWN})

    assert report.status_code == 200
    [chain] = report.json()
    assert chain["intact"] is False
    assert chain["broken"]["seq"] == 2 and chain["broken"]["kind"] == "edited"
