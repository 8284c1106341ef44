"""The units tree from `config/units.toml`: who exists, who is whose parent, which plugins are on.

Plugins and their settings are inherited down the tree (province → department/district → commune).
A unit's own `[unit.plugins.<name>]` table is merged over what it inherits (its keys win), and
`<name> = false` turns an inherited plugin off for that unit and everything below it. A unit's level
comes after its parent's in `levels`. The settings are checked against what each plugin declares,
and completed with its defaults, by the plugin host (`core.plugin_settings`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)

from core.settings import ConfigError

DEFAULT_LEVELS = ["province", "department", "district", "commune"]

# Agency identifier code (D30 App. VI `OrganId`, String(13)): four dot-separated groups, the most
# specific first, the last being the level-1 body (G + 2 digits central, H + 2 digits province).
IDENTIFIER_PATTERN = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[GH]\d{2}$")


class UnitEntry(BaseModel):
    """One `[[unit]]` table as written in the config file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name: str = Field(min_length=1, max_length=200)
    abbreviation: str = Field(min_length=1, max_length=20, pattern=r"^[A-ZĐ][A-Za-zĐđ0-9]*$")
    level: str
    parent: str | None = None
    # `true`/`false` only: "yes" or 1 would be read as a choice nobody wrote.
    plugins: dict[str, dict[str, Any] | StrictBool] = Field(default_factory=dict)

    @field_validator("plugins", mode="before")
    @classmethod
    def _tables_or_switches(cls, plugins: Any) -> Any:
        for name, value in plugins.items() if isinstance(plugins, dict) else ():
            if not isinstance(value, dict | bool):
                raise ValueError(
                    f"plugin {name}: write a table of its settings ([unit.plugins.{name}]), or "
                    f"true / false to turn it on or off, not {value!r}"
                )
        return plugins

    @field_validator("code")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not IDENTIFIER_PATTERN.match(value):
            raise ValueError("must be an agency identifier like 000.00.00.H25 (NNN.NN.NN.Xnn)")
        return value


class UnitsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    levels: list[str] = Field(default_factory=lambda: list(DEFAULT_LEVELS), min_length=1)

    @field_validator("levels")
    @classmethod
    def _levels_once_each(cls, levels: list[str]) -> list[str]:
        twice = sorted({level for level in levels if levels.count(level) > 1})
        if twice:
            raise ValueError(f"each level once, top first; {', '.join(twice)} appears twice")
        return levels

    unit: list[UnitEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    abbreviation: str
    level: str
    parent: str | None
    # Effective plugins after inheritance: plugin name → its settings for this unit.
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)

    def settings_for(self, plugin_name: str) -> dict[str, Any]:
        """This unit's settings for one plugin, after inheritance; once the plugin host has
        checked them (`core.plugin_settings`), with the plugin's declared defaults filled in.
        Empty when the plugin is off for this unit."""
        return dict(self.plugins.get(plugin_name, {}))


class UnitTree:
    def __init__(self, units: list[Unit], levels: list[str], source: Path | None = None) -> None:
        self.levels = levels
        self.source = source
        self._units = {unit.code: unit for unit in units}
        self._children: dict[str | None, list[str]] = {}
        for unit in units:
            self._children.setdefault(unit.parent, []).append(unit.code)

    def __iter__(self) -> Iterator[Unit]:
        return iter(self._units.values())

    def __len__(self) -> int:
        return len(self._units)

    def get(self, code: str) -> Unit | None:
        return self._units.get(code)

    def children(self, code: str) -> list[Unit]:
        return [self._units[child] for child in self._children.get(code, [])]

    def subtree(self, code: str) -> list[Unit]:
        """The unit and everything below it, parents before children."""
        found: list[Unit] = []
        pending = [code]
        while pending:
            current = pending.pop(0)
            found.append(self._units[current])
            pending.extend(self._children.get(current, []))
        return found

    def units_with_plugin(self, plugin_name: str) -> list[Unit]:
        return [unit for unit in self._units.values() if plugin_name in unit.plugins]

    def replace_settings(self, settings: dict[str, dict[str, dict[str, Any]]]) -> None:
        """Put checked settings (unit code → plugin → settings) in place of those read.

        Only the settings change: which plugins each unit turns on stays as it is.
        """
        for code, plugins in settings.items():
            unit = self._units[code]
            if set(plugins) != set(unit.plugins):
                raise ValueError(f"settings for unit {code} name other plugins than it turns on")
            self._units[code] = replace(unit, plugins=plugins)


def load_unit_tree(path: Path) -> UnitTree:
    """Read and check the units file; raise `ConfigError` with one line saying what is wrong."""
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"units file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"units file {path} is not valid TOML: {exc}") from None
    try:
        parsed = UnitsFile.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = _describe_location(raw, error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"units file {path}, {where}: {message}") from None
    return build_unit_tree(parsed, path)


def build_unit_tree(parsed: UnitsFile, source: Path | None = None) -> UnitTree:
    where = f"units file {source}" if source else "units"
    entries: dict[str, UnitEntry] = {}
    for entry in parsed.unit:
        if entry.code in entries:
            raise ConfigError(f"{where}: unit code {entry.code} appears twice")
        if entry.level not in parsed.levels:
            raise ConfigError(
                f"{where}: unit {entry.code} has level '{entry.level}', "
                f"expected one of {', '.join(parsed.levels)}"
            )
        entries[entry.code] = entry
    for entry in entries.values():
        if entry.parent is not None and entry.parent not in entries:
            raise ConfigError(
                f"{where}: unit {entry.code} names parent {entry.parent}, not defined"
            )
    units: list[Unit] = []
    for code in _parents_first(entries, where):
        entry = entries[code]
        if entry.parent is not None:
            _check_level_below(entry, entries[entry.parent], parsed.levels, where)
        inherited = next((u.plugins for u in units if u.code == entry.parent), {})
        units.append(
            Unit(
                code=entry.code,
                name=entry.name,
                abbreviation=entry.abbreviation,
                level=entry.level,
                parent=entry.parent,
                plugins=_merge_plugins(inherited, entry.plugins),
            )
        )
    return UnitTree(units, parsed.levels, source)


def _check_level_below(entry: UnitEntry, parent: UnitEntry, levels: list[str], where: str) -> None:
    """A commune sits below a district, never above it: levels run from the top of the list."""
    if levels.index(entry.level) <= levels.index(parent.level):
        raise ConfigError(
            f"{where}: unit {entry.code} has level '{entry.level}' but its parent {parent.code} "
            f"has level '{parent.level}'; a unit's level must come after its parent's in "
            f"levels ({', '.join(levels)})"
        )


def _parents_first(entries: dict[str, UnitEntry], where: str) -> list[str]:
    ordered: list[str] = []
    placed: set[str] = set()
    remaining = dict(entries)
    while remaining:
        ready = [c for c, e in remaining.items() if e.parent is None or e.parent in placed]
        if not ready:
            raise ConfigError(f"{where}: units {', '.join(sorted(remaining))} form a parent cycle")
        for code in ready:
            ordered.append(code)
            placed.add(code)
            del remaining[code]
    return ordered


def _merge_plugins(
    inherited: dict[str, dict[str, Any]], own: dict[str, dict[str, Any] | bool]
) -> dict[str, dict[str, Any]]:
    merged = {name: dict(values) for name, values in inherited.items()}
    for name, value in own.items():
        if value is False:
            merged.pop(name, None)
        elif value is True:
            merged.setdefault(name, {})
        else:
            merged[name] = {**merged.get(name, {}), **value}
    return merged


def _describe_location(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "unit" and isinstance(loc[1], int):
        units = raw.get("unit", [])
        code = units[loc[1]].get("code", "?") if loc[1] < len(units) else "?"
        rest = ".".join(str(part) for part in loc[2:]) or "entry"
        return f"unit {code} (entry {loc[1] + 1}), key '{rest}'"
    return "key '" + ".".join(str(part) for part in loc) + "'"
