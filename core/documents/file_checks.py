"""What an acceptable upload is: name, media type and size, checked before anything is stored."""

from __future__ import annotations

from typing import Any

from core.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from core.runtime import Runtime
from core.text import nfc

MAX_NAME_LENGTH = 255


def check_upload(runtime: Runtime, upload: Any) -> None:
    name = nfc(upload.filename or "").strip()
    problem = _name_problem(name)
    if problem:
        shown = name if len(name) <= 60 else name[:60] + "…"
        raise InvalidInput(
            f"File name {shown!r} {problem}: give the file's own name, 1–{MAX_NAME_LENGTH} "
            "characters.",
            errors=[{"field": "files", "message": f"file name {problem}"}],
        )
    media_type = media_type_of(upload)
    allowed = runtime.settings.allowed_media_types
    if media_type not in allowed:
        raise UnsupportedMediaType(
            f"{name}: files of type {media_type or 'unknown'!r} are not accepted. "
            f"Accepted: {', '.join(allowed)}."
        )
    if upload.size == 0:
        raise empty_file(name)
    limit = runtime.settings.max_upload_bytes
    if upload.size is not None and upload.size > limit:
        raise too_large(name, limit, upload.size)


def _name_problem(name: str) -> str | None:
    # Names are labels, never paths, but they end up in download headers and in clerks' folders:
    # a separator, a control character or a bare "." / ".." would surprise both.
    if not name:
        return "is missing"
    if len(name) > MAX_NAME_LENGTH:
        return f"is {len(name)} characters long"
    if "/" in name or "\\" in name:
        return "contains a folder separator (/ or \\)"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return "contains control characters"
    if not name.strip("."):
        return "is only dots"
    return None


def empty_file(name: str) -> InvalidInput:
    return InvalidInput(
        f"{name} is empty (0 bytes); send the file with its content.",
        errors=[{"field": "files", "message": f"{name} is empty"}],
    )


def too_large(name: str, limit: int, size: int | None = None) -> PayloadTooLarge:
    what = f"{name} ({human_size(size)})" if size is not None else name
    return PayloadTooLarge(f"{what} is larger than the {human_size(limit)} allowed for one file.")


def media_type_of(upload: Any) -> str:
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
