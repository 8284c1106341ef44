"""A database from before search: its documents and records are indexed at start."""

from __future__ import annotations

from litestar import Litestar

from core.search.index import build_missing
from tests.conftest import concurrent_client
from tests.documents.conftest import PROVINCE, create, outgoing
from tests.search.helpers import found, outside_record


async def test_documents_and_records_without_an_index_are_indexed_at_start(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        made = await create(http, outgoing(summary="Đề án phát triển du lịch biển"))
        record = await outside_record(http, PROVINCE, "Hồ sơ du lịch biển", "21.TH")
        runtime = app.state.runtime
        db = runtime.database.db
        for name in await db.list_collection_names():
            if name.startswith("search_"):
                await db.drop_collection(name)
        assert await found(http, "du lich bien") == []

        assert await build_missing(runtime) == 2
        assert await found(http, "du lich bien") == [made["id"]]
        assert await found(http, "du lich bien", kind="records") == [record["code"]]
        assert await build_missing(runtime) == 0  # once only


async def test_an_index_of_an_earlier_layout_is_dropped_and_built_again(app: Litestar) -> None:
    async with concurrent_client(app) as http:
        made = await create(http, outgoing(summary="Đề án phát triển du lịch biển"))
        runtime = app.state.runtime
        db = runtime.database.db
        # As an earlier version left it: a posting keyed without its unit, a bucket of numbers.
        await db["search_built"].replace_one({"_id": "built"}, {"_id": "built", "version": 1})
        await db["search_w_bien"].insert_one({"_id": f"bien|d|{made['id']}", "k": "d"})
        await db["search_n_05"].insert_one({"_id": "05|d|x", "k": "d"})

        assert await build_missing(runtime) == 1
        names = await db.list_collection_names()
        assert "search_n_05" not in names
        assert await db["search_w_bien"].count_documents({"_id": f"bien|d|{made['id']}"}) == 0
        assert await found(http, "du lich bien") == [made["id"]]
