"""Single sign-on: tokens of an OpenID Connect provider served over real HTTP by the test.

The provider below is a plain HTTP server on 127.0.0.1 with a discovery document and a JWKS made
from keys generated here; tokens are signed with PyJWT. It counts the requests it gets, so the
tests can see when the verifier fetches and when it must not. The verifier's clock (for its key
cache only; token times are real) is a counter the tests move forward, so no test sleeps.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from core.errors import ServiceUnavailable
from core.hookspecs import hookimpl
from core.identity.oidc import InvalidOidcToken, OidcUnavailable, OidcVerifier
from core.plugins import load_plugins
from core.settings import ConfigError, load_settings

AUDIENCE = "hoso"
REALM = "/realms/agency"
JWKS_PATH = f"{REALM}/protocol/openid-connect/certs"
DISCOVERY_PATH = f"{REALM}/.well-known/openid-configuration"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str
    private: Any

    def public_jwk(self) -> dict[str, Any]:
        kind = RSAAlgorithm if self.algorithm.startswith("RS") else ECAlgorithm
        jwk = json.loads(kind.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.algorithm}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, claims: dict[str, Any], *, kid: str | None = "own") -> str:
        headers = {"kid": self.kid if kid == "own" else kid} if kid is not None else {}
        token = jwt.encode(claims, self.private, algorithm=self.algorithm, headers=headers)
        if kid is None:  # PyJWT adds no kid unless asked; check that none slipped in
            assert "kid" not in jwt.get_unverified_header(token)
        return token


def rsa_key(kid: str) -> SigningKey:
    return SigningKey(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def keys() -> dict[str, SigningKey]:
    return {
        "rsa": rsa_key("rsa-2024"),
        "rsa_next": rsa_key("rsa-2025"),
        "ec": SigningKey("ec-2024", "ES256", ec.generate_private_key(ec.SECP256R1())),
        # Never published by the provider: an outsider's key.
        "stranger": rsa_key("stranger"),
    }


class IdentityProvider:
    """An OpenID Connect provider's public side: discovery document and JWKS, over HTTP."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.jwks: dict[str, Any] = {"keys": []}
        self.status = 200
        self.discovery_issuer: str | None = None  # None: the real issuer
        # When set, JWKS requests wait for `release` (tests of the event loop staying free).
        self.hold_jwks = False
        self.holding = threading.Event()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = self.base_url + REALM
        self.jwks_url = self.base_url + JWKS_PATH
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def publish(self, *keys: SigningKey) -> None:
        self.jwks = {"keys": [key.public_jwk() for key in keys]}

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                provider.requests[self.path] += 1
                if provider.status != 200:
                    self._send(provider.status, {"error": "unavailable"})
                elif self.path == DISCOVERY_PATH:
                    self._send(
                        200,
                        {
                            "issuer": provider.discovery_issuer or provider.issuer,
                            "jwks_uri": provider.jwks_url,
                            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                        },
                    )
                elif self.path == JWKS_PATH:
                    if provider.hold_jwks:
                        provider.holding.set()
                        provider.release.wait(timeout=10)
                    self._send(200, provider.jwks)
                else:
                    self._send(404, {"error": "not found"})

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


class Clock:
    """The verifier's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib would send requests for 127.0.0.1 through a proxy named in the environment.
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def provider(keys: dict[str, SigningKey]) -> Iterator[IdentityProvider]:
    running = IdentityProvider()
    running.publish(keys["rsa"], keys["ec"])
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_verifier(provider: IdentityProvider, clock: Clock) -> Callable[..., OidcVerifier]:
    def build(**options: Any) -> OidcVerifier:
        values: dict[str, Any] = {"fetch_timeout_seconds": 5, "clock": clock}
        values.update(options)
        return OidcVerifier(provider.issuer, AUDIENCE, **values)

    return build


def claims_for(provider: IdentityProvider, **changes: Any) -> dict[str, Any]:
    """Claims of a good access token; a change to None leaves that claim out."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": provider.issuer,
        "aud": AUDIENCE,
        "sub": "5f0c6a62-31c4-4d0e-9a41-0b8f2d6d7e10",
        "preferred_username": "nguyen.van.an",
        "email": "an.nv@snv.hatinh.gov.vn",
        "iat": now,
        "exp": now + 300,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


async def rejected(verifier: OidcVerifier, token: str) -> str:
    with pytest.raises(InvalidOidcToken) as caught:
        await verifier.verify(token)
    return caught.value.reason


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade_token(header: dict[str, Any], claims: dict[str, Any], sign: Callable) -> str:
    """A token built by hand, for algorithms PyJWT refuses to sign with."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


# --- Accepted tokens ---------------------------------------------------------------------------


async def test_a_valid_token_gives_the_identity_its_claims_name(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    verifier = make_verifier()
    claims = claims_for(provider, groups=["van-thu"])

    identity = await verifier.verify(keys["rsa"].sign(claims))

    assert identity.username == "nguyen.van.an"
    assert identity.subject == claims["sub"]
    assert identity.issuer == provider.issuer
    assert identity.claims == claims


async def test_an_es256_token_is_accepted(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    identity = await make_verifier().verify(keys["ec"].sign(claims_for(provider)))

    assert identity.username == "nguyen.van.an"


async def test_the_username_claim_is_configurable(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    token = keys["rsa"].sign(claims_for(provider, preferred_username=None))

    by_email = await make_verifier(username_claim="email").verify(token)
    by_subject = await make_verifier(username_claim="sub").verify(token)

    assert by_email.username == "an.nv@snv.hatinh.gov.vn"
    assert by_subject.username == "5f0c6a62-31c4-4d0e-9a41-0b8f2d6d7e10"


async def test_a_token_without_kid_uses_the_only_key_that_fits(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    verifier = make_verifier()

    identity = await verifier.verify(keys["rsa"].sign(claims_for(provider), kid=None))

    assert identity.username == "nguyen.van.an"
    provider.publish(keys["rsa"], keys["rsa_next"], keys["ec"])
    ambiguous = await rejected(make_verifier(), keys["rsa"].sign(claims_for(provider), kid=None))
    assert ambiguous == "the token names no key ('kid' header) and the issuer publishes several"


async def test_the_clock_leeway_accepts_a_token_just_expired(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    token = keys["rsa"].sign(claims_for(provider, exp=int(time.time()) - 30))

    assert (await make_verifier(leeway_seconds=60).verify(token)).username == "nguyen.van.an"
    assert "expired" in await rejected(make_verifier(leeway_seconds=0), token)


# --- Refused tokens ----------------------------------------------------------------------------


async def test_an_expired_token_says_when_it_expired(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    token = keys["rsa"].sign(claims_for(provider, exp=1_700_000_000))

    assert await rejected(make_verifier(), token) == "token expired at 2023-11-14T22:13:20+00:00"


async def test_a_token_not_yet_valid_is_refused(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    later = int(time.time()) + 3_600
    verifier = make_verifier()

    by_nbf = await rejected(verifier, keys["rsa"].sign(claims_for(provider, nbf=later)))
    by_iat = await rejected(verifier, keys["rsa"].sign(claims_for(provider, iat=later)))

    assert by_nbf.startswith("token is not valid before ")
    assert by_iat.startswith("token is not valid before ")


async def test_a_token_of_another_issuer_is_refused_without_fetching_keys(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    token = keys["rsa"].sign(claims_for(provider, iss="https://evil.example/realms/agency"))

    reason = await rejected(make_verifier(), token)

    assert reason == "issuer 'https://evil.example/realms/agency' is not the configured issuer"
    assert sum(provider.requests.values()) == 0


async def test_a_token_for_another_audience_is_refused(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    token = keys["rsa"].sign(claims_for(provider, aud=["account", "mail"]))

    reason = await rejected(make_verifier(), token)

    assert reason == "audience ['account', 'mail'] does not include the configured audience 'hoso'"


@pytest.mark.parametrize("claim", ["aud", "exp", "preferred_username"])
async def test_a_token_missing_a_required_claim_is_refused(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable, claim: str
) -> None:
    token = keys["rsa"].sign(claims_for(provider, **{claim: None}))

    assert await rejected(make_verifier(), token) == f"claim '{claim}' missing"


async def test_a_username_claim_that_is_not_a_name_is_refused(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    token = keys["rsa"].sign(claims_for(provider, preferred_username=["a", "b"]))

    assert await rejected(make_verifier(), token) == "claim 'preferred_username' is not a user name"


async def test_a_token_signed_by_an_unknown_key_is_refused(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    verifier = make_verifier()
    claims = claims_for(provider)

    own_kid = await rejected(verifier, keys["stranger"].sign(claims))
    # The outsider names a key the provider does publish: the signature gives it away.
    borrowed_kid = await rejected(verifier, keys["stranger"].sign(claims, kid="rsa-2024"))

    assert own_kid == "key 'stranger' is not in the issuer's JWKS"
    assert borrowed_kid == "signature does not match any key of the issuer's JWKS"


async def test_a_tampered_payload_is_refused(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    header, _, signature = keys["rsa"].sign(claims_for(provider)).split(".")
    forged = claims_for(provider, preferred_username="chu.tich")
    token = f"{header}.{b64url(json.dumps(forged).encode())}.{signature}"

    reason = await rejected(make_verifier(), token)

    assert reason == "signature does not match any key of the issuer's JWKS"


async def test_an_unsigned_token_is_refused(
    provider: IdentityProvider, make_verifier: Callable
) -> None:
    token = handmade_token({"alg": "none", "typ": "JWT"}, claims_for(provider), lambda _: b"")

    assert await rejected(make_verifier(), token) == (
        "algorithm 'none' is not accepted; accepted: RS256, ES256"
    )


async def test_hs256_keyed_with_the_public_key_is_refused(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    # The algorithm-confusion attack: the issuer's public key, which anyone can fetch, used as
    # an HMAC secret.
    public_pem = keys["rsa"].public_pem()
    token = handmade_token(
        {"alg": "HS256", "typ": "JWT", "kid": "rsa-2024"},
        claims_for(provider),
        lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
    )

    assert await rejected(make_verifier(), token) == (
        "algorithm 'HS256' is not accepted; accepted: RS256, ES256"
    )


async def test_a_key_of_the_wrong_kind_for_the_algorithm_is_refused(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    # An ES256 token naming the issuer's RSA key.
    token = keys["ec"].sign(claims_for(provider), kid="rsa-2024")

    assert await rejected(make_verifier(), token) == (
        "key 'rsa-2024' of the issuer is not a key for ES256"
    )


@pytest.mark.parametrize("token", ["", "hoso_at_3q2+7w==", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30"])
async def test_what_is_not_a_jwt_is_refused(make_verifier: Callable, token: str) -> None:
    assert (await rejected(make_verifier(), token)).startswith("not a well-formed JSON Web Token")


async def test_is_from_issuer_reads_the_unverified_issuer(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    verifier = make_verifier()

    assert verifier.is_from_issuer(keys["stranger"].sign(claims_for(provider)))
    assert not verifier.is_from_issuer(keys["rsa"].sign(claims_for(provider, iss="https://x")))
    assert not verifier.is_from_issuer(keys["rsa"].sign(claims_for(provider, iss=None)))
    assert not verifier.is_from_issuer("hoso_at_3q2+7w==")
    assert sum(provider.requests.values()) == 0


# --- Where the keys come from ------------------------------------------------------------------


async def test_the_jwks_is_found_through_discovery_once(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    verifier = make_verifier()

    for _ in range(3):
        await verifier.verify(keys["rsa"].sign(claims_for(provider)))

    assert provider.requests == {DISCOVERY_PATH: 1, JWKS_PATH: 1}


async def test_an_explicit_jwks_url_skips_discovery(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    verifier = make_verifier(jwks_url=provider.jwks_url)

    await verifier.verify(keys["rsa"].sign(claims_for(provider)))

    assert provider.requests == {JWKS_PATH: 1}


async def test_requests_arriving_together_share_one_fetch(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    provider.hold_jwks = True
    verifier = make_verifier()
    token = keys["rsa"].sign(claims_for(provider))
    verifying = [asyncio.create_task(verifier.verify(token)) for _ in range(20)]

    while not provider.holding.is_set():
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # time for the others to ask too
    provider.release.set()

    assert {identity.username for identity in await asyncio.gather(*verifying)} == {"nguyen.van.an"}
    assert provider.requests == {DISCOVERY_PATH: 1, JWKS_PATH: 1}


async def test_a_discovery_document_of_another_issuer_is_not_trusted(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    provider.discovery_issuer = "https://evil.example/realms/agency"

    with pytest.raises(OidcUnavailable) as caught:
        await make_verifier().verify(keys["rsa"].sign(claims_for(provider)))

    assert "names issuer 'https://evil.example/realms/agency'" in caught.value.reason
    assert provider.requests[JWKS_PATH] == 0


async def test_the_keys_are_fetched_again_when_their_copy_is_old(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable, clock: Clock
) -> None:
    verifier = make_verifier(jwks_url=provider.jwks_url, keys_lifespan_seconds=300)
    token = keys["rsa"].sign(claims_for(provider))

    await verifier.verify(token)
    clock.advance(299)
    await verifier.verify(token)
    assert provider.requests[JWKS_PATH] == 1
    clock.advance(2)
    await verifier.verify(token)
    assert provider.requests[JWKS_PATH] == 2


async def test_a_rotated_key_is_fetched_when_a_token_names_it(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable, clock: Clock
) -> None:
    verifier = make_verifier(jwks_url=provider.jwks_url, refetch_interval_seconds=60)
    await verifier.verify(keys["rsa"].sign(claims_for(provider)))

    provider.publish(keys["rsa_next"])  # the provider rotates its key
    clock.advance(61)
    identity = await verifier.verify(keys["rsa_next"].sign(claims_for(provider)))

    assert identity.username == "nguyen.van.an"
    assert provider.requests[JWKS_PATH] == 2
    # The retired key left the JWKS, so its tokens are refused from now on.
    retired = await rejected(verifier, keys["rsa"].sign(claims_for(provider)))
    assert retired == "key 'rsa-2024' is not in the issuer's JWKS"


async def test_unknown_key_ids_refetch_the_jwks_at_most_once_per_interval(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable, clock: Clock
) -> None:
    verifier = make_verifier(jwks_url=provider.jwks_url, refetch_interval_seconds=60)
    await verifier.verify(keys["rsa"].sign(claims_for(provider)))
    made_up = [keys["stranger"].sign(claims_for(provider), kid=f"k{n}") for n in range(30)]

    async def verify_all() -> list[BaseException | Any]:
        return await asyncio.gather(
            *(verifier.verify(token) for token in made_up), return_exceptions=True
        )

    assert all(isinstance(outcome, InvalidOidcToken) for outcome in await verify_all())
    assert provider.requests[JWKS_PATH] == 1  # just fetched: no refetch yet
    clock.advance(59)
    await verify_all()
    assert provider.requests[JWKS_PATH] == 1
    clock.advance(2)
    await verify_all()  # thirty at once, after the interval: one fetch between them
    assert provider.requests[JWKS_PATH] == 2
    # Known keys keep working throughout, from the copy in memory.
    await verifier.verify(keys["ec"].sign(claims_for(provider)))
    assert provider.requests[JWKS_PATH] == 2


# --- When the provider cannot be reached -------------------------------------------------------


async def test_a_provider_that_is_down_is_unavailable_not_an_invalid_token(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    verifier = make_verifier(jwks_url=provider.jwks_url)
    token = keys["rsa"].sign(claims_for(provider))
    provider.stop()

    with pytest.raises(OidcUnavailable) as caught:
        await verifier.verify(token)

    assert isinstance(caught.value, ServiceUnavailable)
    assert caught.value.status_code == 503
    assert caught.value.headers == {"Retry-After": "10"}
    assert caught.value.reason.startswith(
        f"the issuer's keys at {provider.jwks_url} cannot be fetched: "
    )
    assert "refused" in caught.value.reason.lower()


async def test_a_discovery_endpoint_that_is_down_is_unavailable(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    provider.status = 502

    with pytest.raises(OidcUnavailable) as caught:
        await make_verifier().verify(keys["rsa"].sign(claims_for(provider)))

    assert caught.value.reason == (
        f"the issuer's discovery document {provider.issuer}/.well-known/openid-configuration "
        "cannot be fetched: HTTP 502"
    )


async def test_after_a_failed_fetch_requests_do_not_hammer_the_provider(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable, clock: Clock
) -> None:
    verifier = make_verifier(jwks_url=provider.jwks_url, retry_after_seconds=10)
    token = keys["rsa"].sign(claims_for(provider))
    provider.status = 503

    for _ in range(5):
        with pytest.raises(OidcUnavailable):
            await verifier.verify(token)
    assert provider.requests[JWKS_PATH] == 1

    provider.status = 200
    clock.advance(11)
    assert (await verifier.verify(token)).username == "nguyen.van.an"
    assert provider.requests[JWKS_PATH] == 2


async def test_during_an_outage_the_last_keys_fetched_keep_working_for_a_while(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable, clock: Clock
) -> None:
    verifier = make_verifier(
        jwks_url=provider.jwks_url, keys_lifespan_seconds=300, stale_keys_seconds=3_600
    )
    token = keys["rsa"].sign(claims_for(provider))
    await verifier.verify(token)
    provider.status = 500
    clock.advance(600)  # the copy is old: a fetch is tried, fails, the old copy is used

    assert (await verifier.verify(token)).username == "nguyen.van.an"
    assert provider.requests[JWKS_PATH] == 2
    # A key the old copy does not hold cannot be checked: unavailable, not invalid.
    with pytest.raises(OidcUnavailable):
        await verifier.verify(keys["rsa_next"].sign(claims_for(provider)))
    clock.advance(3_600)  # too old now to be trusted
    with pytest.raises(OidcUnavailable):
        await verifier.verify(token)


async def test_a_provider_that_does_not_answer_times_out(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    provider.hold_jwks = True
    verifier = make_verifier(jwks_url=provider.jwks_url, fetch_timeout_seconds=0.3)

    with pytest.raises(OidcUnavailable) as caught:
        await verifier.verify(keys["rsa"].sign(claims_for(provider)))

    assert "timed out" in caught.value.reason


async def test_the_event_loop_runs_on_while_the_keys_are_fetched(
    provider: IdentityProvider, keys: dict[str, SigningKey], make_verifier: Callable
) -> None:
    # The JWKS answers only once this test, on the event loop, lets it: were the fetch blocking
    # the loop, the release could not happen and the fetch would time out.
    provider.hold_jwks = True
    verifier = make_verifier(jwks_url=provider.jwks_url, fetch_timeout_seconds=5)
    verifying = asyncio.create_task(verifier.verify(keys["rsa"].sign(claims_for(provider))))

    while not provider.holding.is_set():
        await asyncio.sleep(0.01)
    provider.release.set()

    assert (await verifying).username == "nguyen.van.an"


# --- Settings ----------------------------------------------------------------------------------


def test_single_sign_on_is_off_unless_an_issuer_is_set() -> None:
    assert OidcVerifier.from_settings(load_settings(in_memory_database=True)) is None


def test_the_verifier_is_built_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSO_OIDC_ISSUER", "https://sso.example.gov.vn/realms/agency")
    monkeypatch.setenv("HOSO_OIDC_AUDIENCE", "hoso")
    monkeypatch.setenv("HOSO_OIDC_USERNAME_CLAIM", "email")
    monkeypatch.setenv("HOSO_OIDC_ALGORITHMS", '["ES256"]')

    verifier = OidcVerifier.from_settings(load_settings(in_memory_database=True))

    assert verifier is not None
    assert verifier.issuer == "https://sso.example.gov.vn/realms/agency"
    assert verifier.audience == "hoso"
    assert verifier.username_claim == "email"
    assert verifier.algorithms == ("ES256",)
    assert verifier.leeway_seconds == 60


def test_an_issuer_without_an_audience_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSO_OIDC_ISSUER", "https://sso.example.gov.vn/realms/agency")

    with pytest.raises(ConfigError, match="oidc_issuer is set but oidc_audience is not"):
        load_settings(in_memory_database=True)


@pytest.mark.parametrize(
    ("algorithms", "message"),
    [
        ('["none"]', "'none' would accept unsigned tokens"),
        ('["RS256", "HS256"]', "'HS256' is a shared-secret algorithm"),
        ('["RS1"]', "unknown algorithm 'RS1'"),
        ("[]", "name at least one algorithm"),
    ],
)
def test_unsafe_or_unknown_algorithms_stop_the_start(
    monkeypatch: pytest.MonkeyPatch, algorithms: str, message: str
) -> None:
    monkeypatch.setenv("HOSO_OIDC_ALGORITHMS", algorithms)

    with pytest.raises(ConfigError, match=f"environment variable HOSO_OIDC_ALGORITHMS: {message}"):
        load_settings(in_memory_database=True)
    with pytest.raises(ValueError, match=message):
        OidcVerifier("https://sso.example.gov.vn", "hoso", algorithms=json.loads(algorithms))


def test_an_issuer_must_be_an_http_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSO_OIDC_ISSUER", "sso.example.gov.vn")
    monkeypatch.setenv("HOSO_OIDC_AUDIENCE", "hoso")

    with pytest.raises(ConfigError, match="HOSO_OIDC_ISSUER: must be an http"):
        load_settings(in_memory_database=True)


# --- The plugin hook ---------------------------------------------------------------------------


def test_every_plugin_mapping_claims_is_heard() -> None:
    class GroupsToRoles:
        @hookimpl
        def hoso_map_identity_claims(self, claims: dict[str, Any]) -> list[dict[str, Any]]:
            return [
                {"unit": "000.00.05.H25", "role": group, "include_below": False}
                for group in claims.get("groups", [])
            ]

    class Directory:
        @hookimpl
        def hoso_map_identity_claims(self, username: str) -> list[dict[str, Any]] | None:
            if username != "nguyen.van.an":
                return None
            return [{"unit": "000.00.00.H25", "role": "reader", "include_below": True}]

    manager, _ = load_plugins()
    manager.register(GroupsToRoles(), name="groups_to_roles")
    manager.register(Directory(), name="directory")
    manager.check_pending()

    answers = manager.hook.hoso_map_identity_claims(
        claims={"groups": ["van-thu"]}, username="nguyen.van.an"
    )
    others = manager.hook.hoso_map_identity_claims(claims={}, username="tran.thi.b")

    assert sorted((grant for answer in answers for grant in answer), key=str) == sorted(
        [
            {"unit": "000.00.05.H25", "role": "van-thu", "include_below": False},
            {"unit": "000.00.00.H25", "role": "reader", "include_below": True},
        ],
        key=str,
    )
    assert others == [[]]
