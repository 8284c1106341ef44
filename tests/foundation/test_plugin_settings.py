"""Plugins declare their per-unit settings; a wrong one stops the start in one line, the declared
defaults reach the plugins, and a plugin failing at run time leaves its traceback in the log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from core.app import create_app
from core.settings import ConfigError, Settings
from tests.accounts import admin_client
from tests.documents.conftest import COMMUNE, HOME_AFFAIRS, assert_problem, create, outgoing
from tests.foundation.test_cli import run_hoso
from tests.plugin_packages import install_plugin, units_file_with

REPO = Path(__file__).resolve().parents[2]
SHIPPED_UNITS = (REPO / "config" / "units.toml").read_text(encoding="utf-8")
SHIPPED_HOME_AFFAIRS = 'register = "thi-dua-khen-thuong"\nsymbol_suffix = "TĐKT"\n'

# A plugin for one commune's land office: it cannot work without its office code.
LAND_OFFICE = """
    import pluggy
    hookimpl = pluggy.HookimplMarker("hoso")

    @hookimpl
    def hoso_settings_schema():
        return {
            "type": "object",
            "properties": {"office_code": {"type": "string", "minLength": 1}},
            "required": ["office_code"],
        }
"""

# Declares its settings as a pydantic model and relies on the model's default.
MODEL_SETTINGS = """
    import pluggy
    from pydantic import BaseModel, Field
    hookimpl = pluggy.HookimplMarker("hoso")

    class Settings(BaseModel):
        symbol: str = Field("TB-XA", min_length=1, max_length=20)
        start: int = 0

    @hookimpl
    def hoso_settings_schema():
        return Settings

    @hookimpl
    def hoso_format_document_number(unit, document, number, register):
        settings = unit.settings_for("model_settings")  # no .get(): the defaults are there
        return {"number": str(settings["start"] + number), "symbol": settings["symbol"]}
"""

# Declares nothing: it takes no settings.
NO_SETTINGS = """
    import pluggy
    hookimpl = pluggy.HookimplMarker("hoso")

    @hookimpl
    def hoso_number_register(unit, document):
        return None
"""

RAISING_REGISTER = """
    import pluggy
    hookimpl = pluggy.HookimplMarker("hoso")

    def lookup_register(unit):
        raise RuntimeError("register directory unreachable")

    @hookimpl
    def hoso_number_register(unit, document):
        return lookup_register(unit)
"""


def units_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "units.toml"
    path.write_text(text, encoding="utf-8")
    return path


def home_affairs_settings(tmp_path: Path, settings: str) -> Path:
    assert SHIPPED_HOME_AFFAIRS in SHIPPED_UNITS
    return units_file(tmp_path, SHIPPED_UNITS.replace(SHIPPED_HOME_AFFAIRS, settings))


def config_check_error(units: Path, **env: str) -> str:
    result = run_hoso("config", "check", env={"HOSO_UNITS_FILE": str(units), **env})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "configuration OK" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_shipped_units_file_passes_the_check() -> None:
    result = run_hoso("config", "check")

    assert result.returncode == 0, result.stderr
    assert "configuration OK" in result.stdout


def test_a_setting_of_the_wrong_type_is_refused_in_one_line(tmp_path: Path) -> None:
    units = home_affairs_settings(tmp_path, 'register = 5\nsymbol_suffix = "TĐKT"\n')

    line = config_check_error(units)

    assert line == (
        f"hoso: configuration error: units file {units}: unit {HOME_AFFAIRS}, plugin "
        "ha_tinh_home_affairs, setting 'register': 5 is not of type 'string'"
    )


@pytest.mark.parametrize("value", ['"thi-dua\\n"', '"thi-dua\\r\\n"', '"thi dua"'])
def test_a_pattern_matches_the_whole_setting_not_a_line_of_it(tmp_path: Path, value: str) -> None:
    # Python's `$` would match before a final line feed; the register key would end in one.
    units = home_affairs_settings(tmp_path, f'register = {value}\nsymbol_suffix = "TĐKT"\n')

    line = config_check_error(units)

    assert f"unit {HOME_AFFAIRS}, plugin ha_tinh_home_affairs, setting 'register'" in line
    assert "does not match" in line


def test_a_misspelled_setting_is_refused_naming_the_accepted_ones(tmp_path: Path) -> None:
    units = home_affairs_settings(tmp_path, 'registr = "khen-thuong"\n')

    line = config_check_error(units)

    assert f"unit {HOME_AFFAIRS}, plugin ha_tinh_home_affairs, setting 'registr'" in line
    assert "unknown setting (accepted: commendation_record, register, symbol_suffix)" in line


def test_a_mistake_inherited_by_every_unit_is_reported_once_where_it_is_written(
    tmp_path: Path,
) -> None:
    units = units_file(
        tmp_path,
        SHIPPED_UNITS.replace(
            'record_numbering = "per_heading"', 'record_numbering = "by_heading"', 1
        ),
    )

    line = config_check_error(units)

    assert line.startswith(
        f"hoso: configuration error: units file {units}: unit 000.00.00.H25, plugin decree30, "
        "setting 'record_numbering': 'by_heading' is not one of ['whole_list', 'per_heading']"
    )
    assert "more problem" not in line  # the nine units below inherit it: one mistake


def test_two_mistakes_report_the_first_and_count_the_rest(tmp_path: Path) -> None:
    units = home_affairs_settings(tmp_path, 'register = "Khen Thưởng"\nsymbol_suffix = ""\n')

    line = config_check_error(units)

    assert "setting 'register': 'Khen Thưởng' does not match" in line
    assert line.endswith("(and 1 more problem(s) in plugin settings)")


def test_a_missing_required_setting_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_plugin(tmp_path, monkeypatch, "land_office", LAND_OFFICE)
    units = units_file_with(tmp_path, REPO, COMMUNE, "land_office")

    line = config_check_error(units, PYTHONPATH=f"{tmp_path / 'site'}:{REPO}")

    assert line == (
        f"hoso: configuration error: units file {units}: unit {COMMUNE}, plugin land_office, "
        "setting 'office_code': required, and not set for this unit or a unit above it"
    )


def test_a_required_setting_given_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugin(tmp_path, monkeypatch, "land_office", LAND_OFFICE)
    units = units_file_with(tmp_path, REPO, COMMUNE, "land_office")
    units.write_text(units.read_text(encoding="utf-8") + 'office_code = "VPDK-CB"\n', "utf-8")

    result = run_hoso(
        "config",
        "check",
        env={"HOSO_UNITS_FILE": str(units), "PYTHONPATH": f"{tmp_path / 'site'}:{REPO}"},
    )

    assert result.returncode == 0, result.stderr


def test_a_plugin_declaring_no_settings_takes_none(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_settings: Callable[..., Settings],
) -> None:
    install_plugin(tmp_path, monkeypatch, "quiet_plugin", NO_SETTINGS)
    units = units_file_with(tmp_path, REPO, COMMUNE, "quiet_plugin")
    units.write_text(units.read_text(encoding="utf-8") + "prefix = 'xa'\n", "utf-8")

    with pytest.raises(ConfigError) as refused:
        create_app(make_settings(units_file=units))

    assert str(refused.value) == (
        f"units file {units}: unit {COMMUNE}, plugin quiet_plugin, setting 'prefix': not "
        "accepted: the plugin declares no settings (hoso_settings_schema)"
    )


def test_a_model_declaration_refuses_a_wrong_value_at_create_app(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_settings: Callable[..., Settings],
) -> None:
    install_plugin(tmp_path, monkeypatch, "model_settings", MODEL_SETTINGS)
    units = units_file_with(tmp_path, REPO, COMMUNE, "model_settings")
    units.write_text(units.read_text(encoding="utf-8") + "start = 'ten'\n", "utf-8")

    with pytest.raises(ConfigError) as refused:
        create_app(make_settings(units_file=units))

    message = str(refused.value)
    assert message.startswith(
        f"units file {units}: unit {COMMUNE}, plugin model_settings, setting 'start': "
    )
    assert "valid integer" in message and "'ten'" in message


async def test_declared_defaults_reach_the_plugin_from_a_model(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_settings: Callable[..., Settings],
) -> None:
    install_plugin(tmp_path, monkeypatch, "model_settings", MODEL_SETTINGS)
    units = units_file_with(tmp_path, REPO, COMMUNE, "model_settings")
    app = create_app(make_settings(units_file=units))

    async with admin_client(app) as client:
        draft = await create(client, outgoing(unit=COMMUNE))
        response = await client.post(f"/api/v1/documents/{draft['id']}/issue")

    assert response.status_code == 200, response.text
    assert response.json()["number_and_symbol"] == "Số: 1/TB-XA"


async def test_declared_defaults_reach_the_plugin_from_a_json_schema(
    tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    # The department turns the plugin on without settings: register and suffix are the defaults.
    units = home_affairs_settings(tmp_path, "")
    app = create_app(make_settings(units_file=units))
    award = {
        "award_form": "Bằng khen",
        "awardees": [{"full_name": "Nguyễn Văn An"}],
    }

    async with admin_client(app) as client:
        draft = await create(client, outgoing(unit=HOME_AFFAIRS, type_code="QDKT", extra=award))
        response = await client.post(f"/api/v1/documents/{draft['id']}/issue")

    assert response.status_code == 200, response.text
    assert response.json()["register_code"] == "thi-dua-khen-thuong"
    assert response.json()["number_and_symbol"] == "Số: 01/QĐ-SNV-TĐKT"


def test_a_plugin_with_an_invalid_settings_schema_stops_the_start(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_settings: Callable[..., Settings],
) -> None:
    install_plugin(
        tmp_path,
        monkeypatch,
        "bad_schema",
        """
        import pluggy
        hookimpl = pluggy.HookimplMarker("hoso")

        @hookimpl
        def hoso_settings_schema():
            return {"type": "objekt"}
        """,
    )

    with pytest.raises(ConfigError, match="plugin 'bad_schema' declares its settings with an inv"):
        create_app(make_settings())


def test_a_district_under_a_commune_is_refused(tmp_path: Path) -> None:
    units = units_file(
        tmp_path,
        SHIPPED_UNITS + '\n[[unit]]\ncode = "000.02.35.H25"\nname = "Ủy ban nhân dân huyện X"\n'
        f'abbreviation = "UBND"\nlevel = "district"\nparent = "{COMMUNE}"\n',
    )

    line = config_check_error(units)

    assert line == (
        f"hoso: configuration error: units file {units}: unit 000.02.35.H25 has level "
        f"'district' but its parent {COMMUNE} has level 'commune'; a unit's level must come "
        "after its parent's in levels (province, department, district, commune)"
    )


def test_a_unit_at_its_parents_level_is_refused(tmp_path: Path) -> None:
    units = units_file(
        tmp_path,
        SHIPPED_UNITS.replace(
            'level = "department"\nparent = "000.00.00.H25"',
            'level = "province"\nparent = "000.00.00.H25"',
            1,
        ),
    )

    line = config_check_error(units)

    assert "unit 000.00.01.H25 has level 'province' but its parent 000.00.00.H25 has level " in line


async def test_a_plugin_failing_at_run_time_answers_500_and_logs_its_traceback(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_settings: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_plugin(tmp_path, monkeypatch, "raising_register", RAISING_REGISTER)
    units = units_file_with(tmp_path, REPO, COMMUNE, "raising_register")
    app = create_app(make_settings(units_file=units))
    # Building the app gives the root logger Litestar's handlers in place of caplog's: listen on
    # the service's logger itself.
    hoso_logger = logging.getLogger("hoso")
    hoso_logger.addHandler(caplog.handler)

    try:
        async with admin_client(app) as client:
            draft = await create(client, outgoing(unit=COMMUNE))
            caplog.clear()
            with caplog.at_level(logging.ERROR, logger="hoso"):
                response = await client.post(f"/api/v1/documents/{draft['id']}/issue")
    finally:
        hoso_logger.removeHandler(caplog.handler)

    assert_problem(
        response, 500, "raising_register", "hoso_number_register", "register directory unreachable"
    )
    assert response.json()["title"] == "Plugin error"
    assert "Traceback" not in response.text and "lookup_register" not in response.text
    logged = [
        record
        for record in caplog.records
        if record.name == "hoso" and "raising_register" in record.getMessage()
    ]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert "hoso_number_register" in logged[0].getMessage()
    assert "Traceback (most recent call last)" in caplog.text
    assert "in lookup_register" in caplog.text
    assert "RuntimeError: register directory unreachable" in caplog.text


ROOT_ONLY = """levels = {levels}
[[unit]]
code = "000.00.00.H25"
name = "Ủy ban nhân dân tỉnh Hà Tĩnh"
abbreviation = "UBND"
level = "province"
[unit.plugins]
decree30 = {switch}
"""


@pytest.mark.parametrize("switch", ['"yes"', "1", '"false"'])
def test_a_plugin_switch_is_true_false_or_a_table(tmp_path: Path, switch: str) -> None:
    units = units_file(tmp_path, ROOT_ONLY.format(levels='["province"]', switch=switch))

    line = config_check_error(units)

    assert "unit 000.00.00.H25" in line and "plugin decree30" in line
    assert "true / false" in line


def test_a_level_listed_twice_is_refused(tmp_path: Path) -> None:
    levels = '["province", "commune", "commune"]'
    units = units_file(tmp_path, ROOT_ONLY.format(levels=levels, switch="true"))

    line = config_check_error(units)

    assert line.endswith("key 'levels': each level once, top first; commune appears twice")
