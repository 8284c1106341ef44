"""JSON Schema validation that a type's author cannot turn against the service.

Types defined through the API carry schemas written by people, and every document of the type is
checked against its schema. What keeps that check cheap and its answer small:

- Regular expressions run on RE2, whose time grows linearly with the input (Python's
  backtracking `re` takes seconds for `^(a+)+$` against 30 characters): `pattern`,
  `patternProperties`, and the matching of names that `additionalProperties` does. A pattern RE2
  cannot run (look-around, back-references) is refused when the type is defined, and so is
  `unevaluatedProperties` beside `patternProperties`, which jsonschema would match with `re`.
- When the type is defined, its schema is measured with every `$ref` followed
  (`measure_schema`): a `$ref` used twice under `anyOf` at each of 16 levels is 65,536 paths
  though the schema is 1.2 KB, and a `$ref` that leads back to itself never ends. Both are
  refused then, not found out when a clerk files a document.
- Checking one document stops after `MAX_CHECKS` checks (`checks_allowed`): a schema within the
  limits still multiplies with a large document. `enum` and `uniqueItems` take linear time
  (jsonschema's own compare value by value, and pair by pair).
- Error messages never repeat the document's values or a long `enum` back (`quiet`): a 600-byte
  document must not get a 32 MB answer, nor build one in memory on the way.

The check still takes up to about a second, so callers run it in a worker thread, off the event
loop (`DocumentType.validate_extra`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING, Any

import re2
from jsonschema import Draft202012Validator, ValidationError, validators
from referencing.jsonschema import DRAFT202012

if TYPE_CHECKING:
    from referencing._core import Resolver  # not exported by the package, used for types only

# With refs followed. A type with 50 fields of a few keywords each has a few hundred; the 1.2 KB
# schema that doubles at 16 levels has 262,143. The level limit keeps validation well inside
# Python's recursion limit (jsonschema recurses a few frames per level; about 300 levels of `$ref`
# exhaust it).
MAX_SCHEMA_NODES = 2_000
MAX_SCHEMA_LEVELS = 100

# Draft 2020-12 keywords whose value is a subschema, a list of them, or an object of them.
_SUBSCHEMA = (
    "additionalProperties",
    "contains",
    "else",
    "if",
    "items",
    "not",
    "propertyNames",
    "then",
    "unevaluatedItems",
    "unevaluatedProperties",
)
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_OBJECTS = ("dependentSchemas", "patternProperties", "properties")
# Schemas kept for `$ref`s to point at: never applied to a document by themselves, so they do
# not add to the size, but a cycle among them is still a mistake worth refusing.
_SUBSCHEMA_STORES = ("$defs", "definitions")
_REFERENCES = ("$ref", "$dynamicRef")


class UnsafePattern(ValueError):
    pass


class SchemaTooComplex(ValueError):
    pass


class SchemaRefersToItself(ValueError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"{reference!r} leads back to a part that contains it")
        self.reference = reference


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    try:
        return re2.compile(pattern)
    except re2.error as exc:
        raise UnsafePattern(f"pattern {pattern!r} cannot be used: {exc}") from None


def patterns_in(schema: Any) -> Iterator[str]:
    """Every `pattern` and `patternProperties` key anywhere in a schema."""
    pending = [schema]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if isinstance(item.get("pattern"), str):
                yield item["pattern"]
            if isinstance(item.get("patternProperties"), dict):
                yield from (key for key in item["patternProperties"] if isinstance(key, str))
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


# --- size with references followed ----------------------------------------------------------


@dataclass
class _Frame:
    node: dict[str, Any]
    children: Iterator[tuple[Any, Resolver, bool, str | None]]
    # A child met before it was measured: taken up again once it is.
    waiting: tuple[Any, Resolver, bool, str | None] | None = None
    nodes: int = 1
    levels: int = 1


def measure_schema(
    schema: Any,
    resolver: Resolver,
    *,
    max_nodes: int = MAX_SCHEMA_NODES,
    max_levels: int = MAX_SCHEMA_LEVELS,
) -> int:
    """The number of subschemas a document may be checked against, every `$ref` replaced by
    what it points to. Raises `SchemaRefersToItself` for a reference cycle and
    `SchemaTooComplex` past the limits; `referencing` errors for a reference to nothing.

    Linear in the schema's size: each subschema is measured once and its measure reused
    wherever a reference points to it. Counts stop just past `max_nodes`, so a schema that
    doubles at each of a thousand levels costs no more than one that doubles at twelve. No
    recursion: a chain of references may be longer than Python's stack.
    """
    if not isinstance(schema, dict):
        return 1
    cap = max_nodes + 1
    measured: dict[int, tuple[int, int]] = {}
    on_path = {id(schema)}
    stack = [_Frame(schema, _subschemas(schema, resolver))]
    while stack:
        frame = stack[-1]
        child, frame.waiting = frame.waiting or next(frame.children, None), None
        if child is None:
            stack.pop()
            on_path.discard(id(frame.node))
            measured[id(frame.node)] = (frame.nodes, frame.levels)
            continue
        node, child_resolver, counts, reference = child
        if not isinstance(node, dict):  # `true`, `false`, or not a schema at all
            size = (1, 1)
        elif id(node) in on_path:
            raise SchemaRefersToItself(reference or "a subschema")
        elif id(node) in measured:
            size = measured[id(node)]
        else:
            frame.waiting = child
            stack.append(_Frame(node, _subschemas(node, child_resolver)))
            on_path.add(id(node))
            continue
        if counts:
            frame.nodes = min(frame.nodes + size[0], cap)
            frame.levels = max(frame.levels, size[1] + 1)
    nodes, levels = measured[id(schema)]
    if nodes > max_nodes:
        raise SchemaTooComplex(
            f"with its $refs followed it has more than the {max_nodes:,} subschemas allowed"
        )
    if levels > max_levels:
        raise SchemaTooComplex(
            f"with its $refs followed it nests {levels} levels deep, more than the "
            f"{max_levels} allowed"
        )
    return nodes


def _subschemas(
    node: dict[str, Any], resolver: Resolver
) -> Iterator[tuple[Any, Resolver, bool, str | None]]:
    """(subschema, resolver for its refs, whether it adds to the size, the $ref followed)."""
    if isinstance(node.get("$id"), str):
        resolver = resolver.in_subresource(DRAFT202012.create_resource(node))
    for key in _SUBSCHEMA:
        if key in node:
            yield node[key], resolver, True, None
    for key in _SUBSCHEMA_LISTS:
        if isinstance(node.get(key), list):
            yield from ((item, resolver, True, None) for item in node[key])
    for key in _SUBSCHEMA_OBJECTS:
        if isinstance(node.get(key), dict):
            yield from ((item, resolver, True, None) for item in node[key].values())
    for key in _SUBSCHEMA_STORES:
        if isinstance(node.get(key), dict):
            yield from ((item, resolver, False, None) for item in node[key].values())
    for key in _REFERENCES:
        if isinstance(node.get(key), str):
            resolved = resolver.lookup(node[key])
            yield resolved.contents, resolved.resolver, True, node[key]


# --- validation whose messages stay short ---------------------------------------------------

# How much of a value an error message may show.
_SHOWN_CHARACTERS = 40
_SHOWN_ITEMS = 4


class _QuietStr(str):
    def __repr__(self) -> str:
        shown = str.__repr__(self[:_SHOWN_CHARACTERS])
        return shown if len(self) <= _SHOWN_CHARACTERS else f"{shown[:-1]}…{shown[-1]}"


class _QuietList(list[Any]):
    canonical: set[Any] | None = None  # see _enum

    def __repr__(self) -> str:
        shown = ", ".join(repr(item) for item in self[:_SHOWN_ITEMS])
        return f"[{shown}, …]" if len(self) > _SHOWN_ITEMS else f"[{shown}]"


class _QuietDict(dict[Any, Any]):
    def __repr__(self) -> str:
        shown = ", ".join(f"{key!r}: {value!r}" for key, value in islice(self.items(), 2))
        return f"{{{shown}, …}}" if len(self) > 2 else f"{{{shown}}}"


def quiet(value: Any) -> Any:
    """A copy of a JSON value whose `repr` stays short at any size.

    `jsonschema` writes the failing value (and an `enum`'s whole list) into every error's
    message as it creates the error, also for the alternatives of an `anyOf` that are thrown
    away: a 100 KB string failing 1,000 alternatives would build 100 MB of messages. Strings,
    lists and objects are replaced by subclasses, so every check behaves exactly as before.
    """
    if isinstance(value, str):
        return _QuietStr(value)
    if isinstance(value, list):
        return _QuietList(quiet(item) for item in value)
    if isinstance(value, dict):
        return _QuietDict((quiet(key), quiet(item)) for key, item in value.items())
    return value


def shown(value: Any) -> str:
    """A short `repr` of a schema's value, for a message."""
    if isinstance(value, _QuietStr | _QuietList | _QuietDict):
        return repr(value)
    return repr(quiet(value))


def quiet_schema(schema: Any) -> Any:
    """A copy of a schema whose `enum`, `const` and `required` values are `quiet`."""
    if isinstance(schema, list):
        return [quiet_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        key: quiet(value) if key in ("enum", "const", "required") else quiet_schema(value)
        for key, value in schema.items()
    }


class TooMuchWork(Exception):
    """Checking one document went past `MAX_CHECKS`."""


# Each keyword a document is checked against costs one check, plus one for every 16 entries it
# goes over: the names of `properties`, the alternatives of `anyOf`, or the entries of the object
# or array checked by the keywords that go over all of it (an entry costs far less to look at than
# a keyword costs to run; `enum` looks the value up in a set). A document of a few thousand
# entries against a schema of some tens of keywords uses a few tens of thousands; 100,000 take
# under a second at worst (a failing `anyOf` of 200 alternatives over 2,000 items would otherwise
# take seven).
MAX_CHECKS = 100_000
_checks_left: ContextVar[list[int] | None] = ContextVar("schema_checks_left", default=None)
# Keywords that go over every entry of the checked object or array themselves.
_OVER_INSTANCE = frozenset(
    {"additionalProperties", "patternProperties", "uniqueItems", "unevaluatedProperties"}
)


@contextmanager
def checks_allowed(limit: int = MAX_CHECKS) -> Iterator[None]:
    """Within this block, `SafeValidator` raises `TooMuchWork` after `limit` checks."""
    token = _checks_left.set([limit])
    try:
        yield
    finally:
        _checks_left.reset(token)


def _metered(keyword: str, check: Any) -> Any:
    def metered(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        left = _checks_left.get()
        if left is not None:
            entries = len(value) if isinstance(value, list | dict) else 0
            if keyword == "enum":  # a set lookup, whatever the number of values
                entries = len(instance) if isinstance(instance, list | dict) else 0
            elif keyword in _OVER_INSTANCE and isinstance(instance, list | dict):
                entries += len(instance) * (len(value) if keyword == "patternProperties" else 1)
            elif keyword == "pattern" and isinstance(instance, str):
                entries += len(instance) // 64  # RE2 is linear and fast
            left[0] -= 1 + entries // 16
            if left[0] < 0:
                raise TooMuchWork
        return check(validator, value, instance, schema)

    return metered


def re2_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """The `pattern` keyword with RE2: linear time, and `$` ends the text as in ECMA-262."""
    if validator.is_type(instance, "string") and not compile_pattern(pattern).search(instance):
        yield ValidationError(f"does not match {pattern!r}")


_pattern = re2_pattern


def _pattern_properties(
    validator: Any, pattern_properties: dict[str, Any], instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        for key, value in instance.items():
            if compile_pattern(pattern).search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: Any
) -> Iterator[Any]:
    # jsonschema's own matches the `patternProperties` keys with Python's backtracking `re`.
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = [compile_pattern(pattern) for pattern in schema.get("patternProperties", {})]
    extras = [
        key
        for key in instance
        if key not in properties and not any(pattern.search(key) for pattern in patterns)
    ]
    if validator.is_type(additional, "object"):
        for key in extras:
            yield from validator.descend(instance[key], additional, path=key)
    elif not additional and extras:
        shown = ", ".join(repr(key) for key in extras[:_SHOWN_ITEMS])
        more = f" and {len(extras) - _SHOWN_ITEMS} more" if len(extras) > _SHOWN_ITEMS else ""
        yield ValidationError(f"fields not allowed here: {shown}{more}")


def _unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Iterator[Any]:
    # jsonschema's own compares every pair of objects: 3,000 of them take five seconds.
    if not unique or not validator.is_type(instance, "array"):
        return
    if len({_canonical(item) for item in instance}) < len(instance):
        yield ValidationError("items must all differ")


def _canonical(value: Any) -> Any:
    """A hashable form equal for values JSON Schema calls equal: 1 and 1.0 alike, `true` and 1
    not, objects whatever their key order."""
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, list):
        return ("array", tuple(_canonical(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((key, _canonical(item)) for key, item in value.items()))
    return ("null", value)


def _enum(validator: Any, enums: list[Any], instance: Any, schema: Any) -> Iterator[Any]:
    # jsonschema's own compares the value with each allowed one in turn: an `enum` of 10,000
    # values checked on 2,000 fields is 20 million comparisons. The allowed values' canonical
    # forms are worked out once per check of a document (the schema's copy made by
    # `quiet_schema` lives that long) and looked up in a set.
    allowed = enums.canonical if isinstance(enums, _QuietList) else None
    if allowed is None:
        allowed = {_canonical(each) for each in enums}
        if isinstance(enums, _QuietList):
            enums.canonical = allowed
    if _canonical(instance) not in allowed:
        yield ValidationError(f"is not one of {enums!r}")


def _required(validator: Any, required: list[str], instance: Any, schema: Any) -> Iterator[Any]:
    # The error's path names the missing property, so that each one missing is named, not the
    # first one each time.
    if not validator.is_type(instance, "object"):
        return
    for name in required:
        if name not in instance:
            yield ValidationError(f"{name!r} is a required property", path=[name])


_UNSAFE_TOGETHER = ("unevaluatedProperties", "patternProperties")


def unsafe_keywords(schema: Any) -> str | None:
    """What in `schema` cannot be checked safely, or None.

    jsonschema matches `patternProperties` keys with Python's backtracking `re` when it works out
    `unevaluatedProperties`, so one pattern can freeze a worker. The two are refused together;
    `additionalProperties` does the same job safely.
    """
    found: set[str] = set()
    pending = [schema]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            found.update(key for key in _UNSAFE_TOGETHER if key in item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    if len(found) == 2:
        return (
            "unevaluatedProperties cannot be used together with patternProperties; "
            "use additionalProperties instead"
        )
    return None


_KEYWORDS = {
    **Draft202012Validator.VALIDATORS,
    "additionalProperties": _additional_properties,
    "enum": _enum,
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "required": _required,
    "uniqueItems": _unique_items,
}
SafeValidator = validators.extend(
    Draft202012Validator,
    {keyword: _metered(keyword, check) for keyword, check in _KEYWORDS.items()},
)
