"""The credentials the suite acts with.

Every test app is made with `bootstrap_token = ADMIN_TOKEN` (tests/conftest.py `make_settings`),
so its first start holds an API token with province_admin over every top unit. Tests of who may do
what make their own people and tokens through the API (tests/identity/).
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

ADMIN_TOKEN = "hoso_0000000000ad_" + "5e" * 32
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def admin_client(app: Litestar, **kwargs: Any) -> AsyncTestClient[Litestar]:
    """A test client acting as the province administrator."""
    client: AsyncTestClient[Litestar] = AsyncTestClient(app=app, **kwargs)
    client.headers.update(ADMIN_HEADERS)
    return client


def admin_actor(runtime: Any) -> Any:
    """The same administrator as a `Principal`, for tests that call a service directly."""
    from core.identity.models import Grant
    from core.identity.service import top_units

    grants = [Grant(unit=code, role="province_admin") for code in top_units(runtime)]
    return runtime.policy.principal("token:0000000000ad", "system", grants, via="token")
