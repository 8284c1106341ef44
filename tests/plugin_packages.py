"""Install a one-module plugin package for a test: a module plus the metadata that makes
`importlib.metadata` list it under the `hoso` entry point group, as `pip install` would."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


def install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> None:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    dist_info = site / f"{name}-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: 0.1\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(f"[hoso]\n{name} = {name}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(__import__("sys").modules, name, raising=False)


def units_file_with(tmp_path: Path, repo: Path, unit_code: str, plugin: str) -> Path:
    """config/units.toml with `plugin` also turned on for the last-listed unit `unit_code`."""
    text = (repo / "config" / "units.toml").read_text(encoding="utf-8")
    marker = f'code = "{unit_code}"'
    assert text.rstrip().endswith(text[text.index(marker) :].rstrip()), "unit must be last"
    path = tmp_path / "units.toml"
    path.write_text(text + f"\n[unit.plugins.{plugin}]\n", encoding="utf-8")
    return path
