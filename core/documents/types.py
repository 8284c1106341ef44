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
from core.documents.safe_jsonschema import (
    SafeValidator,
    UnsafePattern,
    compile_pattern,
    patterns_in,
)
from core.errors import Conflict, InvalidInput
from core.plugins import PluginError, PluginHost, call_in_registration_order
from core.runtime import Runtime
from core.settings import ConfigError
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
        validator = SafeValidator(self.schema, registry=META_SCHEMAS)
        try:
            errors = [
                {"field": _field_name(error), "message": error.message}
                for error in validator.iter_errors(extra)
            ]
        except (Unresolvable, RecursionError) as exc:
            # RecursionError: a `$ref` that leads back to itself without end.
            reason = "it refers to itself without end" if isinstance(exc, RecursionError) else exc
            raise Conflict(
                f"Document type {self.code} has a schema that cannot be used ({reason}); "
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
    for pattern in patterns_in(schema):
        try:
            compile_pattern(pattern)
        except UnsafePattern as exc:
            raise InvalidInput(
                f"extra_schema: {exc}. Patterns may not use look-around or back-references.",
                errors=[{"field": "extra_schema", "message": str(exc)}],
            ) from None
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
    types = dict(plugin_types(runtime.plugins, unit))
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


def plugin_types(host: PluginHost, unit: Unit) -> dict[str, DocumentType]:
    """The types the unit's plugins give it, checked, computed once per unit (plugins are fixed
    for the life of the process)."""
    key = ("document_types", unit.code)
    if key not in host.memo:
        hooks = host.for_unit(unit)
        # Registration order: the Decree 30 defaults first, then the unit's plugins extend them.
        types: dict[str, DocumentType] = {}
        for plugin, result in call_in_registration_order(hooks.hoso_document_types, unit=unit):
            for item in _checked_items(result, plugin):
                _merge_plugin_type(types, item, plugin)
        host.memo[key] = types
    return host.memo[key]


def check_plugin_types(host: PluginHost) -> None:
    """At start: every unit's plugin types are well formed, or the service does not start."""
    for unit in host.units:
        try:
            plugin_types(host, unit)
        except (PluginError, InvalidInput) as exc:
            raise ConfigError(f"document types of unit {unit.code}: {exc.detail}") from None


def _checked_items(result: Any, plugin: str) -> list[dict[str, Any]]:
    if result is None:
        return []
    if not isinstance(result, list):
        raise PluginError(
            f"Plugin '{plugin}' gave document types as {type(result).__name__}, "
            "not a list of dicts."
        )
    for item in result:
        problem = _type_item_problem(item)
        if problem:
            raise PluginError(f"Plugin '{plugin}' gave a document type {problem}: {item!r:.200}")
        if item.get("schema") is not None:
            try:
                check_type_schema(item["schema"])
            except InvalidInput as exc:
                raise PluginError(
                    f"Plugin '{plugin}' gave type {item['code']} a bad schema: {exc.detail}"
                ) from None
    return result


def _type_item_problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "that is not a dict"
    if not isinstance(item.get("code"), str) or not item["code"]:
        return "without a string 'code'"
    if not isinstance(item.get("name"), str) or not item["name"]:
        return "without a string 'name'"
    if item.get("symbol") is not None and not isinstance(item["symbol"], str):
        return "whose 'symbol' is not a string or null"
    if item.get("schema") is not None and not isinstance(item["schema"], dict):
        return "whose 'schema' is not a JSON object"
    return None


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
