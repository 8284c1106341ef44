"""`python -m bench.profile issue|page|create --tier …`: where the time of one slow figure goes.

Runs the service's app in this process (no uvicorn: requests go through httpx's ASGI transport
to the same Litestar app `hoso serve` builds) on stores filled as the bench fills them, and
records the timed requests with pyinstrument in async mode, so time spent waiting on the
database shows under the `await` that waited. Also says how much CPU the database server used
meanwhile, and what the driver calls underneath cost on their own on the same data. Writes the
report to bench/results/profile-<what>-<tier>-<date>.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
from bson import ObjectId
from pyinstrument import Profiler

from bench.credentials import BENCH_HEADERS
from bench.fill import DRAFT_BODY, PROVINCE, REGISTER, driver, fill_documents, fill_register
from bench.report import RESULTS, machine, source
from bench.service import CpuMeter, Tier, clear_settings_environment
from core.app import create_app
from core.database import Database
from core.documents.models import StoredDocument
from core.numbering import models as numbering

WHAT = {"issue": "issues", "page": "pages of 25", "create": "creations (POST /documents)"}


async def profile(tier: Tier, what: str, size: int, samples: int, documents: bool) -> str:
    settings = tier.fresh(f"profile-{what}")
    async with driver(settings) as database:
        if what == "issue":
            year = datetime.now(settings.zone).year
            await fill_register(database, size, year, documents=documents)
        elif size:
            await fill_documents(database, size)
    app = create_app(settings)
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://hoso", headers=BENCH_HEADERS
        ) as http:
            work = await _work(http, what, samples)
            await work(0)  # warm-up, outside the profile
            meter = CpuMeter(tier.server_groups())
            profiler = Profiler(async_mode="enabled", interval=0.0005)
            meter.start()
            started = time.monotonic()
            with profiler:
                for index in range(1, samples + 1):
                    await work(index)
            wall = time.monotonic() - started
            meter.stop()
    async with driver(settings) as database:  # once the app let go of the embedded store
        timings = await _driver_timings(database)
    header = (
        f"profile of {samples} {WHAT[what]} at "
        f"{size:,} {'entries' if what == 'issue' else 'documents'}"
        f"{' (without their documents)' if what == 'issue' and not documents else ''}, "
        f"tier {tier.name}, in process; "
        f"{wall / samples * 1000:.0f} ms each; CPU meanwhile (share of one core): "
        f"{meter.describe()}; {machine()}; {source()}\n"
    )
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    return header + text + "\nThe same driver calls on their own, on this data:\n" + timings


async def _driver_timings(database: Database) -> str:
    """Mean time of the driver calls issuing and listing make, on the documents collection. The
    document read and written is a new one, as a draft being issued is: an engine that finds
    `_id`s by scanning in insertion order (FerretDB 1.24 on SQLite does) reaches it last."""
    documents = database.db[StoredDocument.get_collection_name()]
    draft = await documents.find_one({"unit": PROVINCE})
    oldest = draft["_id"]
    draft["_id"] = ObjectId()
    await documents.insert_one(draft)

    async def save_changes(filter_on_revision: bool) -> None:
        where = {"_id": draft["_id"]}
        if filter_on_revision:
            where["revision"] = draft["revision"]
        draft["revision"] += 1
        await documents.replace_one(where, draft)

    calls = {
        "find_one({_id}) of the newest document": lambda: documents.find_one({"_id": draft["_id"]}),
        "find_one({_id}) of the oldest document": lambda: documents.find_one({"_id": oldest}),
        "find_one({_id}) of no document": lambda: documents.find_one({"_id": ObjectId()}),
        "replace_one({_id, revision}) [save_changes]": lambda: save_changes(True),
        "replace_one({_id})": lambda: save_changes(False),
        "insert_one(new document)": lambda: documents.insert_one({**draft, "_id": ObjectId()}),
        "find({unit}).sort(_id -1).limit(26) [a page]": lambda: (
            documents.find({"unit": PROVINCE}).sort([("_id", -1)]).limit(26).to_list(26)
        ),
        "find({unit}).limit(26), no sort": lambda: (
            documents.find({"unit": PROVINCE}).limit(26).to_list(26)
        ),
    }
    key = getattr(numbering, "entry_key", None)  # numbering by `_id` probes, if it has them
    if key is not None:
        entries = database.db[numbering.RegisterEntry.get_collection_name()]
        highest = await entries.count_documents({})
        probe = key(PROVINCE, REGISTER, datetime.now(UTC).year, highest + 1)
        calls["register: find_one({_id}) of the next, untaken number"] = lambda: entries.find_one(
            {"_id": probe}
        )
    count = await documents.count_documents({})
    lines = [f"  ({count:,} documents in the collection)"]
    for name, call in calls.items():
        started = time.perf_counter()
        for _ in range(5):
            await call()
        lines.append(f"  {name:48} {(time.perf_counter() - started) / 5 * 1000:8.1f} ms")
    return "\n".join(lines) + "\n"


async def _work(
    http: httpx.AsyncClient, what: str, samples: int
) -> Callable[[int], Awaitable[None]]:
    """The unit of work profiled; for issues, the drafts it issues are made first."""
    if what == "issue":
        drafts = []
        for _ in range(samples + 1):
            created = await http.post("/api/v1/documents", json=DRAFT_BODY)
            drafts.append(_ok(created, 201)["id"])

        async def issue(index: int) -> None:
            _ok(await http.post(f"/api/v1/documents/{drafts[index]}/issue"), 200)

        return issue
    if what == "create":

        async def create(_: int) -> None:
            _ok(await http.post("/api/v1/documents", json=DRAFT_BODY), 201)

        return create
    cursor: list[str | None] = [None]

    async def page(_: int) -> None:
        params = {"unit": PROVINCE, "limit": 25}
        if cursor[0]:
            params["cursor"] = cursor[0]
        cursor[0] = _ok(await http.get("/api/v1/documents", params=params), 200)["next_cursor"]

    return page


def _ok(response: httpx.Response, status: int) -> dict:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.url.path}: {response.status_code} {response.text}")
    return response.json()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("what", choices=list(WHAT))
    parser.add_argument("--tier", choices=["embedded", "servers"], default="servers")
    parser.add_argument("--size", type=int, default=10_000, help="entries or documents filled")
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument(
        "--register-only",
        action="store_true",
        help="issue: fill the register without the issued documents its entries belong to",
    )
    args = parser.parse_args()
    clear_settings_environment()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with Tier(args.tier) as tier:
        run = profile(tier, args.what, args.size, args.samples, not args.register_only)
        text = asyncio.run(run)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    what = f"{args.what}-register-only" if args.register_only else args.what
    path = RESULTS / f"profile-{what}-{args.tier}-{datetime.now():%Y-%m-%d-%H%M}.txt"
    path.write_text(text)
    print(f"[bench] written to {path}")


if __name__ == "__main__":
    main()
