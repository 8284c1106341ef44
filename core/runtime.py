"""What a running service holds: settings, units, plugins, database and blob store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.calendar import WorkingCalendar
from core.database import Database
from core.identity.policy import Policy
from core.plugins import PluginHost
from core.reports.targets import ReportTargets
from core.settings import Settings
from core.signatures.trust import TrustRoots
from core.units.tree import UnitTree
from core.workflows.registry import WorkflowRegistry
from storage import BlobStore


def utc_now() -> datetime:
    """Now, to the millisecond: BSON dates keep no more, and what a write answers must be what a
    later read returns."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@dataclass
class Runtime:
    settings: Settings
    units: UnitTree
    plugins: PluginHost
    blobs: BlobStore
    # Who may do what: the roles (built-in and from plugins) over the units tree.
    policy: Policy
    # Every workflow definition and which units use which (core.workflows.registry).
    workflows: WorkflowRegistry = field(default_factory=WorkflowRegistry)
    # Set by the app's lifespan once the database answers.
    database: Database | None = None
    # The key access tokens are signed with: the `secret_key` setting, or one kept in the
    # database (set by the lifespan).
    signing_key: str | None = None
    # The single sign-on verifier when an OpenID Connect issuer is configured.
    oidc: Any = None
    # The certificates document signatures must chain to (read once, at app creation).
    trust_roots: TrustRoots = field(default_factory=TrustRoots.empty)
    # The service's clock; tests replace it to cross a year boundary.
    clock: Callable[[], datetime] = field(default=utc_now)
    # One lock per register within this worker: its requests take numbers one after another, so
    # only workers (not every request) race in the database. Correctness never rests on it.
    register_locks: dict[tuple[str, str, int], asyncio.Lock] = field(default_factory=dict)
    # The highest number this worker has seen taken, per register and year: where the search for
    # the next one starts (core.numbering.service). Only ever a lower bound.
    register_hints: dict[tuple[str, str, int], int] = field(default_factory=dict)
    # Per audit chain, the last (seq, hash) this worker wrote or saw written: where its next
    # append goes on from (core.audit.service). Only ever a lower bound, like the register hints.
    audit_heads: dict[str, tuple[int, str]] = field(default_factory=dict)
    # One lock per audit chain within this worker, as for registers.
    audit_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    # Working days: public holidays plus the days off and worked days of `calendar.toml`.
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    # What the reports compare each level of unit with (config/reports.toml).
    report_targets: ReportTargets = field(default_factory=ReportTargets)

    # Called with a document's id once the text of one of its files is extracted (the search
    # index reads it); registered at start by whoever needs to know.
    text_listeners: list[Callable[[Any, Any], Awaitable[None]]] = field(default_factory=list)

    # This worker's background reader of file texts (core.extraction.worker), woken when a file
    # is stored; None when text extraction is off or the app is not running.
    extractor: Any = None

    def register_lock(self, unit: str, register: str, year: int) -> asyncio.Lock:
        return self.register_locks.setdefault((unit, register, year), asyncio.Lock())

    def audit_lock(self, chain: str) -> asyncio.Lock:
        return self.audit_locks.setdefault(chain, asyncio.Lock())
