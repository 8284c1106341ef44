"""A unit's workflow differs only where its plugins or config/workflows/ say so."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.app import create_app
from tests.accounts import admin_client
from tests.documents.conftest import create, issue, outgoing
from tests.identity.people import grant
from tests.workflows import event_plugin
from tests.workflows.people import FINANCE, JUSTICE, UNIT, person, staff, take, timeline, workflow

REPO = Path(__file__).resolve().parents[2]


async def test_the_legal_review_unit_differs_and_others_do_not(client):
    """plugins/ha_tinh/legal_review.py is on for Sở Tài chính only (config/units.toml)."""
    finance = await staff(client, FINANCE)
    home = await staff(client, UNIT)
    legal = await person(client, "phap.che", grant("legal_officer", FINANCE))

    decision = await create(finance["specialist"], outgoing(unit=FINANCE, type_code="QD"))
    letter = await create(finance["specialist"], outgoing(unit=FINANCE, type_code="CV"))
    elsewhere = await create(home["specialist"], outgoing(unit=UNIT, type_code="QD"))
    assert decision["workflow"]["name"] == "ha_tinh_legal_review"
    assert letter["workflow"]["name"] == "decree30_outgoing"
    assert elsewhere["workflow"]["name"] == "decree30_outgoing"

    for caller, document in ((finance, decision), (home, elsewhere)):
        doc = document["id"]
        await take(caller["specialist"], doc, "submit")
        await take(caller["leader"], doc, "approve_content")
        await take(caller["clerk"], doc, "approve_format")
    assert (await workflow(finance["leader"], decision["id"]))["step"] == "legal_review"
    assert (await workflow(home["leader"], elsewhere["id"]))["step"] == "signing"

    # Only the legal officer moves it on, with a legal opinion; the leader waits.
    state = await workflow(finance["leader"], decision["id"])
    assert state["available"] == []
    assert {t["name"] for t in state["others"]} == {"approve_legal", "return_legal"}
    await take(finance["leader"], decision["id"], "approve_legal", expect=403)
    await take(legal, decision["id"], "approve_legal", expect=422)  # no legal_opinion
    await take(
        legal,
        decision["id"],
        "approve_legal",
        fields={"legal_opinion": "Đúng thẩm quyền, phù hợp Luật Ngân sách nhà nước."},
    )
    assert (await workflow(finance["leader"], decision["id"]))["step"] == "signing"
    entries = await timeline(finance["leader"], decision["id"])
    assert entries[-1]["fields"] == {
        "legal_opinion": "Đúng thẩm quyền, phù hợp Luật Ngân sách nhà nước."
    }


async def test_the_plugin_guard_refuses_sending_without_recipients(client):
    finance = await staff(client, FINANCE)
    home = await staff(client, UNIT)
    for caller, unit in ((finance, FINANCE), (home, UNIT)):
        document = await create(caller["specialist"], outgoing(unit=unit, type_code="CV"))
        await issue(
            caller["clerk"], document["id"]
        )  # numbered directly, as after a paper signature
        caller["doc"] = document["id"]
    refused = await finance["clerk"].post(
        f"/api/v1/documents/{finance['doc']}/transitions", json={"name": "send"}
    )
    assert refused.status_code == 422
    assert "chưa có nơi nhận" in refused.json()["detail"]
    assert refused.json()["refused_by"] == "ha_tinh_legal_review"
    assert (await workflow(finance["clerk"], finance["doc"]))["step"] == "issued"
    await take(home["clerk"], home["doc"], "send")  # the guard is not on there
    assert (await workflow(home["clerk"], home["doc"]))["step"] == "sent"


async def test_a_config_binding_for_one_unit(make_settings, tmp_path):
    folder = tmp_path / "workflows"
    folder.mkdir()
    source = (REPO / "core" / "workflows" / "decree30.toml").read_text(encoding="utf-8")
    start = source.index("[workflow.decree30_incoming]")
    quick = source[start:].replace("decree30_incoming", "stp_incoming")
    quick = quick.replace('label = "Văn bản đến (Nghị định 30/2020/NĐ-CP)"', 'label = "Nhanh"')
    (folder / "stp.toml").write_text(
        quick + f'\n[[use]]\nworkflow = "stp_incoming"\nunits = ["{JUSTICE}"]\n',
        encoding="utf-8",
    )
    app = create_app(make_settings(workflows_dir=folder))
    async with admin_client(app) as admin:
        from tests.documents.conftest import incoming

        justice = await create(admin, incoming(unit=JUSTICE))
        home = await create(admin, incoming(unit=UNIT))
        assert justice["workflow"]["name"] == "stp_incoming"
        assert home["workflow"]["name"] == "decree30_incoming"
        listed = (await admin.get("/api/v1/workflows")).json()["items"]
        assert {d["name"]: d["source"] for d in listed}["stp_incoming"] == str(folder / "stp.toml")


@pytest.fixture
def hooked_app(make_settings, tmp_path, monkeypatch):
    monkeypatch.setattr(
        "core.plugins.BUILTIN_PLUGINS",
        {
            **__import__("core.plugins", fromlist=["x"]).BUILTIN_PLUGINS,
            "test_events": "tests.workflows.event_plugin",
        },
    )
    units = (REPO / "config" / "units.toml").read_text(encoding="utf-8")
    marker = 'name = "Sở Nội vụ"'
    units = units.replace(marker, marker, 1)
    at = units.index(marker)
    end = units.index("[[unit]]", at)
    units = units[:end] + "[unit.plugins.test_events]\n\n" + units[end:]
    path = tmp_path / "units.toml"
    path.write_text(units, encoding="utf-8")
    event_plugin.EVENTS.clear()
    return create_app(make_settings(units_file=path))


async def test_guard_and_event_hooks(hooked_app):
    async with admin_client(hooked_app) as admin:
        people = await staff(admin, UNIT)
        other = await staff(admin, JUSTICE)
        document = await create(people["specialist"], outgoing(unit=UNIT))
        doc = document["id"]
        refused = await people["specialist"].post(
            f"/api/v1/documents/{doc}/transitions",
            json={"name": "submit", "comment": "xin từ chối"},
        )
        assert refused.status_code == 422
        assert refused.json()["detail"] == "Plugin thử từ chối 'submit' của specialist.05."
        assert (await workflow(people["specialist"], doc))["step"] == "draft"
        assert event_plugin.EVENTS == []

        await take(people["specialist"], doc, "submit")
        assert [
            {
                "unit": UNIT,
                "document": doc,
                "step": "content_check",
                "transition": "submit",
                "revision": 2,
                "actor": "specialist.05",
            }
        ] == event_plugin.EVENTS
        # A failing listener: the transition stays taken, the failure is in the history.
        await take(people["leader"], doc, "return_draft", comment="hỏng")
        assert (await workflow(people["leader"], doc))["step"] == "draft"
        events = (
            await admin.get("/api/v1/audit/events", params={"document": doc, "limit": 50})
        ).json()["items"]
        failed = [e for e in events if e["action"] == "workflow.hook_failed"]
        assert len(failed) == 1 and "notification service is down" in failed[0]["detail"]["error"]

        # Units without the plugin are not asked.
        elsewhere = await create(other["specialist"], outgoing(unit=JUSTICE))
        await take(other["specialist"], elsewhere["id"], "submit", comment="xin từ chối")
        assert len(event_plugin.EVENTS) == 1
