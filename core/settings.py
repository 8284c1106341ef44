"""Service settings: `config/hoso.toml` (commented defaults) overridden by `HOSO_*` variables.

Precedence, strongest first: values passed to `load_settings(...)` (tests, CLI flags),
environment variables `HOSO_<KEY>`, the TOML file, the defaults written here.
"""

from __future__ import annotations

import os
import re
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)
from pymongo.errors import InvalidURI
from pymongo.uri_parser import parse_uri

from core.identity.oidc import DEFAULT_ALGORITHMS, DEFAULT_USERNAME_CLAIM, check_algorithms

ENV_PREFIX = "HOSO_"
# Settings that may hold credentials: their values never appear in an error message.
SECRET_KEYS = frozenset(
    {"mongodb_url", "s3_access_key", "s3_secret_key", "secret_key", "bootstrap_token"}
)
# scheme://host[:port]; the host may hold `*` (any part, as Litestar's CORS matching reads it).
ORIGIN = re.compile(r"https?://([A-Za-z0-9*.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?")
REPO_CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"

# The file `Settings` reads while it is being built (pydantic-settings builds sources per call).
_config_file_in_use: ContextVar[Path | None] = ContextVar("hoso_config_file", default=None)


class ConfigError(Exception):
    """A configuration file or value is wrong; the message is one line a person can act on."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    # HTTP server
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    log_level: str = Field("info", pattern="^(critical|error|warning|info|debug)$")

    # Calendar of the agencies: numbers restart on 1 January in this time zone (D30 Art. 15).
    timezone: str = "Asia/Ho_Chi_Minh"
    # Secret documents (Mật, Tối mật, Tuyệt mật) are handled under the state-secrets law, outside
    # Internet-connected systems; turn on only where the deployment is approved for them.
    accept_secret_documents: bool = False

    # Document database: MongoDB 6+ or a MongoDB-compatible server. Empty: the embedded database,
    # kept in `data_dir` on this machine (one process at a time), or, with `in_memory_database`,
    # a store in memory that keeps nothing (tests, demonstrations).
    mongodb_url: str | None = None
    mongodb_database: str = Field("hoso", min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    mongodb_timeout_seconds: float = Field(5.0, gt=0, le=120)
    data_dir: Path = Path("var/data")
    in_memory_database: bool = False

    # Blob store: an S3-compatible server when `s3_endpoint` is set, else a directory on disk.
    blob_dir: Path = Path("var/blobs")
    s3_endpoint: str | None = None
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = Field("hoso", min_length=3, max_length=63, pattern=r"^[a-z0-9][a-z0-9.-]+$")
    s3_secure: bool = False
    s3_region: str | None = None

    # Units tree and per-unit plugins. Empty: `units.toml` beside the config file.
    units_file: Path | None = None
    # Workflow definitions and which units use them; empty: `workflows/` beside this file.
    workflows_dir: Path | None = None
    # Working days left on a deadline from which "my tasks" lists it as due soon.
    due_soon_working_days: int = Field(2, ge=0, le=30)
    # Days off and worked days announced each year, over the public holidays. Empty:
    # `calendar.toml` beside the config file, if there is one (else public holidays only).
    calendar_file: Path | None = None
    # Certificates a document signature must chain to (PEM/DER files). Empty: `trust/` beside the
    # config file. A folder that does not exist: no trust roots, every signature is untrusted.
    trust_roots_dir: Path | None = None
    # Targets of the reports per level of unit (share of list entries with an electronic
    # record). Empty: `reports.toml` beside the config file, if there is one (else no targets).
    reports_file: Path | None = None

    # Single sign-on: bearer tokens of this OpenID Connect issuer are accepted. Empty: off.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None  # required with an issuer: what its tokens' `aud` names
    oidc_jwks_url: str | None = None  # empty: `jwks_uri` of the issuer's discovery document
    oidc_username_claim: str = Field(DEFAULT_USERNAME_CLAIM, min_length=1)
    oidc_algorithms: list[str] = Field(default_factory=lambda: list(DEFAULT_ALGORITHMS))
    oidc_leeway_seconds: int = Field(60, ge=0, le=600)  # clock difference tolerated

    # Request limits: the request line and headers together, JSON bodies, and uploaded files.
    max_header_bytes: int = Field(65_536, ge=8192, le=1_048_576)
    max_json_body_bytes: int = Field(1_048_576, ge=1024)
    max_upload_bytes: int = Field(104_857_600, ge=1)
    allowed_media_types: list[str] = Field(
        default_factory=lambda: [
            "application/pdf",
            "application/xml",
            "text/xml",
            "image/png",
            "image/jpeg",
            "image/tiff",
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.ms-excel",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/zip",
            "text/plain",
        ]
    )

    # Text of uploaded files, read in the background after upload (core.extraction). Off: this
    # process reads none, and files stay pending until a worker that has it on reads them.
    text_extraction: bool = True
    # How often to look for files other workers received (this worker's own wake it at once).
    text_poll_seconds: float = Field(5.0, gt=0, le=3600)
    # A worker that stopped while reading a file holds it this long; then another takes it over.
    text_lease_seconds: int = Field(600, ge=10, le=86_400)
    # A file whose reading stopped this many times (the worker died on it) is marked failed.
    text_max_attempts: int = Field(3, ge=1, le=20)
    # Characters of text kept per file version; the rest is cut and the text marked truncated.
    text_max_chars: int = Field(2_000_000, ge=1000, le=100_000_000)
    # One file's OCR (only when OCRmyPDF is installed); must end before the lease does.
    ocr_timeout_seconds: int = Field(300, ge=10, le=86_400)

    # Sign-in. Access tokens are signed with `secret_key`; empty: a key the service makes once
    # and keeps in its database, shared by every worker.
    secret_key: str | None = Field(None, min_length=32)
    access_token_minutes: int = Field(15, ge=1, le=24 * 60)
    refresh_token_hours: int = Field(12, ge=1, le=24 * 90)
    sign_in_max_failures: int = Field(5, ge=1, le=100)
    sign_in_lockout_minutes: int = Field(15, ge=1, le=24 * 60)
    # Sign-in and refresh requests per minute from one client address (per worker), whatever
    # the account: a password spray over many accounts is slowed down too.
    sign_in_requests_per_minute: int = Field(30, ge=1, le=10_000)
    # For automation: when set and no account or token exists yet, the first start makes an API
    # token with exactly this value, holding province_admin over every top unit. Revoke it once
    # real accounts exist (`hoso tokens revoke`).
    bootstrap_token: str | None = Field(None, pattern=r"^hoso_[0-9a-f]{12}_[0-9a-f]{64}$")

    # Browsers. Web front-ends served from another origin that may call the API (CORS); empty:
    # none, and no CORS headers at all. HSTS only once the service is reached over HTTPS.
    cors_allow_origins: list[str] = Field(default_factory=list)
    hsts_seconds: int = Field(0, ge=0, le=63_072_000)

    @field_validator(
        "mongodb_url",
        "s3_endpoint",
        "s3_region",
        "secret_key",
        "bootstrap_token",
        "oidc_issuer",
        "oidc_audience",
        "oidc_jwks_url",
        mode="before",
    )
    @classmethod
    def _empty_means_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cors_allow_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        # A browser sends `Origin: https://host[:port]`, never a path: an origin written with one
        # (or a trailing slash) would match nothing, silently.
        for origin in value:
            if origin != "*" and not ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: write scheme://host[:port] without a path or "
                    "a trailing slash, like https://vanban.tinh.gov.vn (a * in the host matches "
                    "any part of it, and * alone any origin)"
                )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone; use an IANA name like Asia/Ho_Chi_Minh") from None
        return value

    @field_validator("oidc_issuer", "oidc_jwks_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(
                    "must be an http(s) URL, like https://sso.example.gov.vn/realms/agency"
                )
        return value

    @field_validator("oidc_algorithms")
    @classmethod
    def _signature_algorithms(cls, value: list[str]) -> list[str]:
        return list(check_algorithms(value))

    @model_validator(mode="after")
    def _oidc_audience_given(self) -> Settings:
        if self.oidc_issuer is not None and self.oidc_audience is None:
            raise ValueError(
                "oidc_issuer is set but oidc_audience is not: set oidc_audience "
                "(HOSO_OIDC_AUDIENCE) to the audience the issuer puts in hoso's tokens, "
                "usually hoso's client id there"
            )
        return self

    @model_validator(mode="after")
    def _ocr_within_lease(self) -> Settings:
        if self.ocr_timeout_seconds >= self.text_lease_seconds:
            raise ValueError(
                "ocr_timeout_seconds must be shorter than text_lease_seconds, or another worker "
                "would take over a file still being read"
            )
        return self

    @model_validator(mode="after")
    def _database_choice(self) -> Settings:
        if self.in_memory_database and self.mongodb_url is not None:
            raise ValueError(
                "in_memory_database and mongodb_url are both set: choose one of the two"
            )
        if self.workers > 1 and self.mongodb_url is None:
            # The embedded database is one process's; in-memory stores would be one per worker
            # and numbers would repeat.
            raise ValueError(
                "more than one worker needs a shared database: set mongodb_url, or use 1 worker "
                "(the embedded and in-memory databases serve one process)"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("mongodb_url")
    @classmethod
    def _mongodb_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("must start with mongodb:// or mongodb+srv://")
        if value and value.startswith("mongodb://"):  # +srv would need a DNS lookup to parse
            try:
                parse_uri(value)
            except (InvalidURI, ValueError) as exc:
                raise ValueError(f"is not a valid connection string: {exc}") from None
        return value

    @field_validator("s3_endpoint")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        # The minio SDK wants host[:port]; the scheme comes from s3_secure.
        if value and not re.fullmatch(
            r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?", value
        ):
            raise ValueError(
                "must be host:port, like minio.internal:9000, without http:// or a path "
                "(set s3_secure = true for HTTPS)"
            )
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file_in_use.get()
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    @property
    def config_file(self) -> Path | None:
        return self._config_file

    def resolved_units_file(self) -> Path:
        if self.units_file is not None:
            return self.units_file
        base = self._config_file.parent if self._config_file else REPO_CONFIG_DIR
        return base / "units.toml"

    def resolved_workflows_dir(self) -> Path:
        if self.workflows_dir is not None:
            return self.workflows_dir
        base = self._config_file.parent if self._config_file else REPO_CONFIG_DIR
        return base / "workflows"

    def resolved_calendar_file(self) -> Path:
        if self.calendar_file is not None:
            return self.calendar_file
        base = self._config_file.parent if self._config_file else REPO_CONFIG_DIR
        return base / "calendar.toml"

    def resolved_trust_roots_dir(self) -> Path:
        if self.trust_roots_dir is not None:
            return self.trust_roots_dir
        base = self._config_file.parent if self._config_file else REPO_CONFIG_DIR
        return base / "trust"

    def resolved_reports_file(self) -> Path:
        if self.reports_file is not None:
            return self.reports_file
        base = self._config_file.parent if self._config_file else REPO_CONFIG_DIR
        return base / "reports.toml"

    _config_file: Path | None = None


def default_config_file() -> Path | None:
    """`HOSO_CONFIG` if set; else `./config/hoso.toml`; else the one shipped beside the code."""
    explicit = os.environ.get(f"{ENV_PREFIX}CONFIG")
    if explicit:
        return Path(explicit)
    for candidate in (Path("config/hoso.toml"), REPO_CONFIG_DIR / "hoso.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings, or raise `ConfigError` naming the file or variable, the key and the fault."""
    path = config_file if config_file is not None else default_config_file()
    if path is not None:
        _check_toml(path)
    token = _config_file_in_use.set(path)
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe_first_error(exc, path, overrides)) from None
    except SettingsError as exc:
        # A list given in an environment variable must be JSON; pydantic-settings says so only
        # with a traceback.
        found = re.search(r'field "(\w+)"', str(exc))
        name = f"{ENV_PREFIX}{found.group(1).upper()}" if found else "a HOSO_* variable"
        raise ConfigError(
            f"environment variable {name} is not valid JSON; write lists as JSON, e.g. "
            '["application/pdf", "image/png"]'
        ) from None
    finally:
        _config_file_in_use.reset(token)
    object.__setattr__(settings, "_config_file", path)
    return settings


def _check_toml(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"configuration file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"configuration file {path} cannot be read: {exc.strerror}") from None


def _describe_first_error(
    exc: ValidationError, path: Path | None, overrides: dict[str, Any]
) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"]) or "?"
    top_key = str(error["loc"][0]) if error["loc"] else key
    env_name = f"{ENV_PREFIX}{top_key.upper()}"
    if top_key in overrides:
        where = f"option {top_key}"
    elif any(name.upper() == env_name for name in os.environ):
        where = f"environment variable {env_name}"
    elif path is not None:
        where = f"configuration file {path}, key '{key}'"
    else:
        where = f"setting '{key}'"
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:  # a rule between several settings: the message names them
        return f"settings: {message}"
    if error["type"] == "extra_forbidden":
        message = "unknown setting (check the spelling against config/hoso.toml)"
    got = error.get("input")
    if top_key in SECRET_KEYS:
        got = None  # never print a password back
    shown = f" (got {got!r})" if got is not None and error["type"] != "extra_forbidden" else ""
    more = len(exc.errors()) - 1
    tail = f"; and {more} more problem(s)" if more else ""
    return f"{where}: {message}{shown}{tail}"
