"""Audit events: one per change, insert-only, hash-chained per unit.

Each unit has a chain, numbered 1, 2, 3 … (`seq`); events that are about no one unit (sign-in,
tokens) go to the province-wide chain `PROVINCE_CHAIN`. An event's `hash` is the SHA-256 of its
stored fields (core/audit/hashing.py), `prev_hash` included, so an event edited, removed or moved
after it was written no longer fits the chain (core/audit/verify.py says where).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any

from beanie import Document
from pymongo import ASCENDING, DESCENDING, IndexModel

# The chain of events about no one unit. Unit codes are digits and dots (`000.00.00.H25`), so no
# unit can be called this.
PROVINCE_CHAIN = "_province"

# What the first event of a chain follows.
GENESIS_HASH = "0" * 64

# The layout of the hashed fields; a change of layout gets a new number, and old events keep
# theirs, so that they still verify.
EVENT_FORMAT = 1

_SEQ_DIGITS = 12
_KEY = re.compile(r"^(?P<chain>[^|]+)\|(?P<seq>[0-9]{12})$")


class AuditAction(StrEnum):
    """The changes the service records. `action` is a plain string: plugins may add their own."""

    DOCUMENT_CREATE = "document.create"
    DOCUMENT_EDIT = "document.edit"
    DOCUMENT_ISSUE = "document.issue"
    DOCUMENT_REGISTER = "document.register"
    DOCUMENT_DELETE = "document.delete"
    WORKFLOW_TRANSITION = "workflow.transition"
    WORKFLOW_ASSIGN = "workflow.assign"
    WORKFLOW_REASSIGN = "workflow.reassign"
    WORKFLOW_OPINIONS_ASK = "workflow.opinions_ask"
    WORKFLOW_OPINION = "workflow.opinion"
    WORKFLOW_HOOK_FAILED = "workflow.hook_failed"
    FILE_UPLOAD = "file.upload"
    FILE_DOWNLOAD = "file.download"  # of a restricted file
    TYPE_DEFINE = "type.define"
    TYPE_CHANGE = "type.change"
    USER_CREATE = "user.create"
    USER_CHANGE = "user.change"
    PASSWORD_SET = "user.password"
    GRANT = "grant"
    REVOKE = "revoke"
    TOKEN_CREATE = "token.create"
    TOKEN_REVOKE = "token.revoke"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in.failed"
    SIGN_OUT = "sign_out"
    RECORD_LIST_CREATE = "record_list.create"
    RECORD_LIST_EDIT = "record_list.edit"
    RECORD_LIST_IMPORT = "record_list.import"
    RECORD_LIST_APPROVE = "record_list.approve"
    RECORD_LIST_AMEND = "record_list.amend"
    RECORD_OPEN = "record.open"
    RECORD_EDIT = "record.edit"
    RECORD_FILE = "record.file"  # a document filed in a record
    RECORD_FILE_FAILED = "record.file_failed"  # filing on issue/registration could not be done
    RECORD_UNFILE = "record.unfile"  # a document removed from a record
    RECORD_REORDER = "record.reorder"
    RECORD_CLOSE = "record.close"
    RECORD_SUBMIT = "record.submit"
    RECORD_ACCEPT = "record.accept"
    RECORD_RETURN = "record.return"
    RECORD_EXTEND = "record.extend"


def event_key(chain: str, seq: int) -> str:
    """The `_id` of event `seq` of `chain`: `000.00.00.H25|000000000042`.

    Derived, so that appending and walking a chain are `_id` inserts and reads, which cost the
    same at any size on every engine; fixed-width, so that the keys of a chain sort in its order.
    """
    return f"{chain}|{seq:0{_SEQ_DIGITS}d}"


def parse_event_key(key: object) -> tuple[str, int] | None:
    """(chain, seq) of a key `event_key` made; None for anything else."""
    if not isinstance(key, str):
        return None
    match = _KEY.match(key)
    if match is None or int(match["seq"]) < 1:
        return None
    return match["chain"], int(match["seq"])


def check_chain_name(chain: str) -> None:
    if not chain or "|" in chain:
        raise ValueError(f"an audit chain is a unit code or {PROVINCE_CHAIN!r}, not {chain!r}")


class AuditEvent(Document):
    """Who did what to which target, when, from where, with digests of the target before and
    after. Inserted once under `event_key(chain, seq)` and never updated or deleted."""

    id: str  # type: ignore[assignment]  # event_key(chain, seq)
    format: int
    chain: str
    seq: int
    at: datetime
    action: str
    actor: str | None  # the user or token id; None when nobody signed in
    actor_kind: str  # "user", "token", "system", "anonymous"
    target_kind: str  # "document", "file", "user", "token", "role" …
    target_id: str | None
    source: str | None  # where the request came from: client address, "cli" …
    before: str | None  # hashing.value_digest of the target before the change; None: no target
    after: str | None  # … and after it; None when the change removed it
    detail: dict[str, Any] | None
    prev_hash: str  # `hash` of event seq - 1 (GENESIS_HASH for seq 1)
    hash: str

    class Settings:
        name = "audit_events"
        # For reading histories on MongoDB; appending and verifying use only `_id`.
        indexes = [
            IndexModel([("chain", ASCENDING), ("at", DESCENDING)], name="audit_by_chain"),
            IndexModel([("target_id", ASCENDING), ("at", DESCENDING)], name="audit_by_target"),
            IndexModel([("actor", ASCENDING), ("at", DESCENDING)], name="audit_by_actor"),
            IndexModel([("at", DESCENDING)], name="audit_by_time"),
        ]


class AuditChainMark(Document):
    """The highest seq known written in a chain: where a worker that starts goes on from, and
    what `verify` compares the last event present with (a mark past it: events were removed from
    the end). Only ever a lower bound, written with `$max` and without care for races."""

    id: str  # type: ignore[assignment]  # the chain
    number: int

    class Settings:
        name = "audit_marks"
