"""How much a query reads to find its candidates: the sources in turn, the first that ends, and
a budget when every word is common."""

from __future__ import annotations

from typing import Any

from mongomock_motor import AsyncMongoMockClient

from core.search import layout, query

UNIT = "000.00.00.H25"


async def fill(db: Any, word: str, items: range) -> None:
    await db[layout.postings_collection(word)].insert_many(
        [{"_id": layout.posting_key(word, "d", UNIT, f"{n:04d}"), "i": f"{n:04d}"} for n in items]
    )


async def test_the_first_source_to_end_gives_the_candidates_after_reads_of_about_its_size(
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(query, "CANDIDATES", 300)
    db = AsyncMongoMockClient()["reading"]
    await fill(db, "ve", range(1000))
    await fill(db, "viec", range(1000))
    await fill(db, "binh", range(0, 1000, 8))  # 125 items
    read: list[int] = []
    original = query._Source.read

    async def counted(self: Any, count: int) -> None:
        before = self.read_total
        await original(self, count)
        read.append(self.read_total - before)

    monkeypatch.setattr(query._Source, "read", counted)
    found, complete = await query._fewest(db, [["viec"], ["ve"], ["binh"]], "d", None)
    assert complete is True and len(found) == 125
    assert sum(read) <= 3 * (125 + query.BATCH)  # not the 301 of each common word

    read.clear()
    found, complete = await query._fewest(db, [["viec"], ["ve"]], "d", None)
    assert complete is False and len(found) == 300
    assert sum(read) <= query.BUDGET_FACTOR * 301 + 2 * query.BATCH

    # Four common words cost what two do: the budget, not four reads of 301.
    await fill(db, "xa", range(1000))
    await fill(db, "cua", range(1000))
    read.clear()
    found, complete = await query._fewest(db, [["viec"], ["ve"], ["xa"], ["cua"]], "d", None)
    assert complete is False and 0 < len(found) <= 300
    assert sum(read) <= query.BUDGET_FACTOR * 301 + 4 * query.BATCH

    # A word in no document ends at once: nothing to find.
    read.clear()
    found, complete = await query._fewest(db, [["viec"], ["khong"]], "d", None)
    assert found == [] and complete is True


async def test_a_word_beginning_cut_at_its_words_says_so_even_when_nothing_is_found(
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(query, "MAX_EXPANSION", 2)
    db = AsyncMongoMockClient()["cut"]
    # Three words begin with "thu"; the third, past the cut, is the only one with a posting.
    for word in ("thua", "thuc", "thuy"):
        await db[layout.vocabulary_collection(word)].insert_one({"_id": word})
    await fill(db, "thuy", range(1))

    class Everyone:
        name = "admin"
        involvement_keys: list[str] = []

        def sees_every_unit(self, action: str) -> bool:
            return True

    result = await query.search(
        db,
        Everyone(),  # type: ignore[arg-type]
        kind="d",
        text="thu*",
        exact=False,
        filters=query.Filters(),
        sort="relevance",
        cursor=None,
        limit=25,
    )
    assert result.hits == [] and result.complete is False
