"""Digests of audit events and of the values they describe.

An event's hash is the SHA-256 of the canonical JSON of every stored field but `_id` and `hash`
(a field added to a stored event changes it too). Canonical JSON: keys sorted, no spaces, UTF-8,
no NaN; a datetime is its UTC instant to the millisecond (what BSON keeps), written
`2026-05-04T03:00:00.000Z`. What is hashed when an event is written is exactly what the database
gives back to `verify`: values are turned into plain JSON before they are stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_jsonable_python

NOT_HASHED = ("_id", "hash")


def plain_json(value: Any) -> Any:
    """`value` as JSON types only (pydantic models, datetimes, ids … as pydantic writes them in
    JSON; keys as strings), so that it reads back from the database exactly as stored."""
    return json.loads(_dumps(to_jsonable_python(value)))


def value_digest(value: Any) -> str | None:
    """SHA-256 (hex) of the canonical JSON of `value`; None for None (no value).

    What `before` and `after` of an event hold: give the target as the API shows it (a pydantic
    model or a dict), and a later reader can tell whether a copy is the one described.
    """
    if value is None:
        return None
    return hashlib.sha256(canonical_json(plain_json(value))).hexdigest()


def event_hash(stored: Mapping[str, Any]) -> str:
    """The hash of a stored event (given with or without its `_id` and `hash`).

    Raises TypeError or ValueError for a field JSON cannot hold (only a tampered event has one).
    """
    body = {name: value for name, value in stored.items() if name not in NOT_HASHED}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def canonical_json(value: Any) -> bytes:
    return _dumps(value).encode("utf-8")


def utc_millis(moment: datetime) -> datetime:
    """`moment` in UTC to the millisecond; a naive one is taken as UTC (as BSON dates are)."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _dumps(value: Any) -> str:
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_datetime,
    )


def _datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return utc_millis(value).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    raise TypeError(f"{type(value).__name__} is not JSON")
