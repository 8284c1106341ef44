"""`/api/v1/units/{code}/registers`: the register books (sổ đăng ký) of a unit."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter
from pydantic import BaseModel

from core.errors import NotFound
from core.identity.policy import Principal
from core.identity.roles import Action
from core.numbering.service import register_entries, register_summary
from core.runtime import Runtime


class RegisterEntryOut(BaseModel):
    number: int
    document_id: str
    taken_at: datetime
    void_reason: str | None = None


class RegisterOut(BaseModel):
    unit: str
    register_code: str
    year: int
    entries: list[RegisterEntryOut]


class RegisterController(Controller):
    path = "/units/{code:str}/registers"
    tags = ["registers"]

    @get("/", summary="Registers of a unit that have entries, by year", problems=(403, 404))
    async def list_registers(
        self, runtime: NamedDependency[Runtime], actor: NamedDependency[Principal], code: str
    ) -> list[dict[str, object]]:
        if runtime.units.get(code) is None:
            raise NotFound(f"There is no unit {code!r}; see GET /api/v1/units.")
        actor.require(Action.READ_REGISTERS, code, what=f"unit {code!r} you can see")
        return await register_summary(code)

    @get(
        "/{register_code:str}/{year:int}",
        summary="Every number taken in a register in a year",
        problems=(403, 404),
    )
    async def get_register(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        code: str,
        register_code: str,
        year: int = Parameter(ge=1900, le=9999),
    ) -> RegisterOut:
        if runtime.units.get(code) is None:
            raise NotFound(f"There is no unit {code!r}; see GET /api/v1/units.")
        actor.require(Action.READ_REGISTERS, code, what=f"unit {code!r} you can see")
        entries = await register_entries(code, register_code, year)
        return RegisterOut(
            unit=code,
            register_code=register_code,
            year=year,
            entries=[
                RegisterEntryOut(
                    number=e.number,
                    document_id=str(e.document_id),
                    taken_at=e.taken_at,
                    void_reason=e.void_reason,
                )
                for e in entries
            ],
        )
