"""Create documents, 16 concurrent clients, beside inserts of the same document by the driver.

Also measures the generator on its own: the same clients against GET /api/v1/units/{code}
(no database, no file store) show how fast they can go when the service is not held up.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bench import load
from bench.fill import DRAFT_BODY, PROVINCE, driver, encoded, stored_document
from bench.report import Row, verdict
from bench.scenarios import Options
from bench.service import CpuMeter, Tier, running_service
from core.documents.models import StoredDocument

CLIENTS = 16
SECONDS = 15.0


async def run(tier: Tier, options: Options) -> tuple[list[Row], list[str]]:
    count = options.scale(3000, 200)
    workers = tier.max_workers
    settings = tier.fresh("create")
    with running_service(settings, workers=workers) as service:
        async with load.http_client(service.base, CLIENTS) as http:

            async def create(_: int) -> None:
                await load.call(http, "POST", "/api/v1/documents", 201, json=DRAFT_BODY)

            async def trivial(_: int) -> None:
                await load.call(http, "GET", f"/api/v1/units/{PROVINCE}", 200)

            await load.run(create, concurrency=CLIENTS, count=50, seconds=10)  # warm-up
            ceiling = await load.run(trivial, concurrency=CLIENTS, count=20_000, seconds=3)
            meter = CpuMeter({"service": service.pids(), **tier.server_groups()}).start()
            made = await load.run(create, concurrency=CLIENTS, count=count, seconds=SECONDS)
            meter.stop()

    # The raw limit: the same document inserted by the driver into a new database of the same
    # server (on the embedded tier: the same embedded store, in this process).
    async with driver(tier.fresh("create-raw")) as database:
        collection = database.db[StoredDocument.get_collection_name()]
        template = encoded(stored_document(PROVINCE, datetime.now(UTC)))

        async def insert(_: int) -> None:
            await collection.insert_one(dict(template))  # a copy: the driver adds its _id

        await load.run(insert, concurrency=CLIENTS, count=50, seconds=10)
        # As many as the service made: both collections end the same size.
        raw = await load.run(insert, concurrency=CLIENTS, count=made.done, seconds=SECONDS)

    ratio = made.rate / raw.rate if raw.rate else float("nan")
    rows = [
        Row(
            f"create documents, {CLIENTS} clients, {workers} worker{'s' * (workers > 1)}",
            f"{made.rate:.0f}/s (p50 {made.percentile(50) * 1000:.0f} ms)",
            f"{raw.rate:.0f}/s",
            ratio,
            "≥ 0.5× raw",
            verdict(ratio >= 0.5 and not made.errors),
        )
    ]
    notes = [
        f"create: {made.done} documents in {made.wall:.1f} s; CPU while creating (share of one "
        f"core): {meter.describe()}. {made.error_summary()}",
        f"generator check: the same {CLIENTS} clients against GET /api/v1/units/{{code}} made "
        f"{ceiling.rate:.0f} requests/s ({ceiling.own_cpu_share:.0%} of a core), "
        f"{ceiling.rate / max(made.rate, 1e-9):.0f}× the create rate; while creating the "
        f"generator used {made.own_cpu_share:.0%} of a core.",
        f"create raw limit: `insert_one` of the same stored document, {CLIENTS} at a time, "
        f"{_raw_target(tier)}; the driver's process used {raw.own_cpu_share:.0%} of a core.",
    ]
    return rows, notes


def _raw_target(tier: Tier) -> str:
    if tier.name == "servers":
        return "Motor into a new database on the same FerretDB"
    return "mongomock on a new embedded store (SQLite write-through), in the bench's process"
