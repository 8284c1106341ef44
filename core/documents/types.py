"""Document types of a unit: from its plugins, plus those defined through the API.

A type's extra fields are described by a JSON Schema; documents are checked against it with
`jsonschema` (Draft 2020-12).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, SchemaError
from jsonschema_specifications import REGISTRY as META_SCHEMAS
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from core.documents.models import CustomDocumentType
from core.errors import Conflict, InvalidInput
from core.plugins import call_in_registration_order
from core.runtime import Runtime
from core.units.tree import Unit

EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str
    symbol: str | None
    schema: dict[str, Any] = field(default_factory=lambda: dict(EMPTY_SCHEMA))
    # Where it comes from: "plugin:<name>…" or "unit:<code>" (defined through the API).
    sources: tuple[str, ...] = ()

    def validate_extra(self, extra: dict[str, Any]) -> None:
        """Raise `InvalidInput` naming every wrong extra field."""
        # Only the bundled meta-schemas resolve: a schema never makes the server fetch a URL.
        validator = Draft202012Validator(self.schema, registry=META_SCHEMAS)
        try:
            errors = [
                {"field": _field_name(error), "message": error.message}
                for error in validator.iter_errors(extra)
            ]
        except Unresolvable as exc:
            raise Conflict(
                f"Document type {self.code} has a schema that cannot be used ({exc}); "
                "fix the type's extra_schema before filing documents of it."
            ) from None
        if errors:
            errors.sort(key=lambda item: item["field"])
            names = ", ".join(dict.fromkeys(item["field"] for item in errors))
            raise InvalidInput(
                f"The extra fields do not fit document type {self.code}: check {names}.",
                errors=errors,
            )


def check_type_schema(schema: dict[str, Any]) -> None:
    """A type's schema must be a valid JSON Schema describing an object."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(part) for part in exc.path) or "(root)"
        raise InvalidInput(
            f"extra_schema is not a valid JSON Schema at {path}: {exc.message}",
            errors=[{"field": "extra_schema", "message": exc.message}],
        ) from None
    if schema.get("type") != "object":
        raise InvalidInput(
            'extra_schema must describe an object: {"type": "object", "properties": {...}}.',
            errors=[{"field": "extra_schema.type", "message": "must be 'object'"}],
        )
    resolver = META_SCHEMAS.resolver_with_root(DRAFT202012.create_resource(schema))
    for ref in _references(schema):
        try:
            resolver.lookup(ref)
        except Unresolvable:
            raise InvalidInput(
                f"extra_schema refers to {ref!r}, which is not in the schema: "
                "refer only to its own parts, such as #/$defs/person.",
                errors=[{"field": "extra_schema", "message": f"unresolvable $ref {ref!r}"}],
            ) from None


def _references(schema: Any) -> list[str]:
    found: list[str] = []
    pending = [schema]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            refs = (item.get("$ref"), item.get("$dynamicRef"))
            found += [ref for ref in refs if isinstance(ref, str)]
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


async def types_for_unit(runtime: Runtime, unit: Unit) -> dict[str, DocumentType]:
    types = plugin_types(runtime, unit)
    chain = [ancestor.code for ancestor in _ancestors_root_first(runtime, unit)]
    custom = await CustomDocumentType.find({"unit": {"$in": chain}}).to_list()
    # Nearest unit last, so a unit's own definition wins over its parent's.
    custom.sort(key=lambda item: chain.index(item.unit))
    for item in custom:
        types[item.code] = DocumentType(
            item.code, item.name, item.symbol, item.extra_schema, (f"unit:{item.unit}",)
        )
    return types


async def type_for_unit(runtime: Runtime, unit: Unit, code: str) -> DocumentType:
    types = await types_for_unit(runtime, unit)
    if code not in types:
        raise InvalidInput(
            f"Document type '{code}' is not available to unit {unit.code}. "
            f"See GET /api/v1/document-types?unit={unit.code} for the types it has.",
            errors=[{"field": "type_code", "message": "unknown document type"}],
        )
    return types[code]


def plugin_types(runtime: Runtime, unit: Unit) -> dict[str, DocumentType]:
    hooks = runtime.plugins.for_unit(unit)
    # Registration order: the Decree 30 defaults first, then the unit's plugins extend them.
    types: dict[str, DocumentType] = {}
    for plugin_name, result in call_in_registration_order(hooks.hoso_document_types, unit=unit):
        for item in result or []:
            _merge_plugin_type(types, item, plugin_name)
    return types


def _merge_plugin_type(types: dict[str, DocumentType], item: dict[str, Any], plugin: str) -> None:
    code = item["code"]
    schema = item.get("schema") or EMPTY_SCHEMA
    source = f"plugin:{plugin}"
    existing = types.get(code)
    if existing is None:
        types[code] = DocumentType(code, item["name"], item.get("symbol"), schema, (source,))
        return
    merged = dict(existing.schema)
    merged["properties"] = {**existing.schema.get("properties", {}), **schema.get("properties", {})}
    required = [*existing.schema.get("required", []), *schema.get("required", [])]
    if required:
        merged["required"] = list(dict.fromkeys(required))
    types[code] = DocumentType(
        code,
        item.get("name") or existing.name,
        item.get("symbol", existing.symbol),
        merged,
        (*existing.sources, source),
    )


def _ancestors_root_first(runtime: Runtime, unit: Unit) -> list[Unit]:
    chain = [unit]
    while chain[-1].parent is not None:
        parent = runtime.units.get(chain[-1].parent)
        if parent is None:
            break
        chain.append(parent)
    return list(reversed(chain))


def _field_name(error: Any) -> str:
    path = ["extra", *(str(part) for part in error.absolute_path)]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            path.append(missing[0])
    return ".".join(path)
