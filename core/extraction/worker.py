"""The background extractor: reads pending texts, each exactly once across workers.

Every worker process runs one (started by the app's lifespan). Work is found in the waiting
list (`file_texts_waiting`): at once when this worker stores a file (`wake`), and every
`text_poll_seconds` for files other workers stored and for work left over by a restart.

Exactly once. A worker takes a text by inserting a lease, `TextClaim`, whose `_id` names the
text and an attempt number: the unique `_id` lets one insert through, on every MongoDB-compatible
engine (FerretDB 1.x holds unique inserts, not conditional updates). The lease expires after
`text_lease_seconds`: a worker that stopped mid-file leaves it, and the next worker to look
takes the next attempt number. The result replaces the FileText by `_id`, unless the lease was
taken over meanwhile or the text is no longer pending; then the waiting entry and the leases are
removed. A file whose reading stopped `text_max_attempts` times is marked failed, so one file
that kills its worker cannot do so forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from beanie.odm.utils.encoder import Encoder
from pymongo.errors import DuplicateKeyError, PyMongoError

from core.documents.models import FileVersion
from core.extraction.models import (
    FileText,
    TextClaim,
    TextStatus,
    TextWaiting,
    claim_key,
)
from core.extraction.ocr import ocr_available, read_with_ocr
from core.extraction.readers import Reading, read_text
from core.runtime import Runtime
from storage import BlobNotFound, BlobStoreUnavailable

logger = logging.getLogger("hoso")

# Files up to this size are read from memory; larger ones from a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024
# Texts looked at per pass; the rest on the next.
BATCH = 500
# After an error expected to pass (the file store unreachable), a text waits this long.
RETRY_SECONDS = 60


@dataclass(frozen=True)
class _Claim:
    text_id: str
    attempt: int
    stopped: int  # earlier attempts whose worker stopped before finishing

    @property
    def key(self) -> str:
        return claim_key(self.text_id, self.attempt)


class Extractor:
    def __init__(
        self,
        runtime: Runtime,
        *,
        clock: Callable[[], datetime] | None = None,
        name: str | None = None,
    ) -> None:
        self.runtime = runtime
        self._clock = clock
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        # Text ids this extractor wrote, in order (the log, and tests, read it).
        self.extracted: list[str] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # Where the search for a free attempt starts, per text seen held by another worker.
        self._hints: dict[str, tuple[int, int]] = {}

    def now(self) -> datetime:
        return self._clock() if self._clock is not None else self.runtime.clock()

    # --- running in the background ------------------------------------------------------

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="hoso-extractor")

    async def stop(self) -> None:
        """End the loop and wait for it (a second stop at the same time waits for it too)."""
        task = self._task
        if task is None:
            return
        current = asyncio.current_task()
        cancelled_before = current.cancelling() if current is not None else 0
        # The flag as well as the cancel: a cancel that lands as the wait ends may be lost (on
        # Python 3.11 `wait_for` can swallow it), and the loop must end all the same.
        self._stopping = True
        self._wake.set()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            # The task's own end is expected; a cancel of the caller while it waited is not.
            if current is not None and current.cancelling() > cancelled_before:
                raise
        finally:
            if self._task is task:
                self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        poll = self.runtime.settings.text_poll_seconds
        while not self._stopping:
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - the database may be back on the next pass
                logger.exception("text extraction: a pass failed; trying again in %ss", poll)
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll):
                    await self._wake.wait()

    # --- one pass -----------------------------------------------------------------------

    async def run_once(self) -> int:
        """Read every waiting text this worker can take now; returns how many it wrote."""
        waiting = TextWaiting.get_motor_collection().find({}, {"_id": 1}).limit(BATCH)
        ids = [raw["_id"] async for raw in waiting]
        self._hints = {key: hint for key, hint in self._hints.items() if key in set(ids)}
        written = 0
        for text_id in ids:
            written += await self._handle(text_id)
        return written

    async def drain(self) -> int:
        """Passes until one writes nothing (texts held by other workers are left to them)."""
        total = 0
        while written := await self.run_once():
            total += written
        return total

    async def _handle(self, text_id: str) -> bool:
        claim = await self._claim(text_id)
        if claim is None:
            return False
        try:
            return await self._extract(claim)
        except asyncio.CancelledError:
            # Stopping: give the text back at once, so the next start reads it.
            await asyncio.shield(self._release(claim, retry_after=0))
            raise
        except (BlobStoreUnavailable, PyMongoError) as exc:
            logger.warning(
                "text of %s not read now (%s); trying again in %ss", text_id, exc, RETRY_SECONDS
            )
            await self._release(claim, retry_after=RETRY_SECONDS)
            return False
        except Exception:  # noqa: BLE001 - the lease expires; after text_max_attempts, failed
            logger.exception("text extraction of %s stopped", text_id)
            return False

    async def _claim(self, text_id: str) -> _Claim | None:
        """Take the next free attempt of this text, or None while another worker holds it."""
        now = self.now()
        lease = timedelta(seconds=self.runtime.settings.text_lease_seconds)
        attempt, stopped = self._hints.get(text_id, (1, 0))
        while True:
            claim = TextClaim(
                id=claim_key(text_id, attempt),
                text_id=text_id,
                attempt=attempt,
                worker=self.name,
                claimed_at=now,
                expires_at=now + lease,
            )
            try:
                await claim.insert()
            except DuplicateKeyError:
                held = await TextClaim.get(claim.id)
                if held is None:  # removed meanwhile: the text was written
                    self._hints.pop(text_id, None)
                    return None
                if held.expires_at > now:
                    self._hints[text_id] = (attempt, stopped)
                    return None
                stopped += 0 if held.released else 1
                attempt += 1
                continue
            self._hints.pop(text_id, None)
            return _Claim(text_id, attempt, stopped)

    async def _release(self, claim: _Claim, *, retry_after: int) -> None:
        """Give a lease back early. Only its holder writes to it, so a plain update is safe."""
        try:
            await TextClaim.get_motor_collection().update_one(
                {"_id": claim.key},
                {"$set": {"released": True, "expires_at": self.now() + timedelta(0, retry_after)}},
            )
        except PyMongoError:
            logger.warning("could not give back the lease on %s; it expires", claim.text_id)

    async def _extract(self, claim: _Claim) -> bool:
        text = await FileText.get(claim.text_id)
        if text is None or text.status is not TextStatus.PENDING:
            await self._finish(claim)  # written by another worker, or its file removed
            return False
        settings = self.runtime.settings
        if claim.stopped >= settings.text_max_attempts:
            reading: Reading | None = Reading(
                TextStatus.FAILED,
                error=f"Reading this file stopped {claim.stopped} times before it finished "
                "(the worker ended while reading it); it is not tried again.",
            )
        else:
            reading = await self._read(text)
        if reading is None:  # its version was removed (a deleted draft, a rolled-back upload)
            await FileText.find({"_id": text.id}).delete()
            await self._finish(claim)
            return False
        if not await self._still_ours(claim):
            return False  # another worker took it over and writes it
        written = await self._write(text, reading)
        await self._finish(claim)
        if not written:
            return False
        self.extracted.append(text.id)
        logger.info("text of file %s version %d: %s", text.file_id, text.version, reading.status)
        await self._tell_listeners(text)
        return True

    async def _read(self, text: FileText) -> Reading | None:
        limit = self.runtime.settings.text_max_chars
        blob_key = text.blob_key or await self._blob_key_of(text)
        if blob_key is None:
            return None
        try:
            chunks = await self.runtime.blobs.open(blob_key)
        except BlobNotFound:
            if await self._blob_key_of(text) is None:
                return None
            return Reading(
                TextStatus.FAILED, error="The file's content is missing from the file store."
            )
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            async for chunk in chunks:
                spool.write(chunk)
            spool.seek(0)
            reading = await anyio.to_thread.run_sync(
                read_text, text.media_type, spool, limit, abandon_on_cancel=True
            )
            if reading.status is TextStatus.NEEDS_OCR and await anyio.to_thread.run_sync(
                ocr_available
            ):
                timeout = self.runtime.settings.ocr_timeout_seconds
                reading = await anyio.to_thread.run_sync(
                    read_with_ocr, text.media_type, spool, limit, timeout, abandon_on_cancel=True
                )
        return reading

    async def _blob_key_of(self, text: FileText) -> str | None:
        version = await FileVersion.find_one({"file_id": text.file_id, "version": text.version})
        return version.blob_key if version is not None else None

    async def _still_ours(self, claim: _Claim) -> bool:
        """No later attempt taken (our lease expired and another worker took it over), and the
        text still pending (that worker finished before us)."""
        if await TextClaim.get(claim_key(claim.text_id, claim.attempt + 1)) is not None:
            return False
        current = await FileText.get(claim.text_id)
        return current is not None and current.status is TextStatus.PENDING

    async def _write(self, text: FileText, reading: Reading) -> bool:
        text.status = reading.status
        text.text = reading.text if reading.status is TextStatus.DONE else None
        text.chars = len(text.text or "")
        text.truncated = reading.truncated
        text.error = reading.error
        text.extracted_at = self.now()
        # Replaced by _id, never upserted: a text removed meanwhile (its draft deleted) stays so.
        # Only while still pending: a worker that took it over and wrote first is not undone
        # (atomic on MongoDB; on FerretDB 1.x a last check after `_still_ours`).
        result = await FileText.get_motor_collection().replace_one(
            {"_id": text.id, "status": TextStatus.PENDING.value}, Encoder(to_db=True).encode(text)
        )
        return result.matched_count == 1

    async def _finish(self, claim: _Claim) -> None:
        await TextWaiting.find({"_id": claim.text_id}).delete()
        keys = [claim_key(claim.text_id, attempt) for attempt in range(1, claim.attempt + 1)]
        await TextClaim.find({"_id": {"$in": keys}}).delete()

    async def _tell_listeners(self, text: FileText) -> None:
        for listener in list(self.runtime.text_listeners):
            try:
                await listener(self.runtime, text.document_id)
            except Exception:  # noqa: BLE001 - a listener's failure never stops extraction
                logger.exception(
                    "a listener of extracted texts failed for document %s", text.document_id
                )
