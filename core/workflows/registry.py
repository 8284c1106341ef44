"""Every workflow the service knows, and which one a new document follows.

Loaded once at start, from three places, in this order:
1. the Decree 30 defaults shipped with the core (`core/workflows/decree30.toml`);
2. `config/workflows/*.toml` (the `workflows_dir` setting): definitions (`[workflow.<name>]`, one
   with a default's name replaces it for everyone) and bindings (`[[use]]`: this workflow for
   these units and the units below them, optionally for one direction and some types);
3. plugins (`hoso_workflows`).

A document's workflow is chosen when it is created: by the unit's plugins
(`hoso_choose_workflow`), else by the `[[use]]` binding nearest the unit up the units tree
(one naming the document's type before one for every type), else the default for its direction.
The name is stored on the document, so a later change of configuration does not move documents
already under way into another workflow.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.documents.models import Direction
from core.plugins import PluginError, PluginHost, call_first, call_in_registration_order
from core.settings import ConfigError
from core.units.tree import Unit, UnitTree
from core.workflows.definitions import (
    Definition,
    DefinitionError,
    check_definition,
    parse_definition,
)

DEFAULTS_FILE = Path(__file__).with_name("decree30.toml")
DEFAULT_FOR = {
    Direction.OUTGOING: "decree30_outgoing",
    Direction.INTERNAL: "decree30_outgoing",
    Direction.INCOMING: "decree30_incoming",
}


class _Binding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    workflow: str
    units: list[str] = Field(min_length=1)
    direction: Direction | None = None
    types: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Binding:
    workflow: str
    unit: str
    direction: Direction | None
    types: frozenset[str]
    source: str


@dataclass
class WorkflowRegistry:
    definitions: dict[str, Definition] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # workflow name → where it came from
    bindings: dict[str, list[Binding]] = field(default_factory=dict)  # unit code → its bindings

    def get(self, name: str) -> Definition | None:
        return self.definitions.get(name)

    def choose(
        self, plugins: PluginHost, units: UnitTree, unit: Unit, document: dict[str, Any]
    ) -> Definition:
        """The workflow a new document of `unit` follows (see the module's docstring)."""
        direction = Direction(document["direction"])
        plugin, named = call_first(
            plugins.for_unit(unit).hoso_choose_workflow, unit=unit, document=document
        )
        if named is not None:
            chosen = self.definitions.get(named) if isinstance(named, str) else None
            if chosen is None or direction not in chosen.directions:
                raise PluginError(
                    f"Plugin '{plugin}' chose the workflow {named!r} for a {direction.value} "
                    f"document of unit {unit.code}; it must name a workflow for {direction.value} "
                    f"documents: {', '.join(self._names_for(direction))}."
                )
            return chosen
        current: Unit | None = unit
        while current is not None:
            found = self._bound(current.code, direction, document.get("type_code"))
            if found is not None:
                return found
            current = units.get(current.parent) if current.parent else None
        return self.definitions[DEFAULT_FOR[direction]]

    def _bound(self, unit: str, direction: Direction, type_code: str | None) -> Definition | None:
        candidates = [
            binding
            for binding in self.bindings.get(unit, [])
            if binding.direction in (None, direction)
            and direction in self.definitions[binding.workflow].directions
        ]
        for binding in candidates:
            if binding.types and type_code in binding.types:
                return self.definitions[binding.workflow]
        for binding in candidates:
            if not binding.types:
                return self.definitions[binding.workflow]
        return None

    def _names_for(self, direction: Direction) -> list[str]:
        return sorted(name for name, d in self.definitions.items() if direction in d.directions)


def load_workflows(
    workflows_dir: Path | None, plugins: PluginHost, units: UnitTree, roles: set[str]
) -> WorkflowRegistry:
    """Every definition and binding, checked; the first problem stops the start (ConfigError,
    one line naming the file or plugin, the workflow and the problem)."""
    registry = WorkflowRegistry()
    _add_file(registry, DEFAULTS_FILE, replace=False, source="core/workflows/decree30.toml")
    defaults = set(registry.definitions)
    pending_bindings: list[tuple[str, list[Any]]] = []
    if workflows_dir is not None and workflows_dir.is_dir():
        for path in sorted(workflows_dir.glob("*.toml")):
            uses = _add_file(registry, path, replace=True, source=str(path), defaults=defaults)
            pending_bindings.append((str(path), uses))
    try:
        contributions = call_in_registration_order(plugins.manager.hook.hoso_workflows)
    except PluginError as exc:
        raise ConfigError(exc.detail) from None
    for plugin, entries in contributions:
        source = f"plugin {plugin}"
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise ConfigError(f"{source}: hoso_workflows must return a list of definitions")
        for entry in entries:
            name = entry.get("name") if isinstance(entry, dict) else None
            if not isinstance(name, str):
                raise ConfigError(f"{source}: a workflow definition without a 'name'")
            _add(registry, name, {k: v for k, v in entry.items() if k != "name"}, source)
    for name, definition in registry.definitions.items():
        try:
            check_definition(definition, roles)
        except DefinitionError as exc:
            raise ConfigError(f"{registry.sources[name]}: {exc}") from None
    for source, uses in pending_bindings:
        _add_bindings(registry, uses, source, units)
    return registry


def _add_file(
    registry: WorkflowRegistry,
    path: Path,
    *,
    replace: bool,
    source: str,
    defaults: set[str] | None = None,
) -> list[Any]:
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{source}: cannot be read: {exc}") from None
    unknown = sorted(set(raw) - {"workflow", "use"})
    if unknown:
        raise ConfigError(f"{source}: unknown key '{unknown[0]}' (expected [workflow.*], [[use]])")
    workflows = raw.get("workflow", {})
    if not isinstance(workflows, dict):
        raise ConfigError(f"{source}: 'workflow' must be tables [workflow.<name>]")
    for name, body in workflows.items():
        taken_by_default = defaults is not None and name in defaults
        if replace and taken_by_default and registry.sources[name].startswith("core/"):
            del registry.definitions[name]  # the province's own version of a default
        _add(registry, name, body, source)
    uses = raw.get("use", [])
    if not isinstance(uses, list):
        raise ConfigError(f"{source}: 'use' must be an array of tables [[use]]")
    return uses


def _add(registry: WorkflowRegistry, name: str, body: Any, source: str) -> None:
    if name in registry.definitions:
        raise ConfigError(
            f"{source}: workflow '{name}' is already defined by {registry.sources[name]}"
        )
    try:
        registry.definitions[name] = parse_definition(name, body)
    except DefinitionError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    registry.sources[name] = source


def _add_bindings(
    registry: WorkflowRegistry, uses: list[Any], source: str, units: UnitTree
) -> None:
    for index, raw in enumerate(uses, start=1):
        where = f"{source}: [[use]] #{index}"
        try:
            use = _Binding.model_validate(raw)
        except ValidationError as exc:
            problem = exc.errors()[0]
            key = ".".join(str(part) for part in problem["loc"]) or "entry"
            raise ConfigError(f"{where}: {key}: {problem['msg']}") from None
        definition = registry.definitions.get(use.workflow)
        if definition is None:
            raise ConfigError(f"{where}: unknown workflow '{use.workflow}'")
        if use.direction is not None and use.direction not in definition.directions:
            raise ConfigError(
                f"{where}: workflow '{use.workflow}' is not for {use.direction.value} documents"
            )
        for code in use.units:
            if units.get(code) is None:
                raise ConfigError(f"{where}: unknown unit '{code}'")
            registry.bindings.setdefault(code, []).append(
                Binding(use.workflow, code, use.direction, frozenset(use.types), source)
            )
