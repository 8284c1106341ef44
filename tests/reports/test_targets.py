"""Targets per level (config/reports.toml): they follow the units file's levels."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.app import create_app
from core.reports.targets import load_targets
from core.settings import ConfigError

LEVELS = ["province", "department", "district", "commune"]
TWO_TIERS = ["province", "commune"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reports.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_targets_are_ha_tinhs_2023_ones():
    shipped = Path(__file__).resolve().parents[2] / "config" / "reports.toml"
    targets = load_targets(shipped, LEVELS, required=True)
    assert [targets.for_level(level, 2026) for level in LEVELS] == [0.9, 0.9, 0.8, 0.3]


def test_a_year_sets_its_own_targets_and_keeps_the_others(tmp_path):
    path = write(
        tmp_path,
        "[targets]\nprovince = 0.9\ncommune = 0.3\n\n[targets_by_year.2026]\ncommune = 0.5\n",
    )
    targets = load_targets(path, TWO_TIERS, required=True)
    assert (targets.for_level("commune", 2023), targets.for_level("commune", 2026)) == (0.3, 0.5)
    assert targets.for_level("province", 2026) == 0.9


def test_a_level_without_a_target_has_none(tmp_path):
    targets = load_targets(write(tmp_path, "[targets]\nprovince = 0.9\n"), LEVELS, required=True)
    assert targets.for_level("district", 2026) is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[targets]\ndistrict = 0.8\n", "level 'district', which is not a level"),
        ("[targets_by_year.2026]\nhuyen = 0.8\n", "[targets_by_year.2026]: a target for level"),
        ("[targets]\nprovince = 90\n", "between 0 and 1"),
        ("[targets_by_year.next]\nprovince = 0.9\n", "name a year"),
        ("[target]\nprovince = 0.9\n", "key 'target'"),
        ("[targets\n", "not valid TOML"),
    ],
)
def test_a_wrong_targets_file_stops_the_start_with_one_line(tmp_path, text, says):
    with pytest.raises(ConfigError) as caught:
        load_targets(write(tmp_path, text), TWO_TIERS, required=True)
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_the_app_refuses_to_start_with_a_target_for_an_unknown_level(make_settings, tmp_path):
    path = write(tmp_path, "[targets]\nprovince = 0.9\nthon = 0.1\n")
    with pytest.raises(ConfigError, match="level 'thon'"):
        create_app(make_settings(reports_file=path))


def test_a_reports_file_named_in_the_settings_must_exist(make_settings, tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        create_app(make_settings(reports_file=tmp_path / "missing.toml"))
    assert load_targets(tmp_path / "missing.toml", LEVELS, required=False).general == {}


def test_config_check_names_a_target_for_an_unknown_level(tmp_path):
    from tests.foundation.test_cli import run_hoso

    path = write(tmp_path, "[targets]\nhuyen = 0.8\n")
    result = run_hoso("config", "check", env={"HOSO_REPORTS_FILE": str(path)})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "level 'huyen', which is not a level" in lines[0]


def test_a_share_is_compared_unrounded_with_its_target():
    from collections import Counter

    from core.reports.schemas import Figures

    almost = Figures.of(Counter(entries=100_000, with_record=89_996), 0.9).electronic_records
    assert (almost.share, almost.meets_target) == (0.9, False)
    exactly = Figures.of(Counter(entries=10, with_record=9), 0.9).electronic_records
    assert exactly.meets_target is True
    nothing = Figures.of(Counter(entries=2, exempt_complex=2), 0.3).electronic_records
    assert (nothing.counted, nothing.share, nothing.meets_target) == (0, None, None)
    no_target = Figures.of(Counter(entries=2, with_record=1), None).electronic_records
    assert (no_target.share, no_target.meets_target) == (0.5, None)
