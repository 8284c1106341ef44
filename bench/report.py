"""One markdown table of figures beside their raw limits, and the notes that explain them."""

from __future__ import annotations

import math
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    figure: str
    value: str
    raw: str = "—"
    # Service over raw, oriented so that 1.0 means "as fast as the part underneath": a rate
    # divided by the raw rate, or the raw latency divided by the service's.
    ratio: float | None = None
    target: str = "—"
    verdict: str = "—"


@dataclass
class Report:
    tier: str
    label: str = ""  # what was measured, when not the working tree (e.g. an older commit)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: datetime = field(default_factory=datetime.now)

    def add(self, rows: list[Row], notes: list[str]) -> None:
        self.rows += rows
        self.notes += notes

    def markdown(self, seconds: float, command: str) -> str:
        lines = [
            f"### Tier `{self.tier}` — {self.started:%Y-%m-%d %H:%M}",
            "",
            f"`{command}` · {machine()} · {self.label or source()} · {seconds / 60:.1f} min",
            "",
            "| figure | value | raw limit | ratio | target | verdict |",
            "|---|---|---|---|---|---|",
        ]
        for row in self.rows:
            ratio = "—" if row.ratio is None or math.isnan(row.ratio) else f"{row.ratio:.2f}×"
            cells = [row.figure, row.value, row.raw, ratio, row.target, row.verdict]
            lines.append("| " + " | ".join(cells) + " |")
        if self.notes:
            lines += ["", "Notes:", ""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"

    def write(self, text: str) -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{self.tier}-{self.started:%Y-%m-%d-%H%M}.md"
        path.write_text(text)
        return path


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, Python {platform.python_version()}"


def source() -> str:
    """The commit measured, and whether the code under core/ differed from it."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "core", "plugins", "storage"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "source: unknown"
    if not commit:
        return "source: not a git checkout"
    return f"commit {commit}" + (" + uncommitted changes in core/" if changed else "")
