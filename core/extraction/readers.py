"""Reading the text out of a file's bytes: pure, synchronous, run in a worker thread.

Each reader takes a seekable binary file and a limit in characters and returns a `Reading`; it
never raises for a bad file: a broken or encrypted one is a `failed` reading whose `error` a
person can act on.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from core.extraction.models import TextStatus
from core.text import nfc

logger = logging.getLogger("hoso")

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = "text/plain"
IMAGES = frozenset({"image/png", "image/jpeg", "image/tiff"})


@dataclass(frozen=True)
class Reading:
    status: TextStatus
    text: str | None = None
    truncated: bool = False
    error: str | None = None


class _Collector:
    """Pieces of text, joined by newlines, up to `limit` characters."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.full = False

    def add(self, piece: str) -> bool:
        """Add a piece; False once the limit is reached (the caller stops reading)."""
        if self.full:
            return False
        piece = piece.strip()
        if not piece:
            return True
        room = self.limit - self.size - (1 if self.parts else 0)
        if len(piece) > room:
            piece = piece[: max(room, 0)]
            self.full = True
        if piece:
            self.parts.append(piece)
            self.size += len(piece) + (1 if len(self.parts) > 1 else 0)
        return not self.full

    def reading(self) -> Reading:
        return Reading(TextStatus.DONE, nfc("\n".join(self.parts)), truncated=self.full)


def read_pdf(file: IO[bytes], limit: int) -> Reading:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(file)
        if reader.is_encrypted and not reader.decrypt(""):
            return _failed("The PDF is protected by a password; its text cannot be read.")
        collected = _Collector(limit)
        for page in reader.pages:
            if not collected.add(page.extract_text() or ""):
                break
    except FileNotDecryptedError:
        return _failed("The PDF is protected by a password; its text cannot be read.")
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        return _failed(f"The PDF cannot be read; it may be damaged ({_short(exc)}).")
    except NotImplementedError as exc:  # an encryption or filter pypdf does not know
        return _failed(f"The PDF uses a feature the text reader does not support ({_short(exc)}).")
    if not collected.parts:
        # Pages with no text layer: a scan. OCR may read it.
        return Reading(TextStatus.NEEDS_OCR)
    return collected.reading()


# What an Office file may unpack to before it is read: a few megabytes of compressed XML can
# claim gigabytes, and the readers parse a part whole, in the worker that serves requests.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024


def _too_large_unpacked(file: IO[bytes], what: str) -> Reading | None:
    try:
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return _failed(f"{what} cannot be read; it may be damaged ({_short(exc)}).")
    finally:
        file.seek(0)
    if unpacked > MAX_UNPACKED_BYTES:
        return _failed(
            f"The file unpacks to {unpacked // (1024 * 1024)} MiB, more than the "
            f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MiB read; its text is not extracted."
        )
    return None


def read_docx(file: IO[bytes], limit: int) -> Reading:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if (refused := _too_large_unpacked(file, "The Word document")) is not None:
        return refused
    try:
        document = docx.Document(file)
        collected = _Collector(limit)
        for piece in _docx_pieces(document):
            if not collected.add(piece):
                break
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        return _failed(f"The Word document cannot be read; it may be damaged ({_short(exc)}).")
    return collected.reading()


def _docx_pieces(document: Any) -> Iterator[str]:
    """The body in reading order (paragraphs and tables), then headers and footers."""
    from docx.table import Table

    def table_rows(table: Table) -> Iterator[str]:
        for row in table.rows:
            cells: list[Any] = []
            for cell in row.cells:  # a merged cell is listed once per column it spans
                if not cells or cell._tc is not cells[-1]._tc:
                    cells.append(cell)
            yield "\t".join(cell.text.strip() for cell in cells)

    for block in document.iter_inner_content():
        if isinstance(block, Table):
            yield from table_rows(block)
        else:
            yield block.text
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                yield from (paragraph.text for paragraph in part.paragraphs)


def read_xlsx(file: IO[bytes], limit: int) -> Reading:
    from openpyxl import load_workbook

    if (refused := _too_large_unpacked(file, "The spreadsheet")) is not None:
        return refused
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        return _failed(f"The spreadsheet cannot be read; it may be damaged ({_short(exc)}).")
    try:
        collected = _Collector(limit)
        for sheet in workbook.worksheets:
            if not collected.add(sheet.title) or not _add_rows(collected, sheet.iter_rows()):
                break
    except (KeyError, ValueError, TypeError) as exc:
        return _failed(f"The spreadsheet cannot be read; it may be damaged ({_short(exc)}).")
    finally:
        workbook.close()
    return collected.reading()


def _add_rows(collected: _Collector, rows: Iterable[Any]) -> bool:
    for row in rows:
        values = [str(cell.value).strip() for cell in row if cell.value is not None]
        if not collected.add("\t".join(value for value in values if value)):
            return False
    return True


def read_plain_text(file: IO[bytes], limit: int) -> Reading:
    # Four bytes at most per character in UTF-8: never read more than the limit needs.
    raw = file.read(limit * 4 + 4)
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    collected = _Collector(limit)
    collected.add(text)
    return collected.reading()


def read_image(file: IO[bytes], limit: int) -> Reading:
    return Reading(TextStatus.NEEDS_OCR)


READERS: dict[str, Callable[[IO[bytes], int], Reading]] = {
    PDF: read_pdf,
    DOCX: read_docx,
    XLSX: read_xlsx,
    TEXT: read_plain_text,
    **{image: read_image for image in IMAGES},
}


def has_reader(media_type: str) -> bool:
    return media_type in READERS


def read_text(media_type: str, file: IO[bytes], limit: int) -> Reading:
    """The text of a file of this media type; never raises for what the file holds."""
    reader = READERS.get(media_type)
    if reader is None:
        return Reading(TextStatus.UNSUPPORTED)
    try:
        return reader(file, limit)
    except MemoryError:
        return _failed("The file is too large to read its text.")
    except Exception as exc:  # noqa: BLE001 - a library's surprise on a strange file
        logger.warning("reading the text of a %s file failed", media_type, exc_info=True)
        return _failed(f"The file's text cannot be read ({_short(exc)}).")


def _failed(error: str) -> Reading:
    return Reading(TextStatus.FAILED, error=error)


def _short(exc: BaseException) -> str:
    message = str(exc).strip() or type(exc).__name__
    return message if len(message) <= 200 else message[:199] + "…"
