"""Stored signature reports: one per file version and set of trust roots, inserted once.

File versions are never changed (FileVersion is insert-only), so what was found about a version's
signatures lives beside it, under a key made of the version and the trust roots it was checked
against: new roots make new reports, and the old ones simply stop being read.
"""

from __future__ import annotations

from datetime import datetime

from beanie import Document, PydanticObjectId

from core.signatures.verify import SignatureReport


def report_key(file_id: str, version: int, fingerprint: str) -> str:
    return f"{file_id}|{version:09d}|{fingerprint[:16]}"


class SignatureVerification(Document):
    id: str  # type: ignore[assignment]  # report_key(file_id, version, fingerprint)
    document_id: PydanticObjectId
    file_id: str
    version: int
    # The checked content's SHA-256, as the version records it.
    sha256: str
    trust_roots_fingerprint: str
    created_at: datetime
    report: SignatureReport

    class Settings:
        name = "signature_reports"
