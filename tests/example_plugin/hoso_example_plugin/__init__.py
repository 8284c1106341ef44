"""An installable hoso plugin, used by the test suite to prove discovery and per-unit activation.

It offers a "Giấy xác nhận" document type and numbers it in a register of its own; the prefix of
that register comes from the unit's settings for this plugin, which it declares as a JSON Schema:

    [unit.plugins.example]
    register_prefix = "snv"     # default "example"
"""

from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("hoso")


@hookimpl
def hoso_settings_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "register_prefix": {
                "type": "string",
                "pattern": "^[a-z0-9][a-z0-9-]{0,40}$",
                "default": "example",
                "description": "Start of the register key of Giấy xác nhận: <prefix>-gxn",
            }
        },
        "additionalProperties": False,
    }


@hookimpl
def hoso_document_types(unit: Any) -> list[dict[str, Any]]:
    return [
        {
            "code": "GXN",
            "name": "Giấy xác nhận",
            "symbol": "GXN",
            "schema": {
                "type": "object",
                "properties": {"citizen_name": {"type": "string", "minLength": 1}},
                "required": ["citizen_name"],
            },
        }
    ]


@hookimpl
def hoso_number_register(unit: Any, document: dict[str, Any]) -> str | None:
    if document.get("type_code") != "GXN":
        return None  # other documents keep the unit's usual registers
    prefix = unit.settings_for("example")["register_prefix"]  # the default is filled in
    return f"{prefix}-gxn"
