from __future__ import annotations

from collections.abc import Callable

import pytest
from litestar import Litestar

from core.app import create_app
from core.settings import Settings


@pytest.fixture
def app(make_settings: Callable[..., Settings]) -> Litestar:
    """The app with its own background extractor off: tests run extractors they hold
    (`Extractor(runtime).drain()`), so nothing is read behind their back."""
    return create_app(make_settings(text_extraction=False))
