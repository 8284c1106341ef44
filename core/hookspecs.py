"""Every hook a plugin can implement. This file is the plugin author's contract.

A plugin is a module or object with functions marked by `hookimpl`:

    import pluggy
    hookimpl = pluggy.HookimplMarker("hoso")

    @hookimpl
    def hoso_document_types(unit):
        return [{"code": "GXN", "name": "Giấy xác nhận", "symbol": "GXN"}]

Rules that hold for every hook:

- Hooks are called per unit (all but `hoso_settings_schema` and `hoso_map_identity_claims`): a
  call for a unit reaches only the plugins that unit turns on in `config/units.toml` (inherited
  down the units tree). `unit` is a
  `core.units.tree.Unit` (`code`, `name`, `abbreviation`, `level`, `parent`); read your settings for
  that unit with `unit.settings_for("<your plugin name>")`: a dict, already checked against what
  `hoso_settings_schema` declares, with its defaults filled in.
- Arguments only ever get added, never renamed or removed; accept the ones you need.
- "firstresult" hooks stop at the first implementation that returns something other than None, the
  most recently registered plugin first: a unit's own plugin overrides the Decree 30 defaults by
  returning a value, and defers to them by returning None.
"""

from __future__ import annotations

from typing import Any

import pluggy
from pydantic import BaseModel

PROJECT_NAME = "hoso"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def hoso_settings_schema() -> dict[str, Any] | type[BaseModel] | None:
    """What this plugin accepts as per-unit settings (`[unit.plugins.<name>]` in units.toml).

    Called once at start (`create_app`, and `hoso config check`) for every installed plugin,
    whether or not a unit turns it on; it gets no arguments. Return a JSON Schema (Draft 2020-12,
    a dict) of the settings table, or a pydantic model class, or None.

    Every unit's settings for the plugin, after inheritance, are checked against it: a wrong type,
    a missing required value, or a key the declaration does not name stops the start with one line
    naming the units file, the unit, the plugin and the key. Keys the declaration does not name
    are refused unless it allows them itself (`additionalProperties` or `unevaluatedProperties`
    in the schema; `extra="allow"` in the model). An invalid schema stops the start too.

    Then `unit.settings_for(name)` returns a dict with the declared defaults filled in: the
    `default` of each top-level property of the schema, or, for a model,
    `model_validate(settings).model_dump(by_alias=True)` (the model's conversions apply).

    A plugin that does not implement this hook, or returns None, accepts no settings: any key
    written for it is refused. All results are collected, each credited to its plugin.
    """


@hookspec
def hoso_document_types(unit: Any) -> list[dict[str, Any]] | None:
    """Document types this plugin offers to `unit`.

    Called once per unit when the service first needs the unit's types; the answer is kept for
    the life of the process (and checked at start: a malformed type stops it). Return a list of
    dicts:
    `{"code": str, "name": str, "symbol": str | None, "schema": <JSON Schema for extra fields>}`.
    `symbol` is the abbreviation used in document symbols (QĐ, TB, KH…); None for types that have
    none, such as công văn. A later plugin may return a type with a code already given: its
    `schema` properties are added to the type's own (a unit adds extra fields to a standard type).
    All results are collected.
    """


@hookspec(firstresult=True)
def hoso_number_register(unit: Any, document: dict[str, Any]) -> str | None:
    """The register (sổ) that numbers `document` in `unit`.

    Called when a document is issued (outgoing) or registered (incoming). `document` is the
    document's data as the API shows it (`GET /api/v1/documents/{id}`, JSON types: dates as ISO
    strings), while it is still a draft: `direction`, `type_code`, `type_symbol`, `secrecy`,
    `urgency`, `drafting_section`, `extra`… (the README lists every key). Return a register
    key such as "outgoing", "incoming" or "outgoing-secret"; numbers run from 1 each calendar year
    within one (unit, register). firstresult: stops at the first non-None result.
    """


@hookspec(firstresult=True)
def hoso_format_document_number(
    unit: Any, document: dict[str, Any], number: int, register: str
) -> dict[str, str] | None:
    """The printed number and symbol of `document`, which has taken `number` in `register`.

    Called when an outgoing or internal document is issued: first with `number` 1 as a dry run
    before a number is taken (a broken plugin fails before using one), then with the number taken
    (again if writing it is retried). Not called for incoming documents, which get an arrival
    number only. `document` is as in `hoso_number_register`.

    Return `{"number": "05", "symbol": "QĐ-UBND"}`; the service shows them as `Số: 05/QĐ-UBND`
    (D30 Art. 15, App. I). firstresult: stops at the first non-None result.
    """


@hookspec(firstresult=True)
def hoso_format_record_code(
    unit: Any, record: dict[str, Any], year: int, ordinal: int
) -> str | None:
    """The code (mã hồ sơ) of `record`, the `ordinal`-th record of its heading or list in `year`.

    Default (TT01 Art. 16.3): `<agency identifier>.<year>.<number and symbol>`, for example
    `000.00.00.H25.2024.01.TH`. firstresult: stops at the first non-None result.
    """


@hookspec(firstresult=True)
def hoso_record_list_template(unit: Any, year: int) -> dict[str, Any] | None:
    """The starting shape of `unit`'s annual record list (danh mục hồ sơ) for `year`.

    Return `{"numbering": "whole_list" | "per_heading", "headings": [{"symbol": "TH",
    "title": "...", "headings": [...], "records": [{"title": ..., "retention": "20 năm"}]}]}`
    (D30 Art. 28, App. V). firstresult: stops at the first non-None result.
    """


@hookspec(firstresult=True)
def hoso_choose_record(unit: Any, document: dict[str, Any]) -> str | None:
    """The code of the record (hồ sơ) `document` is filed in, with no clerk work, right after it
    is issued (outgoing, internal) or registered (incoming).

    `document` is as in `hoso_number_register`, now with its number, date, `record_code` (the
    record the author named, if any), `answers` (the id of the document it replies to, if any)
    and `answers_records` (codes of the unit's records still collecting that hold that
    document, oldest first). Return a record code of the same unit, or None to file it
    nowhere. A record that does not exist or cannot take the document leaves the document
    numbered and unfiled; the failure is logged and written to the audit history.
    firstresult: stops at the first non-None result.
    """


@hookspec
def hoso_record_requirements(unit: Any, record: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Components `record` must hold before it can be closed (completeness check).

    `record` is the record as the API shows it (`GET /api/v1/records/{code}`). Return a list of
    `{"name": "Tờ trình", "type_code": "TTR"}`: each is met by a filed, numbered document of that
    type. A record missing one cannot close; the 422 lists what is missing. All results are
    collected.
    """


@hookspec
def hoso_roles() -> list[dict[str, Any]] | None:
    """Roles this plugin adds to the built-in ones (clerk, specialist, leader, archivist,
    unit_admin, province_admin). Called once at start, not per unit: a role is granted per unit.

    Each role: `{"code": "secretary", "name": "Thư ký", "actions": ["documents.read", …],
    "covers_units_below": False}`. Actions are those of `core.identity.roles.Action` (listed by
    GET /api/v1/roles); an unknown action, or a code already taken, stops the start.
    """


@hookspec
def hoso_map_identity_claims(claims: dict[str, Any], username: str) -> list[dict[str, Any]] | None:
    """Units and roles for a person signed in through single sign-on (OpenID Connect).

    Called after the person's token has been verified (signature, issuer, audience, expiry), for
    every installed plugin, whatever units turn it on: no unit is known yet. `claims` holds every
    claim of the token (`sub`, `email`, `groups`, whatever the identity provider puts there);
    `username` is the hoso user the configured claim names (`oidc_username_claim`).

    Return grants, each `{"unit": "<unit code>", "role": "<role>"}` (whether the role holds in
    the units below too is the role's own `covers_units_below`), or None when the plugin has
    nothing to say about this person. All results are collected and merged: the person holds
    every grant any plugin returns (a plugin cannot take away what another grants; [] and None
    add nothing).
    """


@hookspec
def hoso_workflows() -> list[dict[str, Any]] | None:
    """Workflow definitions this plugin offers. Called once at start, not per unit: a definition
    is used by the units whose `hoso_choose_workflow` (or config/workflows/) names it.

    Each definition is a dict in the format of config/workflows/*.toml, with its `name`:
    `{"name": "ha_tinh_legal_review", "label": …, "directions": ["outgoing"], "start": "draft",
    "states": {…}, "transitions": [{…}, …]}`. `core.workflows.defaults.decree30(name)` returns a
    copy of a Decree 30 default to start from. Every definition is checked at start (unknown
    states, dead ends, transitions no role can take, a name already taken): a wrong one stops the
    start with one line naming the plugin, the workflow and the problem. All results are
    collected.
    """


@hookspec(firstresult=True)
def hoso_choose_workflow(unit: Any, document: dict[str, Any]) -> str | None:
    """The name of the workflow `document` follows, chosen when it is created.

    `document` is as the API shows it (`direction`, `type_code`, `unit`, …). Return the name of a
    workflow (from any plugin's `hoso_workflows`, config/workflows/ or the Decree 30 defaults) for
    the document's direction, or None to leave the choice to config/workflows/ and then to the
    defaults. firstresult: stops at the first non-None result.
    """


@hookspec
def hoso_before_transition(
    unit: Any, document: dict[str, Any], transition: dict[str, Any], actor: str
) -> str | None:
    """A guard, called before `actor` (a username, or `token:<id>`) takes `transition` on
    `document` (as the API shows it). `transition` holds `name`, `from`, `to`, `comment` and the
    `fields` the caller filled in.

    Return a reason (a sentence in the caller's language) to refuse it: the caller gets 422 with
    that reason and nothing changes. Return None to allow it. All plugins on for the unit are
    asked; the first refusal wins.
    """


@hookspec
def hoso_after_transition(
    unit: Any, document: dict[str, Any], transition: dict[str, Any], actor: str
) -> None:
    """An event, called after `transition` (as for `hoso_before_transition`, with `revision`)
    was taken and stored: notify, file, call out. The document is as it is now. What a plugin
    raises here is logged and written to the audit history; the transition stays taken. Every
    plugin on for the unit is called.
    """
