"""JSON Schema validation that a type's author cannot turn against the service.

Types defined through the API carry schemas written by people, and `pattern` regular expressions
run on every document of the type. Python's `re` backtracks: `^(a+)+$` against 30 characters
freezes a worker for seconds. Patterns here run on RE2, whose time grows linearly with the
input; a pattern RE2 cannot run (look-around, back-references) is refused when the type is
defined.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, ValidationError, validators


class UnsafePattern(ValueError):
    pass


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


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not compile_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, pattern_properties: dict[str, Any], instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        for key, value in instance.items():
            if compile_pattern(pattern).search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


SafeValidator = validators.extend(
    Draft202012Validator,
    {"pattern": _pattern, "patternProperties": _pattern_properties},
)
