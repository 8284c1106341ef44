"""Password hashing at the production cost (argon2id, 64 MiB, 3 passes) takes a third of a second
per sign-in on a busy test machine; these tests sign in dozens of times. They hash at the lowest
cost argon2id allows instead, and `test_passwords_are_stored_as_argon2id_at_full_cost` checks the
production parameters once (marked `full_cost_passwords`)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from core.identity import credentials


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("full_cost_passwords"):
        return
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(credentials, "_hasher", cheap)
    monkeypatch.setattr(credentials, "_DUMMY_HASH", cheap.hash("not anyone's password"))
