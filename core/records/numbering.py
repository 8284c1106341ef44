"""The rows of a record list in print order, each entry numbered from its position.

D30 App. V: big headings I, II…; small headings 1, 2… within each; entries numbered 01, 02…
through the whole list or from 01 in each big heading, followed by the big heading's
abbreviation (`01.TCCB`). Numbers below 10 take a leading zero, as document numbers do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from core.records.list_models import BigHeading, ListBody, SmallHeading, StoredEntry

_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def roman(number: int) -> str:
    out = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def number_and_symbol(number: int, symbol: str) -> str:
    return f"{number:02d}.{symbol}"


@dataclass(frozen=True)
class Row:
    """One printed row: a big heading, a small heading or an entry (with its number)."""

    kind: str  # "big" | "small" | "entry"
    big: BigHeading
    big_ordinal: int  # 1 for I
    small: SmallHeading | None = None
    small_ordinal: int | None = None
    entry: StoredEntry | None = None
    number: int | None = None

    @property
    def label(self) -> str:
        """The heading's printed label (`I. TỔ CHỨC CÁN BỘ`, `1. Tuyển dụng`) or the entry's
        number and symbol."""
        if self.kind == "big":
            return f"{roman(self.big_ordinal)}. {self.big.title.upper()}"
        if self.kind == "small":
            assert self.small is not None
            return f"{self.small_ordinal}. {self.small.title}"
        assert self.number is not None
        return number_and_symbol(self.number, self.big.symbol)


def rows(body: ListBody) -> Iterator[Row]:
    numbers = _numbers(body)
    for big_index, big in enumerate(body.headings, start=1):
        yield Row("big", big, big_index)
        for entry in big.entries:
            yield Row("entry", big, big_index, entry=entry, number=numbers[entry.entry_id])
        for small_index, small in enumerate(big.headings, start=1):
            yield Row("small", big, big_index, small, small_index)
            for entry in small.entries:
                number = numbers[entry.entry_id]
                yield Row("entry", big, big_index, small, small_index, entry, number)


def _numbers(body: ListBody) -> dict[str, int]:
    """Each entry's number: by position, then the entries amendments added, in the order they
    were added, after all the others (of the list, or of their big heading). An approved list's
    numbers are printed on records already: an amendment never shifts them."""
    numbers: dict[str, int] = {}
    last = 0
    amended: list[tuple[int, int, StoredEntry]] = []
    for big_index, big in enumerate(body.headings):
        if body.numbering == "per_heading":
            last = 0
        entries = [*big.entries, *(entry for small in big.headings for entry in small.entries)]
        for entry in entries:
            if entry.amendment is None:
                last += 1
                numbers[entry.entry_id] = last
            else:
                amended.append((entry.amendment, big_index, entry))
        if body.numbering == "per_heading":
            for _, _, entry in sorted(
                (item for item in amended if item[1] == big_index), key=lambda item: item[0]
            ):
                last += 1
                numbers[entry.entry_id] = last
    if body.numbering == "whole_list":
        for _, _, entry in sorted(amended, key=lambda item: item[0]):
            last += 1
            numbers[entry.entry_id] = last
    return numbers


def entry_rows(body: ListBody) -> Iterator[Row]:
    return (row for row in rows(body) if row.kind == "entry")
