"""Loads the demo province through the services, as its people would have worked over two years.

Everything happens on one timeline: each act (a list approved, a record opened, a document
drafted, checked, numbered, sent, registered, assigned, completed, a record closed, handed over)
is an event at its own moment, run in time order with the runtime's clock set to that moment.
So numbers follow the dates in every register, deadlines are counted from when each step was
taken, and what would happen after today has not happened yet: recent documents are still in
their workflows.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from rich.progress import Progress, TaskID

from core.demo.pdf import make_pdf
from core.demo.province import DEMO_PASSWORD, DEMO_UNITS, DemoPerson, DemoUnit, people_of
from core.demo.texts import (
    DIRECTIONS,
    SENDERS,
    list_headings,
    page_lines,
    person_name,
    summary,
)
from core.documents import issuing
from core.documents.models import Direction, StoredDocument
from core.documents.schemas import DocumentCreate
from core.documents.service import create_document
from core.errors import HosoError
from core.identity import service as identity
from core.identity.models import Grant
from core.identity.policy import Principal
from core.records import closing, handover, lists
from core.records.filing import memberships
from core.records.list_schemas import BigHeadingIn, EntryIn
from core.records.schemas import RecordOpen
from core.records.service import open_record
from core.runtime import Runtime, utc_now
from core.workflows.engine import AssignmentRequest, TransitionRequest, take_transition
from core.workflows.models import PartyRef

# Uploads a document's main file: (document id, file name, PDF bytes). The CLI and the tests
# send it through the HTTP API, as a client would, so the file is checked, stored and queued
# for text extraction like any other.
Upload = Callable[[str, str, bytes], Awaitable[None]]

OUTGOING_SHARE = 0.6
MAIN_FILE_SHARE = 0.4
RECORD_CODE_SHARE = 0.75
# Where outgoing documents are meant to end (the timeline stops recent ones earlier).
OUTGOING_ENDS = {
    "sent": 0.80,
    "issued": 0.03,
    "signing": 0.03,
    "format_check": 0.02,
    "content_check": 0.03,
    "consultation": 0.02,
    "draft": 0.04,
    "cancelled": 0.03,
}
INCOMING_ENDS = {"done": 0.82, "processing": 0.10, "registered": 0.03, "returned": 0.05}
# What becomes of last year's records that hold documents: the first ones take every state.
RECORD_FATES_FIRST = ["accepted", "returned", "submitted", "closed"]
RECORD_FATES = {"accepted": 0.65, "submitted": 0.12, "closed": 0.12, "returned": 0.03, "open": 0.08}


class AlreadyLoaded(Exception):
    """The database holds documents already: the demo loads only into an empty one."""


@dataclass
class DemoResult:
    documents: int = 0
    records: Counter[str] = field(default_factory=Counter)
    steps: Counter[str] = field(default_factory=Counter)
    files: int = 0
    lists: int = 0
    people: list[str] = field(default_factory=list)
    password: str = DEMO_PASSWORD
    failures: list[str] = field(default_factory=list)


@dataclass
class _Staff:
    unit: DemoUnit
    name: str  # the unit's name
    clerk: Principal
    leader: Principal
    specialists: list[Principal]
    archivist: Principal
    legal_officer: Principal | None
    leader_name: str


@dataclass(order=True)
class _Event:
    at: datetime
    seq: int
    act: Callable[[], Awaitable[None]] = field(compare=False)
    what: str = field(compare=False)


def _weighted(rng: random.Random, table: dict[str, float]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


class DemoLoader:
    def __init__(
        self,
        runtime: Runtime,
        admin: Principal,
        *,
        documents: int,
        seed: int = 2021,
        now: datetime | None = None,
        upload: Upload | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.runtime = runtime
        self.admin = admin
        self.count = documents
        self.rng = random.Random(seed)
        self.now = (now or utc_now()).astimezone(UTC)
        self.zone = runtime.settings.zone
        self.today = self.now.astimezone(self.zone).date()
        self.years = [self.today.year - 1, self.today.year]
        self.upload = upload
        self.progress = progress
        self.result = DemoResult()
        self.units = [u for u in DEMO_UNITS if runtime.units.get(u.code) is not None]
        self.staff: dict[str, _Staff] = {}
        # Records still collecting, per (unit, year): where new documents are filed.
        self.open_records: dict[tuple[str, int], list[str]] = {}
        self._events: list[_Event] = []
        self._seq = itertools.count()
        self._fates = iter(RECORD_FATES_FIRST)
        self._original_numbers: Counter[str] = Counter()

    # --- the timeline ----------------------------------------------------------------------

    def at(self, moment: datetime, what: str, act: Callable[[], Awaitable[None]]) -> None:
        """Schedule `act` at `moment`; what would happen after now does not happen."""
        if moment <= self.now:
            heapq.heappush(self._events, _Event(moment, next(self._seq), act, what))

    async def _run(self, task: TaskID | None) -> None:
        saved = self.runtime.clock
        try:
            while self._events:
                event = heapq.heappop(self._events)
                self.runtime.clock = lambda moment=event.at: moment
                try:
                    await event.act()
                except HosoError as exc:
                    self.result.failures.append(f"{event.what}: {exc.detail}")
                if task is not None and self.progress is not None and event.what == "document":
                    self.progress.advance(task)
        finally:
            self.runtime.clock = saved

    def moment(self, day: date, hour: float) -> datetime:
        """`hour` o'clock (local, fractions allowed) on `day`, as UTC."""
        local = datetime.combine(day, time(0), tzinfo=self.zone) + timedelta(hours=hour)
        return local.astimezone(UTC)

    def working_day(self, start: date, end: date) -> date:
        span = (end - start).days
        for _ in range(50):
            day = start + timedelta(days=self.rng.randint(0, max(span, 0)))
            if self.runtime.calendar.is_working_day(day):
                return day
        return start

    def later(self, moment: datetime, hours: float) -> datetime:
        """`hours` of office time after `moment`: past 17:00 it goes on the next working day."""
        result = moment + timedelta(hours=hours)
        local = result.astimezone(self.zone)
        if local.hour >= 17 or not self.runtime.calendar.is_working_day(local.date()):
            day = self.runtime.calendar.next_working_day(local.date() + timedelta(days=1))
            result = self.moment(day, 7.5 + self.rng.random() * 2)
        return result

    # --- the whole load --------------------------------------------------------------------

    async def load(self) -> DemoResult:
        await ensure_empty()
        await self._people()
        self._plan_lists_and_records()
        self._plan_documents()
        self._plan_record_endings()
        task = None
        if self.progress is not None:
            task = self.progress.add_task("Văn bản (documents)", total=self.count)
        await self._run(task)
        return self.result

    # --- people ----------------------------------------------------------------------------

    async def _people(self) -> None:
        roles_known = set(self.runtime.policy.roles)
        task = None
        if self.progress is not None:
            task = self.progress.add_task("Tài khoản (people)", total=len(self.units))
        for unit in self.units:
            people = people_of(unit, roles_known)
            names = {person.username: person_name(self.rng) for person in people}
            # Password hashes take most of this time; the two cores share them.
            principals = await asyncio.gather(
                *(self._person(unit, person, names[person.username]) for person in people)
            )
            made = {person.username: p for person, p in zip(people, principals, strict=True)}
            slug = unit.slug
            unit_name = self.runtime.units.get(unit.code).name  # type: ignore[union-attr]
            self.staff[unit.code] = _Staff(
                unit=unit,
                name=unit_name,
                clerk=made[f"{slug}.vanthu"],
                leader=made[f"{slug}.lanhdao"],
                specialists=[made[f"{slug}.chuyenvien1"], made[f"{slug}.chuyenvien2"]],
                archivist=made.get(f"{slug}.luutru", made[f"{slug}.vanthu"]),
                legal_officer=made.get(f"{slug}.phapche"),
                leader_name=names[f"{slug}.lanhdao"],
            )
            if task is not None and self.progress is not None:
                self.progress.advance(task)

    async def _person(self, unit: DemoUnit, person: DemoPerson, full_name: str) -> Principal:
        grants = [Grant(unit=unit.code, role=role) for role in person.roles]
        user = await identity.create_user(
            self.runtime,
            self.admin,
            username=person.username,
            full_name=full_name,
            password=DEMO_PASSWORD,
            grants=grants,
        )
        self.result.people.append(person.username)
        return self.runtime.policy.principal(user.id, "person", list(user.grants), via="password")

    # --- record lists and records ----------------------------------------------------------

    def _plan_lists_and_records(self) -> None:
        for year in self.years:
            for unit in self.units:
                day = self.runtime.calendar.next_working_day(date(year, 1, 5))
                start = self.moment(day, 8 + self.rng.random())
                self.at(start, "list", lambda u=unit, y=year: self._make_list(u, y))

    async def _make_list(self, unit: DemoUnit, year: int) -> None:
        staff = self.staff[unit.code]
        first = year == self.years[0]
        made = await lists.create_list(
            self.runtime, staff.clerk, unit.code, year, "template" if first else "previous_year"
        )
        if first:
            headings = [
                BigHeadingIn(
                    symbol=symbol,
                    title=title,
                    entries=[
                        EntryIn(title=entry, retention=retention, responsible=staff.clerk.name)
                        for entry, retention in entries
                    ],
                )
                for symbol, title, entries in list_headings(unit.kind)
            ]
            made = await lists.replace_headings(
                self.runtime, staff.clerk, unit.code, year, made.revision, headings
            )
        approved = await lists.approve_list(
            self.runtime, staff.leader, unit.code, year, made.revision
        )
        self.result.lists += 1
        entries = await lists.read_entries(unit.code, year)
        # Most entries get their electronic record in the first days of the year; a few never
        # do (the share reports count), some later.
        opening = self.later(self.runtime.clock(), 2)
        for entry in entries:
            if self.rng.random() < 0.85:
                self.at(
                    opening + timedelta(minutes=self.rng.randint(0, 600)),
                    "record",
                    lambda e=entry, u=unit, y=year: self._open_record(u, y, e.entry_id),
                )
        del approved

    async def _open_record(self, unit: DemoUnit, year: int, entry_id: str) -> None:
        staff = self.staff[unit.code]
        record = await open_record(
            self.runtime,
            staff.clerk,
            RecordOpen(unit=unit.code, year=year, entry_id=entry_id),
        )
        self.open_records.setdefault((unit.code, year), []).append(record.id)
        self.result.records["opened"] += 1

    def _plan_record_endings(self) -> None:
        last_year, this_year = self.years
        for unit in self.units:
            self.at(
                self.moment(self.runtime.calendar.next_working_day(date(this_year, 1, 12)), 9),
                "record-ending",
                lambda u=unit: self._end_last_years_records(u, last_year),
            )
            ending = self.today - timedelta(days=20)
            if ending.year == this_year:
                self.at(
                    self.moment(self.working_day(ending, self.today - timedelta(days=1)), 10),
                    "record-ending",
                    lambda u=unit: self._close_some_of_this_year(u, this_year),
                )

    async def _end_last_years_records(self, unit: DemoUnit, year: int) -> None:
        codes = list(self.open_records.get((unit.code, year), []))
        for code in codes:
            if not await memberships(code):
                continue  # nothing filed: it stays open (the work never happened)
            fate = next(self._fates, None) or _weighted(self.rng, RECORD_FATES)
            if fate == "open":
                continue
            closed_at = self.later(self.runtime.clock(), self.rng.uniform(0, 200))
            self.at(closed_at, "record-close", lambda c=code, f=fate, u=unit: self._close(u, c, f))

    async def _close(self, unit: DemoUnit, code: str, fate: str) -> None:
        staff = self.staff[unit.code]
        await closing.close_record(self.runtime, staff.clerk, code, None)
        self._forget(unit.code, code)
        self.result.records["closed"] += 1
        if fate == "closed":
            return
        submitted_at = self.later(self.runtime.clock(), self.rng.uniform(200, 1500))
        self.at(submitted_at, "record-submit", lambda: self._submit(unit, code, fate))

    async def _submit(self, unit: DemoUnit, code: str, fate: str) -> None:
        staff = self.staff[unit.code]
        await handover.submit(self.runtime, staff.clerk, code, None)
        self.result.records["submitted"] += 1
        if fate == "submitted":
            return
        answered_at = self.later(self.runtime.clock(), self.rng.uniform(24, 300))
        self.at(answered_at, "record-accept", lambda: self._answer(unit, code, fate))

    async def _answer(self, unit: DemoUnit, code: str, fate: str) -> None:
        archivist = self.staff[unit.code].archivist
        if fate == "returned":
            reason = "Hồ sơ thiếu văn bản kết thúc công việc; đề nghị bổ sung và nộp lại."
            await handover.return_record(self.runtime, archivist, code, reason, None)
            self.result.records["returned"] += 1
        else:
            await handover.accept(self.runtime, archivist, code, None)
            self.result.records["accepted"] += 1

    async def _close_some_of_this_year(self, unit: DemoUnit, year: int) -> None:
        for code in list(self.open_records.get((unit.code, year), [])):
            if self.rng.random() < 0.2 and await memberships(code):
                await self._close(unit, code, "closed")

    def _forget(self, unit: str, code: str) -> None:
        for (holder, _), codes in self.open_records.items():
            if holder == unit and code in codes:
                codes.remove(code)

    # --- documents -------------------------------------------------------------------------

    def _plan_documents(self) -> None:
        weights = [unit.weight for unit in self.units]
        first = self.runtime.calendar.next_working_day(date(self.years[0], 1, 7))
        last = self.today - timedelta(days=1)
        for _ in range(self.count):
            unit = self.rng.choices(self.units, weights=weights)[0]
            day = self.working_day(first, last)
            start = self.moment(day, 7.5 + self.rng.random() * 7)
            incoming = self.rng.random() >= OUTGOING_SHARE
            if incoming:
                self.at(start, "document", lambda u=unit: self._incoming(u))
            else:
                self.at(start, "document", lambda u=unit: self._outgoing(u))

    def _record_for(self, unit: DemoUnit, year: int) -> str | None:
        codes = self.open_records.get((unit.code, year)) or []
        if codes and self.rng.random() < RECORD_CODE_SHARE:
            return self.rng.choice(codes)
        return None

    async def _attach(self, document: StoredDocument, lines: list[str], name: str) -> None:
        if self.upload is None:
            return
        try:
            await self.upload(str(document.id), name, make_pdf(lines))
        except Exception as exc:  # noqa: BLE001 - the document stays, without its file
            self.result.failures.append(f"upload of {name}: {exc}")
            return
        self.result.files += 1

    async def _outgoing(self, unit: DemoUnit) -> None:
        staff = self.staff[unit.code]
        now = self.runtime.clock()
        year = now.astimezone(self.zone).year
        text = summary(self.rng, unit.kind, "outgoing", year)
        author = self.rng.choice(staff.specialists)
        recipients = self.rng.sample(
            [s for s in self.staff.values() if s.unit.code != unit.code], k=2
        )
        data = DocumentCreate(
            unit=unit.code,
            direction=Direction.OUTGOING,
            type_code=text.type_code,
            summary=text.text,
            signer={
                "full_name": staff.leader_name,
                "position": "Phó Chủ tịch"
                if unit.kind in ("commune", "office")
                else "Phó Giám đốc",
                "capacity": "KT",
            },
            drafting_section=self.rng.choice(unit.sections) if text.type_code == "CV" else None,
            recipients=[{"organ_id": r.unit.code, "organ_name": r.name} for r in recipients],
            keywords=[text.subject],
            record_code=self._record_for(unit, year),
        )
        document = await create_document(self.runtime, author, data)
        self.result.documents += 1
        doc_id = str(document.id)
        if self.rng.random() < MAIN_FILE_SHARE:
            symbol = "      /" + (text.type_code if text.type_code != "CV" else "")
            place = f"Hà Tĩnh, ngày {now.astimezone(self.zone):%d} tháng "
            place += f"{now.astimezone(self.zone):%m} năm {year}"
            await self._attach(
                document, page_lines(staff.name, text.text, symbol, place), "du-thao.pdf"
            )
        end = _weighted(self.rng, OUTGOING_ENDS)
        path = self._outgoing_path(staff, author, doc_id, end)
        self._chain(now, path)

    def _outgoing_path(
        self, staff: _Staff, author: Principal, doc_id: str, end: str
    ) -> list[tuple[float, str, Callable[[], Awaitable[Any]]]]:
        """(hours after the previous step, step name, act) up to where the document ends."""

        def move(actor: Principal, name: str, **more: Any) -> Callable[[], Awaitable[Any]]:
            return lambda: take_transition(
                self.runtime, actor, doc_id, TransitionRequest(name=name, **more)
            )

        steps: list[tuple[float, str, Callable[[], Awaitable[Any]]]] = []
        if end == "draft":
            return steps
        if end == "cancelled":
            reason = "Nội dung đã được xử lý tại văn bản khác."
            return [
                (self.rng.uniform(2, 30), "cancelled", move(staff.leader, "cancel", comment=reason))
            ]
        if end == "consultation" or self.rng.random() < 0.1:
            steps.append((self.rng.uniform(0.5, 3), "consultation", move(author, "consult")))
            if end == "consultation":
                return steps
            steps.append((self.rng.uniform(16, 60), "consulted", move(author, "end_consultation")))
        steps.append((self.rng.uniform(0.5, 4), "content_check", move(author, "submit")))
        if end == "content_check":
            return steps
        steps.append(
            (self.rng.uniform(1, 20), "format_check", move(staff.leader, "approve_content"))
        )
        if end == "format_check":
            return steps
        steps.append((self.rng.uniform(0.5, 6), "signing", move(staff.clerk, "approve_format")))
        steps.append((self.rng.uniform(0.5, 24), "legal", self._legal_review(staff, doc_id)))
        if end == "signing":
            return steps
        # Signed on paper (no digital signature in the demo): the clerk numbers it directly.
        steps.append(
            (
                self.rng.uniform(1, 20),
                "issued",
                lambda: issuing.issue_document(self.runtime, staff.clerk, doc_id, None),
            )
        )
        if end == "issued":
            return steps
        steps.append((self.rng.uniform(0.2, 3), "sent", move(staff.clerk, "send")))
        return steps

    def _legal_review(self, staff: _Staff, doc_id: str) -> Callable[[], Awaitable[Any]]:
        """Decisions of a unit with the legal review plugin wait for its legal officer."""

        async def act() -> None:
            from core.documents.service import get_document

            document = await get_document(staff.clerk, doc_id)
            if document.workflow is None or document.workflow.step != "legal_review":
                return
            if staff.legal_officer is None:
                raise _Stop
            await take_transition(
                self.runtime,
                staff.legal_officer,
                doc_id,
                TransitionRequest(
                    name="approve_legal",
                    fields={"legal_opinion": "Đủ điều kiện ban hành, phù hợp quy định hiện hành."},
                ),
            )
            # Its workflow numbers only a digitally signed decision: the demo stops at signing.
            raise _Stop

        return act

    def _chain(
        self, start: datetime, steps: list[tuple[float, str, Callable[[], Awaitable[Any]]]]
    ) -> None:
        """Schedule `steps` one after another: each when the previous one has been taken."""
        if not steps:
            return
        hours, name, act = steps[0]

        async def run() -> None:
            try:
                await act()
            except _Stop:
                return
            self.result.steps[name] += 1
            self._chain(self.runtime.clock(), steps[1:])

        self.at(self.later(start, hours), name, run)

    async def _incoming(self, unit: DemoUnit) -> None:
        staff = self.staff[unit.code]
        now = self.runtime.clock()
        local = now.astimezone(self.zone)
        year = local.year
        text = summary(self.rng, unit.kind, "incoming", year)
        sender, sender_symbol = self.rng.choice(
            [s for s in SENDERS if not s[0].startswith(staff.name)]
        )
        self._original_numbers[sender] += 1
        number = self._original_numbers[sender] + self.rng.randint(0, 3)
        type_symbol = {"QD": "QĐ", "KH": "KH", "TB": "TB", "GM": "GM"}.get(text.type_code)
        symbol = f"{type_symbol}-{sender_symbol}" if type_symbol else sender_symbol
        original_date = local.date() - timedelta(days=self.rng.randint(0, 4))
        data = DocumentCreate(
            unit=unit.code,
            direction=Direction.INCOMING,
            type_code=text.type_code,
            summary=text.text,
            issuing_body=sender,
            original_number=f"{number:02d}",
            original_symbol=symbol,
            original_date=original_date,
            keywords=[text.subject],
            record_code=self._record_for(unit, year),
        )
        document = await create_document(self.runtime, staff.clerk, data)
        self.result.documents += 1
        doc_id = str(document.id)
        if self.rng.random() < MAIN_FILE_SHARE + 0.2:
            place = f"Hà Tĩnh, ngày {original_date:%d} tháng {original_date:%m} năm {year}"
            await self._attach(
                document,
                page_lines(sender, text.text, f"{number:02d}/{symbol}", place),
                f"{number:02d}-{sender_symbol}.pdf",
            )
        end = _weighted(self.rng, INCOMING_ENDS)

        def move(actor: Principal, name: str, **more: Any) -> Callable[[], Awaitable[Any]]:
            return lambda: take_transition(
                self.runtime, actor, doc_id, TransitionRequest(name=name, **more)
            )

        if end == "returned":
            reason = {"reason": "Văn bản gửi không đúng cơ quan có thẩm quyền giải quyết."}
            self._chain(
                now,
                [
                    (
                        self.rng.uniform(0.2, 3),
                        "returned",
                        move(staff.clerk, "return_to_sender", fields=reason),
                    )
                ],
            )
            return
        presiding = self.rng.choice(staff.specialists)
        days = self.rng.randint(3, 10)
        assignment = AssignmentRequest(
            presiding=PartyRef(user=presiding.name),
            coordinators=[],
            due_working_days=days,
            direction=self.rng.choice(DIRECTIONS),
        )
        steps: list[tuple[float, str, Callable[[], Awaitable[Any]]]] = [
            (self.rng.uniform(0.2, 4), "registered", move(staff.clerk, "register")),
        ]
        if end != "registered":
            steps.append(
                (
                    self.rng.uniform(1, 12),
                    "processing",
                    move(staff.leader, "assign", assignment=assignment),
                )
            )
        if end == "done":
            # Most are done within their deadline (8 office hours a day); about one in ten late.
            hours = self.rng.uniform(4, days * 8) if self.rng.random() < 0.9 else (days + 4) * 24
            steps.append((hours, "done", move(presiding, "complete")))
        self._chain(now, steps)


async def ensure_empty() -> None:
    """Raise `AlreadyLoaded` when the database holds anything of an installation in use:
    documents, record lists, records, or accounts beyond the first administrator."""
    from core.identity.models import User
    from core.identity.service import FIRST_ADMIN
    from core.records.list_models import RecordList
    from core.records.models import WorkRecord

    in_use = (
        await StoredDocument.find_one({}) is not None
        or await RecordList.find_one({}) is not None
        or await WorkRecord.find_one({}) is not None
        or await User.find_one({"_id": {"$ne": FIRST_ADMIN}}) is not None
    )
    if in_use:
        raise AlreadyLoaded(
            "the database already holds documents, records or accounts; the demo loads into an "
            "empty one only. "
            "Use another data directory (HOSO_DATA_DIR=var/demo hoso demo) or database "
            "(HOSO_MONGODB_DATABASE=demo), or delete var/data to start again."
        )


class _Stop(Exception):
    """A document's path ends here (its workflow waits for something the demo does not do)."""


async def load_demo(
    runtime: Runtime,
    admin: Principal,
    *,
    documents: int,
    seed: int = 2021,
    now: datetime | None = None,
    upload: Upload | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Load the demo province into the runtime's (empty) database; see the module's note."""
    loader = DemoLoader(
        runtime,
        admin,
        documents=documents,
        seed=seed,
        now=now,
        upload=upload,
        progress=progress,
    )
    return await loader.load()
