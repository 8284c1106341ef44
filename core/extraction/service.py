"""A version's text as the API answers it."""

from __future__ import annotations

from core.documents.models import FileVersion
from core.errors import Conflict
from core.extraction.models import TextStatus
from core.extraction.pending import text_of
from core.extraction.schemas import FileTextOut
from core.runtime import Runtime

REASONS = {
    TextStatus.NEEDS_OCR: (
        "The file is a scan or an image without a text layer; its text is read once OCR "
        "(OCRmyPDF with Tesseract's Vietnamese language) is installed on the service."
    ),
    TextStatus.UNSUPPORTED: "Text is not read from files of this type.",
}


async def file_text(runtime: Runtime, version: FileVersion) -> FileTextOut:
    """The version's text; Conflict (409) while it is still waiting to be read."""
    text = await text_of(version)
    if text is None or text.status is TextStatus.PENDING:
        wait = max(int(runtime.settings.text_poll_seconds), 1)
        raise Conflict(
            f"The text of file {version.file_id} version {version.version} is not read yet: "
            f"files are read in the background after upload. Ask again in a few seconds.",
            headers={"Retry-After": str(wait)},
        )
    return FileTextOut(
        file_id=version.file_id,
        version=version.version,
        status=text.status,
        text=text.text if text.status is TextStatus.DONE else None,
        chars=text.chars,
        truncated=text.truncated,
        detail=text.error or REASONS.get(text.status),
        extracted_at=text.extracted_at,
    )
