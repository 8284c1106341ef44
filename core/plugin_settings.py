"""Per-unit plugin settings: what each plugin declares, checked for every unit at start.

A plugin declares its settings with the `hoso_settings_schema` hook: a JSON Schema (Draft 2020-12)
or a pydantic model class. Every unit's settings for each plugin it turns on, after inheritance,
are checked against the declaration; the first problem stops the start with one line naming the
units file, the unit, the plugin and the key. Then the declared defaults are filled in, so that
`unit.settings_for(plugin)` gives plugins complete settings.

A plugin that declares nothing accepts no settings: a key written for it is a mistake.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, Protocol

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as SchemaValidationError
from pydantic import BaseModel, ValidationError

from core.documents.safe_jsonschema import re2_pattern
from core.settings import ConfigError
from core.units.tree import UnitTree

# (key or None for the settings as a whole, what is wrong)
Problem = tuple[str | None, str]

MAX_SHOWN = 200


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    for error in re2_pattern(validator, pattern, instance, schema):
        error.message = f"{instance!r} {error.message}"  # settings are short: show the value
        yield error


# Draft 2020-12 with RE2 patterns (see `PluginSettings.__init__`).
_SettingsValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})


class Declaration(Protocol):
    def resolve(self, settings: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        """The settings with defaults filled in, and what is wrong with them (first first)."""
        ...


class NoSettings:
    """A plugin that declares nothing: it takes no settings."""

    def resolve(self, settings: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        problems: list[Problem] = [
            (key, "not accepted: the plugin declares no settings (hoso_settings_schema)")
            for key in sorted(settings)
        ]
        return dict(settings), problems


class SchemaSettings:
    """Settings declared as a JSON Schema (Draft 2020-12)."""

    def __init__(self, plugin: str, schema: dict[str, Any]) -> None:
        self.plugin = plugin
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise ConfigError(
                f"plugin '{plugin}' declares its settings with an invalid JSON Schema: "
                f"{_short(exc.message)}"
            ) from None
        if "additionalProperties" not in schema and "unevaluatedProperties" not in schema:
            # A key the declaration does not name is a misspelling unless the plugin says otherwise.
            schema = {**schema, "unevaluatedProperties": False}
        self.schema = schema
        properties = schema.get("properties")
        self.properties: dict[str, Any] = properties if isinstance(properties, dict) else {}
        # The validator of document types' schemas: its patterns are RE2's, whose `$` ends the
        # text as in ECMA-262 (Python's `$` would let "M\n" match `^[A-Z]$`), and linear.
        self.validator = _SettingsValidator(
            schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )

    def resolve(self, settings: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        problems = self._problems(settings)
        if problems:
            return dict(settings), problems
        filled = dict(settings)
        for key, subschema in self.properties.items():
            if key not in filled and isinstance(subschema, dict) and "default" in subschema:
                filled[key] = copy.deepcopy(subschema["default"])
        for key, text in self._problems(filled):
            raise ConfigError(
                f"plugin '{self.plugin}' declares a default its own schema refuses, "
                f"setting '{key}': {text}"
            )
        return filled, []

    def _problems(self, settings: dict[str, Any]) -> list[Problem]:
        errors = sorted(
            self.validator.iter_errors(settings),
            key=lambda error: [str(part) for part in error.absolute_path],
        )
        problems: list[Problem] = []
        for error in errors:
            problems.extend(self._describe(error, settings))
        return problems

    def _describe(self, error: SchemaValidationError, settings: dict[str, Any]) -> list[Problem]:
        if error.absolute_path:
            key = ".".join(str(part) for part in error.absolute_path)
            return [(key, _short(error.message))]
        if error.validator == "required" and isinstance(error.validator_value, list):
            missing = [key for key in error.validator_value if key not in settings]
            return [
                (key, "required, and not set for this unit or a unit above it") for key in missing
            ]
        if error.validator in ("additionalProperties", "unevaluatedProperties"):
            # jsonschema names each unexpected key by its repr in the message.
            unknown = [key for key in sorted(settings) if repr(key) in error.message]
            if unknown:
                text = "unknown setting"
                if self.properties:
                    text += f" (accepted: {', '.join(sorted(self.properties))})"
                return [(key, text) for key in unknown]
        return [(None, _short(error.message))]


class ModelSettings:
    """Settings declared as a pydantic model class."""

    def __init__(self, plugin: str, model: type[BaseModel]) -> None:
        self.plugin = plugin
        self.model = model
        self.extra_allowed = model.model_config.get("extra") == "allow"
        config = model.model_config
        by_name = bool(config.get("populate_by_name") or config.get("validate_by_name"))
        by_alias = config.get("validate_by_alias", True)
        accepted: set[str] = set()
        for name, field in model.model_fields.items():
            aliases = {a for a in (field.alias, field.validation_alias) if isinstance(a, str)}
            if not aliases or by_name:
                accepted.add(name)
            if by_alias:
                accepted |= aliases
        self.accepted = accepted

    def resolve(self, settings: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        problems: list[Problem] = []
        if not self.extra_allowed:
            accepted = ", ".join(sorted(self.accepted)) or "none"
            problems = [
                (key, f"unknown setting (accepted: {accepted})")
                for key in sorted(settings)
                if key not in self.accepted
            ]
            settings = {key: value for key, value in settings.items() if key in self.accepted}
        try:
            checked = self.model.model_validate(settings)
        except ValidationError as exc:
            return dict(settings), problems + [_model_problem(error) for error in exc.errors()]
        except Exception as exc:  # a validator of the plugin's own broke: the plugin is at fault
            raise ConfigError(
                f"plugin '{self.plugin}' failed checking its settings: {type(exc).__name__}: {exc}"
            ) from None
        if problems:
            return dict(settings), problems
        return checked.model_dump(by_alias=True), []


def _model_problem(error: Any) -> Problem:
    key = ".".join(str(part) for part in error["loc"]) or None
    if error["type"] == "missing":
        return key, "required, and not set for this unit or a unit above it"
    message = error["msg"].removeprefix("Value error, ")
    if "input" in error and error["type"] != "extra_forbidden":
        message = f"{message} (got {_short(repr(error['input']))})"
    return key, _short(message)


def declarations_from(answers: list[tuple[str, Any]]) -> dict[str, Declaration]:
    """Each plugin's declaration from its `hoso_settings_schema` answer (None: nothing declared)."""
    declarations: dict[str, Declaration] = {}
    for plugin, answer in answers:
        if answer is None:
            continue
        if isinstance(answer, type) and issubclass(answer, BaseModel):
            declarations[plugin] = ModelSettings(plugin, answer)
        elif isinstance(answer, dict):
            declarations[plugin] = SchemaSettings(plugin, answer)
        else:
            raise ConfigError(
                f"plugin '{plugin}' declares its settings as {type(answer).__name__}; "
                "hoso_settings_schema returns a JSON Schema (dict), a pydantic model class or None"
            )
    return declarations


def check_unit_settings(declarations: dict[str, Declaration], units: UnitTree) -> None:
    """Check every unit's settings for every plugin it turns on, then fill in the defaults.

    A problem inherited from the parent unit is reported once, at the unit that writes it.
    """
    where = f"units file {units.source}" if units.source else "units"
    resolved: dict[str, dict[str, dict[str, Any]]] = {}
    found: dict[str, set[tuple[str, str | None, str]]] = {}
    lines: list[str] = []
    for unit in units:  # parents before children
        inherited = found.get(unit.parent or "", set())
        found[unit.code] = set()
        resolved[unit.code] = {}
        for plugin, settings in unit.plugins.items():
            declaration = declarations.get(plugin, NoSettings())
            filled, problems = declaration.resolve(settings)
            resolved[unit.code][plugin] = filled
            for key, text in problems:
                found[unit.code].add((plugin, key, text))
                if (plugin, key, text) in inherited:
                    continue
                setting = f"setting '{key}'" if key is not None else "settings"
                lines.append(f"{where}: unit {unit.code}, plugin {plugin}, {setting}: {text}")
    if lines:
        more = len(lines) - 1
        tail = f" (and {more} more problem(s) in plugin settings)" if more else ""
        raise ConfigError(lines[0] + tail)
    units.replace_settings(resolved)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"
