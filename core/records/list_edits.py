"""Operations on a draft record list's tree (PATCH): add, edit, remove and move headings and
entries, applied in order to the tree as stored, all or none.

The result is the whole tree, with ids, which `lists.replace_headings` checks and stores as a
PUT would: one path for both ways of editing.
"""

from __future__ import annotations

from typing import Any

from core.errors import InvalidInput
from core.records.list_models import RecordList, retention_text
from core.records.list_schemas import (
    AddEntry,
    AddHeading,
    BigHeadingIn,
    EditEntry,
    EditHeading,
    ListOperation,
    MoveEntry,
    MoveHeading,
    RemoveEntry,
    RemoveHeading,
)

Tree = list[dict[str, Any]]


class _Refused(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message


def tree_of(stored: RecordList) -> Tree:
    def entries(items: list[Any]) -> list[dict[str, Any]]:
        return [
            {
                "entry_id": e.entry_id,
                "title": e.title,
                "retention": retention_text(e.retention_years),
                "responsible": e.responsible,
                "notes": e.notes,
                "exempt": e.exempt,
            }
            for e in items
        ]

    return [
        {
            "heading_id": big.heading_id,
            "symbol": big.symbol,
            "title": big.title,
            "entries": entries(big.entries),
            "headings": [
                {"heading_id": s.heading_id, "title": s.title, "entries": entries(s.entries)}
                for s in big.headings
            ],
        }
        for big in stored.headings
    ]


def apply(stored: RecordList, operations: list[ListOperation]) -> list[BigHeadingIn]:
    tree = tree_of(stored)
    for index, operation in enumerate(operations):
        try:
            _apply_one(tree, operation)
        except _Refused as refused:
            raise InvalidInput(
                f"Operation {index + 1} ({operation.op}) cannot be applied: {refused.message}. "
                "Nothing was changed.",
                errors=[
                    {"field": f"operations.{index}.{refused.field}", "message": refused.message}
                ],
            ) from None
    return [BigHeadingIn.model_validate(big) for big in tree]


def _apply_one(tree: Tree, operation: ListOperation) -> None:
    if isinstance(operation, AddHeading):
        _add_heading(tree, operation)
    elif isinstance(operation, EditHeading):
        heading, _, parent = _heading(tree, operation.heading_id)
        if operation.title is not None:
            heading["title"] = operation.title
        if operation.symbol is not None:
            if parent is not None:
                raise _Refused("symbol", "only a big heading has an abbreviation")
            heading["symbol"] = operation.symbol
    elif isinstance(operation, RemoveHeading):
        heading, siblings, _ = _heading(tree, operation.heading_id)
        if heading["entries"] or heading.get("headings"):
            raise _Refused(
                "heading_id", "the heading still holds entries or headings: move or remove them"
            )
        siblings.remove(heading)
    elif isinstance(operation, MoveHeading):
        _move_heading(tree, operation)
    elif isinstance(operation, AddEntry):
        _, place = _entries_of(tree, operation.heading_id)
        new = {"entry_id": None, **operation.entry.model_dump()}
        _insert(place, new, operation.position)
    elif isinstance(operation, EditEntry):
        entry, _ = _entry(tree, operation.entry_id)
        for name in operation.model_fields_set - {"op", "entry_id"}:
            entry[name] = getattr(operation, name)
    elif isinstance(operation, RemoveEntry):
        entry, place = _entry(tree, operation.entry_id)
        place.remove(entry)
    elif isinstance(operation, MoveEntry):
        entry, place = _entry(tree, operation.entry_id)
        _, target = _entries_of(tree, operation.heading_id)
        place.remove(entry)
        _insert(target, entry, operation.position)


def _add_heading(tree: Tree, operation: AddHeading) -> None:
    if operation.parent_id is None:
        if operation.symbol is None:
            raise _Refused("symbol", "a big heading needs its abbreviation (TCCB…)")
        new = {"heading_id": None, "symbol": operation.symbol, "title": operation.title}
        _insert(tree, {**new, "entries": [], "headings": []}, operation.position)
        return
    if operation.symbol is not None:
        raise _Refused("symbol", "only a big heading has an abbreviation")
    parent = next((big for big in tree if big["heading_id"] == operation.parent_id), None)
    if parent is None:
        raise _Refused("parent_id", "no big heading with this id in the list")
    new = {"heading_id": None, "title": operation.title, "entries": []}
    _insert(parent["headings"], new, operation.position)


def _move_heading(tree: Tree, operation: MoveHeading) -> None:
    heading, siblings, parent = _heading(tree, operation.heading_id)
    if parent is None:
        if operation.parent_id is not None:
            raise _Refused("parent_id", "a big heading cannot go under another heading")
        siblings.remove(heading)
        _insert(tree, heading, operation.position)
        return
    target = parent
    if operation.parent_id is not None:
        target = next((big for big in tree if big["heading_id"] == operation.parent_id), None)
        if target is None:
            raise _Refused("parent_id", "no big heading with this id in the list")
    siblings.remove(heading)
    _insert(target["headings"], heading, operation.position)


def _heading(tree: Tree, heading_id: str) -> tuple[dict[str, Any], list[Any], Any]:
    """The heading, the list it stands in, and its big heading (None for a big heading)."""
    for big in tree:
        if big["heading_id"] == heading_id:
            return big, tree, None
        for small in big["headings"]:
            if small["heading_id"] == heading_id:
                return small, big["headings"], big
    raise _Refused("heading_id", "no heading with this id in the list")


def _entries_of(tree: Tree, heading_id: str) -> tuple[dict[str, Any], list[Any]]:
    heading, _, _ = _heading(tree, heading_id)
    return heading, heading["entries"]


def _entry(tree: Tree, entry_id: str) -> tuple[dict[str, Any], list[Any]]:
    for big in tree:
        for place in [big["entries"], *(small["entries"] for small in big["headings"])]:
            for entry in place:
                if entry["entry_id"] == entry_id:
                    return entry, place
    raise _Refused("entry_id", "no entry with this id in the list")


def _insert(items: list[Any], item: dict[str, Any], position: int | None) -> None:
    items.insert(len(items) if position is None else min(position, len(items)), item)
