"""What goes to the archive: the handover list as XLSX, and one record as a BagIt package.

The package (RFC 8493, made and validated with the Library of Congress `bagit` library) holds
`data/record.json` and `data/record.xml` (the record's metadata, the XML with TT02 field names),
and for each document, in order, `data/documents/<order>-<id>/document.json` and the current
version of each of its files; manifests are SHA-256. It is assembled in a temporary directory on
disk (file contents streamed from the blob store, never held whole in memory), validated, then
streamed out as an uncompressed tar and removed.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import tarfile
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import bagit
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from core.documents.files import list_files, open_content
from core.documents.models import StoredDocument
from core.documents.schemas import DocumentOut
from core.errors import PermissionDenied
from core.identity.policy import Principal
from core.records.filing import memberships
from core.records.models import WorkRecord
from core.records.schemas import RecordOut, printed_number
from core.records.service import get_record
from core.runtime import Runtime

CHUNK = 256 * 1024
HANDOVER_COLUMNS = (
    "Số TT",
    "Số và ký hiệu hồ sơ",
    "Tiêu đề hồ sơ",
    "Thời gian tài liệu",
    "Thời hạn bảo quản",
    "Số tờ/số trang",
    "Ghi chú",
)

# record.xml: the TT02 name of each field of RecordOut (field set tt02-2019).
TT02_RECORD_FIELDS = {
    "code": "MaHoSo",
    "number_and_symbol": "SoVaKyHieuHoSo",
    "title": "TieuDeHoSo",
    "retention": "ThoiHanBaoQuan",
    "access_mode": "CheDoSuDung",
    "language": "NgonNgu",
    "start_date": "ThoiGianBatDau",
    "end_date": "ThoiGianKetThuc",
    "doc_total": "TongSoVanBan",
    "page_total": "SoLuongTrang",
    "description": "ChuGiai",
    "creator": "NguoiLapHoSo",
    "year": "NamHinhThanh",
}
TT02_ARCHIVAL_FIELDS = {
    "archive_code": "MaCoQuanLuuTru",
    "fonds_code": "MaPhong",
    "catalogue": "MucLucSo",
    "information_symbol": "KyHieuThongTin",
    "keywords": "TuKhoa",
    "sheet_count": "SoLuongTo",
    "physical_state": "TinhTrangVatLy",
    "notes": "GhiChu",
}


def retention_printed(retention: str) -> str:
    return "Vĩnh viễn" if retention == "permanent" else retention.replace(" years", " năm")


def handover_xlsx(records: list[WorkRecord], unit_name: str, year: int | None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Muc luc ho so"
    heading = "MỤC LỤC HỒ SƠ NỘP LƯU" + (f" Năm {year}" if year else "")
    sheet.append([unit_name])
    sheet.append([heading])
    sheet["A2"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(list(HANDOVER_COLUMNS))
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center")
    for number, record in enumerate(records, start=1):
        span = ""
        if record.start_date and record.end_date:
            span = f"{record.start_date:%d/%m/%Y} - {record.end_date:%d/%m/%Y}"
        sheets = record.archival.sheet_count
        sheet.append(
            [
                number,
                record.number_and_symbol,
                record.title,
                span,
                retention_printed(record.retention),
                f"{sheets if sheets is not None else ''}/{record.page_total}",
                record.archival.notes or record.description or "",
            ]
        )
    sheet.append([])
    sheet.append([f"Tổng số: {len(records)} hồ sơ"])
    for column, width in zip("ABCDEFG", (8, 18, 60, 24, 16, 14, 30), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def record_xml(record: dict[str, Any]) -> bytes:
    root = ElementTree.Element("HoSo", {"field_set": str(record["field_set"])})
    for name, tag in TT02_RECORD_FIELDS.items():
        ElementTree.SubElement(root, tag).text = _text(record.get(name))
    for name, tag in TT02_ARCHIVAL_FIELDS.items():
        ElementTree.SubElement(root, tag).text = _text(record["archival"].get(name))
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


_UNSAFE = re.compile(r"[^\w.\- ]+")


def _safe_name(name: str) -> str:
    cleaned = _UNSAFE.sub("_", name).strip(" .") or "file"
    return cleaned[:150]


async def package(runtime: Runtime, actor: Principal, code: str) -> tuple[WorkRecord, Path]:
    """Assemble and validate the record's bag; returns the path of a tar file to stream (the
    caller removes its directory when done)."""
    record = await get_record(actor, code)
    documents: list[tuple[int, StoredDocument]] = []
    for item in await memberships(record.id):
        document = await StoredDocument.get(item.document_id)
        if document is None:
            continue
        if not actor.can_read_document(document):
            raise PermissionDenied(
                f"Record {record.id} holds restricted document(s) you may not read; a leader of "
                f"unit {record.unit} can export its package."
            )
        documents.append((item.order, document))
    work = Path(tempfile.mkdtemp(prefix="hoso-bag-"))
    try:
        bag_dir = work / "bag"
        data = bag_dir
        (data / "documents").mkdir(parents=True)
        shown = RecordOut.of(record).model_dump(mode="json")
        (data / "record.json").write_text(json.dumps(shown, ensure_ascii=False, indent=2))
        (data / "record.xml").write_bytes(record_xml(shown))
        for order, document in documents:
            folder = data / "documents" / f"{order:04d}-{document.id}"
            (folder / "files").mkdir(parents=True)
            view = DocumentOut.of(document).model_dump(mode="json")
            view["order_in_record"] = order
            view["number_and_symbol_plain"] = printed_number(document)
            (folder / "document.json").write_text(json.dumps(view, ensure_ascii=False, indent=2))
            for summary in await list_files(document):
                current = summary.current
                target = folder / "files" / f"{current.file_id[:12]}-{_safe_name(current.name)}"
                with target.open("wb") as out:
                    async for chunk in await open_content(runtime, current):
                        out.write(chunk)
        info = {
            "Source-Organization": record.unit,
            "External-Identifier": record.id,
            "External-Description": record.title[:200],
            "Bag-Group-Identifier": f"{record.unit}.{record.year}",
        }
        await asyncio.to_thread(_make_and_check, bag_dir, info)
        tar_path = work / "package.tar"
        await asyncio.to_thread(_tar, bag_dir, tar_path, _bag_name(record))
        return record, tar_path
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _make_and_check(bag_dir: Path, info: dict[str, str]) -> None:
    bagit.make_bag(str(bag_dir), info, checksums=["sha256"])
    bagit.Bag(str(bag_dir)).validate()


def _bag_name(record: WorkRecord) -> str:
    return _safe_name(record.id)


def _tar(bag_dir: Path, tar_path: Path, name: str) -> None:
    with tarfile.open(tar_path, "w") as tar:
        tar.add(bag_dir, arcname=name)


async def stream_and_remove(tar_path: Path) -> AsyncIterator[bytes]:
    try:
        with tar_path.open("rb") as source:
            while chunk := await asyncio.to_thread(source.read, CHUNK):
                yield chunk
    finally:
        shutil.rmtree(tar_path.parent, ignore_errors=True)
