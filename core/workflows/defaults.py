"""The Decree 30 default workflows as plain data, for plugins that build on one of them."""

from __future__ import annotations

import copy
import tomllib
from functools import cache
from typing import Any

from core.workflows.registry import DEFAULTS_FILE


@cache
def _defaults() -> dict[str, Any]:
    with DEFAULTS_FILE.open("rb") as handle:
        return tomllib.load(handle)["workflow"]


def decree30(name: str) -> dict[str, Any]:
    """A copy of the default `decree30_outgoing` or `decree30_incoming`, with its `name`, to be
    changed and returned from `hoso_workflows` under a name of the plugin's own."""
    return {"name": name, **copy.deepcopy(_defaults()[name])}
