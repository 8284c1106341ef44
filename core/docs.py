"""The API docs page, served whole by this service: provincial networks often reach no Internet,
so the page loads no script, style or image from a public CDN.

Swagger UI's own files come from the `swagger-ui-bundle-v2` package (Swagger UI's dist, the
version in the path so that browsers may keep them). The page that starts it is written here with
no inline script or style, so its Content-Security-Policy (core.security_headers) allows files of
this service only. Scalar and ReDoc, which Litestar also offers, are not served: no package ships
their files without pulling in a web framework of its own.

Everything is under /schema, which stays open to anyone when authentication is required.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.file_system import BaseLocalFileSystem
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

if TYPE_CHECKING:
    from litestar import Request
    from litestar.file_system import FileInfo
    from litestar.types import PathType

DOCS_PATH = "/schema"
ASSETS_PATH = f"{DOCS_PATH}/assets"
SWAGGER_UI_DIR = Path(str(swagger_ui_path))
OWN_ASSETS_DIR = Path(__file__).resolve().parent / "docs_assets"
# /schema/assets/swagger-ui-5.31.0: a new version is a new URL, so its files may be kept a year.
SWAGGER_UI_URL = f"{ASSETS_PATH}/{SWAGGER_UI_DIR.name}"
OWN_ASSETS_URL = f"{ASSETS_PATH}/hoso"
# The files the page needs, and no others: the package's own index.html and initializer would
# load a demonstration API from the Internet.
SWAGGER_UI_FILES = (
    "swagger-ui-bundle.js",
    "swagger-ui.css",
    "index.css",
    "favicon-32x32.png",
    "favicon-16x16.png",
    "oauth2-redirect.html",
    "oauth2-redirect.js",
)
OWN_ASSET_FILES = ("swagger-init.js",)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" type="image/png" sizes="32x32" href="{swagger}/favicon-32x32.png">
<link rel="icon" type="image/png" sizes="16x16" href="{swagger}/favicon-16x16.png">
<link rel="stylesheet" href="{swagger}/swagger-ui.css">
<link rel="stylesheet" href="{swagger}/index.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"
     data-oauth2-redirect-url="{swagger}/oauth2-redirect.html"></div>
<script src="{swagger}/swagger-ui-bundle.js"></script>
<script src="{own}/swagger-init.js"></script>
</body>
</html>
"""


class SwaggerPage(OpenAPIRenderPlugin):
    """Swagger UI at /schema/swagger (and /schema, as the default page), from local files."""

    def __init__(self) -> None:
        super().__init__(path="/swagger")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return PAGE.format(
            title=escape(f"{openapi_schema['info']['title']} API"),
            swagger=SWAGGER_UI_URL,
            own=OWN_ASSETS_URL,
            openapi_url=escape(self.get_openapi_json_route(request)),
        ).encode()


class _OnlyTheseFiles(BaseLocalFileSystem):
    """A folder's listed files; any other name reads as missing (404)."""

    def __init__(self, directory: Path, names: tuple[str, ...]) -> None:
        self.allowed = {os.path.normpath(directory.resolve() / name) for name in names}

    async def info(self, path: PathType, **kwargs: Any) -> FileInfo:
        if os.path.normpath(path) not in self.allowed:
            raise FileNotFoundError(path)
        return await super().info(path, **kwargs)


def docs_asset_routers() -> list[Router]:
    """The routers serving the page's files under /schema/assets."""
    return [
        create_static_files_router(
            path=SWAGGER_UI_URL,
            directories=[SWAGGER_UI_DIR],
            file_system=_OnlyTheseFiles(SWAGGER_UI_DIR, SWAGGER_UI_FILES),
            name="swagger_ui_assets",
            cache_control=CacheControlHeader(public=True, max_age=31_536_000, immutable=True),
        ),
        create_static_files_router(
            path=OWN_ASSETS_URL,
            directories=[OWN_ASSETS_DIR],
            file_system=_OnlyTheseFiles(OWN_ASSETS_DIR, OWN_ASSET_FILES),
            name="docs_assets",
            # Not versioned in its URL: kept an hour, so a new release shows within one.
            cache_control=CacheControlHeader(public=True, max_age=3600),
        ),
    ]
