"""Decree 30/2020/NĐ-CP defaults: standard document types, registers, number/symbol and record code.

Turned on at the province root in `config/units.toml`, so every unit inherits it. A unit's own
plugin overrides any of these hooks by returning a value; returning None falls back to these.
"""

from __future__ import annotations

from typing import Any

import pluggy

from plugins.decree30.types import STANDARD_TYPES, standard_types

hookimpl = pluggy.HookimplMarker("hoso")

_SYMBOLS = {code: symbol for code, _, symbol in STANDARD_TYPES}
SECRET_REGISTER = "outgoing-secret"

SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "record_numbering": {
            "enum": ["whole_list", "per_heading"],
            "default": "per_heading",
            "description": "Records numbered through the whole list, or from 01 in each big "
            "heading (D30 App. V)",
        },
        "secret_documents_in_records": {
            "type": "boolean",
            "default": False,
            "description": "Whether documents with a secrecy level (Mật, Tối mật, Tuyệt mật) "
            "may be filed in electronic records; off unless the unit is allowed to",
        },
        "secret_symbol_suffix": {
            "type": "string",
            "pattern": "^[A-ZĐ][A-Za-zĐđ0-9]{0,9}$",
            "default": "M",
            "description": "Appended to the symbol of the secret series: 01/QĐ-UBND-M",
        },
    },
    "additionalProperties": False,
}


@hookimpl
def hoso_settings_schema() -> dict[str, Any]:
    return SETTINGS_SCHEMA


def format_ordinal(number: int) -> str:
    """Numbers below 10 take a leading zero (`05`), others not (`15`, `123`) — D30 Art. 15."""
    return f"{number:02d}"


@hookimpl
def hoso_document_types(unit: Any) -> list[dict[str, Any]]:
    return standard_types()


@hookimpl
def hoso_number_register(unit: Any, document: dict[str, Any]) -> str:
    # The agency numbers its documents in one series a year (D30 Art. 15): internal documents
    # share the outgoing series. Secret documents have their own series; incoming documents share
    # one series for paper and electronic (Art. 22).
    if document.get("direction") == "incoming":
        return "incoming"
    if document.get("secrecy") not in (None, "none"):
        return SECRET_REGISTER
    return "outgoing"


@hookimpl
def hoso_format_document_number(
    unit: Any, document: dict[str, Any], number: int, register: str
) -> dict[str, str]:
    type_symbol = document.get("type_symbol") or _SYMBOLS.get(document.get("type_code", ""))
    if type_symbol:
        symbol = f"{type_symbol}-{unit.abbreviation}"
    else:
        # Công văn: issuer, then the drafting section or field (`05/BNV-VP`, `12/UBND-VX`).
        section = document.get("drafting_section")
        symbol = f"{unit.abbreviation}-{section}" if section else unit.abbreviation
    if register == SECRET_REGISTER:
        # Number and symbol are unique within the year (Art. 15), yet the secret series restarts
        # at 01 too: its symbol carries a marker so the two series never print the same text.
        # The marker is our choice (unverified): set `secret_symbol_suffix` to the agency's own.
        suffix = unit.settings_for("decree30")["secret_symbol_suffix"]
        symbol = f"{symbol}-{suffix}"
    return {"number": format_ordinal(number), "symbol": symbol}


@hookimpl
def hoso_format_record_code(unit: Any, record: dict[str, Any], year: int, ordinal: int) -> str:
    # TT01 Art. 16.3: <agency identifier>.<year formed>.<record number and symbol>.
    heading = record.get("heading_symbol")
    number_and_symbol = (
        f"{format_ordinal(ordinal)}.{heading}" if heading else format_ordinal(ordinal)
    )
    return f"{unit.code}.{year}.{number_and_symbol}"


@hookimpl
def hoso_choose_record(unit: Any, document: dict[str, Any]) -> str | None:
    # A document naming a record goes there; a reply goes to the record of the document it
    # answers (`answers_records`: the records still open that hold it, oldest first).
    if document.get("record_code"):
        return document["record_code"]
    answered_in = document.get("answers_records") or []
    return answered_in[0] if answered_in else None


@hookimpl
def hoso_record_list_template(unit: Any, year: int) -> dict[str, Any]:
    # D30 App. V: headings follow the organisation or the fields of work; numbering either runs
    # through the whole list or restarts in each big heading (the agency chooses).
    return {
        "numbering": unit.settings_for("decree30")["record_numbering"],
        "headings": [
            {"symbol": "TH", "title": "Tổng hợp", "headings": [], "records": []},
        ],
    }
