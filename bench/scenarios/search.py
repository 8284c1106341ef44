"""Search at 10k (and 100k) documents: the same queries, the same answers, more documents.

The documents are issued Quyết định of four units with summaries made of Vietnamese phrases
(a topic, an object, a commune), numbered 1..N; the search index is filled in the shape the
service writes (`core.search.index.posting_of`), through the driver, before the service starts,
and the start-up's indexing sees it as built. Each query is asked `REPEAT` times by the
province's administrator (who reads every unit), for the whole province (its postings read
whole) but the last, for one unit (that unit's postings read); p50 and p95 are reported.

Queries:
- number: `<n>/QĐ-UBND` (a phrase of three words; numbers of up to four digits have a
  collection each, longer ones share 1,024 by hash);
- selective: `quy hoạch Cẩm Bình` (a word in one document of ~35, and three more);
- common: `về việc xã` (in every document: bounded to the first 2,000 postings of its
  rarest word, `complete: false`);
- prefix: `thủy*` (the vocabulary, then the postings of each word it begins);
- common, one unit: `về việc xã` in one of the four units (`unit=`, no subtree): the postings
  of that unit's scope only.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from beanie import PydanticObjectId

from bench import load
from bench.fill import PROVINCE, SYMBOL, UNITS, driver, encoded, insert_all, stored_document
from bench.report import Row
from bench.scenarios import Options
from bench.service import CpuMeter, Tier, running_service
from core.database import Database
from core.documents.models import DocumentState, StoredDocument
from core.search import layout
from core.search.entries import plain_document_entry
from core.search.index import BUILT_MARK, INDEX_VERSION, card_of, manifest_of, postings_of
from core.text import fold
from core.workflows.models import WorkflowStatus
from plugins.decree30 import format_ordinal

REPEAT = 15
SECONDS = 90.0  # per query and size
TOPICS = [
    "Về việc ban hành kế hoạch",
    "Về việc phê duyệt quy hoạch",
    "Về việc phân bổ kinh phí",
    "Về việc khen thưởng",
    "Về việc kiện toàn ban chỉ đạo",
    "Về việc giao chỉ tiêu",
    "Về việc điều chỉnh dự toán",
    "Về việc thành lập hội đồng",
]
OBJECTS = [
    "chuyển đổi số",
    "xây dựng nông thôn mới",
    "phòng chống thiên tai",
    "thủy lợi nội đồng",
    "thủy sản ven biển",
    "giải phóng mặt bằng",
    "cải cách hành chính",
    "y tế cơ sở",
    "giáo dục mầm non",
    "du lịch biển",
    "đường giao thông liên xã",
    "an toàn thực phẩm",
]
COMMUNES = [
    "Cẩm Bình",
    "Cẩm Xuyên",
    "Thạch Hà",
    "Kỳ Anh",
    "Hương Khê",
    "Hương Sơn",
    "Đức Thọ",
    "Nghi Xuân",
    "Can Lộc",
    "Lộc Hà",
    "Vũ Quang",
    "Hồng Lĩnh",
    "Thạch Kim",
    "Cẩm Nhượng",
    "Kỳ Ninh",
    "Xuân Thành",
    "Thiên Cầm",
    "Cương Gián",
    "Thạch Lạc",
    "Đồng Lộc",
    "Sơn Kim",
    "Hà Linh",
    "Phúc Trạch",
    "Gia Hanh",
    "Tùng Lộc",
    "Thịnh Lộc",
    "Kỳ Thư",
    "Kỳ Khang",
    "Cẩm Lạc",
    "Cẩm Duệ",
    "Thạch Đài",
    "Thạch Xuân",
    "Xuân Liên",
    "Xuân Hội",
    "Sơn Tiến",
]


async def run(tier: Tier, options: Options) -> tuple[list[Row], list[str]]:
    sizes = [1_000, 10_000] if not options.quick else [200, 1_000]
    if options.with_100k:
        sizes.append(100_000)
    rows, notes = [], []
    base: dict[str, float] = {}
    for size in sizes:
        measured, note = await _measure(tier, size)
        notes.append(note)
        for name, (served, found) in measured.items():
            p50 = served.percentile(50)
            base.setdefault(name, p50)
            rows.append(
                Row(
                    f"search '{name}', {size:,} documents",
                    f"p50 {p50 * 1000:.0f} ms, p95 {served.percentile(95) * 1000:.0f} ms",
                    "—",
                    None,
                    "100k under 3× 10k",
                    f"{p50 / base[name]:.1f}× the {sizes[0]:,} p50; {found}",
                )
            )
    return rows, notes


def _summary(rng: random.Random, n: int) -> str:
    return (
        f"{rng.choice(TOPICS)} {rng.choice(OBJECTS)} tại xã {COMMUNES[n % len(COMMUNES)]} "
        f"năm {2020 + n % 7}"
    )


async def fill_searchable(database: Database, count: int) -> int:
    """`count` issued documents with their search index; the number of index entries."""
    rng = random.Random(18)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=count)
    documents, postings, manifests = [], defaultdict(list), defaultdict(list)
    cards: dict[str, list[dict[str, Any]]] = defaultdict(list)
    vocabulary: dict[str, set[str]] = defaultdict(set)
    for n in range(count):
        summary = _summary(rng, n)
        created = start + timedelta(seconds=n)
        document = stored_document(UNITS[n % len(UNITS)], created, id=PydanticObjectId())
        document = document.model_copy(
            update=dict(
                summary=summary,
                summary_folded=fold(summary),
                state=DocumentState.ISSUED,
                revision=2,
                register_code="outgoing",
                register_year=created.year,
                number=n + 1,
                number_text=format_ordinal(n + 1),
                symbol=SYMBOL,
                issued_date=created.date(),
                # As issued through its workflow: the start's workflow backfill passes it by.
                workflow=WorkflowStatus(
                    name="decree30_outgoing", step="sent", since=created, final=True
                ),
            )
        )
        documents.append(encoded(document))
        entry = plain_document_entry(document, [])
        for name, posting in postings_of(entry):
            postings[name].append(posting)
        for term in entry.fields_of:
            vocabulary[layout.vocabulary_collection(term)].add(term)
        manifest = manifest_of(entry)
        manifests[layout.manifest_collection(manifest["_id"])].append(manifest)
        cards[layout.card_collection(manifest["_id"])].append(card_of(entry))
    await insert_all(database, StoredDocument, documents)
    total = 0
    for group in (postings, manifests, cards):
        for name, rows in group.items():
            total += await _insert(database, name, rows)
    for name, terms in vocabulary.items():
        await _insert(database, name, [{"_id": term} for term in sorted(terms)])
    await _insert(database, BUILT_MARK, [{"_id": "built", "version": INDEX_VERSION}])
    return total


async def _insert(database: Database, name: str, rows: list[dict[str, Any]]) -> int:
    class Named:  # insert_all takes a model; only its collection name matters
        @staticmethod
        def get_collection_name() -> str:
            return name

    return await insert_all(database, Named, rows)  # type: ignore[arg-type]


async def _measure(tier: Tier, size: int) -> tuple[dict[str, tuple[load.Load, str]], str]:
    settings = tier.fresh(f"search-{size}")
    started = time.monotonic()
    async with driver(settings) as database:
        entries = await fill_searchable(database, size)
    filled = time.monotonic() - started
    number = format_ordinal(max(1, size // 3))
    province = {"unit": PROVINCE, "subtree": "true"}
    queries = {
        "number": (f"{number}/QĐ-UBND", province),
        "selective": ("quy hoạch Cẩm Bình", province),
        "common": ("về việc xã", province),
        "prefix": ("thủy*", province),
        "common, one unit": ("về việc xã", {"unit": UNITS[2]}),
    }
    measured: dict[str, tuple[load.Load, str]] = {}
    with running_service(settings, workers=1) as service:
        async with load.http_client(service.base, 1) as http:
            meter = CpuMeter({"service": service.pids(), **tier.server_groups()}).start()
            for name, (q, where) in queries.items():
                answers: list[dict[str, Any]] = []

                async def ask(
                    index: int, q: str = q, where: dict = where, answers: list = answers
                ) -> None:
                    params = {"q": q, "limit": 25, **where}
                    answers.append(
                        await load.call(http, "GET", "/api/v1/search", 200, params=params)
                    )

                await ask(0)  # warm-up
                served = await load.run(ask, concurrency=1, count=REPEAT, seconds=SECONDS)
                last = answers[-1]
                found = f"{len(last['items'])} hits, complete={last['complete']}"
                measured[name] = (served, found)
            meter.stop()
    note = (
        f"search at {size:,} documents: {entries:,} index entries filled with the documents in "
        f"{filled:.0f} s; CPU: {meter.describe()}"
    )
    return measured, note
