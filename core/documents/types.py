"""Document types of a unit: from its plugins, plus those defined through the API.

A type's extra fields are described by a JSON Schema; documents are checked against it with
`jsonschema` (Draft 2020-12), made safe against hostile schemas by `safe_jsonschema`.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
from jsonschema import Draft202012Validator, SchemaError
from jsonschema_specifications import REGISTRY as META_SCHEMAS
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from core.documents.models import CustomDocumentType
from core.documents.safe_jsonschema import (
    MAX_CHECKS,
    SafeValidator,
    SchemaRefersToItself,
    SchemaTooComplex,
    TooMuchWork,
    UnsafePattern,
    checks_allowed,
    compile_pattern,
    measure_schema,
    patterns_in,
    quiet,
    quiet_schema,
    shown,
    unsafe_keywords,
)
from core.errors import Conflict, InvalidInput
from core.plugins import PluginError, PluginHost, call_in_registration_order
from core.runtime import Runtime
from core.settings import ConfigError
from core.units.tree import Unit

EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}
# Extra fields that take at most this many checks are checked on the event loop (see
# `DocumentType.validate_extra`).
INLINE_CHECKS = 500

# An answer names this many wrong fields at most, each message at most this long: the answer
# stays small whatever the document and the schema.
MAX_REPORTED_ERRORS = 20
MAX_MESSAGE_CHARACTERS = 200
MAX_FIELD_CHARACTERS = 200


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str
    symbol: str | None
    schema: dict[str, Any] = field(default_factory=lambda: dict(EMPTY_SCHEMA))
    # Where it comes from: "plugin:<name>…" or "unit:<code>" (defined through the API).
    sources: tuple[str, ...] = ()
    # The schema a change under way would give the type: documents must fit it too meanwhile.
    pending_schema: dict[str, Any] | None = None

    async def validate_extra(self, extra: dict[str, Any]) -> None:
        """Raise `InvalidInput` naming the wrong extra fields.

        Checked on the event loop while that stays cheap (at most `INLINE_CHECKS` checks, a
        fraction of a millisecond: most documents have few extra fields, or none), else again
        in a worker thread: however bounded, checking a large document against a large schema
        takes a while, and meanwhile the event loop must go on answering other requests. A
        thread hop costs more than the small checks themselves.
        """
        for doc_type in self._schemas_to_fit():
            try:
                doc_type.check_extra(extra, max_checks=INLINE_CHECKS)
            except _MoreThanInline:
                await anyio.to_thread.run_sync(doc_type.check_extra, extra)

    def _schemas_to_fit(self) -> list[DocumentType]:
        if self.pending_schema is None:
            return [self]
        return [self, DocumentType(self.code, self.name, self.symbol, self.pending_schema)]

    def check_extra(self, extra: dict[str, Any], *, max_checks: int | None = None) -> None:
        """`validate_extra`, blocking: for callers already off the event loop. With
        `max_checks`, raises `_MoreThanInline` past that many checks instead of going on."""
        resolver = META_SCHEMAS.resolver_with_root(DRAFT202012.create_resource(self.schema))
        try:
            # Again here, for types stored before their schemas were measured when defined.
            measure_schema(self.schema, resolver)
            unsafe = unsafe_keywords(self.schema)
            if unsafe:
                raise SchemaTooComplex(unsafe)
            # Only the bundled meta-schemas resolve: a schema never makes the server fetch a URL.
            validator = SafeValidator(quiet_schema(self.schema), registry=META_SCHEMAS)
            with checks_allowed(MAX_CHECKS if max_checks is None else max_checks):
                found = _Counted(validator.iter_errors(quiet(extra)))
                kept = heapq.nsmallest(MAX_REPORTED_ERRORS, found, key=lambda item: item[0])
        except TooMuchWork:
            if max_checks is not None:
                raise _MoreThanInline from None
            raise InvalidInput(
                f"The extra fields are too large to check against document type {self.code} "
                f"(more than {MAX_CHECKS:,} checks): send fewer entries in them, or have the "
                "type's extra_schema simplified.",
                errors=[{"field": "extra", "message": "too large to check against the type"}],
            ) from None
        except (Unresolvable, SchemaTooComplex, SchemaRefersToItself, RecursionError) as exc:
            reason = "it is nested too deeply" if isinstance(exc, RecursionError) else exc
            raise Conflict(
                f"Document type {self.code} has a schema that cannot be used ({reason}); "
                "fix the type's extra_schema before filing documents of it."
            ) from None
        if kept:
            names = ", ".join(dict.fromkeys(name for name, _ in kept))
            more = found.count - len(kept)
            rest = f" (and {more} more)" if more else ""
            raise InvalidInput(
                f"The extra fields do not fit document type {self.code}: check {names}{rest}.",
                errors=[{"field": name, "message": _message(error)} for name, error in kept],
            )


class _MoreThanInline(Exception):
    """The extra fields take more checks than are done on the event loop."""


class _Counted:
    """The errors with the field each names, counted as they go by: only the first few (by
    field) are kept and described."""

    def __init__(self, errors: Iterator[Any]) -> None:
        self.errors = errors
        self.count = 0

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for error in self.errors:
            self.count += 1
            yield _field_name(error), error


def check_type_schema(schema: dict[str, Any]) -> None:
    """A type's schema must be a valid JSON Schema describing an object, one that every document
    can be checked against quickly."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(part) for part in exc.path) or "(root)"
        message = _clip(exc.message)
        raise InvalidInput(
            f"extra_schema is not a valid JSON Schema at {_clip(path)}: {message}",
            errors=[{"field": "extra_schema", "message": message}],
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
    unsafe = unsafe_keywords(schema)
    if unsafe:
        raise InvalidInput(
            f"extra_schema: {unsafe}.", errors=[{"field": "extra_schema", "message": unsafe}]
        )
    resolver = META_SCHEMAS.resolver_with_root(DRAFT202012.create_resource(schema))
    try:
        measure_schema(schema, resolver)
    except Unresolvable as exc:
        ref = _clip(repr(exc.ref))
        raise InvalidInput(
            f"extra_schema refers to {ref}, which is not in the schema: "
            "refer only to its own parts, such as #/$defs/person.",
            errors=[{"field": "extra_schema", "message": f"unresolvable $ref {ref}"}],
        ) from None
    except SchemaRefersToItself as exc:
        ref = _clip(repr(exc.reference))
        raise InvalidInput(
            f"extra_schema refers to itself: the $ref {ref} leads back to a part that contains "
            "it, so checking a document would never end. Write out the levels of nesting you "
            "need instead of referring back.",
            errors=[{"field": "extra_schema", "message": f"$ref {ref} refers to itself"}],
        ) from None
    except SchemaTooComplex as exc:
        raise InvalidInput(
            f"extra_schema is too complex to check documents against: {exc}. Simplify it: "
            "a $ref counts again at every place it is used, so a $ref repeated under anyOf, "
            "oneOf or allOf multiplies at each level; list each alternative once and keep "
            "chains of $defs short.",
            errors=[{"field": "extra_schema", "message": f"too complex: {exc}"}],
        ) from None


async def types_for_unit(runtime: Runtime, unit: Unit) -> dict[str, DocumentType]:
    types = dict(plugin_types(runtime.plugins, unit))
    chain = [ancestor.code for ancestor in _ancestors_root_first(runtime, unit)]
    custom = await CustomDocumentType.find({"unit": {"$in": chain}}).to_list()
    # Nearest unit last, so a unit's own definition wins over its parent's.
    custom.sort(key=lambda item: chain.index(item.unit))
    for item in custom:
        types[item.code] = DocumentType(
            item.code,
            item.name,
            item.symbol,
            item.extra_schema,
            (f"unit:{item.unit}",),
            item.pending_schema,
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
        for doc_type in types.values():
            if len(doc_type.sources) > 1:
                _check_merged_schema(doc_type)
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
                _check_plugin_schema(item["schema"])
            except InvalidInput as exc:
                raise PluginError(
                    f"Plugin '{plugin}' gave type {item['code']} a bad schema: {exc.detail}"
                ) from None
    return result


# Plugins give every unit the same few schemas (the 29 standard types to each of hundreds of
# units): a schema that passed once passes again, so it is checked once per process.
_PLUGIN_SCHEMAS_PASSED: set[str] = set()


def _check_plugin_schema(schema: dict[str, Any]) -> None:
    try:
        text = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        text = None  # not plain JSON: the check below says what is wrong
    if text is not None and text in _PLUGIN_SCHEMAS_PASSED:
        return
    check_type_schema(schema)
    if text is not None:
        _PLUGIN_SCHEMAS_PASSED.add(text)


def _check_merged_schema(doc_type: DocumentType) -> None:
    # Each plugin's part was fine alone; together they may pass the size limits.
    try:
        _check_plugin_schema(doc_type.schema)
    except InvalidInput as exc:
        plugins = ", ".join(source.removeprefix("plugin:") for source in doc_type.sources)
        raise PluginError(
            f"Plugins {plugins} together give type {doc_type.code} a bad schema: {exc.detail}"
        ) from None


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
    name = ".".join(["extra", *(str(part) for part in error.absolute_path)])
    return _clip(name, MAX_FIELD_CHARACTERS)


def _message(error: Any) -> str:
    """What is wrong, from the keyword and the value the schema expects: never the document's
    value itself, which may be a megabyte long."""
    keyword, expected = error.validator, error.validator_value
    value = shown(expected)
    bounds = {
        "minimum": "at least",
        "maximum": "at most",
        "exclusiveMinimum": "more than",
        "exclusiveMaximum": "less than",
    }
    counted = {
        "minLength": "at least {} characters",
        "maxLength": "at most {} characters",
        "minItems": "at least {} items",
        "maxItems": "at most {} items",
        "minProperties": "at least {} fields",
        "maxProperties": "at most {} fields",
        "minContains": "at least {} items that fit 'contains'",
        "maxContains": "at most {} items that fit 'contains'",
    }
    if keyword == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        message = f"must be of type {' or '.join(str(kind) for kind in kinds)}"
    elif keyword in bounds:
        message = f"must be {bounds[keyword]} {value}"
    elif keyword in counted:
        message = f"must have {counted[keyword].format(value)}"
    elif keyword == "enum":
        message = f"must be one of {value}"
    elif keyword == "const":
        message = f"must be {value}"
    elif keyword == "multipleOf":
        message = f"must be a multiple of {value}"
    elif keyword == "pattern":
        message = f"must match the pattern {value}"
    elif keyword == "format":
        message = f"must be a valid {value}"
    elif keyword == "anyOf":
        message = "does not fit any of the forms anyOf allows"
    elif keyword == "oneOf":
        message = (
            "fits more than one of the forms oneOf allows; it must fit exactly one"
            if not error.context
            else "does not fit any of the forms oneOf allows"
        )
    elif keyword == "not":
        message = "must not fit the schema under 'not'"
    elif keyword == "contains":
        message = "must contain an item that fits 'contains'"
    elif keyword is None:  # a `false` schema
        message = "is not allowed here"
    else:
        # Our own keywords (required, additionalProperties, uniqueItems…) say it briefly
        # already; jsonschema's others show the document's values, cut short by `quiet`.
        message = error.message
    return _clip(message)


def _clip(text: str, limit: int = MAX_MESSAGE_CHARACTERS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
