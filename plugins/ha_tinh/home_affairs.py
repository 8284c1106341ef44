"""Sở Nội vụ Hà Tĩnh (Department of Home Affairs): emulation and commendation decisions.

The department handles the province's emulation and commendation work (thi đua, khen thưởng). This
plugin gives it a document type of its own, "Quyết định khen thưởng", with the fields such a
decision carries, and numbers those decisions in a register of their own. A separate series needs
a symbol of its own too, or two decisions could print the same `Số: 05/QĐ-SNV` in one year
(D30 Art. 15: number and symbol are unique within the year), so the register's abbreviation is
appended: `05/QĐ-SNV-TĐKT`.

Settings (config/units.toml, `[unit.plugins.ha_tinh_home_affairs]`, declared in SETTINGS_SCHEMA):
    register       register key of commendation decisions   (default "thi-dua-khen-thuong")
    symbol_suffix  appended to their symbol                 (default "TĐKT")
    commendation_record  number and symbol of the year's emulation and commendation record
                   (default "01.TĐKT"): issued commendation decisions are filed in it, and it
                   closes only with a Tờ trình and a commendation decision in it
"""

from __future__ import annotations

from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("hoso")

PLUGIN_NAME = "ha_tinh_home_affairs"
TYPE_CODE = "QDKT"

COMMENDATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "award_form": {
            "type": "string",
            "enum": [
                "Bằng khen",
                "Giấy khen",
                "Chiến sĩ thi đua cơ sở",
                "Tập thể lao động xuất sắc",
            ],
            "description": "Hình thức khen thưởng",
        },
        "emulation_movement": {
            "type": "string",
            "minLength": 1,
            "maxLength": 300,
            "description": "Phong trào thi đua",
            "x-searchable": True,
        },
        "awardees": {
            "type": "array",
            "minItems": 1,
            "maxItems": 500,
            "description": "Cá nhân, tập thể được khen thưởng",
            "x-searchable": True,
            "items": {
                "type": "object",
                "properties": {
                    "full_name": {"type": "string", "minLength": 1, "maxLength": 100},
                    "organization": {"type": "string", "maxLength": 200},
                },
                "required": ["full_name"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["award_form", "awardees"],
    "additionalProperties": False,
}


SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "register": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9_-]{0,99}$",
            "default": "thi-dua-khen-thuong",
            "description": "Register key of commendation decisions (lower case, digits, - and _)",
        },
        "commendation_record": {
            "type": "string",
            "pattern": "^[0-9]{1,3}\\.[A-ZĐ][A-Za-zĐđ0-9-]{0,19}$",
            "default": "01.TĐKT",
            "description": "Number and symbol, in each year's record list, of the emulation and "
            "commendation record: commendation decisions are filed in it when issued",
        },
        "symbol_suffix": {
            "type": "string",
            "pattern": "^[A-ZĐ][A-Za-zĐđ0-9]{0,9}$",
            "default": "TĐKT",
            "description": "Appended to their symbol: 05/QĐ-SNV-TĐKT",
        },
    },
    "additionalProperties": False,
}


def _settings(unit: Any) -> dict[str, Any]:
    # Checked against SETTINGS_SCHEMA at start, with its defaults filled in.
    return unit.settings_for(PLUGIN_NAME)


@hookimpl
def hoso_settings_schema() -> dict[str, Any]:
    return SETTINGS_SCHEMA


@hookimpl
def hoso_document_types(unit: Any) -> list[dict[str, Any]]:
    return [
        {
            "code": TYPE_CODE,
            "name": "Quyết định khen thưởng",
            "symbol": "QĐ",
            "schema": COMMENDATION_SCHEMA,
        }
    ]


@hookimpl
def hoso_number_register(unit: Any, document: dict[str, Any]) -> str | None:
    if document.get("type_code") != TYPE_CODE or document.get("direction") == "incoming":
        return None
    return _settings(unit)["register"]


@hookimpl
def hoso_format_document_number(
    unit: Any, document: dict[str, Any], number: int, register: str
) -> dict[str, str] | None:
    settings = _settings(unit)
    if register != settings["register"]:
        return None  # every other register keeps the Decree 30 format
    return {
        "number": f"{number:02d}",
        "symbol": f"QĐ-{unit.abbreviation}-{settings['symbol_suffix']}",
    }


@hookimpl
def hoso_choose_record(unit: Any, document: dict[str, Any]) -> str | None:
    # Commendation decisions go to that year's emulation and commendation record, unless their
    # author named a record (then the Decree 30 rule files them there).
    if document.get("type_code") != TYPE_CODE or document.get("record_code"):
        return None
    issued = document.get("issued_date")
    if not issued:
        return None
    return f"{unit.code}.{issued[:4]}.{_settings(unit)['commendation_record']}"


@hookimpl
def hoso_record_requirements(unit: Any, record: dict[str, Any]) -> list[dict[str, str]]:
    # A commendation record holds the proposal (tờ trình) and the decision it led to.
    if record.get("number_and_symbol") != _settings(unit)["commendation_record"]:
        return []
    return [
        {"name": "Tờ trình", "type_code": "TTR"},
        {"name": "Quyết định khen thưởng", "type_code": TYPE_CODE},
    ]
