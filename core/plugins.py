"""The plugin manager: load every plugin once, and call hooks for one unit at a time."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from core import hookspecs
from core.errors import HosoError
from core.plugin_settings import check_unit_settings, declarations_from
from core.settings import ConfigError
from core.units.tree import Unit, UnitTree

ENTRY_POINT_GROUP = "hoso"

logger = logging.getLogger("hoso")

# Plugins that ship with the core, by the name units use to turn them on.
BUILTIN_PLUGINS: dict[str, str] = {
    "decree30": "plugins.decree30",
    "ha_tinh_home_affairs": "plugins.ha_tinh.home_affairs",
    "ha_tinh_legal_review": "plugins.ha_tinh.legal_review",
}


@dataclass(frozen=True)
class PluginInfo:
    name: str
    module: str
    version: str | None
    hooks: list[str]
    units: list[str]
    builtin: bool


class UnitHooks:
    """Hook callers that reach only the plugins turned on for one unit.

    `hooks.hoso_document_types(unit=unit)` behaves like `pm.hook.hoso_document_types(...)`
    restricted to the unit's plugins (pluggy's `subset_hook_caller`).
    """

    def __init__(self, manager: pluggy.PluginManager, unit: Unit) -> None:
        self.unit = unit
        self._manager = manager
        self._inactive = [
            plugin for name, plugin in manager.list_name_plugin() if name not in unit.plugins
        ]
        self._callers: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("hoso_"):
            raise AttributeError(name)
        if name not in self._callers:
            self._callers[name] = self._manager.subset_hook_caller(name, self._inactive)
        return self._callers[name]


class PluginHost:
    """All plugins, loaded once, and the units tree that says who has which on."""

    def __init__(
        self, manager: pluggy.PluginManager, units: UnitTree, versions: dict[str, str]
    ) -> None:
        self.manager = manager
        self.units = units
        self.versions = versions
        self._unit_hooks: dict[str, UnitHooks] = {}
        # Answers derived from plugins for a unit (its document types…): plugins do not change
        # while the process runs, so they are worked out once.
        self.memo: dict[tuple[str, str], Any] = {}

    def for_unit(self, unit: Unit | str) -> UnitHooks:
        code = unit if isinstance(unit, str) else unit.code
        if code not in self._unit_hooks:
            found = self.units.get(code)
            if found is None:
                raise KeyError(code)
            self._unit_hooks[code] = UnitHooks(self.manager, found)
        return self._unit_hooks[code]

    def plugin_names(self) -> list[str]:
        return [name for name, _ in self.manager.list_name_plugin()]

    def describe(self) -> list[PluginInfo]:
        infos = []
        for name in self.plugin_names():
            plugin = self.manager.get_plugin(name)
            hooks = sorted(caller.name for caller in self.manager.get_hookcallers(plugin) or [])
            infos.append(
                PluginInfo(
                    name=name,
                    module=getattr(plugin, "__name__", type(plugin).__name__),
                    version=self.versions.get(name),
                    hooks=hooks,
                    units=[unit.code for unit in self.units.units_with_plugin(name)],
                    builtin=name in BUILTIN_PLUGINS,
                )
            )
        return infos


def load_plugins() -> tuple[pluggy.PluginManager, dict[str, str]]:
    """Built-in plugins, then installed packages of the entry point group `hoso`.

    Returns the manager and the version of each plugin that came from an installed package.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    for name, module_name in BUILTIN_PLUGINS.items():
        manager.register(importlib.import_module(module_name), name=name)
    versions = _load_entry_points(manager)
    try:
        # A misspelled `hoso_*` function must stop the start, not be silently ignored.
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        name = manager.get_name(exc.plugin) or repr(exc.plugin)
        raise ConfigError(
            f"plugin '{name}' implements hooks that do not exist ({exc}); "
            "see core/hookspecs.py for the hook names"
        ) from None
    return manager, versions


def _load_entry_points(manager: pluggy.PluginManager) -> dict[str, str]:
    versions: dict[str, str] = {}
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if manager.get_plugin(entry_point.name) is not None or manager.is_blocked(entry_point.name):
            continue
        try:
            plugin = entry_point.load()
        except Exception as exc:  # a broken package must name itself, not crash with a traceback
            raise ConfigError(
                f"plugin '{entry_point.name}' ({entry_point.value}) cannot be loaded: {exc}"
            ) from None
        manager.register(plugin, name=entry_point.name)
        if entry_point.dist is not None:
            versions[entry_point.name] = entry_point.dist.version
    return versions


class PluginError(HosoError):
    """A plugin failed or answered something unusable: the service's configuration is at fault,
    not the request, so the detail names the plugin and the hook for whoever runs the service."""

    status_code = 500
    title = "Plugin error"


def call_in_registration_order(hook_caller: Any, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call each implementation of a collecting hook, oldest plugin first, keeping who said what.

    pluggy's own call answers newest first and drops None results, which loses the pairing.
    """
    return [
        (impl.plugin_name, _call(impl, hook_caller.name, kwargs))
        for impl in _plain_impls(hook_caller)
    ]


def call_first(hook_caller: Any, **kwargs: Any) -> tuple[str, Any] | tuple[None, None]:
    """The first non-None answer of a firstresult hook (newest plugin first), and who gave it."""
    for impl in reversed(_plain_impls(hook_caller)):
        result = _call(impl, hook_caller.name, kwargs)
        if result is not None:
            return impl.plugin_name, result
    return None, None


def _plain_impls(hook_caller: Any) -> list[Any]:
    # Wrappers wrap the other implementations; hoso's hooks have no use for them.
    return [
        impl
        for impl in hook_caller.get_hookimpls()
        if not (impl.hookwrapper or getattr(impl, "wrapper", False))
    ]


def _call(impl: Any, hook_name: str, kwargs: dict[str, Any]) -> Any:
    try:
        return impl.function(*[kwargs[name] for name in impl.argnames])
    except Exception as exc:
        # The answer names the plugin and the error; the traceback is for whoever runs the
        # service, in the log, never in the response.
        logger.exception("plugin '%s' failed in %s", impl.plugin_name, hook_name)
        raise PluginError(
            f"Plugin '{impl.plugin_name}' failed in {hook_name}: {type(exc).__name__}: {exc}. "
            "The request was not carried out; tell whoever runs the service."
        ) from exc


REQUIRED_HOOKS = {
    "hoso_document_types": "document types",
    "hoso_format_document_number": "document numbers",
}


def create_plugin_host(units: UnitTree) -> PluginHost:
    """Load the plugins and check the units' use of them; raise `ConfigError` in one line.

    Every unit's settings are checked against what its plugins declare
    (`hoso_settings_schema`), and replaced in `units` by the same settings with the declared
    defaults filled in.
    """
    manager, versions = load_plugins()
    known = {name for name, _ in manager.list_name_plugin()}
    for unit in units:
        unknown = sorted(set(unit.plugins) - known)
        if unknown:
            raise ConfigError(
                f"units file {units.source}: unit {unit.code} turns on unknown plugin(s) "
                f"{', '.join(unknown)}; installed: {', '.join(sorted(known))}"
            )
    try:
        answers = call_in_registration_order(manager.hook.hoso_settings_schema)
    except PluginError as exc:
        raise ConfigError(exc.detail) from None
    check_unit_settings(declarations_from(answers), units)
    host = PluginHost(manager, units, versions)
    for unit in units:
        hooks = host.for_unit(unit)
        for hook_name, what in REQUIRED_HOOKS.items():
            if not getattr(hooks, hook_name).get_hookimpls():
                raise ConfigError(
                    f"units file {units.source}: no plugin on for unit {unit.code} gives "
                    f"{what} ({hook_name}); turn on decree30 or a plugin that does"
                )
    return host
