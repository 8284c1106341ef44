"""The limits that keep a type's schema from being turned against the service: its size with
references followed, reference cycles, the work of checking one document, short messages."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema_specifications import REGISTRY
from referencing.jsonschema import DRAFT202012

from core.documents import safe_jsonschema
from core.documents.safe_jsonschema import (
    MAX_SCHEMA_LEVELS,
    MAX_SCHEMA_NODES,
    SafeValidator,
    SchemaRefersToItself,
    SchemaTooComplex,
    TooMuchWork,
    checks_allowed,
    measure_schema,
    quiet,
    quiet_schema,
    unsafe_keywords,
)


def measure(schema: dict[str, Any]) -> int:
    return measure_schema(schema, REGISTRY.resolver_with_root(DRAFT202012.create_resource(schema)))


def doubling(levels: int) -> dict[str, Any]:
    """Each level refers twice to the next: 2**levels paths, though the text grows linearly."""
    defs: dict[str, Any] = {
        f"a{i}": {"anyOf": [{"$ref": f"#/$defs/a{i + 1}"}, {"$ref": f"#/$defs/a{i + 1}"}]}
        for i in range(levels)
    }
    defs[f"a{levels}"] = {"type": "string"}
    return {"type": "object", "$defs": defs, "properties": {"x": {"$ref": "#/$defs/a0"}}}


def chain(length: int) -> dict[str, Any]:
    defs: dict[str, Any] = {f"a{i}": {"$ref": f"#/$defs/a{i + 1}"} for i in range(length)}
    defs[f"a{length}"] = {"type": "string"}
    return {"type": "object", "$defs": defs, "properties": {"x": {"$ref": "#/$defs/a0"}}}


def errors(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = SafeValidator(quiet_schema(schema), registry=REGISTRY)
    return [error.message for error in validator.iter_errors(quiet(instance))]


# --- measure_schema --------------------------------------------------------------------------


def test_every_subschema_counts_once_and_defs_only_where_referred_to() -> None:
    schema = {
        "type": "object",
        "$defs": {"name": {"type": "string"}, "unused": {"type": "integer"}},
        "properties": {"a": {"$ref": "#/$defs/name"}, "b": {"$ref": "#/$defs/name"}},
    }

    # root, a, b, and the definition once behind each of the two references
    assert measure(schema) == 5


def test_a_schema_doubling_through_references_is_measured_expanded() -> None:
    # A level is its anyOf and two references to the next: 3 + 2 × the next, the last is 1;
    # the root and its property add 2.
    assert measure(doubling(5)) == 2 + 125
    with pytest.raises(SchemaTooComplex, match="2,000 subschemas"):
        measure(doubling(16))


def test_measuring_takes_linear_time_even_for_a_thousand_doublings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The work done, not the time taken: each subschema's children are listed once, so a
    # thousand doubling levels cost about a thousand listings, not 2**1000.
    listed = 0
    subschemas = safe_jsonschema._subschemas

    def counted(*args: Any) -> Any:
        nonlocal listed
        listed += 1
        return subschemas(*args)

    monkeypatch.setattr(safe_jsonschema, "_subschemas", counted)
    with pytest.raises(SchemaTooComplex):
        measure(doubling(1000))
    assert listed <= 3 * 1000 + 10


def test_a_chain_of_references_deeper_than_the_level_limit_is_too_complex() -> None:
    measure(chain(MAX_SCHEMA_LEVELS - 3))

    with pytest.raises(SchemaTooComplex, match="levels deep"):
        measure(chain(MAX_SCHEMA_LEVELS))


def test_a_chain_of_references_longer_than_pythons_stack_is_measured() -> None:
    with pytest.raises(SchemaTooComplex):
        measure(chain(20_000))


@pytest.mark.parametrize(
    "schema",
    [
        pytest.param(
            {"type": "object", "$defs": {"a": {"$ref": "#/$defs/a"}}, "properties": {}},
            id="itself",
        ),
        pytest.param(
            {
                "type": "object",
                "$defs": {"a": {"items": {"$ref": "#/$defs/b"}}, "b": {"$ref": "#/$defs/a"}},
                "properties": {"x": {"$ref": "#/$defs/a"}},
            },
            id="through-another",
        ),
        pytest.param({"type": "object", "properties": {"x": {"$ref": "#"}}}, id="the-root"),
    ],
)
def test_a_reference_cycle_is_found_even_in_unused_definitions(schema: dict[str, Any]) -> None:
    with pytest.raises(SchemaRefersToItself):
        measure(schema)


def test_the_limits_leave_room_for_a_type_of_many_fields() -> None:
    schema = {
        "type": "object",
        "properties": {
            f"field_{i}": {"type": "string", "maxLength": 100} for i in range(MAX_SCHEMA_NODES - 1)
        },
    }

    assert measure(schema) == MAX_SCHEMA_NODES


# --- checking a document ---------------------------------------------------------------------


def test_checking_past_the_allowed_work_stops() -> None:
    schema = {"type": "array", "items": {"anyOf": [{"type": "string"}] * 50}}
    validator = SafeValidator(schema, registry=REGISTRY)

    with checks_allowed(1_000), pytest.raises(TooMuchWork):
        list(validator.iter_errors(list(range(100))))
    with checks_allowed(10_000):
        assert len(list(validator.iter_errors(list(range(100))))) == 100


def test_messages_show_a_long_value_cut_short() -> None:
    schema = {"type": "object", "properties": {"a": {"const": "x" * 10_000}}}

    (message,) = errors(schema, {"a": "y" * 1_000_000})

    assert len(message) < 200
    assert "…" in message


@pytest.mark.parametrize(
    ("items", "unique"),
    [
        ([{"a": 1}, {"a": 1.0}], False),
        ([{"a": 1, "b": [2]}, {"b": [2], "a": 1}], False),
        ([1, True], True),
        ([0, False], True),
        (["1", 1], True),
        ([[1, 2], [2, 1]], True),
        ([None, None], False),
    ],
    ids=repr,
)
def test_unique_items_compares_as_json_schema_does(items: list[Any], unique: bool) -> None:
    schema = {"type": "array", "uniqueItems": True}

    assert (errors(schema, items) == []) is unique


def test_unique_items_over_many_objects_takes_linear_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The work done: each item is put in canonical form once (and its one field once), where
    # comparing every pair would be 200 million comparisons.
    made = 0
    canonical = safe_jsonschema._canonical

    def counted(value: Any) -> Any:
        nonlocal made
        made += 1
        return canonical(value)

    monkeypatch.setattr(safe_jsonschema, "_canonical", counted)
    items = [{"k": i} for i in range(20_000)]

    assert errors({"type": "array", "uniqueItems": True}, items) == []
    assert made == 2 * len(items)


@pytest.mark.parametrize(
    ("value", "allowed"),
    [(1.0, True), (True, False), ({"b": 2.0}, True), ([1], True), ("1", False), (None, True)],
    ids=repr,
)
def test_enum_compares_as_json_schema_does(value: Any, allowed: bool) -> None:
    schema = {"enum": [1, None, [1], {"b": 2}]}

    assert (errors(schema, value) == []) is allowed


def test_additional_properties_matches_pattern_properties_on_re2() -> None:
    schema = {"patternProperties": {"^(a+)+$": {}}, "additionalProperties": False}
    # `^(a+)+$` on 40 a's and a b takes Python's `re` hours (catastrophic backtracking); RE2
    # matches in linear time, so this test finishing at all is the check.
    messages = errors(schema, {"a" * 40 + "b": 1, "aaa": 2})

    assert len(messages) == 1
    assert messages[0].startswith("fields not allowed here: 'aaaa")


def test_unevaluated_properties_with_pattern_properties_is_named_unsafe() -> None:
    schema = {"patternProperties": {"^a": {}}, "unevaluatedProperties": False}

    assert "additionalProperties" in (unsafe_keywords(schema) or "")
    assert unsafe_keywords({"unevaluatedProperties": False}) is None
