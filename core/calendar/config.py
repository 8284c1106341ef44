"""`config/calendar.toml`: the days off and worked days the government announces each year, over
the public holidays of the `holidays` library (see the file itself for its format)."""

from __future__ import annotations

import tomllib
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from core.calendar.working_days import FIRST_YEAR, LAST_YEAR, SATURDAY, WorkingCalendar
from core.settings import ConfigError, Settings

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _plain_date(value: Any) -> Any:
    # TOML has dates of its own (date = 2026-01-02); a date and time, or a string in another
    # form (02/01/2026), would be a guess at what was meant.
    if isinstance(value, datetime):
        raise ValueError("write a date alone, without a time, like 2026-01-02")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date: write it like 2026-01-02") from None
    if not isinstance(value, date):
        raise ValueError(f"{value!r} is not a date: write it like 2026-01-02")
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(
            f"{value} is outside the years with known holidays ({FIRST_YEAR}-{LAST_YEAR})"
        )
    return value


CalendarDate = Annotated[date, BeforeValidator(_plain_date)]


class AnnouncedDay(BaseModel):
    """One `[[day_off]]` or `[[working_day]]` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    date: CalendarDate
    name: str = Field(min_length=1, max_length=200)


class CalendarFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day_off: list[AnnouncedDay] = Field(default_factory=list)
    working_day: list[AnnouncedDay] = Field(default_factory=list)


def load_calendar(settings: Settings) -> WorkingCalendar:
    """The calendar from `settings`' calendar file; library holidays only when the default file
    is absent. Raise `ConfigError` with one line naming the file and the problem."""
    path = settings.resolved_calendar_file()
    if not path.is_file() and settings.calendar_file is None:
        return WorkingCalendar()
    return load_calendar_file(path)


def describe_calendar(settings: Settings, calendar: WorkingCalendar) -> str:
    """One line for `hoso config check`."""
    if not calendar.days_off and not calendar.working_days:
        path = settings.resolved_calendar_file()
        source = f" ({path} lists none)" if path.is_file() else ""
        return f"public holidays {FIRST_YEAR}-{LAST_YEAR}{source}"
    return (
        f"public holidays {FIRST_YEAR}-{LAST_YEAR}, {len(calendar.days_off)} day(s) off and "
        f"{len(calendar.working_days)} working day(s) from {settings.resolved_calendar_file()}"
    )


def load_calendar_file(path: Path) -> WorkingCalendar:
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"calendar file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"calendar file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"calendar file {path} cannot be read: {exc.strerror}") from None
    try:
        parsed = CalendarFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"calendar file {path}, {_describe(exc)}") from None
    days_off = _by_date(path, "day_off", parsed.day_off)
    working_days = _by_date(path, "working_day", parsed.working_day)
    for day in sorted(set(days_off) & set(working_days)):
        raise ConfigError(
            f"calendar file {path}: {day} is both a day_off and a working_day; keep the one "
            "the announcement says"
        )
    library_only = WorkingCalendar()
    for day in sorted(days_off):
        # A weekend day is off anyway, unless the library makes it worked (a swap the government
        # later called off): a day_off there is most likely a mistyped date.
        if day.weekday() >= SATURDAY and not library_only.is_working_day(day):
            raise ConfigError(
                f"calendar file {path}: day_off {day} is a {WEEKDAY_NAMES[day.weekday()]}, off "
                "anyway; a day_off names a working day given off (check the date)"
            )
    return WorkingCalendar(days_off, working_days)


def _by_date(path: Path, key: str, entries: list[AnnouncedDay]) -> dict[date, str]:
    named: dict[date, str] = {}
    for entry in entries:
        if entry.date in named:
            raise ConfigError(f"calendar file {path}: {key} {entry.date} appears twice")
        named[entry.date] = unicodedata.normalize("NFC", entry.name.strip())
    return named


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = error["loc"]
    if len(loc) >= 2 and isinstance(loc[1], int):  # day_off[2].date: the table, counted from 1
        where = f"[[{loc[0]}]] number {loc[1] + 1}"
        where += f", key '{'.'.join(str(part) for part in loc[2:])}'" if loc[2:] else ""
    else:
        where = f"key '{'.'.join(str(part) for part in loc)}'"
    if error["type"] == "extra_forbidden":
        message = (
            "unknown key (the file takes [[day_off]] and [[working_day]], each with date and name)"
        )
    elif error["type"] == "missing":
        message = "missing (each day needs a date and a name)"
    else:
        message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}"
