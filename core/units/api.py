"""`/api/v1/units`: the units tree, as configured."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from pydantic import BaseModel

from core.errors import InvalidInput, NotFound
from core.runtime import Runtime
from core.units.tree import Unit


class UnitOut(BaseModel):
    code: str
    name: str
    abbreviation: str
    level: str
    parent: str | None
    plugins: list[str]

    @classmethod
    def of(cls, unit: Unit) -> UnitOut:
        # Plugin names only: their settings may hold credentials.
        return cls(
            code=unit.code,
            name=unit.name,
            abbreviation=unit.abbreviation,
            level=unit.level,
            parent=unit.parent,
            plugins=sorted(unit.plugins),
        )


def _unit(runtime: Runtime, code: str) -> Unit:
    unit = runtime.units.get(code)
    if unit is None:
        raise NotFound(f"There is no unit {code!r}; see GET /api/v1/units.")
    return unit


class UnitController(Controller):
    path = "/units"
    tags = ["units"]

    @get("/", summary="All units, parents before children", problems=(404,))
    async def list_units(
        self, runtime: NamedDependency[Runtime], level: str | None = None, parent: str | None = None
    ) -> list[UnitOut]:
        if level is not None and level not in runtime.units.levels:
            raise InvalidInput(
                f"Unknown level {level!r}; levels are {', '.join(runtime.units.levels)}.",
                errors=[{"field": "level", "message": "unknown level"}],
            )
        units = runtime.units.children(parent) if parent else list(runtime.units)
        if parent is not None:
            _unit(runtime, parent)
        return [UnitOut.of(unit) for unit in units if level is None or unit.level == level]

    @get("/{code:str}", summary="One unit", problems=(404,))
    async def get_unit(self, runtime: NamedDependency[Runtime], code: str) -> UnitOut:
        return UnitOut.of(_unit(runtime, code))

    @get("/{code:str}/subtree", summary="A unit and every unit below it", problems=(404,))
    async def get_subtree(self, runtime: NamedDependency[Runtime], code: str) -> list[UnitOut]:
        _unit(runtime, code)
        return [UnitOut.of(unit) for unit in runtime.units.subtree(code)]
