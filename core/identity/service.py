"""Accounts, sign-in and API tokens: the rules. The HTTP layer (`api.py`), the middleware and
the CLI call these; every change is made by a `Principal`, checked against the policy here."""

from __future__ import annotations

import logging
import re
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio.to_thread
from pymongo.errors import DuplicateKeyError

from core.audit.models import AuditAction
from core.audit.recording import audit
from core.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from core.identity import credentials
from core.identity.models import (
    USERNAME_PATTERN,
    ApiToken,
    Grant,
    ServiceSecret,
    SignInSession,
    User,
)
from core.identity.policy import Principal
from core.identity.roles import Action
from core.runtime import Runtime

logger = logging.getLogger("hoso")

SIGNING_KEY_ID = "access-token-signing-key"
MAX_TOKEN_LIFETIME = timedelta(days=3653)
FIRST_ADMIN = "admin"


def now() -> datetime:
    """Credentials live in real time, whatever clock the service's business dates follow."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _aware(moment: datetime | None) -> datetime | None:
    # Stored dates come back naive from MongoDB: they are UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


# --- start-up -----------------------------------------------------------------------------


async def load_signing_key(runtime: Runtime) -> str:
    """The configured key, else the one kept in the database (made by the first worker)."""
    if runtime.settings.secret_key:
        return runtime.settings.secret_key
    stored = await ServiceSecret.get(SIGNING_KEY_ID)
    if stored is None:
        with suppress(DuplicateKeyError):  # another worker made it first: use theirs
            await ServiceSecret(id=SIGNING_KEY_ID, value=secrets.token_hex(32)).insert()
        stored = await ServiceSecret.get(SIGNING_KEY_ID)
    assert stored is not None
    return stored.value


def top_units(runtime: Runtime) -> list[str]:
    return [unit.code for unit in runtime.units if unit.parent is None]


async def bootstrap(runtime: Runtime) -> str | None:
    """Give a new installation its first administrator, once; None when accounts exist.

    With `bootstrap_token` set: an API token with that value. Else, on the embedded database
    only: a person `admin` with a password made now, which the caller prints once. A real
    database gets no default credentials: `hoso users add` makes the first administrator.
    """
    if await User.find_one({}) is not None or await ApiToken.find_one({}) is not None:
        return None
    grants = [Grant(unit=code, role="province_admin") for code in top_units(runtime)]
    moment = now()
    configured = runtime.settings.bootstrap_token
    if configured:
        token_id, secret = credentials.parse_api_token(configured) or ("", "")
        token = ApiToken(
            id=token_id,
            name="bootstrap (from the bootstrap_token setting)",
            secret_sha256=credentials.sha256_hex(secret),
            grants=grants,
            created_by="setting:bootstrap_token",
            created_at=moment,
        )
        with suppress(DuplicateKeyError):  # another worker did it
            await token.insert()
        return None
    if runtime.settings.mongodb_url is not None:
        logger.warning(
            "no accounts yet: make the first administrator with `hoso users add %s --role "
            "province_admin --unit <top unit>` (see the README)",
            FIRST_ADMIN,
        )
        return None
    password = secrets.token_urlsafe(15)
    user = User(
        id=FIRST_ADMIN,
        full_name="Quản trị hệ thống",
        password_hash=await _hash(password),
        grants=grants,
        created_at=moment,
        updated_at=moment,
    )
    try:
        await user.insert()
    except DuplicateKeyError:
        return None
    return password


# --- who is calling -------------------------------------------------------------------------

HOW_TO_SIGN_IN = (
    "Send 'Authorization: Bearer <token>'. People get a token with POST /api/v1/auth/login "
    "(username and password) or from the province's single sign-on; systems use an API token "
    "made by their administrator."
)


async def authenticate(
    runtime: Runtime, authorization: str | None, source: str | None
) -> Principal:
    if not authorization:
        raise NotAuthenticated(f"You are not signed in. {HOW_TO_SIGN_IN}")
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise NotAuthenticated(f"Only bearer tokens are accepted. {HOW_TO_SIGN_IN}")
    if value.startswith(credentials.API_TOKEN_PREFIX):
        return await _api_token_principal(runtime, value, source)
    if credentials.looks_like_jwt(value):
        issuer = credentials.unverified_issuer(value)
        if issuer == credentials.ACCESS_TOKEN_ISSUER:
            return await _access_token_principal(runtime, value, source)
        oidc = runtime.oidc
        if oidc is not None and issuer is not None and oidc.is_from_issuer(value):
            from core.identity.single_sign_on import oidc_principal

            return await oidc_principal(runtime, value, source)
        raise NotAuthenticated(
            "The token comes from an issuer this service does not trust. " + HOW_TO_SIGN_IN
        )
    raise NotAuthenticated(f"The token is not one this service knows. {HOW_TO_SIGN_IN}")


async def _api_token_principal(runtime: Runtime, text: str, source: str | None) -> Principal:
    parsed = credentials.parse_api_token(text)
    token = await ApiToken.get(parsed[0]) if parsed else None
    if (
        token is None
        or parsed is None
        or not credentials.same_digest(token.secret_sha256, parsed[1])
    ):
        raise NotAuthenticated("The API token is not valid. Ask your administrator for one.")
    if token.revoked_at is not None:
        raise NotAuthenticated(
            "The API token has been revoked. Ask your administrator for a new one."
        )
    expires = _aware(token.expires_at)
    if expires is not None and expires <= now():
        raise NotAuthenticated(
            f"The API token expired at {expires.isoformat()}. Ask your administrator for a new one."
        )
    return runtime.policy.principal(
        f"token:{token.id}",
        "system",
        token.grants,
        via="token",
        source=source,
        on_behalf_of=token.created_by,
    )


async def _access_token_principal(runtime: Runtime, text: str, source: str | None) -> Principal:
    assert runtime.signing_key is not None
    try:
        claims = credentials.decode_access_token(text, runtime.signing_key)
    except credentials.BadAccessToken as exc:
        raise NotAuthenticated(f"Not signed in: {exc}.") from None
    session = await SignInSession.get(claims.session_id)
    if session is None or session.username != claims.username or session.revoked_at is not None:
        raise NotAuthenticated("You have signed out. Sign in again with POST /api/v1/auth/login.")
    user = await _active_user(claims.username)
    return runtime.policy.principal(
        user.id, "person", user.grants, via="password", session_id=session.id, source=source
    )


async def _active_user(username: str) -> User:
    user = await User.get(username)
    if user is None or user.disabled:
        raise NotAuthenticated("This account is disabled or no longer exists.")
    return user


# --- people signing in ----------------------------------------------------------------------


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lasts
    username: str


async def sign_in(runtime: Runtime, username: str, password: str, source: str | None) -> TokenPair:
    username = username.strip().lower()
    user = await User.get(username) if username else None
    moment = now()
    locked_until = _aware(user.locked_until) if user else None
    if locked_until is not None and locked_until > moment:
        raise TooManyAttempts(
            f"Too many failed sign-ins: the account is locked until {locked_until.isoformat()}. "
            "Wait, or ask an administrator to set a new password.",
            retry_after_seconds=int((locked_until - moment).total_seconds()) + 1,
        )
    matches = await anyio.to_thread.run_sync(
        credentials.password_matches, user.password_hash if user else None, password
    )
    if user is None or not matches or user.disabled:
        if user is not None and not matches:
            await _count_failure(runtime, user, moment)
        await audit(
            runtime,
            None,
            AuditAction.SIGN_IN_FAILED,
            unit=None,
            target_kind="user",
            target_id=username[:64] or None,
            who=username[:64] or None,
            detail={"source": source, "known": user is not None},
        )
        raise NotAuthenticated("Wrong username or password, or the account is disabled.")
    if user.failed_sign_ins or user.locked_until:
        await User.get_motor_collection().update_one(
            {"_id": user.id}, {"$set": {"failed_sign_ins": 0, "locked_until": None}}
        )
    refresh = credentials.new_refresh_token()
    settings = runtime.settings
    session = SignInSession(
        id=refresh.id,
        username=user.id,
        refresh_sha256=credentials.sha256_hex(refresh.secret),
        created_at=moment,
        refreshed_at=moment,
        expires_at=moment + timedelta(hours=settings.refresh_token_hours),
        source=source,
    )
    await session.insert()
    await audit(
        runtime,
        None,
        AuditAction.SIGN_IN,
        unit=None,
        target_kind="user",
        target_id=user.id,
        who=user.id,
        detail={"source": source, "session": session.id},
    )
    return _pair(runtime, user.id, session.id, refresh.text, moment)


async def _count_failure(runtime: Runtime, user: User, moment: datetime) -> None:
    failures = user.failed_sign_ins + 1
    update: dict[str, object] = {"failed_sign_ins": failures}
    if failures >= runtime.settings.sign_in_max_failures:
        update = {
            "failed_sign_ins": 0,
            "locked_until": moment + timedelta(minutes=runtime.settings.sign_in_lockout_minutes),
        }
    await User.get_motor_collection().update_one({"_id": user.id}, {"$set": update})


def _pair(
    runtime: Runtime, username: str, session_id: str, refresh: str, moment: datetime
) -> TokenPair:
    assert runtime.signing_key is not None
    lifetime = timedelta(minutes=runtime.settings.access_token_minutes)
    access = credentials.encode_access_token(
        key=runtime.signing_key,
        username=username,
        session_id=session_id,
        now=moment,
        lifetime=lifetime,
    )
    return TokenPair(access, refresh, int(lifetime.total_seconds()), username)


async def refresh_session(runtime: Runtime, refresh_token: str) -> TokenPair:
    """A new access token, and a new refresh token replacing the one sent (each works once)."""
    refused = NotAuthenticated(
        "The refresh token is not valid, was used already, or its sign-in has ended. "
        "Sign in again with POST /api/v1/auth/login."
    )
    parsed = credentials.parse_refresh_token(refresh_token)
    session = await SignInSession.get(parsed[0]) if parsed else None
    if session is None or parsed is None or session.revoked_at is not None:
        raise refused
    if not credentials.same_digest(session.refresh_sha256, parsed[1]):
        # A refresh token used a second time: someone holds a copy. End the whole sign-in, so
        # the copy and the token it was traded for both stop working (RFC 9700 §4.14.2).
        await SignInSession.get_motor_collection().update_one(
            {"_id": session.id}, {"$set": {"revoked_at": now()}}
        )
        raise refused
    moment = now()
    if (_aware(session.expires_at) or moment) <= moment:
        raise refused
    await _active_user(session.username)
    renewed = credentials.new_refresh_token(session.id)
    result = await SignInSession.get_motor_collection().update_one(
        {"_id": session.id, "refresh_sha256": session.refresh_sha256},
        {
            "$set": {
                "refresh_sha256": credentials.sha256_hex(renewed.secret),
                "refreshed_at": moment,
            }
        },
    )
    if result.matched_count == 0:
        raise refused  # a concurrent refresh used it first
    return _pair(runtime, session.username, session.id, renewed.text, moment)


async def sign_out(runtime: Runtime, actor: Principal) -> None:
    if actor.session_id is None:
        raise Conflict(
            "Only a person's sign-in can be signed out; an API token is revoked by an "
            "administrator (DELETE /api/v1/tokens/{id})."
        )
    await SignInSession.get_motor_collection().update_one(
        {"_id": actor.session_id}, {"$set": {"revoked_at": now()}}
    )
    await audit(
        runtime,
        actor,
        AuditAction.SIGN_OUT,
        unit=None,
        target_kind="user",
        target_id=actor.name,
        detail={"session": actor.session_id},
    )


async def _end_sessions_of(username: str, keep: str | None = None) -> None:
    """Every sign-in of a person ends (new password, disabled account), but `keep`: the one a
    person changed their own password from. Rare: scans sessions."""
    query: dict[str, object] = {"username": username, "revoked_at": None}
    if keep is not None:
        query["_id"] = {"$ne": keep}
    await SignInSession.get_motor_collection().update_many(query, {"$set": {"revoked_at": now()}})


# --- managing people ------------------------------------------------------------------------


def _managed_units(actor: Principal) -> frozenset[str]:
    return actor.units_for(Action.MANAGE_ACCOUNTS)


def _require_account_manager(actor: Principal) -> None:
    if not _managed_units(actor):
        raise PermissionDenied(
            "Managing accounts needs the role unit_admin or province_admin in some unit."
        )


def _may_see(actor: Principal, user: User) -> bool:
    """An administrator sees the people who hold a role in units it manages, and those who hold
    none yet (just made, waiting for a role). Everyone sees themself."""
    if actor.name == user.id:
        return True
    managed = _managed_units(actor)
    if not managed:
        return False
    return not user.grants or any(grant.unit in managed for grant in user.grants)


def _may_change(actor: Principal, user: User) -> bool:
    """Changing a person (disable, password) needs authority over every unit they hold a role
    in: a unit administrator cannot lock out a province administrator. A person with no role
    yet belongs to no unit: only an administrator of the whole province changes them (else any
    unit administrator could set the password of an account about to be promoted)."""
    if not user.grants:
        return actor.sees_every_unit(Action.MANAGE_ACCOUNTS)
    managed = _managed_units(actor)
    return bool(managed) and all(grant.unit in managed for grant in user.grants)


def check_grantable(runtime: Runtime, actor: Principal, grant: Grant) -> None:
    role = runtime.policy.roles.get(grant.role)
    if role is None:
        raise InvalidInput(
            f"Unknown role {grant.role!r}; roles are {', '.join(sorted(runtime.policy.roles))}.",
            errors=[{"field": "role", "message": "unknown role"}],
        )
    if runtime.units.get(grant.unit) is None:
        raise InvalidInput(
            f"Unit {grant.unit!r} is not in the units tree; see GET /api/v1/units.",
            errors=[{"field": "unit", "message": "unknown unit"}],
        )
    actor.require(Action.MANAGE_ACCOUNTS, grant.unit)
    if Action.MANAGE_ACCOUNTS in role.actions:
        # An administrative role is given only by someone who holds all it allows there:
        # nobody makes an administrator stronger than themself.
        missing = sorted(a for a in role.actions if not actor.may(a, grant.unit))
        if missing:
            raise PermissionDenied(
                f"You cannot grant {grant.role} in {grant.unit}: it allows {', '.join(missing)}, "
                "which you do not hold there."
            )


async def get_user(actor: Principal, username: str) -> User:
    user = await User.get(username.lower())
    if user is None or not _may_see(actor, user):
        raise NotFound(f"There is no account {username!r} you can see.")
    return user


async def list_users(actor: Principal) -> list[User]:
    _require_account_manager(actor)
    users = await User.find_all().sort("+_id").to_list()
    return [user for user in users if _may_see(actor, user)]


async def create_user(
    runtime: Runtime,
    actor: Principal,
    *,
    username: str,
    full_name: str,
    password: str | None,
    grants: list[Grant] | None = None,
) -> User:
    _require_account_manager(actor)
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise InvalidInput(
            f"The username {username!r} is refused: lower-case letters, digits and . _ @ -, "
            "2 to 64 characters, starting with a letter or digit.",
            errors=[{"field": "username", "message": "not a username"}],
        )
    for grant in grants or []:
        check_grantable(runtime, actor, grant)
    password_hash = None
    if password is not None:
        problem = credentials.password_problem(password, username)
        if problem:
            raise InvalidInput(
                f"The password is refused: {problem}.",
                errors=[{"field": "password", "message": problem}],
            )
        password_hash = await _hash(password)
    moment = now()
    user = User(
        id=username,
        full_name=full_name,
        password_hash=password_hash,
        grants=_unique(grants or []),
        created_at=moment,
        updated_at=moment,
    )
    try:
        await user.insert()
    except DuplicateKeyError:
        raise Conflict(f"The username {username!r} is taken.") from None
    await _record_account(runtime, actor, AuditAction.USER_CREATE, user.id, after=_public(user))
    for grant in user.grants:
        await _record_grant(runtime, actor, AuditAction.GRANT, user.id, grant)
    return user


async def update_user(
    runtime: Runtime,
    actor: Principal,
    username: str,
    *,
    full_name: str | None,
    disabled: bool | None,
) -> User:
    user = await get_user(actor, username)
    if not _may_change(actor, user):
        raise PermissionDenied(
            f"You cannot change {user.id}: they hold roles in units you do not administer."
        )
    if disabled and user.id == actor.name:
        raise Conflict("You cannot disable your own account.")
    changes: dict[str, object] = {"updated_at": now()}
    if full_name is not None:
        changes["full_name"] = full_name
    if disabled is not None:
        changes["disabled"] = disabled
    await User.get_motor_collection().update_one({"_id": user.id}, {"$set": changes})
    if disabled:
        await _end_sessions_of(user.id)
    changed = await get_user(actor, user.id)
    await _record_account(
        runtime,
        actor,
        AuditAction.USER_CHANGE,
        user.id,
        before=_public(user),
        after=_public(changed),
    )
    return changed


async def set_password(
    runtime: Runtime,
    actor: Principal,
    username: str,
    new_password: str,
    current_password: str | None = None,
) -> None:
    user = await get_user(actor, username)
    own = user.id == actor.name
    if own and actor.kind == "person":
        ok = await anyio.to_thread.run_sync(
            credentials.password_matches, user.password_hash, current_password or ""
        )
        if not ok:
            raise InvalidInput(
                "The current password is wrong.",
                errors=[{"field": "current_password", "message": "wrong password"}],
            )
    elif not _may_change(actor, user):
        raise PermissionDenied(
            f"You cannot set {user.id}'s password: they hold roles in units you do not administer."
        )
    problem = credentials.password_problem(new_password, user.id)
    if problem:
        raise InvalidInput(
            f"The password is refused: {problem}.",
            errors=[{"field": "password", "message": problem}],
        )
    await User.get_motor_collection().update_one(
        {"_id": user.id},
        {
            "$set": {
                "password_hash": await _hash(new_password),
                "failed_sign_ins": 0,
                "locked_until": None,
                "updated_at": now(),
            }
        },
    )
    # Whoever knew the old password is signed out everywhere; the person who just proved it
    # and chose the new one stays signed in where they did it.
    await _end_sessions_of(user.id, keep=actor.session_id if own else None)
    await _record_account(runtime, actor, AuditAction.PASSWORD_SET, user.id)


async def add_grant(runtime: Runtime, actor: Principal, username: str, grant: Grant) -> User:
    user = await get_user(actor, username)
    if user.id in {actor.name, actor.on_behalf_of}:
        # Nobody widens their own access: another administrator grants it, and the history
        # shows who.
        raise PermissionDenied("You cannot grant roles to yourself; ask another administrator.")
    check_grantable(runtime, actor, grant)
    if grant in user.grants:
        return user
    await User.get_motor_collection().update_one(
        {"_id": user.id},
        {"$addToSet": {"grants": grant.model_dump()}, "$set": {"updated_at": now()}},
    )
    await _record_grant(runtime, actor, AuditAction.GRANT, user.id, grant)
    return await get_user(actor, user.id)


async def remove_grant(runtime: Runtime, actor: Principal, username: str, grant: Grant) -> User:
    user = await get_user(actor, username)
    if grant not in user.grants:
        raise NotFound(f"{user.id} does not hold {grant.role} in {grant.unit}.")
    check_grantable(runtime, actor, grant)
    await User.get_motor_collection().update_one(
        {"_id": user.id},
        {"$pull": {"grants": grant.model_dump()}, "$set": {"updated_at": now()}},
    )
    await _record_grant(runtime, actor, AuditAction.REVOKE, user.id, grant)
    return await get_user(actor, user.id)


# --- API tokens -----------------------------------------------------------------------------


async def create_api_token(
    runtime: Runtime,
    actor: Principal,
    *,
    name: str,
    grants: list[Grant],
    expires_at: datetime | None,
) -> tuple[ApiToken, str]:
    _require_account_manager(actor)
    if not grants:
        raise InvalidInput(
            "An API token needs at least one grant (a role in a unit).",
            errors=[{"field": "grants", "message": "at least one"}],
        )
    for grant in grants:
        _check_token_grant(runtime, actor, grant)
    moment = now()
    if expires_at is not None and _aware(expires_at) > moment + MAX_TOKEN_LIFETIME:  # type: ignore[operator]
        raise InvalidInput(
            "expires_at is more than 10 years ahead; make a token that expires sooner.",
            errors=[{"field": "expires_at", "message": "more than 10 years ahead"}],
        )
    if expires_at is not None and _aware(expires_at) <= moment:  # type: ignore[operator]
        raise InvalidInput(
            "expires_at is in the past.",
            errors=[{"field": "expires_at", "message": "in the past"}],
        )
    made = credentials.new_api_token()
    token = ApiToken(
        id=made.id,
        name=name,
        secret_sha256=credentials.sha256_hex(made.secret),
        grants=_unique(grants),
        created_by=actor.name,
        created_at=moment,
        expires_at=expires_at,
    )
    await token.insert()
    await _record_account(
        runtime,
        actor,
        AuditAction.TOKEN_CREATE,
        f"token:{token.id}",
        after=token.model_dump(mode="json", exclude={"secret_sha256"}),
    )
    return token, made.text


def _check_token_grant(runtime: Runtime, actor: Principal, grant: Grant) -> None:
    """A token is never stronger than whoever makes it: each role it holds allows nothing its
    maker may not do in that unit (else a unit administrator could mint a clerk's or a leader's
    powers it does not hold, and read restricted documents through them)."""
    check_grantable(runtime, actor, grant)
    role = runtime.policy.roles[grant.role]
    missing = sorted(action for action in role.actions if not actor.may(action, grant.unit))
    if missing:
        raise PermissionDenied(
            f"A token cannot hold {grant.role} in {grant.unit}: that role allows "
            f"{', '.join(missing)}, which you do not hold there. A token is never stronger than "
            "whoever makes it."
        )


def _may_see_token(actor: Principal, token: ApiToken) -> bool:
    managed = _managed_units(actor)
    return token.created_by == actor.name or (
        bool(managed) and all(grant.unit in managed for grant in token.grants)
    )


async def list_api_tokens(actor: Principal) -> list[ApiToken]:
    _require_account_manager(actor)
    tokens = await ApiToken.find_all().sort("+created_at").to_list()
    return [token for token in tokens if _may_see_token(actor, token)]


async def get_api_token(actor: Principal, token_id: str) -> ApiToken:
    token = await ApiToken.get(token_id)
    if token is None or not _may_see_token(actor, token):
        raise NotFound(f"There is no API token {token_id!r} you can see.")
    return token


async def revoke_api_token(runtime: Runtime, actor: Principal, token_id: str) -> ApiToken:
    token = await get_api_token(actor, token_id)
    if actor.name == f"token:{token.id}":
        # As nobody disables their own account: a system does not lock itself out by mistake.
        raise Conflict(
            "You cannot revoke the token this request is made with; revoke it from another "
            "administrator's account, or with `hoso tokens revoke`."
        )
    if token.revoked_at is None:
        await ApiToken.get_motor_collection().update_one(
            {"_id": token.id}, {"$set": {"revoked_at": now()}}
        )
        await _record_account(runtime, actor, AuditAction.TOKEN_REVOKE, f"token:{token.id}")
    return await get_api_token(actor, token.id)


# --- helpers --------------------------------------------------------------------------------


def _public(user: User) -> dict[str, object]:
    """What the history digests of an account: never its password hash."""
    return user.model_dump(mode="json", exclude={"password_hash", "revision_id"})


async def _record_account(
    runtime: Runtime,
    actor: Principal,
    action: str,
    target: str,
    *,
    before: object = None,
    after: object = None,
) -> None:
    kind = "token" if target.startswith("token:") else "user"
    await audit(
        runtime,
        actor,
        action,
        unit=None,
        target_kind=kind,
        target_id=target,
        before=before,
        after=after,
    )


async def _record_grant(
    runtime: Runtime, actor: Principal, action: str, username: str, grant: Grant
) -> None:
    """A role given or taken back is written on the history of the unit it is about."""
    await audit(
        runtime,
        actor,
        action,
        unit=grant.unit,
        target_kind="user",
        target_id=username,
        detail={"role": grant.role, "unit": grant.unit},
    )


async def _hash(password: str) -> str:
    return await anyio.to_thread.run_sync(credentials.hash_password, password)


def _unique(grants: list[Grant]) -> list[Grant]:
    seen: list[Grant] = []
    for grant in grants:
        if grant not in seen:
            seen.append(grant)
    return seen
