"""Signature reports of file versions: made once per version and set of trust roots, then read.

A version's bytes never change, so its report only goes stale when the trust roots do; it is kept
under a key that names both (core/signatures/models.py). The whole file is read into memory to be
checked: uploads are capped by `max_upload_bytes` (100 MiB by default), and pyHanko needs to seek
over the whole PDF anyway.
"""

from __future__ import annotations

import hashlib
import logging

import anyio.to_thread
from pymongo.errors import DuplicateKeyError

from core.documents import files
from core.documents.models import FileVersion, StoredDocument
from core.errors import NotFound
from core.runtime import Runtime
from core.signatures.models import SignatureVerification, report_key
from core.signatures.verify import SignatureReport, SignatureStatus, verify_pdf
from storage import BlobStoreUnavailable

logger = logging.getLogger("hoso")

NO_MAIN_FILE = "The document has no main file; upload the signed PDF as its main file first."


async def report_for(runtime: Runtime, version: FileVersion) -> SignatureReport:
    """The signature report of this file version against the current trust roots: the stored
    one, or one made now (in a worker thread) and stored."""
    roots = runtime.trust_roots
    key = report_key(version.file_id, version.version, roots.fingerprint)
    stored = await SignatureVerification.get(key)
    if stored is not None:
        return stored.report
    data = await _content_of(runtime, version)
    report = await anyio.to_thread.run_sync(lambda: verify_pdf(data, roots, now=runtime.clock()))
    verification = SignatureVerification(
        id=key,
        document_id=version.document_id,
        file_id=version.file_id,
        version=version.version,
        sha256=version.sha256,
        trust_roots_fingerprint=roots.fingerprint,
        created_at=report.checked_at,
        report=report,
    )
    try:
        await verification.insert()
    except DuplicateKeyError:
        # Another request checked the same version meanwhile: its report is the one kept.
        stored = await SignatureVerification.get(key)
        if stored is not None:
            return stored.report
        raise
    return report


async def main_file_signature(runtime: Runtime, document: StoredDocument) -> SignatureReport:
    """The signature report of the latest version of the document's main file; `unsigned` when
    the document has none. The caller decides what to refuse (`report.acceptable`)."""
    try:
        main = await files.get_file(document, files.main_file_id(document.id))
    except NotFound:
        # Main files uploaded before their ids were derived from the document's id.
        older = await FileVersion.find_one({"document_id": document.id, "role": "main"})
        if older is None:
            return SignatureReport.made(
                SignatureStatus.UNSIGNED,
                NO_MAIN_FILE,
                runtime.clock(),
                runtime.trust_roots.fingerprint,
            )
        main = await files.get_file(document, older.file_id)
    return await report_for(runtime, main.current)


async def _content_of(runtime: Runtime, version: FileVersion) -> bytes:
    chunks = await files.open_content(runtime, version)
    data = bytearray()
    async for chunk in chunks:
        data.extend(chunk)
    content = bytes(data)
    # A report vouches for these bytes: they must be the ones the version recorded.
    digest = await anyio.to_thread.run_sync(lambda: hashlib.sha256(content).hexdigest())
    if digest != version.sha256:
        logger.error(
            "blob %s of file %s version %d does not match its recorded SHA-256",
            version.blob_key,
            version.file_id,
            version.version,
        )
        raise BlobStoreUnavailable(
            f"the content of file {version.file_id} version {version.version} does not match "
            "what was uploaded"
        )
    return content
