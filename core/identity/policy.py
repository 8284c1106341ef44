"""The one place that decides who may do what, and where. Every service asks it; no endpoint
decides for itself.

- A caller holds grants: a role in a unit. The role's actions hold in that unit, and in every
  unit below it when the role `covers_units_below`.
- What a caller may not read does not exist for it: a document, a unit's register book or its
  types answer 404, as an unknown id would. Only when the caller can see the thing but may not do
  what it asks does it get 403, which says which role would allow it.
- A restricted document (chế độ sử dụng: hạn chế) is seen only by the people it names, the person
  who made it, and the leaders of its unit (`documents.read_restricted`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from core.errors import NotFound, PermissionDenied
from core.identity.models import Grant
from core.identity.roles import Action, Role
from core.units.tree import UnitTree

PrincipalKind = Literal["person", "system"]


@dataclass(frozen=True, eq=False)
class Principal:
    """Who is calling: a person signed in (password or single sign-on) or a system's API token,
    with the grants it holds now (read at every request, so a revoked grant ends at once)."""

    name: str  # a username, or "token:<id>"
    kind: PrincipalKind
    grants: tuple[Grant, ...]
    policy: Policy = field(repr=False)
    via: str = "password"  # password | token | oidc
    session_id: str | None = None
    # For an API token: the account that made it. It acts for that account where it matters
    # (nobody grants roles to themself, not through a token they made either).
    on_behalf_of: str | None = None
    source: str | None = None  # the client's address, for the history

    def units_for(self, action: str) -> frozenset[str]:
        """Every unit where this caller may do `action`."""
        return self._units_by_action.get(action, frozenset())

    def may(self, action: str, unit: str) -> bool:
        return unit in self.units_for(action)

    @cached_property
    def _units_by_action(self) -> dict[str, frozenset[str]]:
        return self.policy.units_by_action(self.grants)

    def sees_every_unit(self, action: str) -> bool:
        return len(self.units_for(action)) == len(self.policy.units)

    # --- the checks services make -----------------------------------------------------------

    def require(self, action: str, unit: str, *, what: str | None = None) -> None:
        """Allow `action` in `unit`, or refuse: 404 naming `what` when the caller cannot even
        read the unit's data, 403 saying which roles would allow it otherwise."""
        if self.may(action, unit):
            return
        if what is not None and not self.may(Action.READ_DOCUMENTS, unit):
            raise NotFound(f"There is no {what}.")
        roles = self.policy.roles_allowing(action)
        raise PermissionDenied(
            f"You may not do this in unit {unit}: it needs the role "
            f"{' or '.join(roles) or '(none)'} there, which your account does not hold. "
            "Ask the unit's administrator.",
            action=action,
        )

    def holds_role(self, role: str, unit: str) -> bool:
        """Whether a grant gives this caller `role` in `unit` (granted there, or above it for a
        role that covers the units below)."""
        return self.policy.holds_role(self.grants, role, unit)

    @cached_property
    def member_units(self) -> frozenset[str]:
        """The units this caller works in: granted there a role that drafts documents. A task
        given to a unit (presiding, coordinating, an opinion) is theirs; covering a unit from
        above, as administrators do, is not working in it."""
        return frozenset(
            grant.unit
            for grant in self.grants
            if (role := self.policy.roles.get(grant.role)) is not None
            and Action.WRITE_DOCUMENTS in role.actions
        )

    @cached_property
    def involvement_keys(self) -> list[str]:
        """How documents name this caller among those handling them or asked for an opinion."""
        return [f"user:{self.name}", *(f"unit:{unit}" for unit in sorted(self.member_units))]

    def is_involved_in(self, document: Any) -> bool:
        named = [*getattr(document, "participants", []), *getattr(document, "consulted", [])]
        return bool(named) and not set(named).isdisjoint(self.involvement_keys)

    def can_read_document(self, document: Any) -> bool:
        """Whether the document exists for this caller (its unit and its access mode, or being
        one of those handling it or asked for an opinion on it)."""
        if self.is_involved_in(document):
            return True
        if not self.may(Action.READ_DOCUMENTS, document.unit):
            return False
        if getattr(document, "access_mode", None) != "restricted":
            return True
        return (
            self.name in (document.readers or [])
            or self.name == document.created_by
            or self.may(Action.READ_RESTRICTED, document.unit)
        )

    def document_filter(self) -> dict[str, Any]:
        """The query that keeps a list to the documents this caller can read."""
        keys = self.involvement_keys
        involved = [{"participants": {"$in": keys}}, {"consulted": {"$in": keys}}]
        of_units = self._unit_document_filter()
        return {"$or": [of_units, *involved]} if of_units is not None else {"$or": involved}

    def _unit_document_filter(self) -> dict[str, Any] | None:
        readable = self.units_for(Action.READ_DOCUMENTS)
        if not readable:
            return None
        conditions: list[dict[str, Any]] = []
        if not self.sees_every_unit(Action.READ_DOCUMENTS):
            conditions.append({"unit": {"$in": sorted(readable)}})
        leaders_of = sorted(self.units_for(Action.READ_RESTRICTED))
        visible = [
            {"access_mode": {"$ne": "restricted"}},
            {"readers": self.name},
            {"created_by": self.name},
        ]
        if leaders_of:
            visible.append({"unit": {"$in": leaders_of}})
        conditions.append({"$or": visible})
        return {"$and": conditions} if len(conditions) > 1 else conditions[0]


class Policy:
    """The roles known to this service and the units tree they apply to."""

    def __init__(self, units: UnitTree, roles: dict[str, Role]) -> None:
        self.units = units
        self.roles = roles
        self._by_grants: dict[tuple[tuple[str, str], ...], dict[str, frozenset[str]]] = {}

    def units_by_action(self, grants: tuple[Grant, ...]) -> dict[str, frozenset[str]]:
        key = tuple((grant.unit, grant.role) for grant in grants)
        known = self._by_grants.get(key)
        if known is None:
            # Worked out once per set of grants: a province administrator's reach is every
            # unit of the province, which no request should have to walk again.
            if len(self._by_grants) > 10_000:
                self._by_grants.clear()
            known = self._by_grants[key] = self._work_out(grants)
        return known

    def _work_out(self, grants: tuple[Grant, ...]) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for grant in grants:
            role = self.roles.get(grant.role)
            if role is None or self.units.get(grant.unit) is None:
                continue  # a role a plugin no longer gives, a unit no longer configured
            units = (
                {unit.code for unit in self.units.subtree(grant.unit)}
                if role.covers_units_below
                else {grant.unit}
            )
            for action in role.actions:
                found.setdefault(action, set()).update(units)
        return {action: frozenset(units) for action, units in found.items()}

    def holds_role(self, grants: tuple[Grant, ...], role: str, unit: str) -> bool:
        held = {grant.unit for grant in grants if grant.role == role}
        if not held:
            return False
        if unit in held:
            return True
        spec = self.roles.get(role)
        if spec is None or not spec.covers_units_below:
            return False
        current = self.units.get(unit)
        while current is not None and current.parent is not None:
            if current.parent in held:
                return True
            current = self.units.get(current.parent)
        return False

    def roles_allowing(self, action: str) -> list[str]:
        return sorted(code for code, role in self.roles.items() if action in role.actions)

    def principal(
        self, name: str, kind: PrincipalKind, grants: list[Grant], **more: Any
    ) -> Principal:
        return Principal(name=name, kind=kind, grants=tuple(grants), policy=self, **more)
