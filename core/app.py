"""The application factory: `create_app(settings)` builds the Litestar app."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from core.audit.api import AuditController
from core.blobs import create_blob_store
from core.calendar.api import CalendarController
from core.calendar.config import load_calendar
from core.cors import apply_cors_refusals, cors_config
from core.database import connect_database
from core.docs import DOCS_PATH, SwaggerPage, docs_asset_routers
from core.documents.api import DocumentController
from core.documents.files_api import FileController
from core.documents.revisions_api import RevisionController
from core.documents.types import check_plugin_types
from core.documents.types_api import DocumentTypeController
from core.extraction.pending import queue_missing_texts
from core.extraction.worker import Extractor
from core.health import health
from core.http_rules import apply_http_rules, before_request
from core.identity.api import AuthController, RoleController, TokenController, UserController
from core.identity.middleware import (
    BearerAuthenticationMiddleware,
    provide_actor,
    sign_in_rate_limit,
)
from core.identity.oidc import OidcVerifier
from core.identity.policy import Policy
from core.identity.roles import Role, collect_roles
from core.identity.service import FIRST_ADMIN, bootstrap, load_signing_key
from core.numbering.api import RegisterController
from core.numbering.migrate import move_old_registers
from core.openapi import API_PREFIX, serve_contract_openapi
from core.plugins import PluginError, PluginHost, call_in_registration_order, create_plugin_host
from core.problems import EXCEPTION_HANDLERS
from core.records.api import RecordController, UnitRecordController
from core.records.lists_api import RecordListController
from core.reports.api import ReportController
from core.reports.targets import load_targets
from core.runtime import Runtime, utc_now
from core.search.api import SearchController
from core.search.index import build_missing, text_extracted
from core.security_headers import apply_security_headers
from core.settings import ConfigError, Settings, load_settings
from core.signatures.api import SignatureController
from core.signatures.trust import load_trust_roots
from core.units.api import UnitController
from core.units.tree import load_unit_tree
from core.workflows.api import (
    DocumentWorkflowController,
    OverdueController,
    TaskController,
    WorkflowDefinitionController,
)
from core.workflows.backfill import start_missing_workflows
from core.workflows.registry import load_workflows

logger = logging.getLogger("hoso")

MULTIPART_OVERHEAD_BYTES = 1_048_576
MAX_FILES_PER_UPLOAD = 50


def create_app(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> Litestar:
    """Build the app. Config mistakes (units, plugins, calendar) raise `ConfigError` here, before
    serving; the database and blob store are opened by the lifespan, not at import or build time."""
    units = load_unit_tree(settings.resolved_units_file())
    plugins = create_plugin_host(units)
    check_plugin_types(plugins)
    policy = Policy(units, roles_of(plugins))
    calendar = load_calendar(settings)
    trust_roots = load_trust_roots(settings.resolved_trust_roots_dir())
    runtime = Runtime(
        settings,
        units,
        plugins,
        create_blob_store(settings),
        policy,
        calendar=calendar,
        clock=clock,
        trust_roots=trust_roots,
    )
    runtime.text_listeners.append(text_extracted)
    runtime.oidc = OidcVerifier.from_settings(settings)
    runtime.report_targets = load_targets(
        settings.resolved_reports_file(), units.levels, required=settings.reports_file is not None
    )
    runtime.workflows = load_workflows(
        settings.resolved_workflows_dir(), plugins, units, set(policy.roles)
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        runtime.database = await connect_database(settings)
        await move_old_registers(runtime.database.db)
        await start_missing_workflows(runtime)
        await queue_missing_texts(runtime)
        await build_missing(runtime)
        runtime.signing_key = await load_signing_key(runtime)
        first_password = await bootstrap(runtime)
        if first_password is not None:
            announce_first_administrator(first_password)
        if settings.text_extraction:
            runtime.extractor = Extractor(runtime)
            runtime.extractor.start()
        try:
            yield
        finally:
            try:
                if runtime.extractor is not None:
                    await runtime.extractor.stop()
                    runtime.extractor = None
                await runtime.blobs.close()
            finally:  # the embedded database must be closed even if the blob store was not
                runtime.database.close()
                runtime.database = None

    # Uploads may be far larger than JSON bodies: they get their own limit (plus multipart slack).
    uploads = Router(
        path="/",
        route_handlers=[FileController],
        request_max_body_size=settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES,
    )
    # Signing in is limited per client address as well as per account (core/identity/service.py).
    sign_in = Router(
        path="/",
        route_handlers=[AuthController],
        middleware=[sign_in_rate_limit(settings).middleware],
    )
    api = Router(
        path=API_PREFIX,
        route_handlers=[
            sign_in,
            UserController,
            TokenController,
            RoleController,
            AuditController,
            UnitController,
            DocumentTypeController,
            DocumentController,
            RevisionController,
            SignatureController,
            RegisterController,
            RecordController,
            UnitRecordController,
            RecordListController,
            ReportController,
            DocumentWorkflowController,
            TaskController,
            OverdueController,
            WorkflowDefinitionController,
            CalendarController,
            SearchController,
            uploads,
        ],
        # Every request under /api/v1 belongs to someone, but the handlers marked
        # `exclude_from_auth` (sign-in, refresh) and CORS preflights.
        middleware=[BearerAuthenticationMiddleware],
        dependencies={"actor": Provide(provide_actor, sync_to_thread=False)},
    )
    app = Litestar(
        route_handlers=[health, api, *docs_asset_routers()],
        lifespan=[lifespan],
        state=State({"runtime": runtime}),
        dependencies={"runtime": Provide(lambda: runtime, use_cache=True, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_max_body_size=settings.max_json_body_bytes,
        # Uploads are the only multipart requests; a few dozen files per request is plenty.
        multipart_form_part_limit=MAX_FILES_PER_UPLOAD,
        openapi_config=OpenAPIConfig(
            title="hoso",
            version="0.1.0",
            description="Electronic documents and work records for Vietnamese state agencies.",
            path=DOCS_PATH,
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="An access token from POST /api/v1/auth/login, an API token "
                        "(hoso_…), or a token of the province's single sign-on",
                    )
                }
            ),
            security=[{"bearer": []}],
            render_plugins=[SwaggerPage()],
            # Generated clients name their functions after these: the handlers' own names.
            operation_id_creator=lambda handler, method, path: handler.handler_name,
        ),
        before_request=before_request,
        cors_config=cors_config(settings),
    )
    serve_contract_openapi(app)
    apply_cors_refusals(app)
    apply_http_rules(app, max_header_bytes=settings.max_header_bytes)
    apply_security_headers(app, hsts_seconds=settings.hsts_seconds)  # outermost: every answer
    return app


def roles_of(plugins: PluginHost) -> dict[str, Role]:
    try:
        answers = call_in_registration_order(plugins.manager.hook.hoso_roles)
    except PluginError as exc:
        raise ConfigError(exc.detail) from None
    return collect_roles(answers)


def announce_first_administrator(password: str) -> None:
    """Printed once, when the embedded database gets its first account: nowhere else holds it."""
    line = "=" * 78
    print(
        f"\n{line}\n"
        "hoso: FIRST ADMINISTRATOR CREATED (shown only this once)\n"
        f"    username: {FIRST_ADMIN}\n"
        f"    password: {password}\n"
        "Sign in:  curl -X POST http://HOST:PORT/api/v1/auth/login -H 'Content-Type: "
        "application/json' \\\n"
        f'              -d \'{{"username": "{FIRST_ADMIN}", "password": "…"}}\'\n'
        "Then change it: POST /api/v1/auth/password.\n"
        f"{line}\n",
        file=sys.stderr,
        flush=True,
    )
    logger.warning("first administrator %r created; its password was printed once", FIRST_ADMIN)


def app_from_environment() -> Litestar:
    """Entry point for uvicorn workers (`core.app:app_from_environment`, factory mode)."""
    return create_app(load_settings())
