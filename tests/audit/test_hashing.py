"""Digests that stay the same for the same content, whatever the way it is given or read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from pydantic import BaseModel

from core.audit.hashing import canonical_json, event_hash, value_digest
from core.audit.models import parse_event_key


class Summary(BaseModel):
    summary: str
    revision: int


def test_the_same_content_has_the_same_digest_however_it_is_given() -> None:
    as_dict = value_digest({"summary": "Quyết định", "revision": 2})

    assert value_digest({"revision": 2, "summary": "Quyết định"}) == as_dict
    assert value_digest(Summary(summary="Quyết định", revision=2)) == as_dict
    assert value_digest({"summary": "Quyết định", "revision": 3}) != as_dict
    assert value_digest(None) is None
    assert len(as_dict or "") == 64


def test_canonical_json_is_sorted_compact_utf8_with_utc_milliseconds() -> None:
    hanoi = timezone(timedelta(hours=7))
    moment = datetime(2026, 5, 4, 10, 0, 0, 123456, hanoi)

    encoded = canonical_json({"b": "Đ", "a": [1, None], "at": moment})

    assert encoded == '{"a":[1,null],"at":"2026-05-04T03:00:00.123Z","b":"Đ"}'.encode()


def test_an_events_hash_leaves_out_its_key_and_its_hash_and_takes_every_other_field() -> None:
    event = {"chain": "H", "seq": 1, "at": datetime(2026, 1, 1, tzinfo=UTC), "prev_hash": "0"}
    naive_read_back = {**event, "at": datetime(2026, 1, 1), "_id": "H|000000000001", "hash": "x"}

    assert event_hash(naive_read_back) == event_hash(event)
    assert event_hash({**event, "note": None}) != event_hash(event)


def test_only_keys_of_the_event_form_name_a_chain_and_seq() -> None:
    assert parse_event_key("000.00.00.H25|000000000042") == ("000.00.00.H25", 42)
    assert parse_event_key("_province|000000000001") == ("_province", 1)
    for key in ("forged-1", "H|42", "H|000000000000", "H|x|000000000001", "|000000000001", 7):
        assert parse_event_key(key) is None, key
