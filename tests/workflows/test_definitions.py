"""Workflow definitions are checked when loaded: a wrong one stops the start with one line naming
the file (or plugin), the workflow and the problem."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from core.app import create_app
from core.cli import app as cli
from core.settings import ConfigError
from core.workflows.definitions import DefinitionError, check_definition, parse_definition
from core.workflows.registry import DEFAULTS_FILE

ROLES = {"clerk", "specialist", "leader", "archivist", "unit_admin", "province_admin"}


def default(name: str = "decree30_outgoing") -> dict[str, Any]:
    with DEFAULTS_FILE.open("rb") as handle:
        return copy.deepcopy(tomllib.load(handle)["workflow"][name])


def problem(raw: dict[str, Any], name: str = "broken") -> str:
    with pytest.raises(DefinitionError) as caught:
        check_definition(parse_definition(name, raw), ROLES)
    return str(caught.value)


def transition(raw: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in raw["transitions"] if t["name"] == name)


def test_the_defaults_pass():
    for name in ("decree30_outgoing", "decree30_incoming"):
        check_definition(parse_definition(name, default(name)), ROLES)


def test_unknown_state():
    raw = default()
    transition(raw, "send")["to"] = "archived"
    assert problem(raw) == "workflow 'broken': transition 'send': unknown state 'archived'"


def test_dead_end():
    raw = default()
    raw["transitions"] = [t for t in raw["transitions"] if t["name"] != "send"]
    assert problem(raw) == "workflow 'broken': state 'issued' is a dead end (not final, no way out)"


def test_unreachable_state():
    raw = default()
    raw["states"]["limbo"] = {"label": "Treo", "final": True}
    assert problem(raw) == "workflow 'broken': no transition reaches state 'limbo'"


def test_a_loop_with_no_way_to_an_end():
    raw = default("decree30_incoming")
    raw["states"]["waiting"] = {"label": "Chờ"}
    raw["transitions"] += [
        {
            "name": "wait",
            "label": "Chờ",
            "from": ["processing"],
            "to": "waiting",
            "roles": ["leader"],
        },
        {
            "name": "again",
            "label": "Lại",
            "from": ["waiting"],
            "to": "waiting",
            "roles": ["leader"],
        },
    ]
    assert problem(raw) == "workflow 'broken': from state 'waiting' no final state can be reached"


def test_transition_nobody_may_take():
    raw = default()
    transition(raw, "sign")["roles"] = []
    assert problem(raw) == "workflow 'broken': transition 'sign': no role or party may take it"


def test_unknown_role():
    raw = default()
    transition(raw, "sign")["roles"] = ["chairman"]
    assert problem(raw).startswith("workflow 'broken': transition 'sign': unknown role chairman")


def test_start_state_must_exist_and_not_be_final():
    raw = default()
    raw["start"] = "nowhere"
    assert problem(raw) == "workflow 'broken': start state 'nowhere' is not among its states"


def test_effects_fit_the_direction():
    raw = default("decree30_incoming")
    transition(raw, "register")["effect"] = "issue"
    assert "incoming documents are registered, not issued" in problem(raw)


def test_unknown_key_is_refused():
    raw = default()
    transition(raw, "sign")["signers"] = 2
    with pytest.raises(DefinitionError) as caught:
        parse_definition("broken", raw)
    assert str(caught.value).startswith("workflow 'broken': transitions.")
    assert "signers" in str(caught.value)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


BROKEN = """
[workflow.stp_outgoing]
label = "Văn bản đi"
directions = ["outgoing"]
start = "draft"
[workflow.stp_outgoing.states]
draft = { label = "Dự thảo" }
checked = { label = "Đã kiểm tra" }
sent = { label = "Đã gửi", final = true }
[[workflow.stp_outgoing.transitions]]
name = "check"
label = "Kiểm tra"
from = ["draft"]
to = "checked"
roles = ["leader"]
"""


def test_a_malformed_file_stops_the_start_with_one_line(make_settings, tmp_path):
    folder = tmp_path / "workflows"
    path = write(folder, "stp.toml", BROKEN)
    with pytest.raises(ConfigError) as caught:
        create_app(make_settings(workflows_dir=folder))
    message = str(caught.value)
    assert message == (
        f"{path}: workflow 'stp_outgoing': state 'checked' is a dead end (not final, no way out)"
    )
    assert "\n" not in message


def test_config_check_prints_the_one_line(tmp_path):
    folder = tmp_path / "workflows"
    path = write(folder, "stp.toml", BROKEN)
    config = tmp_path / "hoso.toml"
    repo = Path(__file__).resolve().parents[2]
    config.write_text(
        f'units_file = "{repo / "config" / "units.toml"}"\nworkflows_dir = "{folder}"\n'
        "in_memory_database = true\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["config", "check", "--config", str(config)])
    assert result.exit_code != 0
    assert (
        f"configuration error: {path}: workflow 'stp_outgoing': state 'checked' is a dead end"
        in result.output
    )


def test_a_binding_to_an_unknown_unit_or_workflow(make_settings, tmp_path):
    folder = tmp_path / "workflows"
    path = write(folder, "use.toml", '[[use]]\nworkflow = "nope"\nunits = ["000.00.07.H25"]\n')
    with pytest.raises(ConfigError) as caught:
        create_app(make_settings(workflows_dir=folder))
    assert str(caught.value) == f"{path}: [[use]] #1: unknown workflow 'nope'"
    path.write_text('[[use]]\nworkflow = "decree30_outgoing"\nunits = ["999.99.99.H99"]\n')
    with pytest.raises(ConfigError) as caught:
        create_app(make_settings(workflows_dir=folder))
    assert str(caught.value) == f"{path}: [[use]] #1: unknown unit '999.99.99.H99'"


def test_two_files_defining_one_workflow(make_settings, tmp_path):
    folder = tmp_path / "workflows"
    fixed = BROKEN + (
        '[[workflow.stp_outgoing.transitions]]\nname = "send"\nlabel = "Gửi"\n'
        'from = ["checked"]\nto = "sent"\nroles = ["clerk"]\n'
    )
    first = write(folder, "a.toml", fixed)
    second = write(folder, "b.toml", fixed)
    with pytest.raises(ConfigError) as caught:
        create_app(make_settings(workflows_dir=folder))
    assert str(caught.value) == (f"{second}: workflow 'stp_outgoing' is already defined by {first}")
