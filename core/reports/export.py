"""A report as spreadsheets: XLSX with a sheet per subject, CSV with one row per unit and scope.

The columns are the same in both, headed in Vietnamese as the province's reports are. Each unit
has a row of its own figures ("Đơn vị") and, in a subtree report, a row summed over it and the
units below it ("Đơn vị và trực thuộc").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from core.records.list_xlsx import _inert
from core.reports.schemas import ElectronicShare, Figures, ReportOut

OWN, SUBTREE = "Đơn vị", "Đơn vị và trực thuộc"
UNIT_COLUMNS = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Phạm vi"]

Column = tuple[str, Callable[[Figures], Any]]

DOCUMENT_COLUMNS: list[Column] = [
    ("Văn bản đến", lambda f: f.documents.incoming.total),
    ("Văn bản đến: đúng hạn", lambda f: f.documents.incoming.on_time),
    ("Văn bản đến: quá hạn", lambda f: f.documents.incoming.late),
    ("Văn bản đến: đang xử lý trong hạn", lambda f: f.documents.incoming.pending),
    ("Văn bản đến: không có hạn", lambda f: f.documents.incoming.no_deadline),
    ("Văn bản đi", lambda f: f.documents.outgoing.total),
    ("Văn bản đi: đúng hạn", lambda f: f.documents.outgoing.on_time),
    ("Văn bản đi: trễ hạn", lambda f: f.documents.outgoing.late),
    ("Văn bản đi: không có hạn", lambda f: f.documents.outgoing.no_deadline),
]
RECORD_COLUMNS: list[Column] = [
    ("Hồ sơ tạo lập", lambda f: f.records.created),
    ("Hồ sơ hoàn thành", lambda f: f.records.complete),
    ("Hồ sơ kết thúc", lambda f: f.records.closed),
    ("Hồ sơ nộp lưu", lambda f: f.records.submitted),
    ("Hồ sơ được tiếp nhận", lambda f: f.records.accepted),
]


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def _met(share: ElectronicShare) -> str:
    return {True: "Đạt", False: "Chưa đạt", None: ""}[share.meets_target]


SHARE_COLUMNS: list[Column] = [
    ("Hồ sơ trong danh mục", lambda f: f.electronic_records.list_entries),
    ("Miễn trừ: bí mật nhà nước", lambda f: f.electronic_records.exempt_state_secret),
    ("Miễn trừ: thành phần phức tạp", lambda f: f.electronic_records.exempt_complex),
    ("Hồ sơ được tính", lambda f: f.electronic_records.counted),
    ("Hồ sơ điện tử", lambda f: f.electronic_records.with_record),
    ("Tỷ lệ (%)", lambda f: _percent(f.electronic_records.share)),
    ("Chỉ tiêu (%)", lambda f: _percent(f.electronic_records.target)),
    ("Đánh giá", lambda f: _met(f.electronic_records)),
]

SHEETS = {
    "Văn bản": DOCUMENT_COLUMNS,
    "Hồ sơ": RECORD_COLUMNS,
    "Tỷ lệ hồ sơ điện tử": SHARE_COLUMNS,
}


def _unit_rows(report: ReportOut) -> list[tuple[list[Any], Figures]]:
    rows = []
    for unit in report.units:
        described = [unit.code, unit.name, unit.level]
        rows.append(([*described, OWN], unit.own))
        if unit.subtree is not None:
            rows.append(([*described, SUBTREE], unit.subtree))
    return rows


def period_text(report: ReportOut) -> str:
    return f"Tháng {report.month}/{report.year}" if report.month else f"Năm {report.year}"


def to_csv(report: ReportOut) -> bytes:
    columns = [*DOCUMENT_COLUMNS, *RECORD_COLUMNS, *SHARE_COLUMNS]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([*UNIT_COLUMNS, "Năm", "Tháng", *(name for name, _ in columns)])
    for described, figures in _unit_rows(report):
        cells = [*described, report.year, report.month or "", *(get(figures) for _, get in columns)]
        writer.writerow([_inert(cell) for cell in cells])
    # With a byte order mark: spreadsheet programs then read the Vietnamese as UTF-8.
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def to_xlsx(report: ReportOut) -> bytes:
    book = Workbook()
    bold = Font(bold=True)
    first = True
    rows = _unit_rows(report)
    for title, columns in SHEETS.items():
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title
        sheet.append([*UNIT_COLUMNS, *(name for name, _ in columns)])
        for described, figures in rows:
            sheet.append([*described, *(get(figures) for _, get in columns)])
        if columns is SHARE_COLUMNS and report.levels:
            sheet.append([])
            sheet.append(["Theo cấp", "Số đơn vị", "", "", *(name for name, _ in columns)])
            for level in report.levels:
                figures = report.total.model_copy(
                    update={"electronic_records": level.electronic_records}
                )
                values = [get(figures) for _, get in columns]
                sheet.append([level.level, level.units, "", "", *values])
        _style(sheet, bold)
    if report.months:
        sheet = book.create_sheet("Theo tháng")
        columns = [*DOCUMENT_COLUMNS, *RECORD_COLUMNS, *SHARE_COLUMNS[3:6]]
        sheet.append(["Tháng", *(name for name, _ in columns)])
        for month in report.months:
            figures = Figures.model_validate(month.model_dump())
            sheet.append([month.month, *(get(figures) for _, get in columns)])
        _style(sheet, bold)
    info = book.create_sheet("Thông tin")
    for label, value in (
        ("Đơn vị", f"{report.unit.name} ({report.unit.code})"),
        ("Kỳ báo cáo", period_text(report)),
        ("Gồm đơn vị trực thuộc", "Có" if report.subtree else "Không"),
        ("Tính đến ngày", report.as_of.strftime("%d/%m/%Y")),
    ):
        info.append([label, value])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _style(sheet: Any, bold: Font) -> None:
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "E2"
    sheet.column_dimensions["B"].width = 40
