"""What a report answers: the figures of a unit, of its subtree, per level and per month."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from pydantic import BaseModel, Field


class IncomingFigures(BaseModel):
    total: int = Field(description="Incoming documents registered (by arrival date)")
    on_time: int = Field(description="Handling finished on or before the deadline")
    late: int = Field(description="Finished after the deadline, or unfinished past it")
    pending: int = Field(description="Unfinished, deadline not passed yet")
    no_deadline: int = Field(description="No assignment deadline nor due date")


class OutgoingFigures(BaseModel):
    total: int = Field(description="Outgoing documents issued (by issue date)")
    on_time: int = Field(description="Numbered on or before the deadline of the numbering step")
    late: int = Field(description="Numbered after that deadline")
    no_deadline: int = Field(description="Numbered outside the workflow's steps, or no deadline")


class DocumentFigures(BaseModel):
    incoming: IncomingFigures
    outgoing: OutgoingFigures


class RecordFigures(BaseModel):
    created: int = Field(description="Records opened in the period")
    complete: int = Field(
        description="Of those opened in the period: closed, submitted or accepted now"
    )
    closed: int = Field(description="Closed in the period (latest closing), not sent back since")
    submitted: int = Field(description="Submitted to the archive in the period")
    accepted: int = Field(description="Accepted by the archive in the period")


class ElectronicShare(BaseModel):
    list_entries: int = Field(description="Entries of the year's record list(s)")
    exempt_state_secret: int = Field(description="Entries exempt: state secret")
    exempt_complex: int = Field(description="Entries exempt: complex document components")
    counted: int = Field(description="Entries counted: list entries less the exempt ones")
    with_record: int = Field(description="Counted entries with an electronic record by period end")
    share: float | None = Field(description="with_record / counted; null when nothing is counted")
    target: float | None = Field(description="The target of the unit's level; null: none set")
    meets_target: bool | None = Field(description="share ≥ target; null without both")


class Figures(BaseModel):
    documents: DocumentFigures
    records: RecordFigures
    electronic_records: ElectronicShare

    @classmethod
    def of(cls, tally: Counter[str], target: float | None) -> Figures:
        counted = tally["entries"] - tally["exempt_state_secret"] - tally["exempt_complex"]
        exact = tally["with_record"] / counted if counted else None
        return cls(
            documents=DocumentFigures(
                incoming=IncomingFigures(
                    total=tally["in"],
                    on_time=tally["in_on_time"],
                    late=tally["in_late"],
                    pending=tally["in_pending"],
                    no_deadline=tally["in_no_deadline"],
                ),
                outgoing=OutgoingFigures(
                    total=tally["out"],
                    on_time=tally["out_on_time"],
                    late=tally["out_late"],
                    no_deadline=tally["out_no_deadline"],
                ),
            ),
            records=RecordFigures(
                created=tally["created"],
                complete=tally["complete"],
                closed=tally["closed"],
                submitted=tally["submitted"],
                accepted=tally["accepted"],
            ),
            electronic_records=ElectronicShare(
                list_entries=tally["entries"],
                exempt_state_secret=tally["exempt_state_secret"],
                exempt_complex=tally["exempt_complex"],
                counted=counted,
                with_record=tally["with_record"],
                # Rounded for people to read; compared unrounded (89.996 % does not meet 90 %).
                share=None if exact is None else round(exact, 4),
                target=target,
                meets_target=None if exact is None or target is None else exact >= target - 1e-12,
            ),
        )


class ReportUnit(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None


class UnitFigures(ReportUnit):
    list_state: str | None = Field(
        description="State of the unit's record list for the year (draft, approved); null: none"
    )
    own: Figures = Field(description="The unit's own figures; share against its level's target")
    subtree: Figures | None = Field(
        description=(
            "Summed over the unit and every unit below it the caller may read (subtree=true "
            "only); the share is recomputed from the summed counts, with no target (levels mix)"
        )
    )


class LevelFigures(BaseModel):
    level: str
    units: int = Field(description="Units of this level in the report")
    electronic_records: ElectronicShare = Field(
        description="Summed over those units, against the level's target"
    )


class MonthFigures(BaseModel):
    month: int
    documents: DocumentFigures
    records: RecordFigures
    electronic_records: ElectronicShare = Field(description="As of the end of that month")


class ReportOut(BaseModel):
    unit: ReportUnit
    year: int
    month: int | None = Field(description="The month reported; null: the whole year")
    subtree: bool = Field(description="Whether the units below are included and summed")
    period_start: date
    period_end: date
    as_of: date = Field(description="The day the report was made: what is late is late by then")
    generated_at: datetime
    total: Figures = Field(
        description="The unit's figures (summed over its subtree with subtree=true)"
    )
    units: list[UnitFigures] = Field(description="Every unit of the report, parents first")
    levels: list[LevelFigures] = Field(description="Per level of unit, in the units file's order")
    months: list[MonthFigures] = Field(
        description="The total month by month (a whole-year report only; empty otherwise)"
    )
    units_not_shown: int = Field(
        description="Units of the subtree the caller may not read: not counted anywhere"
    )
