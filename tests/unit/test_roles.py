"""Roles from plugins: made of the actions the services check, checked at start."""

from __future__ import annotations

import pytest

from core.identity.models import Grant
from core.identity.policy import Policy
from core.identity.roles import BUILTIN_ROLES, Action, collect_roles
from core.settings import ConfigError
from core.units.tree import load_unit_tree
from tests.conftest import REPO

SECRETARY = {
    "code": "secretary",
    "name": "Thư ký lãnh đạo",
    "actions": ["documents.read", "documents.read_restricted"],
}


def test_a_plugin_role_joins_the_built_in_ones_and_holds_where_granted() -> None:
    roles = collect_roles([("ha_tinh", [SECRETARY])])
    units = load_unit_tree(REPO / "config" / "units.toml")
    policy = Policy(units, roles)
    secretary = policy.principal("hoa", "person", [Grant(unit="000.00.35.H25", role="secretary")])

    assert set(roles) == set(BUILTIN_ROLES) | {"secretary"}
    assert roles["secretary"].source == "plugin ha_tinh"
    assert secretary.may(Action.READ_RESTRICTED, "000.00.35.H25")
    assert not secretary.may(Action.READ_DOCUMENTS, "000.01.35.H25")  # not below: not covering
    assert not secretary.may(Action.WRITE_DOCUMENTS, "000.00.35.H25")


@pytest.mark.parametrize(
    ("role", "named"),
    [
        ({**SECRETARY, "actions": ["documents.read", "documents.sign"]}, "unknown actions"),
        ({**SECRETARY, "code": "clerk"}, "role clerk exists already (from core)"),
        ({**SECRETARY, "code": "Thư ký"}, "role code"),
        ({**SECRETARY, "actions": []}, "role actions"),
        ({**SECRETARY, "scope": "all"}, "role scope"),
    ],
)
def test_a_wrong_plugin_role_stops_the_start_naming_the_plugin(role: dict, named: str) -> None:
    with pytest.raises(ConfigError) as refused:
        collect_roles([("ha_tinh", [role])])
    assert str(refused.value).startswith("plugin ha_tinh: role")
    assert named in str(refused.value)


def test_a_role_covering_units_below_reaches_every_unit_under_its_grant() -> None:
    units = load_unit_tree(REPO / "config" / "units.toml")
    policy = Policy(units, dict(BUILTIN_ROLES))
    admin = policy.principal("a", "person", [Grant(unit="000.00.35.H25", role="unit_admin")])
    leader = policy.principal("b", "person", [Grant(unit="000.00.35.H25", role="leader")])

    below = {unit.code for unit in units.subtree("000.00.35.H25")}
    assert admin.units_for(Action.MANAGE_ACCOUNTS) == below and len(below) > 1
    assert leader.units_for(Action.READ_DOCUMENTS) == {"000.00.35.H25"}
