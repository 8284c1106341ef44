"""Files to upload, built with the libraries that read them, and a way to upload them."""

from __future__ import annotations

import io
from typing import Any

import httpx

from tests.documents.conftest import create, outgoing
from tests.signing import make_pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The smallest valid PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


def pdf_with_text(text: str) -> bytes:
    return make_pdf(text)


def pdf_without_text() -> bytes:
    """A scan as far as text goes: a page with no text layer."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_password() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("bi mat"))))
    writer.encrypt("mat-khau")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_file(paragraph: str, table: list[list[str]]) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(paragraph)
    grid = document.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_file(title: str, rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def files_url(document_id: str, *rest: str) -> str:
    return "/".join([f"/api/v1/documents/{document_id}/files", *rest])


async def document_with(
    client: httpx.AsyncClient, *files: tuple[str, bytes, str], **fields: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A new draft with these files attached: the document and the upload's answer."""
    document = await create(client, outgoing(**fields))
    response = await client.post(
        files_url(document["id"]),
        files=[("files", item) for item in files],
        params={"role": "attachment"},
    )
    assert response.status_code == 201, response.text
    return document, response.json()


async def text_of(
    client: httpx.AsyncClient, document_id: str, file_id: str, **params: Any
) -> httpx.Response:
    return await client.get(files_url(document_id, file_id, "text"), params=params)


def pdf_bomb(unpacked_mib: int) -> bytes:
    """A one-page PDF whose content stream is `unpacked_mib` MiB of spaces, packed to a few KB."""
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject

    packer = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    packed = b"".join(packer.compress(chunk) for _ in range(unpacked_mib)) + packer.flush()
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = StreamObject()
    stream._data = packed  # as packed: pypdf would pack it again otherwise
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
