"""A page of 25, newest first, of one unit, at 1k, 10k (and 100k) documents, following the
service's keyset cursor from the first page on; beside the same queries through the driver.

The documents are drafts spread over four units (a quarter each); the pages are the province's.
They are inserted through the driver before the service starts (the embedded store is one
process's), and the raw queries run after it stops, with the cursors the service gave.
"""

from __future__ import annotations

import time

from bson import ObjectId

from bench import load
from bench.fill import PROVINCE, driver, fill_documents
from bench.report import Row
from bench.scenarios import Options
from bench.service import CpuMeter, Tier, running_service
from core.documents.models import StoredDocument

PAGE = 25
SECONDS = 45.0  # per size: no new page is asked for after this


async def run(tier: Tier, options: Options) -> tuple[list[Row], list[str]]:
    sizes = [1_000, 10_000] if not options.quick else [200, 1_000]
    if options.with_100k:
        sizes.append(100_000)
    pages = options.scale(20, 4)
    rows, notes, first_p50 = [], [], None
    for size in sizes:
        served, raw, problem, cpu = await _measure(tier, size, pages)
        p50, raw_p50 = served.percentile(50), raw.percentile(50)
        first_p50 = first_p50 or p50
        growth = p50 / first_p50
        rows.append(
            Row(
                f"page of {PAGE}, one unit, newest first, {size:,} documents",
                f"p50 {p50 * 1000:.0f} ms, p95 {served.percentile(95) * 1000:.0f} ms",
                f"p50 {raw_p50 * 1000:.1f} ms",
                raw_p50 / p50,
                "state the growth; keyset cursor",
                f"**{problem}**" if problem else f"{growth:.1f}× the {sizes[0]:,} p50",
            )
        )
        notes.append(
            f"pages at {size:,} documents: {served.done} pages followed by cursor in "
            f"{served.wall:.1f} s; CPU: {cpu}; raw: `find({{unit, _id < cursor}})"
            f".sort(_id, -1).limit({PAGE + 1})`, the service's query, {raw.done} times. "
            f"{served.error_summary()}"
        )
    return rows, notes


async def _measure(tier: Tier, size: int, pages: int) -> tuple[load.Load, load.Load, str, str]:
    settings = tier.fresh(f"pages-{size}")
    started = time.monotonic()
    async with driver(settings) as database:
        await fill_documents(database, size)
    filled = time.monotonic() - started
    cursors: list[str | None] = [None]
    seen: list[str] = []
    with running_service(settings, workers=1) as service:
        async with load.http_client(service.base, 1) as http:

            async def page(index: int) -> None:
                if index >= len(cursors) or (index > 0 and cursors[index] is None):
                    raise load.Exhausted  # the unit has no more pages
                params: dict[str, str | int] = {"unit": PROVINCE, "limit": PAGE}
                if cursors[index] is not None:
                    params["cursor"] = cursors[index]
                body = await load.call(http, "GET", "/api/v1/documents", 200, params=params)
                seen.extend(item["id"] for item in body["items"])
                cursors.append(body["next_cursor"])

            await load.run(page, concurrency=1, count=1, seconds=SECONDS)  # warm-up
            del cursors[1:]
            seen.clear()
            meter = CpuMeter({"service": service.pids(), **tier.server_groups()}).start()
            served = await load.run(page, concurrency=1, count=pages, seconds=SECONDS)
            meter.stop()
    problem = ""
    if len(set(seen)) != len(seen) or seen != sorted(seen, reverse=True):
        problem = "pages overlap or are out of order"

    async with driver(settings) as database:
        collection = database.db[StoredDocument.get_collection_name()]
        asked = cursors[: served.done]

        async def query(index: int) -> None:
            where: dict[str, object] = {"unit": PROVINCE}
            if asked[index] is not None:
                where["_id"] = {"$lt": ObjectId(asked[index])}
            await collection.find(where).sort([("_id", -1)]).limit(PAGE + 1).to_list(PAGE + 1)

        raw = await load.run(query, concurrency=1, count=len(asked), seconds=SECONDS)
    return served, raw, problem, f"{meter.describe()}; filled in {filled:.0f} s"
