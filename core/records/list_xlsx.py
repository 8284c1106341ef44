"""A record list as the XLSX clerks print (D30 App. V) and as CSV; an XLSX in that layout read
back into a draft.

Layout (one sheet):

    row 1   the unit's name
    row 2   DANH MỤC HỒ SƠ Năm <year>
    row 4   Số và ký hiệu hồ sơ | Tên đề mục và tiêu đề hồ sơ | Thời hạn bảo quản |
            Người lập hồ sơ | Ghi chú
    then    a big heading:   <abbreviation> | I. TÊN ĐỀ MỤC LỚN |   |   |
            a small heading:                | 1. Tên đề mục nhỏ |   |   |
            an entry:        01.TCCB        | Tiêu đề hồ sơ     | 20 năm / Vĩnh viễn | Họ và tên | …
    last    Bản danh mục hồ sơ này có N hồ sơ, bao gồm: P hồ sơ vĩnh viễn; F hồ sơ có thời hạn.

The big heading's abbreviation stands in the first column of its row, so that a list read back
keeps it even for a heading without entries. The CSV holds the header row and the same rows.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side
from pydantic import ValidationError

from core.errors import InvalidInput, PayloadTooLarge
from core.records.list_models import ListBody, retention_printed
from core.records.list_schemas import MAX_ENTRIES, BigHeadingIn, EntryIn, SmallHeadingIn
from core.records.numbering import rows
from core.text import fold

COLUMNS = (
    "Số và ký hiệu hồ sơ",
    "Tên đề mục và tiêu đề hồ sơ",
    "Thời hạn bảo quản",
    "Người lập hồ sơ",
    "Ghi chú",
)
FIELD_COLUMNS = {
    "entry_id": COLUMNS[0],
    "symbol": COLUMNS[0],
    "title": COLUMNS[1],
    "retention": COLUMNS[2],
    "responsible": COLUMNS[3],
    "notes": COLUMNS[4],
}
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_BYTES = 1_048_576
# A list of 4,000 rows of five columns unpacks to a few MiB; a small file that unpacks to far
# more (millions of cells in one row) would keep the reader busy for seconds.
MAX_UNPACKED_BYTES = 8 * 1_048_576
MAX_ROWS = MAX_ENTRIES + 1000  # entries, headings and the lines around them
MAX_ERRORS = 200
TOTALS_START = "Bản danh mục hồ sơ này có"

Printed = tuple[str, str, str, str, str]


def title_of(year: int) -> str:
    return f"DANH MỤC HỒ SƠ Năm {year}"


def printed_rows(body: ListBody) -> list[Printed]:
    out: list[Printed] = []
    for row in rows(body):
        if row.kind == "big":
            out.append((row.big.symbol, row.label, "", "", ""))
        elif row.kind == "small":
            out.append(("", row.label, "", "", ""))
        else:
            assert row.entry is not None
            entry = row.entry
            out.append(
                (
                    row.label,
                    entry.title,
                    retention_printed(entry.retention_years),
                    entry.responsible or "",
                    entry.notes or "",
                )
            )
    return out


def totals_line(body: ListBody) -> str:
    entries = [row.entry for row in rows(body) if row.entry is not None]
    permanent = sum(1 for entry in entries if entry.retention_years is None)
    return (
        f"{TOTALS_START} {len(entries)} hồ sơ, bao gồm: {permanent} hồ sơ vĩnh viễn; "
        f"{len(entries) - permanent} hồ sơ có thời hạn."
    )


def to_csv(body: ListBody) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([[_inert(cell) for cell in row] for row in printed_rows(body)])
    # With a byte order mark: spreadsheet programs then read the Vietnamese as UTF-8.
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def _inert(cell: Any) -> Any:
    """A cell a spreadsheet would run as a formula (=, +, -, @ first) is opened as text: a
    title typed as `=HYPERLINK(…)` must not become a link or a command when a clerk opens the
    CSV (OWASP "CSV injection"). The leading apostrophe is what spreadsheets read as "text"."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def to_xlsx(body: ListBody, unit_name: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Danh mục {body.year}"
    font, bold = Font(name="Times New Roman", size=12), Font(name="Times New Roman", bold=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)

    sheet.append([unit_name])
    sheet.append([title_of(body.year)])
    sheet.append([])
    sheet.append(list(COLUMNS))
    for merged in ("A1:E1", "A2:E2"):
        sheet.merge_cells(merged)
    sheet["A1"].font = bold
    sheet["A2"].font = Font(name="Times New Roman", size=14, bold=True)
    sheet["A2"].alignment = centred
    for cell in sheet[4]:
        cell.font, cell.border, cell.alignment = bold, box, centred
    for printed in printed_rows(body):
        sheet.append(list(printed))
        heading = printed[2] == ""
        for cell in sheet[sheet.max_row]:
            cell.font, cell.border, cell.alignment = (bold if heading else font), box, wrap
            if cell.data_type == "f":
                # Text that starts with "=" is text here, never a formula to run.
                cell.data_type = "s"
    sheet.append([])
    sheet.append([totals_line(body)])
    last = sheet.max_row
    sheet.merge_cells(f"A{last}:E{last}")
    sheet[f"A{last}"].font = font
    for column, width in zip("ABCDE", (16, 60, 16, 22, 20), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.print_title_rows = "4:4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading back ---------------------------------------------------------------------------

_BIG = re.compile(r"^([IVXLCDM]+)\s*[.)]\s*(.+)$", re.DOTALL)
_SMALL = re.compile(r"^(\d{1,3})\s*[.)]\s*(.+)$", re.DOTALL)
_NUMBER = re.compile(r"^(\d{1,4})\.(.+)$")
_FOLDED_COLUMNS = [fold(name) for name in COLUMNS]
_NUMBERING_SAID = {
    "per_heading": "numbered from 01 in each big heading",
    "whole_list": "numbered through the whole list",
}


class _Rows:
    """Errors collected row by row, named as a clerk finds them: the row and the column."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def add(self, row: int, column: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"field": f"row {row}, {column}", "message": message})


def read_xlsx(data: bytes, numbering: str) -> list[BigHeadingIn]:
    """The headings and entries of an XLSX in the printed layout; 422 naming every wrong row
    (row number, column, why) when any is wrong."""
    if len(data) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(
            f"An XLSX record list is at most {MAX_IMPORT_BYTES // 1024} KiB; this one is "
            f"{len(data) // 1024} KiB."
        )
    cells = _cells(data)
    header = next(
        (
            index
            for index, values in enumerate(cells[:30])
            if [fold(value or "") for value in values[:5]] == _FOLDED_COLUMNS
        ),
        None,
    )
    if header is None:
        raise InvalidInput(
            "The file is not a record list in the printed layout: no row has the five columns "
            f"{' | '.join(COLUMNS)}. Download a list as XLSX to see the layout.",
            errors=[{"field": "file", "message": "header row not found"}],
        )
    problems = _Rows()
    headings = _parse(cells, header, numbering, problems)
    if problems.errors:
        raise InvalidInput(
            f"{len(problems.errors)} row(s) of the file are wrong; nothing was stored. Fix them "
            "and send the file again.",
            errors=problems.errors,
        )
    return headings


def _cells(data: bytes) -> list[list[str | None]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise _not_xlsx("it unpacks to more than 8 MiB")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except InvalidInput:
        raise
    except Exception:  # whatever a broken or foreign file makes the reader raise
        raise _not_xlsx("it cannot be read as an XLSX workbook") from None
    try:
        sheet = book.worksheets[0]
        found: list[list[str | None]] = []
        for values in sheet.iter_rows(values_only=True, max_col=5):
            if len(found) >= MAX_ROWS:
                raise InvalidInput(
                    f"A record list file has at most {MAX_ROWS} rows.",
                    errors=[{"field": "file", "message": f"more than {MAX_ROWS} rows"}],
                )
            found.append([_text(value) for value in (*values, None, None, None, None, None)[:5]])
        return found
    except InvalidInput:
        raise
    except Exception:
        raise _not_xlsx("its first sheet cannot be read") from None
    finally:
        book.close()


def _not_xlsx(why: str) -> InvalidInput:
    return InvalidInput(
        f"The file is not an XLSX record list: {why}. Send the .xlsx file a list download gives "
        "(or one in its layout).",
        errors=[{"field": "file", "message": why}],
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _parse(
    cells: list[list[str | None]], header: int, numbering: str, problems: _Rows
) -> list[BigHeadingIn]:
    bigs: list[dict[str, Any]] = []
    number = 0
    for index in range(header + 1, len(cells)):
        row = index + 1  # as the spreadsheet numbers it
        code, title, retention, responsible, notes = cells[index]
        if not any(cells[index]):
            continue
        if code and code.startswith(TOTALS_START[:12]) and not any(cells[index][1:]):
            break  # the totals line ends the list
        numbered = _NUMBER.match(code or "")
        if numbered or retention:
            if not bigs:
                problems.add(row, COLUMNS[1], "an entry before the first big heading (I.)")
                continue
            big = bigs[-1]
            if numbering == "per_heading" and big["_first"]:
                number = 0
            big["_first"] = False
            number += 1
            fields = {"title": title, "retention": retention}
            fields |= {"responsible": responsible, "notes": notes}
            entry = _validated(EntryIn, fields, row, problems)
            if numbered:
                given, symbol = int(numbered[1]), numbered[2]
                if big["symbol"] is None:
                    big["symbol"] = symbol
                if symbol != big["symbol"]:
                    problems.add(
                        row,
                        COLUMNS[0],
                        f"{code} does not end with its big heading's abbreviation {big['symbol']}",
                    )
                elif given != number:
                    problems.add(
                        row,
                        COLUMNS[0],
                        f"{code}: its place in the list makes it number {number:02d} "
                        f"({_NUMBERING_SAID[numbering]}); "
                        "leave the column empty to have it numbered",
                    )
            if entry is not None:
                (big["headings"][-1] if big["headings"] else big)["entries"].append(entry)
        elif title and (match := _BIG.match(title)):
            bigs.append(
                {
                    "row": row,
                    "symbol": code,
                    "title": match[2].strip(),
                    "entries": [],
                    "headings": [],
                    "_first": True,
                }
            )
        elif title and (match := _SMALL.match(title)) and not code:
            if not bigs:
                problems.add(row, COLUMNS[1], "a small heading before the first big heading (I.)")
                continue
            small = _validated(SmallHeadingIn, {"title": match[2].strip()}, row, problems)
            bigs[-1]["headings"].append({"title": small.title if small else "", "entries": []})
        else:
            problems.add(
                row,
                COLUMNS[1] if not retention else COLUMNS[2],
                "neither a heading (I. …, 1. …) nor an entry (with its retention in "
                f"'{COLUMNS[2]}')",
            )
    headings = []
    for big in bigs:
        if big["symbol"] is None:
            problems.add(
                big["row"],
                COLUMNS[0],
                "the big heading needs its abbreviation (TCCB…) in this column",
            )
            continue
        fields = {key: value for key, value in big.items() if key not in ("row", "_first")}
        parsed = _validated(BigHeadingIn, fields, big["row"], problems)
        if parsed is not None:
            headings.append(parsed)
    return headings


def _validated(model: Any, fields: dict[str, Any], row: int, problems: _Rows) -> Any:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "title"
            if name in ("entries", "headings"):
                continue  # reported on their own rows
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "missing" or (
                error["type"] == "string_type" and not fields.get(name)
            ):
                message = "required"
            problems.add(row, FIELD_COLUMNS.get(name, COLUMNS[1]), message)
        return None
