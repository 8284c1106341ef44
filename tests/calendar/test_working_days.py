"""Counting working days across weekends, Tết, New Year and the configured swaps."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.calendar import WorkingCalendar, YearNotCovered

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
LIBRARY = WorkingCalendar()
# The New Year 2026 swap as config/calendar.toml ships it.
SWAPPED = WorkingCalendar(
    days_off={date(2026, 1, 2): "Nghỉ Tết Dương lịch"},
    working_days={date(2026, 1, 10): "Làm bù cho ngày 02/01/2026"},
)


def test_tet_2026_holidays_are_not_working_days() -> None:
    for day in range(16, 21):  # Monday 16 to Friday 20 February 2026
        assert not LIBRARY.is_working_day(date(2026, 2, day))
    assert LIBRARY.holiday_name(date(2026, 2, 17)) == "Tết Nguyên Đán"
    assert LIBRARY.is_working_day(date(2026, 2, 13))  # Friday before
    assert LIBRARY.is_working_day(date(2026, 2, 23))  # Monday after


def test_next_working_day_after_friday_before_tet_is_the_monday_after() -> None:
    # Received Friday 13 February 2026, "the same day, at the latest the next working day".
    assert LIBRARY.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert LIBRARY.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)


def test_within_n_working_days_skips_weekends_and_tet() -> None:
    assert LIBRARY.add_working_days(date(2026, 2, 11), 3) == date(
        2026, 2, 23
    )  # Wed → Thu, Fri, Mon
    assert LIBRARY.add_working_days(date(2026, 3, 2), 5) == date(2026, 3, 9)  # a plain week


def test_weekends() -> None:
    saturday, sunday, monday = date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)
    assert not LIBRARY.is_working_day(saturday)
    assert not LIBRARY.is_working_day(sunday)
    assert LIBRARY.holiday_name(saturday) is None
    assert LIBRARY.next_working_day(date(2026, 3, 6)) == monday
    assert LIBRARY.next_working_day(saturday) == monday


def test_zero_working_days_is_the_day_itself_or_the_next_working_day() -> None:
    assert LIBRARY.add_working_days(date(2026, 3, 4), 0) == date(2026, 3, 4)
    assert LIBRARY.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)
    assert LIBRARY.add_working_days(date(2026, 2, 17), 0) == date(2026, 2, 23)
    with pytest.raises(ValueError, match="0 or more"):
        LIBRARY.add_working_days(date(2026, 3, 4), -1)


def test_new_year_is_a_holiday() -> None:
    assert not LIBRARY.is_working_day(date(2026, 1, 1))
    assert LIBRARY.holiday_name(date(2026, 1, 1)) == "Tết Dương lịch"
    # Wednesday 31 December 2025: the next working day skips Thursday 1 January only.
    assert LIBRARY.next_working_day(date(2025, 12, 31)) == date(2026, 1, 2)


def test_configured_day_off_and_working_saturday() -> None:
    assert LIBRARY.is_working_day(date(2026, 1, 2))
    assert not SWAPPED.is_working_day(date(2026, 1, 2))
    assert SWAPPED.holiday_name(date(2026, 1, 2)) == "Nghỉ Tết Dương lịch"
    assert SWAPPED.next_working_day(date(2025, 12, 31)) == date(2026, 1, 5)

    assert not LIBRARY.is_working_day(date(2026, 1, 10))
    assert SWAPPED.is_working_day(date(2026, 1, 10))
    assert SWAPPED.holiday_name(date(2026, 1, 10)) is None
    assert SWAPPED.day_label(date(2026, 1, 10)) == "Làm bù cho ngày 02/01/2026"
    assert SWAPPED.next_working_day(date(2026, 1, 9)) == date(2026, 1, 10)


def test_swaps_the_library_knows() -> None:
    # Quốc khánh 2026: Monday 31 August off, Saturday 22 August worked.
    assert not LIBRARY.is_working_day(date(2026, 8, 31))
    assert LIBRARY.is_working_day(date(2026, 8, 22))
    assert LIBRARY.day_label(date(2026, 8, 22)) == "Ngày làm bù"
    assert LIBRARY.next_working_day(date(2026, 8, 28)) == date(2026, 9, 3)


def test_a_configured_working_day_overrides_a_library_holiday() -> None:
    calendar = WorkingCalendar(working_days={date(2026, 8, 31): "Đi làm"})
    assert calendar.is_working_day(date(2026, 8, 31))
    assert calendar.holiday_name(date(2026, 8, 31)) is None


def test_working_days_between() -> None:
    friday, monday_after_tet = date(2026, 2, 13), date(2026, 2, 23)
    assert LIBRARY.working_days_between(friday, monday_after_tet) == 1
    assert LIBRARY.working_days_between(monday_after_tet, friday) == -1
    assert LIBRARY.working_days_between(friday, friday) == 0
    assert LIBRARY.working_days_between(friday, date(2026, 2, 22)) == 0  # due during Tết
    assert LIBRARY.working_days_between(date(2026, 3, 2), date(2026, 3, 13)) == 9
    assert SWAPPED.working_days_between(date(2026, 1, 3), date(2026, 1, 11)) == 6


@pytest.mark.parametrize("n", [1, 2, 5, 20, 60])
def test_between_undoes_add(n: int) -> None:
    for start in (date(2026, 2, 13), date(2026, 1, 1), date(2025, 12, 27)):
        due = SWAPPED.add_working_days(start, n)
        assert SWAPPED.is_working_day(due)
        assert SWAPPED.working_days_between(start, due) == n


def test_deadline_for_counts_from_the_local_date() -> None:
    # 17:30 UTC on Thursday 12 February is 00:30 on Friday 13 February in Vietnam.
    received = datetime(2026, 2, 12, 17, 30, tzinfo=UTC)
    assert LIBRARY.deadline_for(received, 1, HANOI) == date(2026, 2, 23)
    assert LIBRARY.deadline_for(received, 1, ZoneInfo("UTC")) == date(2026, 2, 13)
    with pytest.raises(ValueError, match="time zone"):
        LIBRARY.deadline_for(datetime(2026, 2, 12, 17, 30), 1, HANOI)


def test_years_without_known_holidays_are_refused() -> None:
    with pytest.raises(YearNotCovered, match="2101"):
        LIBRARY.is_working_day(date(2101, 1, 3))
    with pytest.raises(YearNotCovered):
        LIBRARY.add_working_days(date(2100, 12, 31), 1)


def test_the_calendar_cannot_change() -> None:
    with pytest.raises(AttributeError):
        SWAPPED._days_off = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        SWAPPED.days_off[date(2026, 3, 2)] = "x"  # type: ignore[index]
    with pytest.raises(ValueError, match="both"):
        WorkingCalendar({date(2026, 1, 2): "a"}, {date(2026, 1, 2): "b"})
