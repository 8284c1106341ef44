"""A small province built through the API over the first months of 2026, with the service's clock
fixed at each step, and the figures of a report counted again straight from the stored data."""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.records.list_models import BigHeading, RecordList, StoredEntry, list_key
from tests.documents.conftest import create, incoming, outgoing
from tests.workflows.people import Clock, take

YEAR = 2026
PROVINCE = "000.00.00.H25"
DISTRICT = "000.00.35.H25"  # Ủy ban nhân dân huyện Cẩm Xuyên
COMMUNE = "000.01.35.H25"  # Ủy ban nhân dân xã Cẩm Bình, under the district
OTHER_DISTRICT = "000.00.36.H25"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

# Every step by the administrator's token (province_admin), so that the test drives the whole
# life of each document without a person per role; the steps and deadlines are Decree 30's.
WORKFLOWS = """
[workflow.decree30_outgoing]
label = "Văn bản đi"
directions = ["outgoing", "internal"]
start = "draft"

[workflow.decree30_outgoing.states]
draft = { label = "Dự thảo" }
signed = { label = "Đã ký, chờ cấp số", deadline_working_days = 1 }
issued = { label = "Đã cấp số", deadline_working_days = 1 }
sent = { label = "Đã phát hành", final = true }

[[workflow.decree30_outgoing.transitions]]
name = "sign"
label = "Ký"
from = ["draft"]
to = "signed"
roles = ["province_admin"]

[[workflow.decree30_outgoing.transitions]]
name = "issue"
label = "Cấp số"
from = ["signed"]
to = "issued"
roles = ["province_admin"]
effect = "issue"

[[workflow.decree30_outgoing.transitions]]
name = "send"
label = "Phát hành"
from = ["issued"]
to = "sent"
roles = ["province_admin"]

[workflow.decree30_incoming]
label = "Văn bản đến"
directions = ["incoming"]
start = "received"

[workflow.decree30_incoming.states]
received = { label = "Tiếp nhận", deadline_working_days = 1 }
registered = { label = "Đã đăng ký" }
processing = { label = "Đang xử lý" }
done = { label = "Đã xử lý xong", final = true }

[[workflow.decree30_incoming.transitions]]
name = "register"
label = "Đăng ký"
from = ["received"]
to = "registered"
roles = ["province_admin"]
effect = "register"

[[workflow.decree30_incoming.transitions]]
name = "assign"
label = "Phân công"
from = ["registered"]
to = "processing"
roles = ["province_admin"]
effect = "assign"

[[workflow.decree30_incoming.transitions]]
name = "complete"
label = "Hoàn thành"
from = ["processing"]
to = "done"
roles = ["province_admin"]
"""


def write_workflows(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "test.toml").write_text(WORKFLOWS, encoding="utf-8")
    return directory


@dataclass
class Province:
    """What the test made, and what it knows without asking the service."""

    # Outgoing document id → the deadline its signing step answered (the numbering deadline).
    numbering_due: dict[str, str] = field(default_factory=dict)
    records: dict[str, str] = field(default_factory=dict)  # entry id → record code


# Entries of each unit's 2026 list: (entry id, exemption).
LISTS = {
    PROVINCE: [("P-1", None), ("P-2", None), ("P-3", "state_secret"), ("P-4", "complex")],
    DISTRICT: [("D-1", None), ("D-2", None), ("D-3", None)],
    COMMUNE: [("C-1", None), ("C-2", None), ("C-3", None), ("C-4", "complex")],
}


async def store_lists() -> None:
    """The year's lists, as the list service stores them (inside the app's lifespan)."""
    now = datetime(2026, 1, 2, 2, 0, tzinfo=UTC)
    for unit, entries in LISTS.items():
        await RecordList(
            id=list_key(unit, YEAR),
            unit=unit,
            year=YEAR,
            state="approved",
            numbering="per_heading",
            started_from="empty",
            headings=[
                BigHeading(
                    heading_id="h-TH",
                    symbol="TH",
                    title="Tổng hợp",
                    entries=[
                        StoredEntry(
                            entry_id=entry_id,
                            title=f"Hồ sơ {entry_id}",
                            retention_years=10,
                            exempt=exempt,
                        )
                        for entry_id, exempt in entries
                    ],
                )
            ],
            created_by="admin",
            created_at=now,
            updated_by="admin",
            updated_at=now,
        ).insert()


async def received(http: Any, unit: str, **fields: Any) -> str:
    document = await create(http, incoming(unit=unit, **fields))
    await take(http, document["id"], "register")
    return document["id"]


async def assigned(http: Any, unit: str, due: str) -> str:
    doc = await received(http, unit)
    await take(http, doc, "assign", assignment={"presiding": {"unit": unit}, "due": due})
    return doc


async def signed(http: Any, unit: str, made: Province) -> str:
    doc = (await create(http, outgoing(unit=unit, type_code="CV")))["id"]
    made.numbering_due[doc] = (await take(http, doc, "sign"))["due"]
    return doc


async def open_record(http: Any, unit: str, entry_id: str, made: Province) -> str:
    response = await http.post(
        "/api/v1/records", json={"unit": unit, "year": YEAR, "entry_id": entry_id}
    )
    assert response.status_code == 201, response.text
    made.records[entry_id] = response.json()["code"]
    return made.records[entry_id]


async def record_step(http: Any, code: str, step: str, **body: Any) -> None:
    path = f"/api/v1/records/{code}/{step}"
    response = await http.post(path, json=body or None)
    assert response.status_code in (200, 201), response.text


async def build(http: Any, clock: Clock) -> Province:
    made = Province()
    await store_lists()

    # December 2025: issued the year before, counted in no month of 2026.
    clock.set(2025, 12, 15, 2, 0)
    last_year = await signed(http, PROVINCE, made)
    await take(http, last_year, "issue")

    # Monday 5 January 2026.
    clock.set(2026, 1, 5, 2, 0)
    in_time = await assigned(http, PROVINCE, "2026-01-09")
    late = await assigned(http, DISTRICT, "2026-01-07")
    out_province = await signed(http, PROVINCE, made)
    clock.set(2026, 1, 6, 2, 0)
    await take(http, out_province, "issue")  # the day its deadline falls: on time
    await take(http, out_province, "send")
    clock.set(2026, 1, 8, 2, 0)
    await take(http, in_time, "complete")
    clock.set(2026, 1, 12, 2, 0)
    await take(http, late, "complete")
    clock.set(2026, 1, 20, 2, 0)
    province_record = await open_record(http, PROVINCE, "P-1", made)
    await record_step(http, province_record, "documents", document_id=out_province)
    await record_step(http, province_record, "close")
    district_record = await open_record(http, DISTRICT, "D-1", made)

    # February.
    clock.set(2026, 2, 2, 2, 0)
    await assigned(http, COMMUNE, "2026-02-10")  # never finished: late by the report's day
    await received(http, DISTRICT)  # no deadline at all
    out_district = await signed(http, DISTRICT, made)
    clock.set(2026, 2, 5, 2, 0)
    await take(http, out_district, "issue")  # two days after its deadline: late
    clock.set(2026, 2, 10, 2, 0)
    await open_record(http, COMMUNE, "C-1", made)
    await open_record(http, PROVINCE, "P-3", made)  # exempt: its record counts nowhere

    # March: 23:30 on 15 March in Hà Tĩnh is still 15 March there, 16:30 UTC.
    clock.set(2026, 3, 15, 16, 30)
    await assigned(http, PROVINCE, "2026-12-31")  # pending
    clock.set(2026, 3, 16, 2, 0)
    await received(http, PROVINCE, due_date="2026-03-01")  # its own due date passed: late
    direct = (await create(http, outgoing(unit=COMMUNE, type_code="CV")))["id"]
    response = await http.post(f"/api/v1/documents/{direct}/issue")  # outside the steps
    assert response.status_code == 200, response.text
    clock.set(2026, 3, 18, 2, 0)
    await record_step(http, province_record, "submit")
    await record_step(http, district_record, "documents", document_id=out_district)
    await record_step(http, district_record, "close")
    await open_record(http, COMMUNE, "C-2", made)
    clock.set(2026, 3, 19, 2, 0)
    await record_step(http, province_record, "accept")

    clock.set(2026, 3, 20, 2, 0)  # the day the reports are made
    return made


# --- the same figures, counted here from what is stored ------------------------------------


def local_day(moment: datetime) -> date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZONE).date()


def day_of(value: Any) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def in_period(day: date | None, month: int | None) -> bool:
    return day is not None and day.year == YEAR and (month is None or day.month == month)


async def stored_figures(
    db: Any, unit: str, month: int | None, made: Province, today: date
) -> Counter[str]:
    """One unit's figures for 2026 (or one month of it), counted from every stored document,
    record and list of the database, one by one."""
    found: Counter[str] = Counter()
    async for document in db.documents.find({"unit": unit}):
        if document["direction"] == "incoming" and document["state"] == "registered":
            if not in_period(day_of(document["arrival_date"]), month):
                continue
            found["in"] += 1
            due = day_of((document.get("assignment") or {}).get("due")) or day_of(
                document.get("due_date")
            )
            status = document["workflow"]
            if due is None:
                found["in_no_deadline"] += 1
            elif status["final"]:
                found["in_on_time" if local_day(status["since"]) <= due else "in_late"] += 1
            else:
                found["in_late" if today > due else "in_pending"] += 1
        if document["direction"] == "outgoing" and document["state"] == "issued":
            issued = day_of(document["issued_date"])
            if not in_period(issued, month):
                continue
            found["out"] += 1
            due_text = made.numbering_due.get(str(document["_id"]))
            if due_text is None:
                found["out_no_deadline"] += 1
            elif issued <= date.fromisoformat(due_text):
                found["out_on_time"] += 1
            else:
                found["out_late"] += 1
    done = {"closed", "submitted", "accepted"}
    entries_with_record: dict[str, date] = {}
    async for record in db.records.find({"unit": unit}):
        if in_period(local_day(record["created_at"]), month):
            found["created"] += 1
            found["complete"] += record["state"] in done
        for moment, metric, states in (
            ("closed_at", "closed", done),
            ("submitted_at", "submitted", {"submitted", "accepted"}),
            ("accepted_at", "accepted", {"accepted"}),
        ):
            at = record.get(moment)
            if at is not None and in_period(local_day(at), month) and record["state"] in states:
                found[metric] += 1
        if record["year"] == YEAR and record.get("entry_id"):
            entries_with_record[record["entry_id"]] = local_day(record["created_at"])
    stored = await db.record_lists.find_one({"_id": list_key(unit, YEAR)})
    last = month or 12
    period_end = date(YEAR, last, calendar.monthrange(YEAR, last)[1])
    for heading in (stored or {}).get("headings", []):
        for entry in heading["entries"]:
            found["entries"] += 1
            if entry.get("exempt") == "state_secret":
                found["exempt_state_secret"] += 1
            elif entry.get("exempt") == "complex":
                found["exempt_complex"] += 1
            elif entries_with_record.get(entry["entry_id"], date.max) <= period_end:
                found["with_record"] += 1
    return found


def as_counts(figures: dict[str, Any]) -> Counter[str]:
    """A report's figures in the same terms as `stored_figures`."""
    incoming, out = figures["documents"]["incoming"], figures["documents"]["outgoing"]
    records, share = figures["records"], figures["electronic_records"]
    return Counter(
        {
            "in": incoming["total"],
            "in_on_time": incoming["on_time"],
            "in_late": incoming["late"],
            "in_pending": incoming["pending"],
            "in_no_deadline": incoming["no_deadline"],
            "out": out["total"],
            "out_on_time": out["on_time"],
            "out_late": out["late"],
            "out_no_deadline": out["no_deadline"],
            **records,
            "entries": share["list_entries"],
            "exempt_state_secret": share["exempt_state_secret"],
            "exempt_complex": share["exempt_complex"],
            "with_record": share["with_record"],
        }
    )
