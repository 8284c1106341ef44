"""`/api/v1/auth`, `/api/v1/users`, `/api/v1/tokens`, `/api/v1/roles`: signing in and managing
who may do what."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from core.identity import service
from core.identity.models import Grant
from core.identity.policy import Principal
from core.identity.roles import Action
from core.identity.schemas import (
    GrantIn,
    MeOut,
    PasswordChange,
    PasswordSet,
    RefreshIn,
    RoleOut,
    SignIn,
    TokenCreate,
    TokenCreated,
    TokenOut,
    TokensOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from core.openapi import API_PREFIX, LOCATION, created_at
from core.runtime import Runtime


def _source(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


def _tokens(pair: service.TokenPair) -> TokensOut:
    return TokensOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
        username=pair.username,
    )


# Answers that carry a secret (tokens) must not be kept by a browser or a proxy (RFC 6749 §5.1).
NO_STORE = CacheControlHeader(no_store=True)


class AuthController(Controller):
    path = "/auth"
    tags = ["sign-in"]

    @post(
        "/login",
        status_code=200,
        summary="Sign in with username and password: an access and a refresh token",
        exclude_from_auth=True,
        cache_control=NO_STORE,
        security=[],
        problems=(401, 429),
    )
    async def sign_in(
        self, runtime: NamedDependency[Runtime], request: Request[Any, Any, Any], data: SignIn
    ) -> TokensOut:
        return _tokens(
            await service.sign_in(runtime, data.username, data.password, _source(request))
        )

    @post(
        "/refresh",
        status_code=200,
        summary="A new access token for a refresh token (which is replaced: each works once)",
        exclude_from_auth=True,
        cache_control=NO_STORE,
        security=[],
        problems=(401, 429),
    )
    async def refresh(self, runtime: NamedDependency[Runtime], data: RefreshIn) -> TokensOut:
        return _tokens(await service.refresh_session(runtime, data.refresh_token))

    @post(
        "/logout",
        status_code=204,
        summary="Sign out: this sign-in's tokens stop working",
        problems=(409,),
    )
    async def sign_out(
        self, runtime: NamedDependency[Runtime], actor: NamedDependency[Principal]
    ) -> None:
        await service.sign_out(runtime, actor)

    @get("/me", summary="Who you are signed in as, your roles, and what you may do where")
    async def me(self, actor: NamedDependency[Principal]) -> MeOut:
        return MeOut.of(actor, sorted(Action.ALL))

    @post("/password", status_code=204, summary="Change your own password", problems=(404,))
    async def change_password(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        data: PasswordChange,
    ) -> None:
        await service.set_password(
            runtime, actor, actor.name, data.new_password, data.current_password
        )


class UserController(Controller):
    path = "/users"
    tags = ["accounts"]

    @get("/", summary="People you administer", problems=(403,))
    async def list_users(self, actor: NamedDependency[Principal]) -> list[UserOut]:
        return [UserOut.of(user) for user in await service.list_users(actor)]

    @post(
        "/",
        summary="Make an account for a person",
        problems=(403, 409),
        response_headers=[LOCATION],
    )
    async def create_user(
        self, runtime: NamedDependency[Runtime], actor: NamedDependency[Principal], data: UserCreate
    ) -> Response[UserOut]:
        user = await service.create_user(
            runtime,
            actor,
            username=data.username,
            full_name=data.full_name,
            password=data.password,
            grants=[grant.to_grant() for grant in data.grants],
        )
        return created_at(f"{API_PREFIX}/users/{user.id}", UserOut.of(user))

    @get("/{username:str}", summary="One person's account", problems=(404,))
    async def get_user(self, actor: NamedDependency[Principal], username: str) -> UserOut:
        return UserOut.of(await service.get_user(actor, username))

    @patch("/{username:str}", summary="Rename or disable an account", problems=(403, 404, 409))
    async def update_user(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        username: str,
        data: UserUpdate,
    ) -> UserOut:
        user = await service.update_user(
            runtime, actor, username, full_name=data.full_name, disabled=data.disabled
        )
        return UserOut.of(user)

    @put(
        "/{username:str}/password",
        status_code=204,
        summary="Set a person's password (their sign-ins end)",
        problems=(403, 404),
    )
    async def set_password(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        username: str,
        data: PasswordSet,
    ) -> None:
        await service.set_password(runtime, actor, username, data.password)

    @post(
        "/{username:str}/grants",
        status_code=200,
        summary="Grant a role in a unit",
        problems=(403, 404),
    )
    async def add_grant(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        username: str,
        data: GrantIn,
    ) -> UserOut:
        return UserOut.of(await service.add_grant(runtime, actor, username, data.to_grant()))

    @delete(
        "/{username:str}/grants",
        status_code=200,
        summary="Take back a role in a unit",
        problems=(403, 404),
    )
    async def remove_grant(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        username: str,
        unit: Annotated[str, QueryParameter(max_length=20, description="The unit's code")],
        role: Annotated[str, QueryParameter(max_length=40)],
    ) -> UserOut:
        grant = Grant(unit=unit, role=role)
        return UserOut.of(await service.remove_grant(runtime, actor, username, grant))


class TokenController(Controller):
    path = "/tokens"
    tags = ["accounts"]

    @get("/", summary="API tokens you made or administer", problems=(403,))
    async def list_tokens(self, actor: NamedDependency[Principal]) -> list[TokenOut]:
        return [TokenOut.of(token) for token in await service.list_api_tokens(actor)]

    @post(
        "/",
        summary="Make an API token for a system (shown once)",
        cache_control=NO_STORE,
        problems=(403,),
        response_headers=[LOCATION],
    )
    async def create_token(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        data: TokenCreate,
    ) -> Response[TokenCreated]:
        token, text = await service.create_api_token(
            runtime,
            actor,
            name=data.name,
            grants=[grant.to_grant() for grant in data.grants],
            expires_at=data.expires_at,
        )
        body = TokenCreated(**TokenOut.of(token).model_dump(), token=text)
        return created_at(f"{API_PREFIX}/tokens/{token.id}", body)

    @get("/{token_id:str}", summary="One API token (never its secret)", problems=(404,))
    async def get_token(self, actor: NamedDependency[Principal], token_id: str) -> TokenOut:
        return TokenOut.of(await service.get_api_token(actor, token_id))

    @delete("/{token_id:str}", status_code=200, summary="Revoke an API token", problems=(404, 409))
    async def revoke_token(
        self, runtime: NamedDependency[Runtime], actor: NamedDependency[Principal], token_id: str
    ) -> TokenOut:
        return TokenOut.of(await service.revoke_api_token(runtime, actor, token_id))


class RoleController(Controller):
    path = "/roles"
    tags = ["accounts"]

    @get("/", summary="Every role and the actions it allows")
    async def list_roles(self, runtime: NamedDependency[Runtime]) -> list[RoleOut]:
        return [
            RoleOut(
                code=role.code,
                name=role.name,
                actions=sorted(role.actions),
                covers_units_below=role.covers_units_below,
                source=role.source,
            )
            for role in runtime.policy.roles.values()
        ]
