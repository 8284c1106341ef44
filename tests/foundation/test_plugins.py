"""Plugins: discovered from installed packages, and heard only by the units that turn them on."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.documents.types import check_plugin_types
from core.hookspecs import hookimpl
from core.plugins import PluginHost, create_plugin_host, load_plugins
from core.settings import ConfigError
from core.units.tree import UnitsFile, build_unit_tree, load_unit_tree
from tests.plugin_packages import install_plugin

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_PLUGIN = REPO / "tests" / "example_plugin"

PROVINCE = "000.00.00.H25"
HOME_AFFAIRS = "000.00.05.H25"
FINANCE = "000.00.06.H25"
COMMUNE = "000.01.35.H25"
DISTRICT = "000.00.35.H25"


@pytest.fixture(scope="module")
def installed_example_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip-install the example plugin package into a directory of its own."""
    target = tmp_path_factory.mktemp("site")
    # Build from a copy: building writes build/ and *.egg-info next to the sources.
    source = shutil.copytree(EXAMPLE_PLUGIN, tmp_path_factory.mktemp("src") / "example_plugin")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
    )
    return target


@pytest.fixture
def example_plugin_on_path(installed_example_plugin: Path) -> Iterator[Path]:
    sys.path.insert(0, str(installed_example_plugin))
    try:
        yield installed_example_plugin
    finally:
        sys.path.remove(str(installed_example_plugin))
        sys.modules.pop("hoso_example_plugin", None)


def units_turning_on(plugins_by_unit: dict[str, dict]) -> UnitsFile:
    """A small tree: province → Home Affairs, Finance; province → district → commune."""
    entries = [
        {"code": PROVINCE, "name": "UBND tỉnh", "abbreviation": "UBND", "level": "province"},
        {
            "code": HOME_AFFAIRS,
            "name": "Sở Nội vụ",
            "abbreviation": "SNV",
            "level": "department",
            "parent": PROVINCE,
        },
        {
            "code": FINANCE,
            "name": "Sở Tài chính",
            "abbreviation": "STC",
            "level": "department",
            "parent": PROVINCE,
        },
        {
            "code": DISTRICT,
            "name": "UBND huyện",
            "abbreviation": "UBND",
            "level": "district",
            "parent": PROVINCE,
        },
        {
            "code": COMMUNE,
            "name": "UBND xã",
            "abbreviation": "UBND",
            "level": "commune",
            "parent": DISTRICT,
        },
    ]
    for entry in entries:
        entry["plugins"] = plugins_by_unit.get(entry["code"], {})
    return UnitsFile.model_validate({"unit": entries})


def test_installed_package_is_discovered_through_its_entry_point(example_plugin_on_path) -> None:
    tree = build_unit_tree(units_turning_on({PROVINCE: {"decree30": {}}}))

    host = create_plugin_host(tree)

    info = {plugin.name: plugin for plugin in host.describe()}
    assert info["example"].version == "1.2.0"
    assert info["example"].builtin is False
    assert info["example"].hooks == [
        "hoso_document_types",
        "hoso_number_register",
        "hoso_settings_schema",
    ]
    assert info["example"].units == []


def test_plugin_reaches_only_the_units_that_turn_it_on(example_plugin_on_path) -> None:
    tree = build_unit_tree(
        units_turning_on(
            {
                PROVINCE: {"decree30": {}},
                HOME_AFFAIRS: {"example": {"register_prefix": "snv"}},
                DISTRICT: {"example": {"register_prefix": "cx"}},
            }
        )
    )
    host = create_plugin_host(tree)
    gxn = {"direction": "outgoing", "type_code": "GXN"}

    def type_codes(unit_code: str) -> set[str]:
        unit = tree.get(unit_code)
        results = host.for_unit(unit).hoso_document_types(unit=unit)
        return {item["code"] for result in results for item in result}

    def register(unit_code: str) -> str:
        unit = tree.get(unit_code)
        return host.for_unit(unit).hoso_number_register(unit=unit, document=gxn)

    assert "GXN" in type_codes(HOME_AFFAIRS)
    assert "GXN" not in type_codes(FINANCE)
    assert "GXN" not in type_codes(PROVINCE)
    # Inherited down the tree, with the settings of the nearest unit that sets them.
    assert "GXN" in type_codes(COMMUNE)
    assert register(HOME_AFFAIRS) == "snv-gxn"
    assert register(COMMUNE) == "cx-gxn"
    assert register(FINANCE) == "outgoing"  # Decree 30 default
    assert host.describe()[-1].units == [HOME_AFFAIRS, DISTRICT, COMMUNE]


def test_a_unit_can_turn_off_an_inherited_plugin(example_plugin_on_path) -> None:
    tree = build_unit_tree(
        units_turning_on({PROVINCE: {"decree30": {}, "example": {}}, DISTRICT: {"example": False}})
    )
    host = create_plugin_host(tree)

    assert "example" in tree.get(FINANCE).plugins
    assert "example" not in tree.get(DISTRICT).plugins
    assert "example" not in tree.get(COMMUNE).plugins
    unit = tree.get(COMMUNE)
    codes = {t["code"] for r in host.for_unit(unit).hoso_document_types(unit=unit) for t in r}
    assert "GXN" not in codes and "QD" in codes
    # Turned on without settings: the register prefix it declares as default.
    finance = tree.get(FINANCE)
    gxn = {"direction": "outgoing", "type_code": "GXN"}
    assert host.for_unit(finance).hoso_number_register(unit=finance, document=gxn) == "example-gxn"


def test_unit_turning_on_an_unknown_plugin_stops_the_start() -> None:
    tree = build_unit_tree(units_turning_on({PROVINCE: {"decree30": {}, "no_such_plugin": {}}}))

    with pytest.raises(ConfigError, match="unknown plugin.*no_such_plugin"):
        create_plugin_host(tree)


def test_hoso_plugins_command_lists_the_installed_plugin_and_its_units(
    installed_example_plugin: Path, tmp_path: Path
) -> None:
    units_file = tmp_path / "units.toml"
    units_file.write_text(
        (REPO / "config" / "units.toml").read_text(encoding="utf-8")
        + '\n[unit.plugins.example]\nregister_prefix = "xa"\n',
        encoding="utf-8",
    )
    env = {
        "PYTHONPATH": f"{installed_example_plugin}:{REPO}",
        "HOSO_UNITS_FILE": str(units_file),
        "PATH": "/usr/bin:/bin",
    }

    result = subprocess.run(
        [sys.executable, "-m", "core", "plugins", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    plugins = {plugin["name"]: plugin for plugin in json.loads(result.stdout)}
    assert plugins["example"]["version"] == "1.2.0"
    # The last unit in config/units.toml is the commune: only it turns the plugin on.
    assert plugins["example"]["units"] == [COMMUNE]
    assert len(plugins["decree30"]["units"]) == len(load_unit_tree(units_file))


class FinanceRecordCodes:
    """A unit plugin that numbers its records with three digits and its own list template."""

    @hookimpl
    def hoso_format_record_code(self, unit, record, year, ordinal):
        return f"{unit.code}.{year}.{ordinal:03d}.{record['heading_symbol']}"

    @hookimpl
    def hoso_record_list_template(self, unit, year):
        return {"numbering": "whole_list", "headings": [{"symbol": "NS", "title": "Ngân sách"}]}


def test_record_hooks_default_to_decree30_and_a_unit_plugin_overrides_them() -> None:
    tree = build_unit_tree(
        units_turning_on(
            {
                PROVINCE: {"decree30": {"record_numbering": "whole_list"}},
                FINANCE: {"finance_records": {}},
            }
        )
    )
    manager, versions = load_plugins()
    manager.register(FinanceRecordCodes(), name="finance_records")
    host = PluginHost(manager, tree, versions)
    record = {"heading_symbol": "TH"}

    def code(unit_code: str) -> str:
        unit = tree.get(unit_code)
        return host.for_unit(unit).hoso_format_record_code(
            unit=unit, record=record, year=2024, ordinal=1
        )

    def template(unit_code: str) -> dict:
        unit = tree.get(unit_code)
        return host.for_unit(unit).hoso_record_list_template(unit=unit, year=2025)

    assert code(PROVINCE) == "000.00.00.H25.2024.01.TH"
    assert code(HOME_AFFAIRS) == "000.00.05.H25.2024.01.TH"
    assert code(FINANCE) == "000.00.06.H25.2024.001.TH"
    assert template(HOME_AFFAIRS)["numbering"] == "whole_list"  # the province's setting
    assert template(HOME_AFFAIRS)["headings"][0]["symbol"] == "TH"
    assert template(FINANCE)["headings"][0]["symbol"] == "NS"


def test_a_misspelled_hook_in_an_installed_plugin_stops_the_start_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_plugin(
        tmp_path,
        monkeypatch,
        "misspelled",
        """
        import pluggy
        hookimpl = pluggy.HookimplMarker("hoso")

        @hookimpl
        def hoso_document_type(unit):  # the hook is hoso_document_types
            return []
        """,
    )
    tree = build_unit_tree(units_turning_on({PROVINCE: {"decree30": {}}}))

    with pytest.raises(ConfigError, match="plugin 'misspelled'.*hoso_document_type"):
        create_plugin_host(tree)


def test_a_unit_without_a_number_formatter_stops_the_start() -> None:
    tree = build_unit_tree(
        units_turning_on({PROVINCE: {"decree30": {}}, FINANCE: {"decree30": False}})
    )

    with pytest.raises(ConfigError, match=f"unit {FINANCE} gives document types"):
        create_plugin_host(tree)


def test_a_plugin_giving_malformed_document_types_stops_the_start_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_plugin(
        tmp_path,
        monkeypatch,
        "sloppy_types",
        """
        import pluggy
        hookimpl = pluggy.HookimplMarker("hoso")

        @hookimpl
        def hoso_document_types(unit):
            return [{"code": "GXN", "name": "Giấy xác nhận", "schema": {"type": "objekt"}}]
        """,
    )
    tree = build_unit_tree(units_turning_on({PROVINCE: {"decree30": {}, "sloppy_types": {}}}))
    host = create_plugin_host(tree)

    with pytest.raises(ConfigError, match="Plugin 'sloppy_types' gave type GXN a bad schema"):
        check_plugin_types(host)
