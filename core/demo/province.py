"""Who is in the demo province: the units of config/units.toml that get data, and their people.

The units are those of Hà Tĩnh's 2021 pilot under their current names (config/units.toml says
where the names come from; the codes are illustrative). The district-level pilot units ended on
1 July 2025 and get no new documents; the wards and communes that took over from them do.
"""

from __future__ import annotations

from dataclasses import dataclass

# The one password of every demo account: printed at the end of `hoso demo`, never for real use.
DEMO_PASSWORD = "hoso-demo-2026"


@dataclass(frozen=True)
class DemoUnit:
    code: str
    slug: str  # the start of its people's usernames
    kind: str  # which subjects its documents are about (core.demo.texts.SUBJECTS)
    weight: float  # its share of the documents
    sections: tuple[str, ...]  # drafting sections in the symbols of its official letters


DEMO_UNITS: list[DemoUnit] = [
    DemoUnit("000.00.00.H25", "ubnd", "office", 1.0, ("KT", "NC", "TH", "VX")),
    DemoUnit("000.00.01.H25", "vp", "office", 0.7, ("TH", "HCTC", "KSTT")),
    DemoUnit("000.00.05.H25", "snv", "home_affairs", 1.2, ("TCBC", "CCHC", "VTLT")),
    DemoUnit("000.00.06.H25", "stc", "finance", 1.2, ("NS", "QLG", "DT")),
    DemoUnit("000.00.07.H25", "stp", "justice", 0.8, ("VBPQ", "HCTP", "PBGDPL")),
    DemoUnit("000.00.08.H25", "skhcn", "science", 1.0, ("CDS", "QLKH", "TDC")),
    DemoUnit("000.01.40.H25", "thanhsen", "commune", 0.5, ("VP",)),
    DemoUnit("000.02.40.H25", "tranphu", "commune", 0.4, ("VP",)),
    DemoUnit("000.01.41.H25", "camxuyen", "commune", 0.4, ("VP",)),
    DemoUnit("000.01.42.H25", "thachha", "commune", 0.4, ("VP",)),
    DemoUnit("000.02.42.H25", "thachkhe", "commune", 0.3, ("VP",)),
    DemoUnit("000.01.35.H25", "cambinh", "commune", 0.3, ("VP",)),
]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    position: str
    roles: tuple[str, ...]


def people_of(unit: DemoUnit, roles_known: set[str]) -> list[DemoPerson]:
    """A clerk, a leader, two specialists; an archivist in the provincial bodies (a commune's
    clerk keeps its archive too); a legal officer where the legal review plugin's role exists
    and the unit reviews its decisions."""
    commune = unit.kind == "commune"
    people = [
        DemoPerson(
            f"{unit.slug}.vanthu",
            "Văn thư",
            ("clerk", "archivist") if commune else ("clerk",),
        ),
        DemoPerson(f"{unit.slug}.lanhdao", "Chủ tịch" if commune else "Phó Giám đốc", ("leader",)),
        DemoPerson(f"{unit.slug}.chuyenvien1", "Chuyên viên", ("specialist",)),
        DemoPerson(f"{unit.slug}.chuyenvien2", "Chuyên viên", ("specialist",)),
    ]
    if not commune:
        people.append(DemoPerson(f"{unit.slug}.luutru", "Lưu trữ viên", ("archivist",)))
    if unit.kind == "finance" and "legal_officer" in roles_known:
        people.append(DemoPerson(f"{unit.slug}.phapche", "Cán bộ pháp chế", ("legal_officer",)))
    return people
