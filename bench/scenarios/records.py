"""Work records: file 500 issued documents into one record from 16 concurrent clients, then close
it (the closing reads every filed document, works out dates and totals and numbers them 1..n).

Raw limits, in the same run: inserting the same number of membership-sized documents under
unique `_id`s at the same concurrency (what filing cannot do without: one insert per document),
and reading the 500 documents by `_id` one after another through the driver (what closing cannot
do without).
"""

from __future__ import annotations

import time
from urllib.parse import quote

from bench import load
from bench.fill import DRAFT_BODY, PROVINCE, driver
from bench.report import Row, verdict
from bench.scenarios import Options
from bench.service import CpuMeter, Tier, running_service
from core.documents.models import StoredDocument

CLIENTS = 16
SECONDS = 180.0


async def run(tier: Tier, options: Options) -> tuple[list[Row], list[str]]:
    size = options.scale(500, 40)
    settings = tier.fresh("records")
    with running_service(settings, workers=1) as service:
        async with load.http_client(service.base, CLIENTS) as http:
            year = 2026
            record = await load.call(
                http,
                "POST",
                "/api/v1/records",
                201,
                json={
                    "unit": PROVINCE,
                    "year": year,
                    "outside_list": True,
                    "reason": "Đo hiệu năng",
                    "title": "Hồ sơ đo hiệu năng",
                    "number_and_symbol": "99.TH",
                    "retention": "20 years",
                },
            )
            code = quote(record["code"], safe="")
            ids: list[str] = []

            async def issued(_: int) -> None:
                made = await load.call(http, "POST", "/api/v1/documents", 201, json=DRAFT_BODY)
                await load.call(http, "POST", f"/api/v1/documents/{made['id']}/issue", 200)
                ids.append(made["id"])

            prepared = await load.run(issued, concurrency=CLIENTS, count=size, seconds=SECONDS)

            async def file(i: int) -> None:
                await load.call(
                    http,
                    "POST",
                    f"/api/v1/records/{code}/documents",
                    201,
                    json={"document_id": ids[i]},
                )

            meter = CpuMeter({"service": service.pids(), **tier.server_groups()}).start()
            filed = await load.run(file, concurrency=CLIENTS, count=len(ids), seconds=SECONDS)
            meter.stop()
            listing = await load.call(http, "GET", f"/api/v1/records/{code}/documents", 200)
            orders = sorted(item["order"] for item in listing["items"])
            started = time.monotonic()
            closed = await load.call(http, "POST", f"/api/v1/records/{code}/close", 200)
            closing = time.monotonic() - started

    async with driver(settings) as database:
        documents = database.db[StoredDocument.get_collection_name()]
        started = time.monotonic()
        for document_id in ids:
            await documents.find_one({"_id": _object_id(document_id)})
        raw_reading = time.monotonic() - started
        memberships = database.db["bench_raw_memberships"]

        async def insert(i: int) -> None:
            await memberships.insert_one({"_id": f"{record['code']}|{i:06d}", "order": i})

        raw = await load.run(insert, concurrency=CLIENTS, count=len(ids), seconds=SECONDS)

    unique = orders == list(range(1, len(ids) + 1))
    ratio = filed.rate / raw.rate if raw.rate else float("nan")
    rows = [
        Row(
            f"file documents into one record, {CLIENTS} clients",
            f"{filed.rate:.0f}/s ({filed.done} filed; order numbers 1..{len(orders)}: "
            f"{'unique, no gap' if unique else 'NOT 1..n'})",
            f"{raw.rate:.0f}/s",
            ratio,
            "order numbers 1..n",
            verdict(unique and not filed.errors),
        ),
        Row(
            f"close a record of {len(ids)} documents",
            f"{closing * 1000:.0f} ms (doc_total {closed['doc_total']})",
            f"{raw_reading * 1000:.0f} ms (reading them by _id)",
            raw_reading / closing if closing else None,
            "—",
            "—",
        ),
    ]
    notes = [
        f"records: {prepared.done} documents created and issued first ({prepared.wall:.1f} s); "
        f"filing CPU (share of one core): {meter.describe()}. {filed.error_summary()}",
        "records raw: filing against `insert_one` of a membership-sized document under a unique "
        "`_id`, as many, at the same concurrency; closing against reading the same documents by "
        "`_id` one after another (the driver, after the service stopped).",
    ]
    return rows, notes


def _object_id(text: str) -> object:
    from bson import ObjectId

    return ObjectId(text)
