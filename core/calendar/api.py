"""`/api/v1/calendar`: the agencies' working days and deadlines counted in them (read-only)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from pydantic import BaseModel, Field

from core.calendar.working_days import FIRST_YEAR, LAST_YEAR, WorkingCalendar, YearNotCovered
from core.errors import InvalidInput
from core.identity.policy import Principal
from core.runtime import Runtime

MAX_SPAN_DAYS = 400  # a year and a bit: enough for any deadline view, small enough to answer fast
MAX_WORKING_DAYS = 365


class CalendarDayOut(BaseModel):
    date: date
    working: bool = Field(description="A working day of state agencies")
    name: str | None = Field(
        description="The holiday, the day given off, or the weekend day worked in exchange; "
        "null on an ordinary day"
    )


class WorkingDaysOut(BaseModel):
    start: date = Field(description="The first day listed (`from`)")
    end: date = Field(description="The last day listed (`to`)")
    working_days: int = Field(description="How many of the days listed are working days")
    days: list[CalendarDayOut]


class DeadlineOut(BaseModel):
    start: date = Field(description="The day counted from (`from`)")
    working_days: int
    due: date = Field(
        description="The n-th working day after `from`; with 0, `from` itself if it is a "
        "working day, else the next one"
    )


class CalendarController(Controller):
    path = "/calendar"
    tags = ["calendar"]

    @get(
        "/working-days",
        summary="Each day from `from` to `to` (both included, at most 400): working or not, why",
        problems=(422,),
    )
    async def list_working_days(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],  # any signed-in caller may read the calendar
        start: Annotated[date, QueryParameter(name="from", description="First day, YYYY-MM-DD")],
        end: Annotated[date, QueryParameter(name="to", description="Last day, YYYY-MM-DD")],
    ) -> WorkingDaysOut:
        if end < start:
            raise _invalid("to", f"`to` ({end}) is before `from` ({start}).")
        span = (end - start).days + 1
        if span > MAX_SPAN_DAYS:
            raise _invalid(
                "to",
                f"{span} days asked for; ask for at most {MAX_SPAN_DAYS} days at a time.",
            )
        days = _known(runtime.calendar, start, end)
        return WorkingDaysOut(
            start=start,
            end=end,
            working_days=sum(1 for day in days if day.working),
            days=days,
        )

    @get(
        "/deadline",
        summary="The due date `working_days` working days after `from` (1: the next working day)",
        problems=(422,),
    )
    async def get_deadline(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],  # any signed-in caller may read the calendar
        start: Annotated[
            date, QueryParameter(name="from", description="The day counted from, YYYY-MM-DD")
        ],
        working_days: Annotated[
            int,
            QueryParameter(
                ge=0,
                le=MAX_WORKING_DAYS,
                description="How many working days; 1 is 'the same day, at the latest the next "
                "working day' (D30 Art. 15, 21)",
            ),
        ],
    ) -> DeadlineOut:
        try:
            due = runtime.calendar.add_working_days(start, working_days)
        except YearNotCovered as exc:
            raise _invalid("from", f"{_sentence(exc)}.") from None
        return DeadlineOut(start=start, working_days=working_days, due=due)


def _known(calendar: WorkingCalendar, start: date, end: date) -> list[CalendarDayOut]:
    try:
        return [
            CalendarDayOut(
                date=day, working=calendar.is_working_day(day), name=calendar.day_label(day)
            )
            for day in calendar.days(start, end)
        ]
    except YearNotCovered as exc:
        field = "to" if FIRST_YEAR <= start.year <= LAST_YEAR else "from"
        raise _invalid(field, f"{_sentence(exc)}.") from None


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:]


def _invalid(field: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, errors=[{"field": field, "message": detail}])
