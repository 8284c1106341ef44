"""Roles and the actions they allow: the action × role table of the README, in code.

A role is granted to a person (or an API token) for one unit; a role that `covers_units_below`
holds in every unit under that one too. Plugins may add roles (`hoso_roles`), made of the same
actions: an action is what the services ask about, so a plugin cannot invent a new permission,
only a new combination of the existing ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.settings import ConfigError


class Action:
    """Every permission a service checks, with the words the README's table uses."""

    READ_DOCUMENTS = "documents.read"  # see documents, their files and downloads
    WRITE_DOCUMENTS = "documents.write"  # create and change drafts, upload files, delete drafts
    NUMBER_DOCUMENTS = "documents.number"  # issue outgoing documents, register incoming ones
    READ_RESTRICTED = "documents.read_restricted"  # every restricted document of the unit
    READ_REGISTERS = "registers.read"  # the register books
    READ_TYPES = "types.read"  # the unit's document types
    MANAGE_TYPES = "types.manage"  # define and change document types
    READ_AUDIT = "audit.read"  # the unit's history of changes
    VERIFY_AUDIT = "audit.verify"  # walk the history chains
    MANAGE_ACCOUNTS = "accounts.manage"  # people, their roles in the unit, API tokens
    READ_RECORDS = "records.read"  # the record lists and the work records (hồ sơ) of the unit
    MANAGE_RECORDS = "records.manage"  # edit draft record lists; open, file, close records
    APPROVE_RECORD_LIST = "records.approve_list"  # approve the annual record list
    ACCEPT_RECORDS = "records.accept"  # accept records into the archive, or return them

    ALL = frozenset(
        {
            READ_DOCUMENTS,
            WRITE_DOCUMENTS,
            NUMBER_DOCUMENTS,
            READ_RESTRICTED,
            READ_REGISTERS,
            READ_TYPES,
            MANAGE_TYPES,
            READ_AUDIT,
            VERIFY_AUDIT,
            MANAGE_ACCOUNTS,
            READ_RECORDS,
            MANAGE_RECORDS,
            APPROVE_RECORD_LIST,
            ACCEPT_RECORDS,
        }
    )


@dataclass(frozen=True)
class Role:
    code: str
    name: str
    actions: frozenset[str]
    covers_units_below: bool = False
    source: str = "core"


A = Action
BUILTIN_ROLES: dict[str, Role] = {
    role.code: role
    for role in (
        Role(
            "clerk",
            "Văn thư",
            frozenset({A.READ_DOCUMENTS, A.WRITE_DOCUMENTS, A.NUMBER_DOCUMENTS})
            | {A.READ_REGISTERS, A.READ_TYPES, A.READ_RECORDS, A.MANAGE_RECORDS},
        ),
        Role(
            "specialist",
            "Chuyên viên",
            frozenset({A.READ_DOCUMENTS, A.WRITE_DOCUMENTS})
            | {A.READ_TYPES, A.READ_RECORDS, A.MANAGE_RECORDS},
        ),
        Role(
            "leader",
            "Lãnh đạo",
            frozenset({A.READ_DOCUMENTS, A.WRITE_DOCUMENTS, A.READ_RESTRICTED, A.READ_REGISTERS})
            | {A.READ_TYPES, A.READ_AUDIT, A.READ_RECORDS, A.MANAGE_RECORDS}
            | {A.APPROVE_RECORD_LIST},
        ),
        Role(
            "archivist",
            "Lưu trữ",
            frozenset({A.READ_DOCUMENTS, A.READ_REGISTERS, A.READ_TYPES})
            | {A.READ_RECORDS, A.ACCEPT_RECORDS},
        ),
        Role(
            "unit_admin",
            "Quản trị đơn vị",
            frozenset({A.READ_DOCUMENTS, A.READ_TYPES, A.MANAGE_TYPES, A.MANAGE_ACCOUNTS})
            | {A.READ_REGISTERS, A.READ_AUDIT, A.READ_RECORDS, A.APPROVE_RECORD_LIST},
            covers_units_below=True,
        ),
        Role(
            "province_admin",
            "Quản trị tỉnh",
            # Everything but the restricted documents: administrators run the service and
            # manage who may read, they do not read what the law keeps to named people.
            Action.ALL - {A.READ_RESTRICTED},
            covers_units_below=True,
        ),
    )
}


class _PluginRole(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name: str = Field(min_length=1, max_length=100)
    actions: list[str] = Field(min_length=1)
    covers_units_below: bool = False


def collect_roles(contributions: list[tuple[str, list[dict[str, Any]]]]) -> dict[str, Role]:
    """The built-in roles and those plugins add (`hoso_roles`); a wrong one stops the start with
    a line naming the plugin."""
    roles = dict(BUILTIN_ROLES)
    for plugin, entries in contributions:
        for entry in entries or []:
            try:
                parsed = _PluginRole.model_validate(entry)
            except ValidationError as exc:
                problem = exc.errors()[0]
                where = ".".join(str(part) for part in problem["loc"])
                raise ConfigError(f"plugin {plugin}: role {where}: {problem['msg']}") from None
            unknown = sorted(set(parsed.actions) - Action.ALL)
            if unknown:
                raise ConfigError(
                    f"plugin {plugin}: role {parsed.code}: unknown actions {', '.join(unknown)}; "
                    f"actions are {', '.join(sorted(Action.ALL))}"
                )
            if parsed.code in roles:
                raise ConfigError(
                    f"plugin {plugin}: role {parsed.code} exists already "
                    f"(from {roles[parsed.code].source})"
                )
            roles[parsed.code] = Role(
                parsed.code,
                parsed.name,
                frozenset(parsed.actions),
                parsed.covers_units_below,
                source=f"plugin {plugin}",
            )
    return roles
