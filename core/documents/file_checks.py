"""What an acceptable upload is: name, media type, size and first bytes, checked before anything
is stored."""

from __future__ import annotations

import unicodedata
from typing import Any

from core.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from core.runtime import Runtime
from core.text import nfc

MAX_NAME_LENGTH = 255
# What a part without a Content-Type is taken to be (RFC 7578 says text/plain, which would let a
# PDF be served as text): accepted only if an operator allows it.
UNDECLARED_MEDIA_TYPE = "application/octet-stream"
# Control characters (C0, C1), format characters (bidi overrides and marks, zero-width ones, the
# byte order mark) and line and paragraph separators: invisible or reordering, they make a name
# read differently from what it is ("😀\u202egnp.exe.pdf" shows as "😀fdp.exe.png").
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})

# Media types whose files always open with the same bytes. Others (XML, plain text) have no
# signature to rely on and are taken as declared.
PDF = (b"%PDF-",)
PNG = (b"\x89PNG\r\n\x1a\n",)
JPEG = (b"\xff\xd8\xff",)
TIFF = (b"II*\x00", b"MM\x00*")
ZIP = (b"PK\x03\x04",)
OLE2 = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # Office 97–2003 compound file
SIGNATURES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "application/pdf": ("a PDF", PDF),
    "image/png": ("a PNG image", PNG),
    "image/jpeg": ("a JPEG image", JPEG),
    "image/tiff": ("a TIFF image", TIFF),
    "application/zip": ("a ZIP archive", ZIP),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "a Word document (.docx)",
        ZIP,
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "an Excel workbook (.xlsx)",
        ZIP,
    ),
    "application/msword": ("a Word 97–2003 document (.doc)", OLE2),
    "application/vnd.ms-excel": ("an Excel 97–2003 workbook (.xls)", OLE2),
}
# What content with a known signature was sent as, to tell the client which type to declare.
LOOKS_LIKE: tuple[tuple[tuple[bytes, ...], str], ...] = (
    (PDF, "a PDF: send it as application/pdf"),
    (PNG, "a PNG image: send it as image/png"),
    (JPEG, "a JPEG image: send it as image/jpeg"),
    (TIFF, "a TIFF image: send it as image/tiff"),
    (ZIP, "a ZIP archive or an Office (.docx, .xlsx) file: send it with the type of what it is"),
    (OLE2, "an Office 97–2003 (.doc, .xls) file: send it with the type of what it is"),
)
# What a file sent as the body with the type application/octet-stream ("some bytes": what a client
# that cannot name the type sends) is taken to be, from its name's extension; it is then checked
# as if declared so (accepted types, signature). The types accepted by default.
TYPES_BY_EXTENSION = {
    ".pdf": "application/pdf",
    ".xml": "application/xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".txt": "text/plain",
}
# Bytes enough to tell every signature above.
SIGNATURE_BYTES = max(len(s) for _, signatures in SIGNATURES.values() for s in signatures)


def check_upload(runtime: Runtime, upload: Any) -> None:
    """Everything that can be told before the content is read; `check_content` does the rest."""
    name = nfc(upload.filename or "").strip()
    problem, remedy = _name_problem(nfc(upload.filename or ""), name)
    if problem:
        raise InvalidInput(
            f"File name {_shown(name)} {problem}: {remedy}.",
            errors=[{"field": name_field(upload), "message": f"file name {problem}"}],
        )
    media_type = media_type_of(upload)
    allowed = runtime.settings.allowed_media_types
    if media_type not in allowed:
        if not _declared_type(upload):
            raise UnsupportedMediaType(
                f"{name} was sent without a media type, so it counts as {media_type}, which is "
                "not accepted: send the file's media type in the Content-Type of its part "
                "(curl -F 'files=@report.pdf;type=application/pdf'). "
                f"Accepted: {', '.join(allowed)}."
            )
        raise UnsupportedMediaType(
            f"{name}: files of type {media_type!r} are not accepted. "
            f"Accepted: {', '.join(allowed)}."
        )
    if upload.size == 0:
        raise empty_file(name, content_field(upload))
    limit = runtime.settings.max_upload_bytes
    if upload.size is not None and upload.size > limit:
        raise too_large(name, limit, upload.size)


def check_content(name: str, media_type: str, head: bytes) -> None:
    """Content declared as a type with a signature must start with it. `head` is the start of the
    file, at least `SIGNATURE_BYTES` long unless the file is shorter."""
    expected = SIGNATURES.get(media_type)
    if expected is None:
        return
    what, signatures = expected
    if head.startswith(signatures):
        return
    looks_like = next((looks for known, looks in LOOKS_LIKE if head.startswith(known)), None)
    raise UnsupportedMediaType(
        f"{name}: declared {media_type} but the content is not {what}"
        + (
            f"; it looks like {looks_like}."
            if looks_like
            else ". Send the file with the media type of what it is, or check that it is whole."
        )
    )


def _name_problem(raw: str, name: str) -> tuple[str | None, str]:
    # Names are labels, never paths, but they end up in download headers and in clerks' folders:
    # a separator, an invisible character or a bare "." / ".." would surprise both.
    remedy = f"give the file's own name, 1–{MAX_NAME_LENGTH} characters"
    # Checked on the name as sent: surrounding whitespace is trimmed, but a line separator or a
    # control character there is refused all the same.
    invisible = [ch for ch in raw if unicodedata.category(ch) in INVISIBLE_CATEGORIES]
    if invisible:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in dict.fromkeys(invisible))
        return (
            f"holds invisible or control characters ({codes})",
            "rename the file without them and send it again",
        )
    if not name:
        return "is missing", remedy
    if len(name) > MAX_NAME_LENGTH:
        return f"is {len(name)} characters long", remedy
    if "/" in name or "\\" in name:
        return "contains a folder separator (/ or \\)", remedy
    if not name.strip("."):
        return "is only dots", remedy
    return None, remedy


def _shown(name: str) -> str:
    return repr(name if len(name) <= 60 else name[:60] + "…")


def empty_file(name: str, field: str = "files") -> InvalidInput:
    return InvalidInput(
        f"{name} is empty (0 bytes); send the file with its content.",
        errors=[{"field": field, "message": f"{name} is empty"}],
    )


def name_field(upload: Any) -> str:
    """Where a problem with the file's name points: its multipart part, or `?name=`."""
    return getattr(upload, "name_field", "files")


def content_field(upload: Any) -> str:
    """Where a problem with the file's content points: its multipart part, or the body."""
    return getattr(upload, "content_field", "files")


def too_large(name: str, limit: int, size: int | None = None) -> PayloadTooLarge:
    what = f"{name} ({human_size(size)})" if size is not None else name
    return PayloadTooLarge(f"{what} is larger than the {human_size(limit)} allowed for one file.")


def type_from_name(name: str) -> str | None:
    """The media type a file name's extension stands for (TYPES_BY_EXTENSION), if any."""
    dot = name.rfind(".")
    return TYPES_BY_EXTENSION.get(name[dot:].strip().lower()) if dot > 0 else None


def media_type_of(upload: Any) -> str:
    return _declared_type(upload) or UNDECLARED_MEDIA_TYPE


def _declared_type(upload: Any) -> str:
    return (upload.content_type or "").split(";")[0].strip().lower()


def human_size(size: int) -> str:
    """`512 bytes`, `1.9 KiB`, `100 MiB`: rounded down, so a limit is never overstated."""
    if size < 1024:
        return f"{size} byte" if size == 1 else f"{size} bytes"
    unit, scale = next(
        (unit, scale)
        for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))
        if size >= scale
    )
    whole, tenth = divmod(size * 10 // scale, 10)
    return f"{whole} {unit}" if tenth == 0 else f"{whole}.{tenth} {unit}"
