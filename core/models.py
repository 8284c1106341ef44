"""Every Beanie document model of the service, registered in one place.

`init_beanie` receives this list at start and creates each model's indexes.
"""

from __future__ import annotations

from beanie import Document

DOCUMENT_MODELS: list[type[Document]] = []
