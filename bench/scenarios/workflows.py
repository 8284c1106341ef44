"""Workflows: take a transition on many documents from 16 concurrent clients, then read a
leader's tasks with all of them waiting.

Raw limits, in the same run: what a transition cannot do without, at the same concurrency: one
insert under a unique `_id` (the revision claim) and one replace by `_id` (the document), through
the driver; and for the tasks, one query of the same documents by the indexed step fields.
"""

from __future__ import annotations

import time

from bench import load
from bench.fill import DRAFT_BODY, PROVINCE, driver
from bench.report import Row
from bench.scenarios import Options
from bench.service import CpuMeter, Tier, running_service
from core.documents.models import StoredDocument

CLIENTS = 16
SECONDS = 180.0
PASSWORD = "mật khẩu đo hiệu năng 2026"


async def run(tier: Tier, options: Options) -> tuple[list[Row], list[str]]:
    size = options.scale(500, 40)
    settings = tier.fresh("workflows")
    with running_service(settings, workers=1) as service:
        async with load.http_client(service.base, CLIENTS) as http:
            ids: list[str] = []

            async def draft(_: int) -> None:
                made = await load.call(http, "POST", "/api/v1/documents", 201, json=DRAFT_BODY)
                ids.append(made["id"])

            prepared = await load.run(draft, concurrency=CLIENTS, count=size, seconds=SECONDS)

            async def submit(i: int) -> None:
                # The bench's token made the drafts: it is their author, who submits them.
                await load.call(
                    http,
                    "POST",
                    f"/api/v1/documents/{ids[i]}/transitions",
                    200,
                    json={"name": "submit"},
                )

            meter = CpuMeter({"service": service.pids(), **tier.server_groups()}).start()
            taken = await load.run(submit, concurrency=CLIENTS, count=len(ids), seconds=SECONDS)
            meter.stop()

            await load.call(
                http,
                "POST",
                "/api/v1/users",
                201,
                json={
                    "username": "lanh.dao",
                    "full_name": "Lãnh đạo đo hiệu năng",
                    "password": PASSWORD,
                    "grants": [{"unit": PROVINCE, "role": "leader"}],
                },
            )
            signed_in = await load.call(
                http,
                "POST",
                "/api/v1/auth/login",
                200,
                json={"username": "lanh.dao", "password": PASSWORD},
            )
            leader = {"Authorization": f"Bearer {signed_in['access_token']}"}
            timings = []
            waiting = 0
            for _ in range(options.scale(10, 2)):
                started = time.monotonic()
                async with http.get("/api/v1/tasks?limit=200", headers=leader) as response:
                    tasks = await response.json()
                load.check(response, 200)
                timings.append(time.monotonic() - started)
                waiting = len(tasks["to_act"])

    async with driver(settings) as database:
        documents = database.db[StoredDocument.get_collection_name()]
        claims = database.db["bench_raw_claims"]
        copies = database.db["bench_raw_documents"]
        sample = await documents.find_one({})
        await copies.insert_many([{**sample, "_id": i} for i in range(len(ids))])

        async def claim_and_write(i: int) -> None:
            await claims.insert_one({"_id": f"{i:024d}|000000002", "snapshot": sample})
            await copies.replace_one({"_id": i}, {**sample, "_id": i, "revision": 2})

        raw = await load.run(claim_and_write, concurrency=CLIENTS, count=len(ids), seconds=SECONDS)
        started = time.monotonic()
        found = await documents.find(
            {"unit": {"$in": [PROVINCE]}, "workflow.step": {"$in": ["content_check"]}}
        ).to_list(None)
        raw_query = time.monotonic() - started

    ratio = taken.rate / raw.rate if raw.rate else float("nan")
    best = min(timings)
    rows = [
        Row(
            f"take a transition (submit), {CLIENTS} clients",
            f"{taken.rate:.0f}/s ({taken.done} taken, p95 "
            f"{load.percentile(taken.latencies, 95) * 1000:.0f} ms)",
            f"{raw.rate:.0f}/s (insert + replace by _id)",
            ratio,
            "—",
            "—",
        ),
        Row(
            f"a leader's tasks, {len(ids)} documents waiting ({waiting} listed)",
            f"{best * 1000:.0f} ms (best of {len(timings)})",
            f"{raw_query * 1000:.0f} ms (the query of {len(found)} documents)",
            raw_query / best if best else None,
            "—",
            "—",
        ),
    ]
    notes = [
        f"workflows: {prepared.done} drafts made first ({prepared.wall:.1f} s); transition CPU "
        f"(share of one core): {meter.describe()}. {taken.error_summary()}",
        "workflows raw: a transition against one `insert_one` (the revision claim) and one "
        "`replace_one` by `_id` per document, at the same concurrency; the tasks against one "
        "`find` of the waiting documents by unit and step, through the driver.",
    ]
    return rows, notes
