"""Stored accounts, sign-in sessions and API tokens. Every hot-path read is by `_id`: the
username, the session id, the token id (FerretDB scans for any other filter)."""

from __future__ import annotations

from datetime import datetime

from beanie import Document
from pydantic import BaseModel, Field

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._@-]{1,63}$"


class Grant(BaseModel):
    """A role held in a unit (and in the units below it when the role covers them)."""

    unit: str
    role: str


class User(Document):
    id: str  # type: ignore[assignment]  # the username, lower case
    full_name: str
    # None: the person signs in only through the province's single sign-on.
    password_hash: str | None = None
    disabled: bool = False
    grants: list[Grant] = Field(default_factory=list)
    # Sign-in limits. Counted with plain updates: on engines without atomic updates two racing
    # failures may count once, so the lockout comes at most a few attempts late.
    failed_sign_ins: int = 0
    locked_until: datetime | None = None
    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "users"


class SignInSession(Document):
    """One sign-in of a person: the refresh token's hash, and whether it was signed out. Access
    tokens name their session, so signing out ends them on their next request."""

    id: str  # type: ignore[assignment]
    username: str
    refresh_sha256: str
    created_at: datetime
    refreshed_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    source: str | None = None

    class Settings:
        name = "sign_in_sessions"


class ApiToken(Document):
    """A system's credential: shown once when made, stored as a SHA-256 of its secret (the secret
    is 256 random bits, so a slow hash adds nothing), scoped by its own grants."""

    id: str  # type: ignore[assignment]  # the public part of the token
    name: str
    secret_sha256: str
    grants: list[Grant] = Field(default_factory=list)
    created_by: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    class Settings:
        name = "api_tokens"


class ServiceSecret(Document):
    """The key access tokens are signed with when no `secret_key` is configured: made once by the
    first worker (an insert under its `_id`), then read by every worker."""

    id: str  # type: ignore[assignment]
    value: str

    class Settings:
        name = "service_secrets"
