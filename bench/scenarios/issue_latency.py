"""Issue latency, one document at a time, with 10 and with 10,000 numbers already in the register.

The register is filled through the driver in the service's own shape (bench/fill.py): entries
and printed numbers, and in one case also the 10,000 issued documents they belong to, as a
real register has. The two 10,000 cases tell numbering's own cost from that of writing the
document in a larger collection. The service must give the number after the filled ones; if it
does not, it did not see them, and the row says so.
"""

from __future__ import annotations

from datetime import datetime

from bench import load
from bench.fill import DRAFT_BODY, driver, fill_register
from bench.report import Row, verdict
from bench.scenarios import Options
from bench.service import CpuMeter, Tier, running_service

WARM_UP = 2
SECONDS = 60.0  # per case: no new issue starts after this
MIN_SAMPLES = 5


async def run(tier: Tier, options: Options) -> tuple[list[Row], list[str]]:
    samples = options.scale(30, 5)
    large = options.scale(10_000, 500)
    cases = [
        (10, True, "issue latency, 10 entries in the register (and their documents)"),
        (large, False, f"issue latency, {large:,} entries in the register"),
        (large, True, f"issue latency, {large:,} entries and their {large:,} issued documents"),
    ]
    rows, notes, base = [], [], None
    for entries, documents, figure in cases:
        issued, problem, cpu = await _measure(tier, entries, documents, samples)
        p50 = issued.percentile(50)
        row = Row(
            f"{figure}, 1 client",
            f"p50 {p50 * 1000:.0f} ms, p95 {issued.percentile(95) * 1000:.0f} ms",
        )
        if base is None:
            base = p50
        else:
            growth = p50 / base
            met = growth <= 1.5 and not problem and issued.done >= MIN_SAMPLES
            row.target = "p50 ≤ 1.5× the 10-entry p50"
            row.verdict = f"{verdict(met)}: {growth:.1f}×"
        if problem:
            row.verdict = f"**{problem}**"
        rows.append(row)
        notes.append(
            f"{figure}: {issued.done} issues one after another in {issued.wall:.1f} s "
            f"(1 worker); CPU: {cpu}. {issued.error_summary()}"
        )
    return rows, notes


async def _measure(
    tier: Tier, entries: int, documents: bool, samples: int
) -> tuple[load.Load, str, str]:
    settings = tier.fresh(f"latency-{entries}")
    year = datetime.now(settings.zone).year
    async with driver(settings) as database:
        await fill_register(database, entries, year, documents=documents)
    # One worker: the latency of one issue, not of workers racing (the issue-rate rows do that).
    with running_service(settings, workers=1) as service:
        async with load.http_client(service.base, 1) as http:
            drafts: list[str] = []

            async def create(_: int) -> None:
                created = await load.call(http, "POST", "/api/v1/documents", 201, json=DRAFT_BODY)
                drafts.append(created["id"])

            await load.run(create, concurrency=4, count=WARM_UP + samples, seconds=60)
            numbers: list[int] = []

            async def issue(index: int) -> None:
                path = f"/api/v1/documents/{drafts[index]}/issue"
                numbers.append((await load.call(http, "POST", path, 200))["number"])

            await load.run(issue, concurrency=1, count=WARM_UP, seconds=SECONDS)
            meter = CpuMeter({"service": service.pids(), **tier.server_groups()}).start()
            timed = await load.run(
                lambda i: issue(WARM_UP + i), concurrency=1, count=samples, seconds=SECONDS
            )
            meter.stop()
    expected = list(range(entries + 1, entries + 1 + len(numbers)))
    problem = ""
    if numbers != expected:
        problem = (
            f"the service did not see the filled register: it gave {numbers[:3]}…, "
            f"expected {expected[:3]}… (bring bench/fill.py to the stored shape)"
        )
    return timed, problem, meter.describe()
