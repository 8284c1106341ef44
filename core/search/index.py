"""Keeping the index in step with documents and records.

Every write of a document or a record (create, edit, issue, register, workflow move, delete),
every filing and every extracted file text re-indexes the item: it is read again as stored and
its postings derived from it, so indexing is idempotent and the last one to run after the last
write leaves the index right. A manifest per item lists the words it was indexed under, so words
it lost are removed. When the item changed while being indexed, indexing runs again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from core.documents.models import StoredDocument
from core.runtime import Runtime
from core.search import layout
from core.search.entries import Entry, document_entry, record_entry

logger = logging.getLogger("hoso")

ATTEMPTS = 3
BUILT_MARK = "search_built"
INDEX_VERSION = 3  # 3: postings keyed by scope, cards, thin postings of file words


def _db(runtime: Runtime) -> Any:
    assert runtime.database is not None
    return runtime.database.db


async def index_document(runtime: Runtime, document_id: Any) -> None:
    """Re-index one document (its postings removed if it is gone). Never raises: the write
    that called it has succeeded, and a failure here is logged and mended by the next write."""
    try:
        key = PydanticObjectId(ObjectId(str(document_id)))
    except (InvalidId, TypeError):
        return
    await _safely(runtime, "d", str(key), lambda: _load_document(runtime, key))


async def index_record(runtime: Runtime, code: str) -> None:
    await _safely(runtime, "r", code, lambda: _load_record(code))


async def text_extracted(runtime: Runtime, document_id: Any) -> None:
    """A `Runtime.text_listeners` entry: a file's text is ready."""
    await index_document(runtime, document_id)


async def _load_document(runtime: Runtime, key: PydanticObjectId) -> tuple[Entry | None, Any]:
    document = await StoredDocument.get(key)
    if document is None:
        return None, None
    return await document_entry(runtime, document), document.revision


async def _load_record(code: str) -> tuple[Entry | None, Any]:
    from core.records.models import WorkRecord

    record = await WorkRecord.get(code)
    if record is None:
        return None, None
    return record_entry(record), record.revision


async def _safely(runtime: Runtime, kind: str, item_id: str, load: Any) -> None:
    try:
        for _ in range(ATTEMPTS):
            entry, revision = await load()
            await _write(runtime, kind, item_id, entry)
            if entry is None:
                return
            _, now = await load()
            if now == revision:
                return
    except (PyMongoError, OSError) as exc:
        logger.warning("search index of %s %s not updated: %s", kind, item_id, exc)


async def _write(runtime: Runtime, kind: str, item_id: str, entry: Entry | None) -> None:
    db = _db(runtime)
    key = layout.item_key(kind, item_id)
    manifests = db[layout.manifest_collection(key)]
    manifest = await manifests.find_one({"_id": key}) or {}
    # The card first: a page of hits is checked against it, so who may read the item and its
    # state hold from here on, while the postings below are rewritten one by one.
    cards = db[layout.card_collection(key)]
    if entry is None:
        await cards.delete_one({"_id": key})
    else:
        await cards.replace_one({"_id": key}, card_of(entry), upsert=True)
    await _write_postings(db, item_id, entry, manifest)
    if entry is None:
        await manifests.delete_one({"_id": key})
        return
    old_terms = set(manifest.get("terms", []))
    await _add_vocabulary(runtime, [t for t in entry.fields_of if t not in old_terms])
    await manifests.replace_one({"_id": key}, manifest_of(entry), upsert=True)


async def _write_postings(
    db: Any, item_id: str, entry: Entry | None, manifest: dict[str, Any]
) -> None:
    """The item's postings made what `entry` says, from what `manifest` says they were."""
    old_terms = set(manifest.get("terms", []))
    old_scopes = [scope.split(layout.SEPARATOR, 1) for scope in manifest.get("scopes", [])]
    old_fields = manifest.get("fields") or {}
    new_fields = {term: sorted(names) for term, names in (entry.fields_of if entry else {}).items()}
    new_scopes = entry.scopes if entry is not None else []
    same_base = entry is not None and entry.fingerprint == manifest.get("fp")
    for term in set(new_fields) | old_terms:
        collection = db[layout.postings_collection(term)]
        was = scopes_of_term(old_fields.get(term), old_scopes) if term in old_terms else set()
        now = scopes_of_term(new_fields.get(term), new_scopes)
        for scope_kind, scope in was - now:
            posting_id = layout.posting_key(term, scope_kind, scope, item_id)
            await collection.delete_one({"_id": posting_id})
        if not now:
            continue
        assert entry is not None
        fields = new_fields[term]
        # A word of the file text only has a thin posting, which no change of the item's state
        # alters: a workflow step rewrites the few postings of its fields, not thousands.
        unchanged = old_fields.get(term) == fields and (same_base or fields == FILE_ONLY)
        for scope_kind, scope in sorted(now):
            if unchanged and (scope_kind, scope) in was:
                continue  # its posting is already what it would be written as
            posting = posting_of(entry, term, scope_kind, scope)
            if (scope_kind, scope) in was:
                await collection.replace_one({"_id": posting["_id"]}, posting, upsert=True)
                continue
            try:
                await collection.insert_one(posting)
            except DuplicateKeyError:  # written by another indexing of the same item
                await collection.replace_one({"_id": posting["_id"]}, posting)


FILE_ONLY = ["file"]


def scopes_of_term(fields: list[str] | None, scopes: list[Any]) -> set[tuple[str, str]]:
    """Under which scopes a word's postings are written: all the item's, or for a word of file
    text only its unit's (a party asked for an opinion would otherwise add thousands of
    postings; those involved find a document of another unit by the words of its fields)."""
    if not fields or not scopes:
        return set()
    if fields == FILE_ONLY:
        return {(scopes[0][0], scopes[0][1])}
    return {(kind, scope) for kind, scope in scopes}


def posting_of(entry: Entry, term: str, scope_kind: str, scope: str) -> dict[str, Any]:
    """A word's posting for one item. One found in the item's fields carries what a query needs
    (see `entries`); one found in its file text only is thin, and the query reads the item's card
    for it."""
    key = layout.posting_key(term, scope_kind, scope, entry.item_id)
    fields = sorted(entry.fields_of[term])
    if fields == FILE_ONLY:
        return {"_id": key, "k": entry.kind, "i": entry.item_id, "u": entry.base["u"], "f": fields}
    return {**entry.base, "_id": key, "f": fields}


def card_of(entry: Entry) -> dict[str, Any]:
    """Everything a posting of its fields carries, and what a hit shows."""
    return {**entry.base, "_id": layout.item_key(entry.kind, entry.item_id), "view": entry.view}


def postings_of(entry: Entry) -> list[tuple[str, dict[str, Any]]]:
    """Every posting of an entry, with the collection it goes in (for a bulk fill)."""
    return [
        (layout.postings_collection(term), posting_of(entry, term, scope_kind, scope))
        for term, names in entry.fields_of.items()
        for scope_kind, scope in sorted(scopes_of_term(sorted(names), entry.scopes))
    ]


def manifest_of(entry: Entry) -> dict[str, Any]:
    return {
        "_id": layout.item_key(entry.kind, entry.item_id),
        "terms": sorted(entry.fields_of),
        "fields": {term: sorted(names) for term, names in entry.fields_of.items()},
        # `<kind>|<scope>` strings: FerretDB 1.x stores no arrays inside arrays.
        "scopes": [layout.SEPARATOR.join(scope) for scope in entry.scopes],
        "fp": entry.fingerprint,
    }


_KNOWN_WORDS: set[str] = set()


async def _add_vocabulary(runtime: Runtime, terms: list[str]) -> None:
    """Words enter the vocabulary once (insert; a duplicate is fine): prefixes are read there."""
    db = _db(runtime)
    known = _KNOWN_WORDS
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for term in terms:
        if f"{db.name}|{term}" not in known:
            grouped[layout.vocabulary_collection(term)].append({"_id": term})
    for name, rows in grouped.items():
        try:
            await db[name].insert_many(rows, ordered=False)
        except BulkWriteError as exc:
            # Words already there (another document, another worker) are refused: fine. Any
            # other failure leaves the words unknown, to be tried again with the next write.
            if any(error.get("code") != 11000 for error in exc.details.get("writeErrors", [])):
                continue
        except PyMongoError:
            continue
        known.update(f"{db.name}|{row['_id']}" for row in rows)
    if len(known) > 200_000:
        known.clear()


async def build_missing(runtime: Runtime) -> int:
    """At start: index every document and record once, if this database's index was never built
    (a database upgraded from before search). Later writes keep it current."""
    db = _db(runtime)
    marks = db[BUILT_MARK]
    if await marks.find_one({"_id": "built", "version": INDEX_VERSION}) is not None:
        return 0
    from core.records.models import WorkRecord

    _KNOWN_WORDS.clear()  # the vocabulary is rebuilt too
    # An index of an earlier layout is dropped whole: its keys mean something else now.
    for name in await db.list_collection_names():
        if layout.is_index_collection(name):
            await db.drop_collection(name)
    count = 0
    async for raw in StoredDocument.get_motor_collection().find({}, {"_id": 1}):
        await index_document(runtime, raw["_id"])
        count += 1
    async for raw in WorkRecord.get_motor_collection().find({}, {"_id": 1}):
        await index_record(runtime, raw["_id"])
        count += 1
    await marks.replace_one(
        {"_id": "built"}, {"_id": "built", "version": INDEX_VERSION}, upsert=True
    )
    if count:
        logger.warning("search: indexed %d documents and records stored before search", count)
    return count
