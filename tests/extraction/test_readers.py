"""The readers on their own: what text comes out of each kind of file, and where it is cut."""

from __future__ import annotations

import io

from core.extraction.models import TextStatus
from core.extraction.readers import PDF, read_text
from tests.extraction.helpers import DOCX, XLSX, docx_file, pdf_with_text, xlsx_file


def read(media_type: str, content: bytes, limit: int = 10_000):
    return read_text(media_type, io.BytesIO(content), limit)


def test_docx_tables_list_a_merged_cell_once_in_reading_order():
    import docx

    document = docx.Document()
    document.add_paragraph("Trước bảng")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Gộp"
    table.cell(0, 2).text = "C"
    table.cell(1, 0).text = "1"
    document.add_paragraph("Sau bảng")
    out = io.BytesIO()
    document.save(out)

    reading = read(DOCX, out.getvalue())
    assert reading.text == "Trước bảng\nGộp\tC\n1\nSau bảng"


def test_xlsx_numbers_and_empty_cells():
    reading = read(XLSX, xlsx_file("Sổ", [["Số", 15, None, "QĐ"], [None, None], ["Tổng", 2.5]]))
    assert reading.status is TextStatus.DONE
    assert reading.text == "Sổ\nSố\t15\tQĐ\nTổng\t2.5"


def test_text_is_cut_at_the_limit_and_marked():
    reading = read(DOCX, docx_file("x" * 50, [["y" * 50]]), limit=60)
    assert reading.truncated is True
    assert len(reading.text) == 60
    assert reading.text == "x" * 50 + "\n" + "y" * 9
    whole = read(PDF, pdf_with_text("ngan"), limit=60)
    assert whole.truncated is False and whole.text == "ngan"


def test_decomposed_vietnamese_comes_out_composed():
    decomposed = "Quye\u0302\u0301t đi\u0323nh"
    reading = read("text/plain", decomposed.encode())
    assert reading.text == "Quyết định"


def test_an_unknown_type_is_unsupported_and_nothing_raises_on_junk():
    assert read("application/zip", b"PK\x03\x04").status is TextStatus.UNSUPPORTED
    for media_type in (PDF, DOCX, XLSX):
        assert read(media_type, b"\x00" * 64).status is TextStatus.FAILED


def test_an_office_file_that_unpacks_to_too_much_is_not_read(monkeypatch) -> None:
    import io
    import zipfile

    from core.extraction import readers

    monkeypatch.setattr(readers, "MAX_UNPACKED_BYTES", 1000)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "a" * 5000)  # compresses to a few bytes
    packed.seek(0)
    reading = readers.read_docx(packed, 10_000)
    assert reading.status.value == "failed"
    assert "unpacks to" in reading.error


def test_a_pdf_that_unpacks_to_more_than_the_reader_takes_is_not_held_whole() -> None:
    import tracemalloc

    from tests.extraction.helpers import pdf_bomb

    content = pdf_bomb(200)  # 80 KB that would be 200 MiB
    tracemalloc.start()
    try:
        reading = read(PDF, content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # pypdf stops unpacking a stream at 75 MB: no text comes of it, and memory stays bounded.
    assert reading.status in (TextStatus.NEEDS_OCR, TextStatus.FAILED)
    assert peak < 120 * 1024 * 1024
