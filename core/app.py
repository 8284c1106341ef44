"""The application factory: `create_app(settings)` builds the Litestar app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from core.blobs import create_blob_store
from core.database import connect_database
from core.documents.api import DocumentController
from core.documents.files_api import FileController
from core.documents.revisions_api import RevisionController
from core.documents.types import check_plugin_types
from core.documents.types_api import DocumentTypeController
from core.health import health
from core.http_rules import apply_http_rules, before_request
from core.numbering.api import RegisterController
from core.numbering.migrate import move_old_registers
from core.openapi import API_PREFIX, serve_contract_openapi
from core.plugins import create_plugin_host
from core.problems import EXCEPTION_HANDLERS
from core.runtime import Runtime, utc_now
from core.settings import Settings, load_settings
from core.units.api import UnitController
from core.units.tree import load_unit_tree

logger = logging.getLogger("hoso")

MULTIPART_OVERHEAD_BYTES = 1_048_576
MAX_FILES_PER_UPLOAD = 50


def create_app(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> Litestar:
    """Build the app. Config mistakes (units, plugins) raise `ConfigError` here, before serving;
    the database and blob store are opened by the lifespan, not at import or build time."""
    units = load_unit_tree(settings.resolved_units_file())
    plugins = create_plugin_host(units)
    check_plugin_types(plugins)
    runtime = Runtime(settings, units, plugins, create_blob_store(settings), clock=clock)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        runtime.database = await connect_database(settings)
        await move_old_registers(runtime.database.db)
        try:
            yield
        finally:
            try:
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
    api = Router(
        path=API_PREFIX,
        route_handlers=[
            UnitController,
            DocumentTypeController,
            DocumentController,
            RevisionController,
            RegisterController,
            uploads,
        ],
    )
    app = Litestar(
        route_handlers=[health, api],
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
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin()],
            # Generated clients name their functions after these: the handlers' own names.
            operation_id_creator=lambda handler, method, path: handler.handler_name,
        ),
        before_request=before_request,
    )
    serve_contract_openapi(app)
    apply_http_rules(app, max_header_bytes=settings.max_header_bytes)
    return app


def app_from_environment() -> Litestar:
    """Entry point for uvicorn workers (`core.app:app_from_environment`, factory mode)."""
    return create_app(load_settings())
