"""Single sign-on: check bearer tokens issued by the configured OpenID Connect provider.

A token is accepted when its signature verifies against a key the issuer publishes in its JWKS
(fetched with PyJWT's `PyJWKClient`), its `iss` is the configured issuer, its `aud` names the
configured audience, it has not expired (`exp`), is already valid (`nbf`, `iat` when present), and
it carries the claim that names the hoso user. The verifier knows nothing of HTTP: the
authentication middleware answers 401 to `InvalidOidcToken` and 503 to `OidcUnavailable`.

The issuer's keys are kept in memory. They are fetched again when the copy is older than
`keys_lifespan_seconds`, and when a token names a key the copy does not hold (the issuer rotated
its keys), but then at most once per `refetch_interval_seconds`: tokens with made-up key ids must
not make the service fetch the JWKS on every request. After a failed fetch the service waits
`retry_after_seconds` before trying again, answering at once meanwhile, and keeps accepting the
keys it last fetched for up to `stale_keys_seconds`, so a short outage of the provider does not
sign everyone out.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from core.errors import ServiceUnavailable

if TYPE_CHECKING:
    from core.settings import Settings

logger = logging.getLogger("hoso")

# Public-key signatures only: a shared-secret algorithm (HS*) would let anyone holding the
# issuer's public key sign tokens, and `none` signs nothing.
SUPPORTED_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
DEFAULT_ALGORITHMS = ("RS256", "ES256")
DEFAULT_USERNAME_CLAIM = "preferred_username"
DISCOVERY_PATH = "/.well-known/openid-configuration"
_MAX_DISCOVERY_BYTES = 1_048_576
_EC_CURVES = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}


def check_algorithms(names: Iterable[str]) -> tuple[str, ...]:
    """The algorithms as given, or `ValueError` saying which one cannot be accepted and why."""
    chosen = tuple(names)
    if not chosen:
        raise ValueError(f"name at least one algorithm, e.g. {list(DEFAULT_ALGORITHMS)}")
    for name in chosen:
        if name.lower() == "none":
            raise ValueError("'none' would accept unsigned tokens; it is never allowed")
        if name.upper().startswith("HS"):
            raise ValueError(
                f"{name!r} is a shared-secret algorithm: with it, anyone holding the issuer's "
                "public key could sign tokens; use the issuer's RS*, PS*, ES* or EdDSA keys"
            )
        if name not in SUPPORTED_ALGORITHMS:
            raise ValueError(
                f"unknown algorithm {name!r}; supported: {', '.join(SUPPORTED_ALGORITHMS)}"
            )
    return chosen


@dataclass(frozen=True)
class OidcIdentity:
    """A person (or service) the issuer vouches for, as its verified token says."""

    username: str  # the hoso user: the value of the configured username claim
    claims: dict[str, Any]  # every claim of the verified token
    issuer: str
    subject: str | None  # `sub`: the issuer's stable identifier of the person


class InvalidOidcToken(Exception):
    """The token is not acceptable; `reason` says why, for the caller to act on (answer 401)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OidcUnavailable(ServiceUnavailable):
    """The issuer's keys cannot be had right now, so no token can be checked (answer 503).

    Not the caller's fault: the same token may be accepted in a moment.
    """

    def __init__(self, reason: str, *, retry_after_seconds: float) -> None:
        super().__init__(
            f"Single sign-on cannot check tokens right now: {reason}. Try again shortly.",
            headers={"Retry-After": str(max(1, round(retry_after_seconds)))},
        )
        self.reason = reason


class OidcVerifier:
    """Checks bearer tokens of one OpenID Connect issuer. One per process; safe to share."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        jwks_url: str | None = None,
        username_claim: str = DEFAULT_USERNAME_CLAIM,
        algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
        leeway_seconds: float = 60,
        fetch_timeout_seconds: float = 5,
        keys_lifespan_seconds: float = 300,
        refetch_interval_seconds: float = 60,
        retry_after_seconds: float = 10,
        stale_keys_seconds: float = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not issuer or not audience or not username_claim:
            raise ValueError("issuer, audience and username_claim must not be empty")
        self.issuer = issuer
        self.audience = audience
        self.username_claim = username_claim
        self.algorithms = check_algorithms(algorithms)
        self.leeway_seconds = leeway_seconds
        self._keys = _IssuerKeys(
            issuer,
            jwks_url,
            timeout=fetch_timeout_seconds,
            lifespan=keys_lifespan_seconds,
            refetch_interval=refetch_interval_seconds,
            retry_after=retry_after_seconds,
            stale_for=stale_keys_seconds,
            clock=clock,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcVerifier | None:
        """The verifier the settings describe, or None when single sign-on is off."""
        if settings.oidc_issuer is None:
            return None
        assert settings.oidc_audience is not None  # the settings refuse an issuer without one
        return cls(
            settings.oidc_issuer,
            settings.oidc_audience,
            jwks_url=settings.oidc_jwks_url,
            username_claim=settings.oidc_username_claim,
            algorithms=settings.oidc_algorithms,
            leeway_seconds=settings.oidc_leeway_seconds,
        )

    def is_from_issuer(self, token: str) -> bool:
        """Whether `token` is a JWT that claims to come from this issuer. Checks nothing else.

        Cheap (no signature check, no network): lets the caller tell these tokens from others
        before choosing how to verify them.
        """
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return False
        return claims.get("iss") == self.issuer

    async def verify(self, token: str) -> OidcIdentity:
        """The identity `token` proves, or `InvalidOidcToken` / `OidcUnavailable`."""
        header, unverified = _unverified_parts(token)
        algorithm = header.get("alg")
        if algorithm not in self.algorithms:
            raise InvalidOidcToken(
                f"algorithm {algorithm!r} is not accepted; accepted: {', '.join(self.algorithms)}"
            )
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise InvalidOidcToken("the 'kid' header is not a string")
        # Checked before any key is looked up: a token from elsewhere costs no JWKS fetch.
        issuer = unverified.get("iss")
        if issuer is None:
            raise InvalidOidcToken("claim 'iss' missing")
        if issuer != self.issuer:
            raise InvalidOidcToken(f"issuer {issuer!r} is not the configured issuer")

        key = self._keys.cached_key(kid, algorithm)
        if key is None:
            # PyJWKClient fetches with urllib, which blocks: keep it off the event loop.
            key = await anyio.to_thread.run_sync(self._keys.key, kid, algorithm)
        if not _fits(algorithm, key.key):
            raise InvalidOidcToken(f"key {kid!r} of the issuer is not a key for {algorithm}")
        claims = self._decode(token, key, algorithm, unverified)

        username = claims[self.username_claim]
        if not isinstance(username, str) or not username.strip():
            raise InvalidOidcToken(f"claim {self.username_claim!r} is not a user name")
        subject = claims.get("sub")
        return OidcIdentity(
            username=username,
            claims=claims,
            issuer=self.issuer,
            subject=subject if isinstance(subject, str) else None,
        )

    def _decode(
        self, token: str, key: jwt.PyJWK, algorithm: str, unverified: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["iss", "aud", "exp", self.username_claim]},
            )
        except jwt.InvalidSignatureError:
            raise InvalidOidcToken(
                "signature does not match any key of the issuer's JWKS"
            ) from None
        except jwt.ExpiredSignatureError:
            raise InvalidOidcToken(f"token expired at {_when(unverified.get('exp'))}") from None
        except jwt.ImmatureSignatureError:
            start = unverified.get("nbf", unverified.get("iat"))
            raise InvalidOidcToken(f"token is not valid before {_when(start)}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidOidcToken(f"claim {exc.claim!r} missing") from None
        except jwt.InvalidAudienceError:
            raise InvalidOidcToken(
                f"audience {unverified.get('aud')!r} does not include the configured audience "
                f"{self.audience!r}"
            ) from None
        except jwt.InvalidTokenError as exc:
            raise InvalidOidcToken(f"token is not valid: {exc}") from None


def _unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise InvalidOidcToken(f"not a well-formed JSON Web Token: {exc}") from None
    return header, claims


def _when(timestamp: Any) -> str:
    try:
        return datetime.fromtimestamp(float(timestamp), UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return repr(timestamp)


def _fits(algorithm: str, key: Any) -> bool:
    """Whether `key` is of the kind `algorithm` verifies with (no RSA key for an ES256 token)."""
    if algorithm.startswith(("RS", "PS")):
        return isinstance(key, rsa.RSAPublicKey)
    if algorithm in _EC_CURVES:
        return (
            isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == _EC_CURVES[algorithm]
        )
    if algorithm == "EdDSA":
        return isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey)
    return False


@dataclass(frozen=True)
class _FetchedKeys:
    keys: tuple[jwt.PyJWK, ...]
    fetched_at: float


class _FetchFailed(Exception):
    pass


class _IssuerKeys:
    """The issuer's signing keys, fetched over HTTP and kept; see the module docstring.

    `cached_key` runs on the event loop and never waits; `key` may fetch, so it runs in a worker
    thread. One fetch at a time: threads asking meanwhile wait for its answer.
    """

    def __init__(
        self,
        issuer: str,
        jwks_url: str | None,
        *,
        timeout: float,
        lifespan: float,
        refetch_interval: float,
        retry_after: float,
        stale_for: float,
        clock: Callable[[], float],
    ) -> None:
        self._issuer = issuer
        self._jwks_url = jwks_url
        self._timeout = timeout
        self._lifespan = lifespan
        self._refetch_interval = refetch_interval
        self._retry_after = retry_after
        self._stale_for = stale_for
        self._clock = clock
        self._lock = threading.Lock()
        self._client: jwt.PyJWKClient | None = None
        # Replaced whole, never changed in place: the event loop reads it without the lock.
        self._fetched: _FetchedKeys | None = None
        self._last_attempt: float | None = None
        self._failure: tuple[float, str] | None = None  # when the last fetch failed, and why

    def cached_key(self, kid: str | None, algorithm: str) -> jwt.PyJWK | None:
        fetched = self._fetched
        if fetched is None or self._clock() - fetched.fetched_at >= self._lifespan:
            return None
        return _select(fetched.keys, kid, algorithm)

    def key(self, kid: str | None, algorithm: str) -> jwt.PyJWK:
        with self._lock:
            now = self._clock()
            fetched = self._fetched
            if fetched is not None and now - fetched.fetched_at < self._lifespan:
                found = _select(fetched.keys, kid, algorithm)
                if found is not None:
                    return found
                # Unknown to a fresh copy: perhaps the issuer rotated its keys; ask again, rarely.
                if self._last_attempt is not None and (
                    now - self._last_attempt < self._refetch_interval
                ):
                    raise InvalidOidcToken(_not_found(kid, algorithm))
            elif self._failure is not None and now - self._failure[0] < self._retry_after:
                return self._last_good(kid, algorithm, now)
            self._last_attempt = now
            try:
                keys = self._fetch()
            except _FetchFailed as exc:
                self._failure = (now, str(exc))
                logger.warning("single sign-on: %s", exc)
                return self._last_good(kid, algorithm, now)
            self._failure = None
            self._fetched = _FetchedKeys(keys, now)
            found = _select(keys, kid, algorithm)
            if found is None:
                raise InvalidOidcToken(_not_found(kid, algorithm))
            return found

    def _last_good(self, kid: str | None, algorithm: str, now: float) -> jwt.PyJWK:
        """A key of the last copy fetched while the issuer cannot be reached, if not too old."""
        assert self._failure is not None
        fetched = self._fetched
        if fetched is not None and now - fetched.fetched_at < self._stale_for:
            found = _select(fetched.keys, kid, algorithm)
            if found is not None:
                return found
        raise OidcUnavailable(self._failure[1], retry_after_seconds=self._retry_after)

    def _fetch(self) -> tuple[jwt.PyJWK, ...]:
        client = self._client or self._make_client()
        try:
            jwk_set = client.get_jwk_set()
        except (jwt.PyJWTError, OSError, http.client.HTTPException, ValueError) as exc:
            raise _FetchFailed(
                f"the issuer's keys at {client.uri} cannot be fetched: {_describe(exc)}"
            ) from None
        keys = tuple(key for key in jwk_set.keys if key.public_key_use in ("sig", None))
        if not keys:
            raise _FetchFailed(f"the issuer's keys at {client.uri} hold no signing key")
        return keys

    def _make_client(self) -> jwt.PyJWKClient:
        url = self._jwks_url or self._discover_jwks_url()
        try:
            # Caching is done here (see the module docstring), so the client only fetches.
            client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=self._timeout)
        except jwt.PyJWTError as exc:
            raise _FetchFailed(f"the issuer's JWKS address {url!r} is unusable: {exc}") from None
        self._client = client
        return client

    def _discover_jwks_url(self) -> str:
        """`jwks_uri` of the issuer's discovery document (OpenID Connect Discovery 1.0 §4).

        Read once: the client made from it is kept.
        """
        url = self._issuer.rstrip("/") + DISCOVERY_PATH
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                document = json.loads(response.read(_MAX_DISCOVERY_BYTES + 1))
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise _FetchFailed(
                f"the issuer's discovery document {url} cannot be fetched: {_describe(exc)}"
            ) from None
        if not isinstance(document, dict):
            raise _FetchFailed(f"the issuer's discovery document {url} is not a JSON object")
        # §4.3: the document must name the issuer it was fetched for.
        if document.get("issuer") != self._issuer:
            raise _FetchFailed(
                f"the discovery document {url} names issuer {document.get('issuer')!r}, not "
                f"the configured {self._issuer!r}"
            )
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise _FetchFailed(f"the discovery document {url} has no usable jwks_uri")
        return jwks_uri


def _select(keys: Iterable[jwt.PyJWK], kid: str | None, algorithm: str) -> jwt.PyJWK | None:
    """The key `kid` names; without a kid, the only key that fits the algorithm."""
    if kid is not None:
        return next((key for key in keys if key.key_id == kid), None)
    fitting = [key for key in keys if _fits(algorithm, key.key)]
    if len(fitting) > 1:
        raise InvalidOidcToken(
            "the token names no key ('kid' header) and the issuer publishes several"
        )
    return fitting[0] if fitting else None


def _not_found(kid: str | None, algorithm: str) -> str:
    if kid is None:
        return f"the issuer's JWKS holds no {algorithm} key"
    return f"key {kid!r} is not in the issuer's JWKS"


def _describe(exc: BaseException) -> str:
    """The cause of a failed fetch in a few words (PyJWKClient wraps urllib's errors)."""
    cause = exc.__cause__ or exc
    if isinstance(cause, urllib.error.HTTPError):
        return f"HTTP {cause.code}"
    if isinstance(cause, urllib.error.URLError):
        return str(cause.reason)
    return str(cause) or type(cause).__name__
