"""`config/reports.toml`: the share of the year's list entries each level of unit is expected to
have an electronic record for (Hà Tĩnh 2023: 90 % province, 80 % district, 30 % commune).

Levels are those of the units file (`levels` in units.toml): a target for a level that is not
one of them stops the start, so a renamed or removed level cannot leave a target nobody meets.
A level without a target is reported with none ("no target"). A year may set its own targets;
the levels it leaves out keep the general ones.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.settings import ConfigError

Share = Annotated[float, Field(ge=0, le=1)]


class TargetsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    targets: dict[str, Share] = Field(default_factory=dict)
    # TOML keys are strings: [targets_by_year.2023] reads as {"2023": {...}}.
    targets_by_year: dict[str, dict[str, Share]] = Field(default_factory=dict)


@dataclass(frozen=True)
class ReportTargets:
    """Target share per level, and per level for the years that set their own."""

    general: dict[str, float] = field(default_factory=dict)
    by_year: dict[int, dict[str, float]] = field(default_factory=dict)

    def for_level(self, level: str, year: int) -> float | None:
        """The target of `level` in `year`; None when no target is set for it."""
        own = self.by_year.get(year, {})
        return own[level] if level in own else self.general.get(level)


def load_targets(path: Path, levels: list[str], *, required: bool) -> ReportTargets:
    """Read and check the targets file; `ConfigError` with one line saying what is wrong.

    A missing file gives no targets unless `required` (a file named in the settings must exist).
    """
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        if required:
            raise ConfigError(f"reports file {path} does not exist") from None
        return ReportTargets()
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"reports file {path} is not valid TOML: {exc}") from None
    try:
        parsed = TargetsFile.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] in ("greater_than_equal", "less_than_equal"):
            message = "a target is a share between 0 and 1, like 0.9 for 90 %"
        raise ConfigError(f"reports file {path}, key '{where}': {message}") from None
    by_year: dict[int, dict[str, float]] = {}
    for key, targets in parsed.targets_by_year.items():
        if not (key.isdigit() and 2000 <= int(key) <= 2100):
            raise ConfigError(
                f"reports file {path}, [targets_by_year.{key}]: name a year from 2000 to 2100"
            )
        by_year[int(key)] = targets
    for table, targets in [("targets", parsed.targets)] + [
        (f"targets_by_year.{year}", targets) for year, targets in by_year.items()
    ]:
        unknown = sorted(set(targets) - set(levels))
        if unknown:
            raise ConfigError(
                f"reports file {path}, [{table}]: a target for level '{unknown[0]}', which is "
                f"not a level of the units file (levels: {', '.join(levels)})"
            )
    return ReportTargets(general=parsed.targets, by_year=by_year)
