"""The annual record list (danh mục hồ sơ) of a unit: start, edit, approve, amend, read.

See list_models.py for how a list is stored and numbered.
"""

from __future__ import annotations

from core.records.list_models import ListEntry, RecordList, list_key, retention_text
from core.records.numbering import entry_rows, number_and_symbol


async def find_entry(unit: str, year: int, entry_id: str) -> ListEntry | None:
    """The entry `entry_id` of `unit`'s list for `year`, numbered as the list stands; None when
    the unit has no list that year or the list no such entry. One `_id` read; no policy check
    (the caller has checked that its actor may see the unit's records)."""
    stored = await RecordList.get(list_key(unit, year))
    if stored is None:
        return None
    for row in entry_rows(stored):
        assert row.entry is not None and row.number is not None
        if row.entry.entry_id == entry_id:
            return ListEntry(
                entry_id=row.entry.entry_id,
                heading_symbol=row.big.symbol,
                heading_title=row.big.title,
                small_heading_title=row.small.title if row.small else None,
                number=row.number,
                number_and_symbol=number_and_symbol(row.number, row.big.symbol),
                title=row.entry.title,
                retention=retention_text(row.entry.retention_years),
                retention_years=row.entry.retention_years,
                responsible=row.entry.responsible,
                notes=row.entry.notes,
                exempt=row.entry.exempt,
                list_state=stored.state,
                year=stored.year,
                unit=stored.unit,
            )
    return None
