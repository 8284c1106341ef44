"""What crosses the wire for a file version's text."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from core.extraction.models import TextStatus


class FileTextOut(BaseModel):
    file_id: str
    version: int
    status: TextStatus = Field(
        description="`done`: `text` holds the text; `needs_ocr`, `unsupported` or `failed`: "
        "there is none, and `detail` says why"
    )
    text: str | None = Field(description="The text read from the file (NFC), when done")
    chars: int = Field(description="Length of `text` in characters")
    truncated: bool = Field(
        description="The text was cut at the service's limit (the `text_max_chars` setting)"
    )
    detail: str | None = Field(description="Why there is no text, when there is none")
    extracted_at: datetime | None = Field(description="When the file was read")
