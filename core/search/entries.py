"""What the index holds for a document or a record: its words by field, and what a query needs
to filter and to check visibility without reading the item itself, and its card: the same
without the words, with what a hit shows."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from core.documents.models import StoredDocument
from core.errors import HosoError
from core.runtime import Runtime
from core.search import layout
from core.search.terms import exact_words, folded_words

logger = logging.getLogger("hoso")

# Fields and how much a word found there counts toward relevance.
WEIGHTS = {
    "summary": 4,
    "title": 4,
    "number": 4,
    "keywords": 3,
    "issuing_body": 2,
    "signer": 2,
    "creator": 2,
    "extra": 1,
    "description": 1,
    "file": 1,
}
# A file's words beyond these are not indexed: a 500-page annex must not make its document
# thousands of index entries.
MAX_FILE_TERMS = 5_000
SEARCHABLE = "x-searchable"


@dataclass
class Entry:
    kind: str  # "d" (document) or "r" (record)
    item_id: str
    base: dict[str, Any]  # what every posting of the item carries
    view: dict[str, Any] = field(default_factory=dict)  # what a hit shows (its card holds it)
    fields_of: dict[str, set[str]] = field(default_factory=dict)  # term → fields holding it

    @property
    def scopes(self) -> list[tuple[str, str]]:
        """Under which (kind, scope) its postings are written: its unit first, and for a
        document each party involved in it (see `layout`)."""
        involved = sorted({*self.base.get("pa", []), *self.base.get("co", [])})
        return [(self.kind, self.base["u"]), *((layout.INVOLVED, key) for key in involved)]

    @property
    def fingerprint(self) -> str:
        encoded = json.dumps(self.base, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()[:24]


def _texts_entry(
    kind: str, item_id: str, texts: dict[str, str], base: dict[str, Any], view: dict[str, Any]
) -> Entry:
    entry = Entry(kind, item_id, base, view)
    base["x"] = {name: " ".join(folded_words(text)) for name, text in texts.items() if text}
    base["y"] = {name: " ".join(exact_words(text)) for name, text in texts.items() if text}
    for name, text in texts.items():
        for term in folded_words(text):
            entry.fields_of.setdefault(term, set()).add(name)
    return entry


async def document_entry(runtime: Runtime, document: StoredDocument) -> Entry:
    entry = plain_document_entry(document, await _searchable_extra(runtime, document))
    file_terms = await _file_terms(document)
    entry.base["ft"] = bool(file_terms)
    for term in file_terms:
        entry.fields_of.setdefault(term, set()).add("file")
    return entry


def plain_document_entry(document: StoredDocument, extra: list[str]) -> Entry:
    """The entry of a document from its own fields (`extra`: its searchable extra strings)."""
    texts = {
        "summary": document.summary,
        "number": " ".join(
            part
            for part in (
                f"{document.number_text}/{document.symbol}" if document.symbol else None,
                f"{document.original_number or ''}/{document.original_symbol or ''}"
                if document.original_number or document.original_symbol
                else None,
            )
            if part
        ),
        "issuing_body": document.issuing_body,
        "signer": document.signer.full_name if document.signer else "",
        "keywords": " ; ".join(document.keywords),
        "extra": " ; ".join(extra),
    }
    day = document.issued_date or document.arrival_date
    base = {
        "k": "d",
        "i": str(document.id),
        "u": document.unit,
        "dir": document.direction.value,
        "typ": document.type_code,
        "st": document.state.value,
        "day": day.isoformat() if day else None,
        "sort": (day.isoformat() if day else document.created_at.date().isoformat()),
        "step": document.workflow.step if document.workflow else None,
        "am": document.access_mode.value,
        "rd": document.readers,
        "cb": document.created_by,
        "pa": document.participants,
        "co": document.consulted,
    }
    base["ft"] = False
    printed = f"Số: {document.number_text}/{document.symbol}" if document.symbol else None
    view = {
        "summary": document.summary,
        "number_and_symbol": printed,
        "issuing_body": document.issuing_body,
        "type_code": document.type_code,
        "direction": document.direction.value,
        "state": document.state.value,
        "issued_date": document.issued_date.isoformat() if document.issued_date else None,
        "arrival_date": document.arrival_date.isoformat() if document.arrival_date else None,
    }
    return _texts_entry("d", str(document.id), texts, base, view)


def record_entry(record: Any) -> Entry:
    texts = {
        "title": record.title,
        "number": f"{record.id} {record.number_and_symbol}",
        "creator": record.creator,
        "keywords": " ; ".join(record.archival.keywords),
        "description": record.description or "",
    }
    base = {
        "k": "r",
        "i": record.id,
        "u": record.unit,
        "st": record.state.value,
        "year": record.year,
        "sort": (record.start_date or record.created_at.date()).isoformat(),
        "ft": False,
    }
    view = {
        "title": record.title,
        "number_and_symbol": record.number_and_symbol,
        "state": record.state.value,
        "year": record.year,
    }
    return _texts_entry("r", record.id, texts, base, view)


async def _searchable_extra(runtime: Runtime, document: StoredDocument) -> list[str]:
    """The strings of the extra fields the document's type marks `"x-searchable": true`."""
    if not document.extra:
        return []
    from core.documents.types import type_for_unit  # types build on the runtime's plugins

    unit = runtime.units.get(document.unit)
    if unit is None:
        return []
    try:
        doc_type = await type_for_unit(runtime, unit, document.type_code)
    except HosoError:
        return []  # a type no longer offered: its fields are not known to be searchable
    properties = doc_type.schema.get("properties") or {}
    found: list[str] = []
    for name, spec in properties.items():
        if isinstance(spec, dict) and spec.get(SEARCHABLE) is True and name in document.extra:
            _strings(document.extra[name], found)
    return found


def _strings(value: Any, found: list[str]) -> None:
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, list):
        for item in value:
            _strings(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _strings(item, found)


async def _file_terms(document: StoredDocument) -> list[str]:
    """The words of the extracted text of the current version of each of its files."""
    from core.documents.models import FileVersion
    from core.extraction.models import FileText, TextStatus, file_text_key

    current: dict[str, int] = {}
    async for version in FileVersion.get_motor_collection().find(
        {"document_id": document.id}, {"file_id": 1, "version": 1}
    ):
        if version["version"] > current.get(version["file_id"], 0):
            current[version["file_id"]] = version["version"]
    terms: dict[str, None] = {}
    for file_id, version in sorted(current.items()):
        text = await FileText.get(file_text_key(file_id, version))
        if text is None or text.status is not TextStatus.DONE or not text.text:
            continue
        for term in folded_words(text.text):
            if len(terms) >= MAX_FILE_TERMS:
                return list(terms)
            terms.setdefault(term)
    return list(terms)
