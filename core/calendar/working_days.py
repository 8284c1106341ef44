"""Working days of Vietnamese state agencies: Monday to Friday, less public holidays and the days
the government gives off, plus the weekend days it makes worked in exchange.

Public holidays (Tết included) and the swaps the `holidays` library knows come from it; swaps it
does not know yet are announced each year (the Prime Minister's or the Ministry of Home Affairs'
notice) and added in `config/calendar.toml` (`core.calendar.config`). Deadlines in working days
(D30 Art. 15, 21: "the same day, at the latest the next working day") count on this calendar.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

COUNTRY = "VN"
LANGUAGE = "vi"  # the names clerks read: "Tết Nguyên Đán", not "Lunar New Year"
# Years the library computes Vietnamese holidays for; outside them it knows none, and a calendar
# of bare weekends would be silently wrong.
FIRST_YEAR = holidays.country_holidays(COUNTRY, years=[]).start_year
LAST_YEAR = holidays.country_holidays(COUNTRY, years=[]).end_year
SATURDAY = 5
# The library does not name the weekend days it makes worked in exchange.
SWAPPED_WORKING_DAY = "Ngày làm bù"


class YearNotCovered(ValueError):
    """A date whose year's holidays are not known: counting on it would be wrong."""


class WorkingCalendar:
    """The working days, from the library's Vietnamese holidays and the configured extras.

    Immutable: the extras are fixed when it is built. The library's holidays are computed per
    year when first asked for and kept (a bounded cache shared by every calendar).
    """

    __slots__ = ("_days_off", "_working_days")

    def __init__(
        self,
        days_off: Mapping[date, str] | None = None,
        working_days: Mapping[date, str] | None = None,
    ) -> None:
        """`days_off`: days given off (compensatory days, days swapped off), with their names;
        `working_days`: days worked though they would be off (a Saturday worked in exchange).
        A day may not be in both; `working_days` wins over the library's holidays."""
        days_off = dict(days_off or {})
        working_days = dict(working_days or {})
        both = sorted(set(days_off) & set(working_days))
        if both:
            raise ValueError(f"{both[0].isoformat()} is both a day off and a working day")
        for day in (*days_off, *working_days):
            _check_covered(day)
        self._days_off: Mapping[date, str] = MappingProxyType(days_off)
        self._working_days: Mapping[date, str] = MappingProxyType(working_days)

    def __setattr__(self, name: str, value: object) -> None:
        if hasattr(self, name):
            raise AttributeError(f"a WorkingCalendar cannot change ({name})")
        object.__setattr__(self, name, value)

    @property
    def days_off(self) -> Mapping[date, str]:
        """The configured days off (read-only)."""
        return self._days_off

    @property
    def working_days(self) -> Mapping[date, str]:
        """The configured extra working days (read-only)."""
        return self._working_days

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and neither a holiday nor a day off; or a day made worked."""
        if day in self._working_days:
            return True
        if day in self._days_off:
            return False
        holidays_of_year, worked_weekend_days = _library_year(_check_covered(day))
        if day.weekday() >= SATURDAY:
            return day in worked_weekend_days
        return day not in holidays_of_year

    def holiday_name(self, day: date) -> str | None:
        """Why `day` is off: the configured day off's name or the library's holiday name.
        None on a day that is worked (even a holiday made worked) and on a plain weekend day."""
        if day in self._working_days:
            return None
        if day in self._days_off:
            return self._days_off[day]
        return _library_year(_check_covered(day))[0].get(day)

    def day_label(self, day: date) -> str | None:
        """What is special about `day`: its holiday or day-off name, or the name of a weekend
        day worked in exchange. None on an ordinary working day or weekend day."""
        if day in self._working_days:
            return self._working_days[day]
        name = self.holiday_name(day)
        if name is None and day.weekday() >= SATURDAY and self.is_working_day(day):
            return SWAPPED_WORKING_DAY
        return name

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        following = day + timedelta(days=1)
        while not self.is_working_day(following):
            following += timedelta(days=1)
        return following

    def add_working_days(self, start: date, n: int) -> date:
        """The `n`-th working day after `start` (`start` itself is never counted).

        n = 1 is "the same day, at the latest the next working day" (D30 Art. 15, 21): the
        deadline is the first working day after `start`, whatever `start` is. "Within n working
        days" of `start` ends on add_working_days(start, n). n = 0 is `start` itself if it is a
        working day, else the next working day (when something due "at once" falls due).
        """
        if n < 0:
            raise ValueError(f"n must be 0 or more, got {n}")
        if n == 0:
            return start if self.is_working_day(start) else self.next_working_day(start)
        day = start
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b`; negative when `b` is before `a`.

        With `a` today and `b` a deadline: how many working days are left (0: due today or the
        deadline passed on a day off). With `a` a deadline and `b` today: how many working days
        overdue. working_days_between(start, add_working_days(start, n)) == n for n >= 1.
        """
        if b < a:
            return -self.working_days_between(b, a)
        return sum(1 for day in _days(a + timedelta(days=1), b) if self.is_working_day(day))

    def deadline_for(self, start: datetime, n: int, zone: ZoneInfo) -> date:
        """add_working_days from the date `start` falls on in `zone` (the agencies' calendar:
        a document received at 23:30 local time counts from that local date)."""
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must carry its time zone (timezone-aware datetime)")
        return self.add_working_days(start.astimezone(zone).date(), n)

    def days(self, first: date, last: date) -> Iterator[date]:
        """Each day from `first` to `last`, both included."""
        return _days(first, last)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _check_covered(day: date) -> int:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise YearNotCovered(
            f"the holidays of {day.year} are not known: working days can be counted for "
            f"{FIRST_YEAR}-{LAST_YEAR}"
        )
    return day.year


@lru_cache(maxsize=64)
def _library_year(year: int) -> tuple[Mapping[date, str], frozenset[date]]:
    """The library's holidays of `year` (date → name) and its weekend days worked in exchange."""
    library = holidays.country_holidays(COUNTRY, years=year, language=LANGUAGE)
    names = MappingProxyType({day: name for day, name in library.items() if day.year == year})
    worked = frozenset(day for day in library.weekend_workdays if day.year == year)
    return names, worked
