"""Every Beanie document model of the service, registered in one place.

`init_beanie` receives this list at start and creates each model's indexes.
"""

from __future__ import annotations

from beanie import Document

from core.documents.models import CustomDocumentType, FileVersion, StoredDocument
from core.numbering.models import RegisterEntry

DOCUMENT_MODELS: list[type[Document]] = [
    StoredDocument,
    FileVersion,
    CustomDocumentType,
    RegisterEntry,
]
