"""What the identity endpoints accept and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from core.documents.schemas import _Strict
from core.identity.models import USERNAME_PATTERN, ApiToken, Grant, User
from core.identity.policy import Principal

UNIT_CODE = r"^\d{3}\.\d{2}\.\d{2}\.[GH]\d{2}$"


class GrantIn(_Strict):
    unit: str = Field(pattern=UNIT_CODE, description="Agency identifier code of the unit")
    role: str = Field(min_length=1, max_length=40, description="See GET /api/v1/roles")

    def to_grant(self) -> Grant:
        return Grant(unit=self.unit, role=self.role)


class GrantOut(BaseModel):
    unit: str
    role: str


class SignIn(_Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class RefreshIn(_Strict):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokensOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int = Field(description="Seconds the access token is accepted for")
    refresh_token: str = Field(description="Sent to POST /api/v1/auth/refresh; works once")
    username: str


class PasswordChange(_Strict):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class PasswordSet(_Strict):
    password: str = Field(min_length=1, max_length=256)


class MeOut(BaseModel):
    name: str
    kind: str = Field(description="person or system")
    via: str = Field(description="password, token or oidc")
    grants: list[GrantOut]
    actions: dict[str, list[str]] = Field(
        description="Each action this caller may take, with the units where it may"
    )

    @classmethod
    def of(cls, actor: Principal, actions: list[str]) -> MeOut:
        return cls(
            name=actor.name,
            kind=actor.kind,
            via=actor.via,
            grants=[GrantOut(unit=g.unit, role=g.role) for g in actor.grants],
            actions={
                action: sorted(actor.units_for(action))
                for action in actions
                if actor.units_for(action)
            },
        )


class UserCreate(_Strict):
    username: str = Field(
        pattern=USERNAME_PATTERN, description="Lower case; letters, digits, . _ @ -"
    )
    full_name: str = Field(min_length=1, max_length=100)
    password: str | None = Field(
        None,
        min_length=1,
        max_length=256,
        description="Leave out for a person who signs in only through single sign-on",
    )
    grants: list[GrantIn] = Field(default_factory=list, max_length=100)


class UserUpdate(_Strict):
    full_name: str | None = Field(None, min_length=1, max_length=100)
    disabled: bool | None = None

    @field_validator("disabled", mode="before")
    @classmethod
    def _true_or_false(cls, value: Any) -> Any:
        # Litestar validates leniently, which would read 0 or "no" as false: only JSON's true
        # and false say what was meant.
        if value is not None and not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value


class UserOut(BaseModel):
    username: str
    full_name: str
    disabled: bool
    has_password: bool
    grants: list[GrantOut]
    locked_until: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            username=user.id,
            full_name=user.full_name,
            disabled=user.disabled,
            has_password=user.password_hash is not None,
            grants=[GrantOut(unit=g.unit, role=g.role) for g in user.grants],
            locked_until=user.locked_until,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class TokenCreate(_Strict):
    name: str = Field(min_length=1, max_length=100, description="What system uses it")
    grants: list[GrantIn] = Field(min_length=1, max_length=100)
    expires_at: AwareDatetime | None = Field(None, description="Leave out for no expiry")


class TokenOut(BaseModel):
    id: str
    name: str
    grants: list[GrantOut]
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(
            id=token.id,
            name=token.name,
            grants=[GrantOut(unit=g.unit, role=g.role) for g in token.grants],
            created_by=token.created_by,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
        )


class TokenCreated(TokenOut):
    token: str = Field(description="Send as 'Authorization: Bearer <token>'. Shown only now.")


class RoleOut(BaseModel):
    code: str
    name: str
    actions: list[str]
    covers_units_below: bool
    source: str
