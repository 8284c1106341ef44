"""The credentials hoso hands out and checks: password hashes, access and refresh tokens for
people, API tokens for systems. Storage and rules are in `service.py`."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar.security.jwt import Token

# argon2id with the library's defaults (RFC 9106's second recommendation: 64 MiB, 3 passes).
_hasher = PasswordHasher()
# Verified against when the username is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))

ACCESS_TOKEN_ISSUER = "hoso"
ACCESS_TOKEN_ALGORITHM = "HS256"

API_TOKEN_PREFIX = "hoso_"
API_TOKEN_PATTERN = re.compile(r"^hoso_(?P<id>[0-9a-f]{12})_(?P<secret>[0-9a-f]{64})$")
REFRESH_TOKEN_PATTERN = re.compile(r"^(?P<id>[0-9a-f]{24})\.(?P<secret>[0-9a-f]{64})$")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, username: str) -> str | None:
    """Why a new password is refused, or None. Length over composition rules (NIST SP 800-63B)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 256:
        return "a password has at most 256 characters"
    if username.lower() in password.lower():
        return "a password must not contain the username"
    return None


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def same_digest(stored: str, given: str) -> bool:
    return hmac.compare_digest(stored, sha256_hex(given))


# --- API tokens -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSecret:
    id: str
    secret: str
    text: str  # what the holder sends: shown once


def new_api_token() -> NewSecret:
    token_id, secret = secrets.token_hex(6), secrets.token_hex(32)
    return NewSecret(token_id, secret, f"{API_TOKEN_PREFIX}{token_id}_{secret}")


def parse_api_token(text: str) -> tuple[str, str] | None:
    match = API_TOKEN_PATTERN.fullmatch(text)
    return (match["id"], match["secret"]) if match else None


# --- people's tokens -----------------------------------------------------------------------


def new_refresh_token(session_id: str | None = None) -> NewSecret:
    session_id = session_id or secrets.token_hex(12)
    secret = secrets.token_hex(32)
    return NewSecret(session_id, secret, f"{session_id}.{secret}")


def parse_refresh_token(text: str) -> tuple[str, str] | None:
    match = REFRESH_TOKEN_PATTERN.fullmatch(text)
    return (match["id"], match["secret"]) if match else None


def encode_access_token(
    *, key: str, username: str, session_id: str, now: datetime, lifetime: timedelta
) -> str:
    token = Token(
        exp=now + lifetime,
        sub=username,
        iat=now,
        iss=ACCESS_TOKEN_ISSUER,
        jti=secrets.token_hex(8),
        extras={"sid": session_id},
    )
    return token.encode(secret=key, algorithm=ACCESS_TOKEN_ALGORITHM)


@dataclass(frozen=True)
class AccessClaims:
    username: str
    session_id: str


class BadAccessToken(Exception):
    """Not a valid access token of this service; the message says why, for the 401."""


def decode_access_token(text: str, key: str) -> AccessClaims:
    try:
        token = Token.decode(
            text,
            secret=key,
            algorithm=ACCESS_TOKEN_ALGORITHM,
            issuer=ACCESS_TOKEN_ISSUER,
            require_claims=["exp", "sub", "iss"],
        )
    except Exception as exc:  # Litestar wraps PyJWT's errors in NotAuthorizedException
        cause = exc.__cause__ or exc
        if isinstance(cause, jwt.ExpiredSignatureError):
            raise BadAccessToken(
                "the access token has expired: get a new one with POST /api/v1/auth/refresh"
            ) from None
        raise BadAccessToken("the access token is not one this service signed") from None
    session_id = token.extras.get("sid")
    if not isinstance(session_id, str):
        raise BadAccessToken("the access token names no sign-in session")
    return AccessClaims(token.sub, session_id)


def looks_like_jwt(text: str) -> bool:
    return text.count(".") == 2


def unverified_issuer(text: str) -> str | None:
    try:
        claims = jwt.decode(text, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else None
