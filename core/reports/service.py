"""A unit's report for a year or a month: its own figures, and with `subtree` those of every unit
below it that the caller may read, summed up the tree, per level and month by month.

A unit is in a report when the caller may read both its documents and its records
(`documents.read`, `records.read`); the unit asked for answers 404 otherwise, as an unknown unit
does. Counts cover every document of a unit the caller reads, restricted ones too: a count
shows nothing of what they say.
"""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date

from core.errors import NotFound
from core.identity.policy import Principal
from core.identity.roles import Action
from core.reports.counting import METRICS, Clock, UnitCounts, count_year
from core.reports.schemas import (
    Figures,
    LevelFigures,
    MonthFigures,
    ReportOut,
    ReportUnit,
    UnitFigures,
)
from core.runtime import Runtime
from core.units.tree import Unit


def readable(actor: Principal, code: str) -> bool:
    return actor.may(Action.READ_DOCUMENTS, code) and actor.may(Action.READ_RECORDS, code)


def report_unit(runtime: Runtime, actor: Principal, code: str) -> Unit:
    unit = runtime.units.get(code)
    if unit is None:
        raise NotFound(f"There is no unit {code!r}; see GET /api/v1/units.")
    actor.require(Action.READ_DOCUMENTS, code, what=f"unit {code!r} you can see")
    actor.require(Action.READ_RECORDS, code, what=f"unit {code!r} you can see")
    return unit


def tally(counts: UnitCounts, month: int | None) -> Counter[str]:
    """Everything summable of one unit for the period: flows and list counts."""
    found = counts.flows(month)
    found.update(
        entries=counts.entries,
        exempt_state_secret=counts.exempt_state_secret,
        exempt_complex=counts.exempt_complex,
        with_record=counts.covered_by(month),
    )
    return found


def summed(tallies: list[Counter[str]]) -> Counter[str]:
    total: Counter[str] = Counter({name: 0 for name in METRICS})
    for one in tallies:
        total.update(one)
    return total


async def unit_report(
    runtime: Runtime,
    actor: Principal,
    code: str,
    year: int,
    month: int | None,
    subtree: bool,
) -> ReportOut:
    unit = report_unit(runtime, actor, code)
    tree = runtime.units
    below = tree.subtree(code) if subtree else [unit]
    units = [item for item in below if readable(actor, item.code)]
    counts = await count_year(runtime, [item.code for item in units], year)
    targets = runtime.report_targets
    own = {item.code: tally(counts[item.code], month) for item in units}
    included = set(own)

    rows = []
    for item in units:
        rolled = None
        if subtree:
            rolled = summed([own[u.code] for u in tree.subtree(item.code) if u.code in included])
        rows.append(
            UnitFigures(
                **_described(item).model_dump(),
                list_state=counts[item.code].list_state,
                own=Figures.of(own[item.code], targets.for_level(item.level, year)),
                subtree=Figures.of(rolled, None) if rolled is not None else None,
            )
        )
    levels = []
    for level in tree.levels:
        of_level = [item.code for item in units if item.level == level]
        if of_level:
            share = Figures.of(
                summed([own[c] for c in of_level]), targets.for_level(level, year)
            ).electronic_records
            levels.append(LevelFigures(level=level, units=len(of_level), electronic_records=share))

    total_target = None if subtree else targets.for_level(unit.level, year)
    months = []
    if month is None:
        for number in range(1, 13):
            figures = Figures.of(summed([tally(counts[c], number) for c in included]), total_target)
            months.append(MonthFigures(month=number, **figures.model_dump()))
    clock = Clock(runtime.settings.zone)
    now = runtime.clock()
    first, last = (month or 1), (month or 12)
    return ReportOut(
        unit=_described(unit),
        year=year,
        month=month,
        subtree=subtree,
        period_start=date(year, first, 1),
        period_end=date(year, last, calendar.monthrange(year, last)[1]),
        as_of=clock.local(now).date(),
        generated_at=now,
        total=Figures.of(summed(list(own.values())), total_target),
        units=rows,
        levels=levels,
        months=months,
        units_not_shown=len(below) - len(units),
    )


def _described(unit: Unit) -> ReportUnit:
    return ReportUnit(code=unit.code, name=unit.name, level=unit.level, parent=unit.parent)
