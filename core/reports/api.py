"""`/api/v1/reports/units/{code}`: a unit's figures for a year or a month, alone or with every
unit below it (JSON, CSV, XLSX)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from core.documents.files_api import content_disposition
from core.identity.policy import Principal
from core.records.list_xlsx import XLSX_MEDIA_TYPE
from core.reports import export
from core.reports.schemas import ReportOut
from core.reports.service import unit_report
from core.runtime import Runtime

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

Year = Annotated[int, QueryParameter(ge=2000, le=2100, description="The calendar year")]
Month = Annotated[
    int | None,
    QueryParameter(ge=1, le=12, description="A month of the year (1-12); left out: the whole year"),
]
Subtree = Annotated[
    bool,
    QueryParameter(
        description=(
            "Include every unit below it the caller may read: each with its own figures and "
            "those summed over its subtree, and a row per level"
        )
    ),
]

DEFINITIONS = (
    "Counted in the agencies' time zone. **Incoming**: registered, by arrival date; on time when "
    "its handling reached a final step on or before its deadline (the assignment's, else the "
    "document's `due_date`), late when after it or still unfinished past it, pending when "
    "unfinished before it, no deadline when it has none. **Outgoing**: issued, by issue date; on "
    "time when numbered on or before the deadline of the step its workflow numbers it from "
    "(Decree 30: `signed`), late after it, no deadline when numbered outside the steps. "
    "Internal documents are not counted. **Records**: created (opened in the period); complete "
    "(of those, closed, submitted or accepted now); closed, submitted, accepted (in the period, "
    "and still in that state or beyond). **Electronic records**: entries of the year's record "
    "list(s), less those exempt as state secrets or complex records, that have a record opened "
    "from them by the end of the period; compared with the target of the unit's level "
    "(config/reports.toml). Summed figures recompute the share from the summed counts. The "
    "report covers the units where the caller may read documents and records; another unit "
    "answers 404."
)


class ReportController(Controller):
    path = "/reports/units"
    tags = ["reports"]

    @get(
        "/{code:str}",
        summary="A unit's figures: documents, records, electronic record share",
        description=DEFINITIONS,
        problems=(403, 404),
    )
    async def unit_report(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        year: Year,
        month: Month = None,
        subtree: Subtree = False,
    ) -> ReportOut:
        return await unit_report(runtime, actor, code, year, month, subtree)

    @get(
        "/{code:str}/report.xlsx",
        summary="The report as XLSX: sheets Văn bản, Hồ sơ, Tỷ lệ hồ sơ điện tử (and Theo tháng)",
        description=(
            "The figures of the JSON report, a row per unit (and, with subtree, a row summed "
            "over its subtree), headed in Vietnamese; a whole-year report adds the sheet "
            "`Theo tháng`, and every report a sheet `Thông tin` (unit, period, date). "
            + DEFINITIONS
        ),
        media_type=XLSX_MEDIA_TYPE,
        problems=(403, 404),
    )
    async def download_report_xlsx(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        year: Year,
        month: Month = None,
        subtree: Subtree = False,
    ) -> Response[bytes]:
        report = await unit_report(runtime, actor, code, year, month, subtree)
        name = f"Báo cáo {export.period_text(report).replace('/', '-')} {code}.xlsx"
        return _download(export.to_xlsx(report), XLSX_MEDIA_TYPE, name)

    @get(
        "/{code:str}/report.csv",
        summary="The report as CSV (UTF-8 with a byte order mark), a row per unit and scope",
        description=(
            "The columns of the three XLSX sheets side by side, after the unit's code, name, "
            "level, scope (`Đơn vị`: its own; `Đơn vị và trực thuộc`: summed over its subtree), "
            "year and month. Shares are percentages. " + DEFINITIONS
        ),
        media_type=CSV_MEDIA_TYPE,
        problems=(403, 404),
    )
    async def download_report_csv(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        year: Year,
        month: Month = None,
        subtree: Subtree = False,
    ) -> Response[bytes]:
        report = await unit_report(runtime, actor, code, year, month, subtree)
        name = f"Báo cáo {export.period_text(report).replace('/', '-')} {code}.csv"
        return _download(export.to_csv(report), CSV_MEDIA_TYPE, name)


def _download(content: bytes, media_type: str, name: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(name), "Cache-Control": "private"},
    )
