"""`calendar.toml`: what it adds to the public holidays, and how a mistake stops the start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from core.app import create_app
from core.calendar.config import load_calendar, load_calendar_file
from core.settings import ConfigError, Settings, load_settings
from tests.foundation.test_cli import run_hoso

SWAP_2026 = """
[[day_off]]
date = 2026-01-02
name = "Nghỉ bù Tết Dương lịch"

[[working_day]]
date = 2026-01-10
name = "Làm bù cho ngày 02/01/2026"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    return path


def start_error(make_settings: Callable[..., Settings], path: Path) -> str:
    with pytest.raises(ConfigError) as raised:
        create_app(make_settings(calendar_file=path))
    message = str(raised.value)
    assert len(message.splitlines()) == 1
    assert f"calendar file {path}" in message
    return message


def test_the_configured_swap_reaches_the_running_service(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    app = create_app(make_settings(calendar_file=write(tmp_path, SWAP_2026)))
    calendar = app.state.runtime.calendar

    assert not calendar.is_working_day(date(2026, 1, 2))
    assert calendar.holiday_name(date(2026, 1, 2)) == "Nghỉ bù Tết Dương lịch"
    assert calendar.is_working_day(date(2026, 1, 10))


def test_the_shipped_file_loads_beside_the_settings_file(
    make_settings: Callable[..., Settings],
) -> None:
    calendar = load_calendar(make_settings())
    assert set(calendar.days_off) == {date(2026, 1, 2)}
    assert set(calendar.working_days) == {date(2026, 1, 10)}


def test_without_a_file_beside_the_settings_only_public_holidays_count(tmp_path: Path) -> None:
    settings_file = tmp_path / "hoso.toml"
    settings_file.write_text("in_memory_database = true\n", encoding="utf-8")
    settings = load_settings(settings_file)

    calendar = load_calendar(settings)

    assert settings.resolved_calendar_file() == tmp_path / "calendar.toml"
    assert not calendar.days_off and not calendar.working_days
    assert calendar.is_working_day(date(2026, 1, 2))


def test_a_named_file_that_is_missing_stops_the_start(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    message = start_error(make_settings, tmp_path / "calendar.toml")
    assert "does not exist" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[day_off]]\ndate = 2026-02-30\nname = 'x'\n", "not valid TOML"),
        ('[[day_off]]\ndate = "02/01/2026"\nname = "x"\n', "[[day_off]] number 1, key 'date'"),
        ("[[day_off]]\ndate = 2026-01-02T08:00:00\nname = 'x'\n", "without a time"),
        ("[[day_off]]\ndate = 2200-01-02\nname = 'x'\n", "outside the years"),
        ("[[working_day]]\ndate = 2026-01-10\n", "[[working_day]] number 1, key 'name': missing"),
        ("[[day_off]]\ndate = 2026-01-02\nname = 'x'\nreason = 'y'\n", "unknown key"),
        ("[[days_off]]\ndate = 2026-01-02\nname = 'x'\n", "key 'days_off': unknown key"),
        (
            "[[day_off]]\ndate = 2026-01-02\nname = 'a'\n"
            "[[day_off]]\ndate = 2026-01-02\nname = 'b'\n",
            "day_off 2026-01-02 appears twice",
        ),
        (
            "[[day_off]]\ndate = 2026-01-02\nname = 'a'\n"
            "[[working_day]]\ndate = 2026-01-02\nname = 'b'\n",
            "2026-01-02 is both a day_off and a working_day",
        ),
        ("[[day_off]]\ndate = 2026-01-03\nname = 'x'\n", "day_off 2026-01-03 is a Saturday"),
    ],
)
def test_a_mistake_stops_the_start_with_one_line(
    make_settings: Callable[..., Settings], tmp_path: Path, text: str, expected: str
) -> None:
    assert expected in start_error(make_settings, write(tmp_path, text))


def test_a_day_off_may_take_back_a_saturday_the_library_makes_worked(tmp_path: Path) -> None:
    calendar = load_calendar_file(
        write(tmp_path, "[[day_off]]\ndate = 2026-08-22\nname = 'Không làm bù'\n")
    )
    assert not calendar.is_working_day(date(2026, 8, 22))


def test_config_check_reports_the_calendar_and_its_mistakes(tmp_path: Path) -> None:
    good = run_hoso("config", "check")
    assert good.returncode == 0, good.stderr
    assert "calendar: public holidays 1901-2100, 1 day(s) off and 1 working day(s)" in good.stdout

    bad = write(tmp_path, "[[day_off]]\ndate = 2026-01-04\nname = 'x'\n")
    result = run_hoso("config", "check", env={"HOSO_CALENDAR_FILE": str(bad)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"hoso: configuration error: calendar file {bad}: day_off 2026-01-04 is a Sunday, off "
        "anyway; a day_off names a working day given off (check the date)"
    ]
