"""Working days: Vietnamese public holidays, the days off and worked days announced each year, and
deadlines counted in working days."""

from core.calendar.working_days import WorkingCalendar, YearNotCovered

__all__ = ["WorkingCalendar", "YearNotCovered"]
