"""What a workflow is: its states, the transitions between them and who may take each.

A definition is data: TOML under `config/workflows/`, a dict from a plugin (`hoso_workflows`),
or the Decree 30 defaults shipped in `core/workflows/decree30.toml`. Each is checked here before
the service starts (`check_definition`): a state no transition reaches, a state with no way out
that is not final, a transition no role can take… stop the start with one line naming where the
definition came from, the workflow and the problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.documents.models import Direction

NAME_PATTERN = r"^[a-z][a-z0-9_.-]{0,62}$"


class Effect(StrEnum):
    """What the core does when a transition is taken, besides moving the document on."""

    ISSUE = "issue"  # number and date the outgoing/internal document (D30 Art. 15)
    REGISTER = "register"  # give the incoming document its arrival number (D30 Art. 22)
    SIGNATURE = "signature"  # the main file must carry a valid PAdES signature (D30 Art. 13)
    ASSIGN = "assign"  # a leader names the presiding party, coordinators and deadline (Art. 20)


class Party(StrEnum):
    """People a transition allows besides the roles: who they are depends on the document."""

    AUTHOR = "author"  # the person who made the document
    PRESIDING = "presiding"  # the presiding person, or anyone working in the presiding unit
    COORDINATOR = "coordinator"  # a coordinating person, or anyone working in such a unit


class State(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1, max_length=100)
    final: bool = False
    # Whether the document's content, files and existence may change at this step: false where
    # it has been checked or signed as it is.
    editable: bool = True
    # Working days the document may stay in this state: 1 is "the same day, at the latest the
    # next working day" (D30 Art. 15, 21). Counted from the day it enters the state.
    deadline_working_days: int | None = Field(None, ge=0, le=365)


class Transition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str = Field(min_length=1, max_length=100)
    from_states: list[str] = Field(alias="from", min_length=1)
    to: str
    # Roles (clerk, leader… and those plugins add) held in the document's unit, or above it
    # for a role that covers the units below.
    roles: list[str] = Field(default_factory=list)
    parties: list[Party] = Field(default_factory=list)
    comment: Literal["optional", "required"] = "optional"
    # Text fields the caller must fill in, e.g. ["reason"] for returning a document.
    required_fields: list[str] = Field(default_factory=list)
    effect: Effect | None = None


class Definition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    label: str = Field(min_length=1, max_length=200)
    directions: list[Direction] = Field(min_length=1)
    start: str
    states: dict[str, State] = Field(min_length=2)
    transitions: list[Transition] = Field(min_length=1)
    # Whether the clerk may number the document directly (POST …/issue or …/register), outside
    # the steps: documents signed on paper are numbered after the hand signature (D30 Art. 15).
    numbering_outside_steps: bool = True

    @model_validator(mode="after")
    def _state_names(self) -> Definition:
        for state in self.states:
            if not _is_name(state):
                raise ValueError(f"state name {state!r}: lower case letters, digits and _")
        return self

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.from_states]

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def effect_transition(self, effect: Effect) -> Transition | None:
        return next((t for t in self.transitions if t.effect is effect), None)


def _is_name(value: str) -> bool:
    return value.isascii() and value[:1].isalpha() and all(c.isalnum() or c == "_" for c in value)


class DefinitionError(Exception):
    """A definition that cannot be used; the message is the one line the start prints."""


def parse_definition(name: str, raw: object) -> Definition:
    if not isinstance(raw, dict):
        raise DefinitionError(f"workflow '{name}': expected a table, got {type(raw).__name__}")
    try:
        return Definition.model_validate({**raw, "name": name})
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "definition"
        raise DefinitionError(f"workflow '{name}': {where}: {problem['msg']}") from None


def check_definition(definition: Definition, known_roles: Iterable[str]) -> None:
    """Refuse a definition that would strand documents or that nobody could move on."""
    name = f"workflow '{definition.name}'"
    states = definition.states
    roles = set(known_roles)
    if definition.start not in states:
        raise DefinitionError(f"{name}: start state '{definition.start}' is not among its states")
    if states[definition.start].final:
        raise DefinitionError(f"{name}: the start state '{definition.start}' is final")
    seen: set[str] = set()
    for transition in definition.transitions:
        where = f"{name}: transition '{transition.name}'"
        if transition.name in seen:
            raise DefinitionError(f"{where} is defined twice")
        seen.add(transition.name)
        for state in [*transition.from_states, transition.to]:
            if state not in states:
                raise DefinitionError(f"{where}: unknown state '{state}'")
        for state in transition.from_states:
            if states[state].final:
                raise DefinitionError(f"{where}: leaves the final state '{state}'")
        if not transition.roles and not transition.parties:
            raise DefinitionError(f"{where}: no role or party may take it")
        unknown = sorted(set(transition.roles) - roles)
        if unknown:
            raise DefinitionError(
                f"{where}: unknown role {', '.join(unknown)} (roles: {', '.join(sorted(roles))})"
            )
        for field in transition.required_fields:
            if not _is_name(field) or field == "comment":
                raise DefinitionError(f"{where}: required field {field!r} is not a plain name")
        _check_effect(definition, transition, where)
    effects = [t.effect for t in definition.transitions if t.effect is not None]
    for effect in set(effects):
        if effects.count(effect) > 1:
            raise DefinitionError(f"{name}: more than one transition has the effect '{effect}'")
    _check_reachable(definition, name)


def _check_effect(definition: Definition, transition: Transition, where: str) -> None:
    directions = set(definition.directions)
    if transition.effect is Effect.ISSUE and Direction.INCOMING in directions:
        raise DefinitionError(f"{where}: incoming documents are registered, not issued")
    if transition.effect is Effect.REGISTER and directions != {Direction.INCOMING}:
        raise DefinitionError(f"{where}: only a workflow of incoming documents registers")
    if transition.effect is Effect.SIGNATURE and Direction.INCOMING in directions:
        raise DefinitionError(f"{where}: incoming documents are not signed here")
    if transition.effect is Effect.ASSIGN and Party.PRESIDING in transition.parties:
        raise DefinitionError(f"{where}: the presiding party is chosen by this transition")


def _check_reachable(definition: Definition, name: str) -> None:
    states = definition.states
    for state, spec in states.items():
        if not spec.final and not definition.transitions_from(state):
            raise DefinitionError(f"{name}: state '{state}' is a dead end (not final, no way out)")
    reached = {definition.start}
    frontier = [definition.start]
    while frontier:
        state = frontier.pop()
        for transition in definition.transitions_from(state):
            if transition.to not in reached:
                reached.add(transition.to)
                frontier.append(transition.to)
    unreachable = [state for state in states if state not in reached]
    if unreachable:
        raise DefinitionError(f"{name}: no transition reaches state '{unreachable[0]}'")
    if not any(spec.final for spec in states.values()):
        raise DefinitionError(f"{name}: no state is final")
    # Every state must still lead to an end: a loop with no exit would strand documents.
    ends = {state for state, spec in states.items() if spec.final}
    changed = True
    while changed:
        changed = False
        for transition in definition.transitions:
            if transition.to in ends:
                for state in transition.from_states:
                    if state not in ends:
                        ends.add(state)
                        changed = True
    stuck = [state for state in states if state not in ends]
    if stuck:
        raise DefinitionError(f"{name}: from state '{stuck[0]}' no final state can be reached")
