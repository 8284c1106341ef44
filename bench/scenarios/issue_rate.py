"""Issue numbers with 16 and 64 concurrent clients, then read the register book: how many numbers
a second, and whether any is missing or given twice.

The raw limit is what numbering cannot do without: inserting the same register entries under
the engine's uniqueness (the `_id` or unique index the model declares), at the same concurrency,
each client taking the next number from a counter shared by the clients and moving on when the
insert is refused as a duplicate.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from bench import load
from bench.fill import DRAFT_BODY, PROVINCE, REGISTER, driver, encoded, register_entry
from bench.report import Row, verdict
from bench.scenarios import Options
from bench.service import CpuMeter, Tier, running_service
from core.numbering.models import RegisterEntry

SECONDS = 120.0  # per concurrency: no new issue starts after this
RAW_SECONDS = 10.0
RAW_RUNS = 3  # a few hundred inserts take well under a second: the median of three


async def run(tier: Tier, options: Options) -> tuple[list[Row], list[str]]:
    count = options.scale(200, 40)
    rows, notes = [], []
    for clients in (16, 64):
        row, note = await _one(tier, clients, count)
        rows.append(row)
        notes.append(note)
    return rows, notes


async def _one(tier: Tier, clients: int, count: int) -> tuple[Row, str]:
    workers = tier.max_workers
    settings = tier.fresh(f"issue-{clients}")
    with running_service(settings, workers=workers) as service:
        async with load.http_client(service.base, clients) as http:
            drafts: list[str] = []

            async def create(_: int) -> None:
                created = await load.call(http, "POST", "/api/v1/documents", 201, json=DRAFT_BODY)
                drafts.append(created["id"])

            await load.run(create, concurrency=16, count=count, seconds=SECONDS)
            numbers: list[int] = []

            async def issue(index: int) -> None:
                path = f"/api/v1/documents/{drafts[index]}/issue"
                numbers.append((await load.call(http, "POST", path, 200))["number"])

            meter = CpuMeter({"service": service.pids(), **tier.server_groups()}).start()
            issued = await load.run(issue, concurrency=clients, count=len(drafts), seconds=SECONDS)
            meter.stop()
            year = datetime.now(settings.zone).year
            path = f"/api/v1/units/{PROVINCE}/registers/{REGISTER}/{year}"
            book = await load.call(http, "GET", path, 200)
    in_book = [entry["number"] for entry in book["entries"]]
    gaps, duplicates = gaps_and_duplicates(in_book)
    answered_twice = sum(n - 1 for n in Counter(numbers).values() if n > 1)

    runs = sorted([await _raw(tier, clients, count) for _ in range(RAW_RUNS)], key=_rate)
    raw, refused = runs[RAW_RUNS // 2]
    ratio = issued.rate / raw.rate if raw.rate else float("nan")
    sound = gaps == 0 and duplicates == 0 and answered_twice == 0 and not issued.errors
    row = Row(
        f"issue numbers, {clients} clients, {workers} worker{'s' * (workers > 1)}",
        f"{issued.rate:.1f}/s ({issued.done} issued; gaps {gaps}, duplicates "
        f"{duplicates + answered_twice})",
        f"{raw.rate:.0f}/s",
        ratio,
        "≥ 0.5× raw, 0 gaps, 0 duplicates",
        verdict(ratio >= 0.5 and sound),
    )
    note = (
        f"issue {clients}: {issued.done} of {len(drafts)} drafts issued in {issued.wall:.1f} s "
        f"(p50 {issued.percentile(50) * 1000:.0f} ms, p95 {issued.percentile(95) * 1000:.0f} ms); "
        f"the register book holds {len(in_book)} numbers, highest {max(in_book, default=0)}; "
        f"CPU: {meter.describe()}. {issued.error_summary()} Raw: {raw.done} entries in "
        f"{raw.wall:.2f} s (median of {RAW_RUNS}), {refused} refused as duplicates and retried."
    )
    return row, note


async def _raw(tier: Tier, clients: int, count: int) -> tuple[load.Load, int]:
    """`count` entries inserted under the model's uniqueness into a new database of the same
    engine: as many as the service issued, so both registers end the same size."""
    async with driver(tier.fresh(f"issue-{clients}-raw")) as database:
        collection = database.db[RegisterEntry.get_collection_name()]
        now = datetime.now(UTC)
        highest = refused = 0

        async def take(_: int) -> None:
            nonlocal highest, refused
            while True:
                highest += 1
                entry = register_entry(highest, ObjectId(), now.year, now)
                try:
                    await collection.insert_one(encoded(entry))
                    return
                except DuplicateKeyError:
                    refused += 1

        result = await load.run(take, concurrency=clients, count=count, seconds=RAW_SECONDS)
    return result, refused


def _rate(run: tuple[load.Load, int]) -> float:
    return run[0].rate


def gaps_and_duplicates(numbers: list[int]) -> tuple[int, int]:
    """Numbers missing from 1..highest, and numbers present more than once."""
    distinct = set(numbers)
    return max(numbers, default=0) - len(distinct), len(numbers) - len(distinct)
