"""Revisions of a document: every write claims the next one by inserting it, and all are kept.

A writer that read revision N of a document writes revision N+1 in two steps:

1. claim: insert the entry `revision_key(id, N+1)`, which holds the whole document as it will
   be. The engine refuses a second insert of the same `_id`, so of any number of writers of
   N+1 exactly one claims it, on every MongoDB-compatible engine (FerretDB 1.x does not apply a
   conditional update atomically, but it does refuse a duplicate `_id`). The others answer 409,
   as for any stale revision.
2. write: replace the document filtered on its `_id` alone. The claim already made this writer
   the only one of N+1; a filter on more than `_id` would cost FerretDB 4.5 times as much
   (BENCHMARKS.md).

Revision 1 is recorded lazily, just before revision 2 is claimed, from the document as read at
revision 1 (which no one can have changed without claiming revision 2 first), so that creating
a document stays one insert.

A writer can stop between its claim and its write (its worker killed, the database gone for
the write): the document stays at N with N+1 claimed, and every later writer of N+1 would lose
for ever. The claim holds the whole new document and its writer was told nothing, or was told
it failed: the claim is the truth. So a writer that loses its claim to one older than
`STALLED_CLAIM` rolls the document forward to it, then still answers 409 so its client reads
the document again. A younger claim is taken for a writer still at work and left alone: rolling
it forward could let that writer's own write land later over a newer revision. The roll-forward
itself is filtered on the revision it replaces, so on MongoDB it never undoes a newer write.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from beanie import PydanticObjectId
from beanie.odm.utils.encoder import Encoder
from pydantic import BaseModel
from pymongo.errors import DuplicateKeyError

from core.documents.models import (
    MAX_REVISION,
    DocumentRevision,
    RevisionChange,
    StoredDocument,
    revision_key,
)
from core.errors import Conflict, HosoError, InvalidInput, NotFound
from core.identity.policy import Principal
from core.runtime import Runtime

logger = logging.getLogger("hoso")

# A live writer writes the document within milliseconds of its claim (seconds on an overloaded
# database); a claim this old whose document was not written belongs to a writer that stopped.
STALLED_CLAIM = timedelta(seconds=30)


class RevisionSummary(BaseModel):
    """One revision without its snapshot: what a history lists."""

    revision: int
    change: RevisionChange
    at: datetime
    actor: str | None = None


def stale_revision(yours: int, current: int) -> Conflict:
    return Conflict(
        f"The document has changed since you read it (your revision {yours}, current "
        f"{current}). Read it again and re-apply your change.",
        current_revision=current,
    )


async def claim_next(
    runtime: Runtime,
    read: StoredDocument,
    encoded: dict[str, Any],
    *,
    change: RevisionChange,
    at: datetime,
    actor: str | None,
) -> None:
    """Claim revision `read.revision + 1`, holding `encoded` (the document as it will be stored).

    Raises 409 if another writer claimed it first (404 if the document is gone).
    """
    assert read.id is not None and encoded["revision"] == read.revision + 1
    if read.revision == 1:
        await _record_first(read)
    entry = DocumentRevision(
        id=revision_key(read.id, read.revision + 1),
        document_id=read.id,
        revision=read.revision + 1,
        change=change,
        at=at,
        actor=actor,
        snapshot=_snapshot(encoded),
    )
    try:
        await entry.insert()
    except DuplicateKeyError:
        raise await _lost_claim(runtime, read) from None


async def _record_first(read: StoredDocument) -> None:
    """Insert revision 1 from the document as read at revision 1, unless it is recorded."""
    assert read.id is not None
    first = DocumentRevision(
        id=revision_key(read.id, 1),
        document_id=read.id,
        revision=1,
        change=RevisionChange.CREATE,
        at=read.created_at,
        actor=read.created_by,
        snapshot=_snapshot(Encoder(to_db=True).encode(read)),
    )
    # Recorded already by another writer of revision 2: the same document, read at revision 1.
    with contextlib.suppress(DuplicateKeyError):
        await first.insert()


async def _lost_claim(runtime: Runtime, read: StoredDocument) -> HosoError:
    """What to answer a writer whose claim was refused; rolls a stalled claim forward first."""
    assert read.id is not None
    current = await StoredDocument.get(read.id)
    if current is None:
        return NotFound(f"There is no document with id {read.id}: it was deleted meanwhile.")
    newest = await _newest_claim_past(current)
    if newest is None:
        return stale_revision(read.revision, current.revision)
    if runtime.clock() - _aware(newest.at) > STALLED_CLAIM:
        await _roll_forward(runtime, current, newest)
        if newest.change is RevisionChange.DELETE:
            return NotFound(f"There is no document with id {read.id}: it was deleted.")
    return stale_revision(read.revision, newest.revision)


async def as_claimed(current: StoredDocument) -> StoredDocument:
    """The document as its newest claim says it will be. A writer that lost its claim is told
    about the winner's revision, which the winner may not have written yet: answering from the
    document as stored would name the step or revision it is leaving."""
    newest = await _newest_claim_past(current)
    if newest is None or newest.change is RevisionChange.DELETE:
        return current
    return document_at(newest)


async def _newest_claim_past(current: StoredDocument) -> DocumentRevision | None:
    """The highest revision claimed beyond the document's own, if any: `_id` reads only."""
    assert current.id is not None
    newest, revision = None, current.revision
    while (entry := await DocumentRevision.get(revision_key(current.id, revision + 1))) is not None:
        newest, revision = entry, entry.revision
    return newest


async def _roll_forward(runtime: Runtime, current: StoredDocument, claim: DocumentRevision) -> None:
    """Make the document what a stalled claim says it is (see the module's docstring)."""
    from core.documents.files import delete_all_files  # files depend on documents, not back

    assert current.id is not None
    logger.warning(
        "document %s: revision %d was claimed at %s but never written; rolling forward to it",
        current.id,
        claim.revision,
        claim.at.isoformat(),
    )
    documents = StoredDocument.get_motor_collection()
    # Filtered on the revision too (slow on FerretDB, but this is rare): a newer revision written
    # since `current` was read must not be undone.
    still = {"_id": current.id, "revision": current.revision}
    if claim.change is RevisionChange.DELETE:
        await documents.delete_one(still)
        if await StoredDocument.get(current.id) is None:
            await delete_all_files(runtime, current.id)
    else:
        await documents.replace_one(still, {"_id": current.id, **claim.snapshot})
    from core.search.index import index_document  # search builds on documents

    await index_document(runtime, current.id)


def _snapshot(encoded: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in encoded.items() if name != "_id"}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def document_at(entry: DocumentRevision) -> StoredDocument:
    return StoredDocument.model_validate({**entry.snapshot, "_id": entry.document_id})


async def list_revisions(
    document_id: PydanticObjectId, *, cursor: str | None, limit: int
) -> tuple[list[RevisionSummary], str | None]:
    """A document's revisions, oldest first, `limit` at a time after `cursor`.

    The entries of a document are one `_id` range, in order; those of a deleted draft stay.
    """
    after = _cursor_revision(cursor)
    query = {
        "_id": {
            "$gt": revision_key(document_id, after),
            "$lte": revision_key(document_id, MAX_REVISION),
        }
    }
    found = (
        await DocumentRevision.find(query, projection_model=RevisionSummary)
        .sort([("_id", 1)])
        .limit(limit + 1)
        .to_list()
    )
    if not found and after == 0:
        document = await StoredDocument.get(document_id)
        if document is None:
            raise NotFound(f"There is no document with id {str(document_id)!r}.")
        if document.revision == 1:  # not recorded until revision 2 is claimed
            found = [_first_of(document)]
    more = len(found) > limit
    items = found[:limit]
    return items, (str(items[-1].revision) if more else None)


async def get_revision(document_id: PydanticObjectId, revision: int) -> StoredDocument:
    """The document as it was at `revision`."""
    if 1 <= revision <= MAX_REVISION:
        entry = await DocumentRevision.get(revision_key(document_id, revision))
        if entry is not None:
            return document_at(entry)
    document = await StoredDocument.get(document_id)
    if document is not None and document.revision == revision == 1:
        return document  # not recorded until revision 2 is claimed
    if document is not None:
        raise NotFound(
            f"Document {document_id} has no revision {revision}; it is at revision "
            f"{document.revision}. GET /api/v1/documents/{document_id}/revisions lists them."
        )
    raise NotFound(f"There is no revision {revision} of a document with id {str(document_id)!r}.")


def _first_of(document: StoredDocument) -> RevisionSummary:
    return RevisionSummary(
        revision=1, change=RevisionChange.CREATE, at=document.created_at, actor=document.created_by
    )


def _cursor_revision(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if cursor.isascii() and cursor.isdigit() and len(cursor) <= len(str(MAX_REVISION)):
        return int(cursor)
    raise InvalidInput(
        "The cursor is not one this service gave out; start again without it.",
        errors=[{"field": "cursor", "message": "invalid cursor"}],
    )


async def check_history_readable(actor: Principal, document_id: PydanticObjectId) -> None:
    """A document's history exists for whoever can read the document; a deleted draft's, for
    whoever could read it last (its final entry holds what was deleted). 404 otherwise, as for an
    unknown id."""
    document = await StoredDocument.get(document_id)
    if document is None:
        last = await DocumentRevision.find(
            {"document_id": document_id}, sort=[("revision", -1)], limit=1
        ).to_list()
        document = document_at(last[0]) if last else None
    if document is None or not actor.can_read_document(document):
        raise NotFound(f"There is no document with id {str(document_id)!r}.")
