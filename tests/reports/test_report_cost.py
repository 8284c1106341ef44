"""A report's cost does not grow with the documents it counts: the same queries for 10 documents
as for 2,000 (never one per document)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from beanie import PydanticObjectId

from core.app import create_app
from core.documents.models import DocumentRevision, StoredDocument
from core.records.models import WorkRecord
from core.reports import counting
from tests.conftest import concurrent_client

PROVINCE = "000.00.00.H25"
UNITS = ["000.00.00.H25", "000.00.05.H25", "000.00.35.H25", "000.01.35.H25"]


async def seed(count: int) -> None:
    """`count` documents of 2026 over four units, half incoming (assigned, some done), half
    outgoing with the revision at which each waited to be numbered; a record per ten."""
    start = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    documents, revisions, records = [], [], []
    for n in range(count):
        unit = UNITS[n % len(UNITS)]
        day = (start + timedelta(days=n % 300)).date()
        moment = start + timedelta(days=n % 300)
        common: dict[str, Any] = {
            "_id": PydanticObjectId(),
            "unit": unit,
            "type_code": "CV",
            "type_name": "Công văn",
            "issuing_body": "UBND",
            "summary": f"Văn bản {n}",
            "summary_folded": f"van ban {n}",
            "created_at": moment,
            "updated_at": moment,
        }
        status = {"name": "decree30_outgoing", "step": "issued", "since": moment, "final": False}
        if n % 2:
            status = {
                "name": "decree30_incoming",
                "step": "done" if n % 3 else "processing",
                "since": moment + timedelta(days=n % 5),
                "final": bool(n % 3),
            }
            documents.append(
                {
                    **common,
                    "direction": "incoming",
                    "state": "registered",
                    "arrival_date": datetime.combine(day, datetime.min.time()),
                    "assignment": {
                        "presiding": {"unit": unit},
                        "due": datetime.combine(day + timedelta(days=2), datetime.min.time()),
                        "by": "admin",
                        "at": moment,
                    },
                    "workflow": status,
                }
            )
        else:
            documents.append(
                {
                    **common,
                    "direction": "outgoing",
                    "state": "issued",
                    "issued_date": datetime.combine(day, datetime.min.time()),
                    "workflow": status,
                }
            )
            revisions.append(
                {
                    "_id": f"{common['_id']}|000000002",
                    "document_id": common["_id"],
                    "revision": 2,
                    "change": "workflow",
                    "at": moment,
                    "snapshot": {
                        "unit": unit,
                        "direction": "outgoing",
                        "workflow": {
                            "name": "decree30_outgoing",
                            "step": "signed",
                            "since": moment,
                            "due": datetime.combine(
                                day + timedelta(days=n % 3 - 1), datetime.min.time()
                            ),
                        },
                    },
                }
            )
        if n % 10 == 0:
            records.append(
                {
                    "_id": f"{unit}.2026.{n:05d}.TH",
                    "unit": unit,
                    "year": 2026,
                    "state": "closed",
                    "number_and_symbol": f"{n}.TH",
                    "title": "Hồ sơ",
                    "retention": "10 years",
                    "creator": "admin",
                    "created_at": moment,
                    "updated_at": moment,
                    "closed_at": moment + timedelta(days=3),
                }
            )
    await StoredDocument.get_motor_collection().insert_many(documents)
    await DocumentRevision.get_motor_collection().insert_many(revisions)
    await WorkRecord.get_motor_collection().insert_many(records)


class QueryCounter:
    """Counts the queries the counting module sends, by wrapping the collections it reads."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.queries = 0
        for model in ("StoredDocument", "DocumentRevision", "WorkRecord", "RecordList"):
            self._wrap(monkeypatch, model)

    def _wrap(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        model = getattr(counting, name)
        counter = self

        class Counted:
            def __init__(self, collection: Any) -> None:
                self.collection = collection

            def find(self, *args: Any, **kwargs: Any) -> Any:
                counter.queries += 1
                return self.collection.find(*args, **kwargs)

        class Model:
            @staticmethod
            def get_motor_collection() -> Any:
                return Counted(model.get_motor_collection())

        monkeypatch.setattr(counting, name, Model)


@pytest.mark.parametrize("count", [10, 2000])
async def test_a_province_report_makes_four_queries_however_many_documents(
    make_settings, monkeypatch, count
):
    app = create_app(make_settings(), clock=lambda: datetime(2026, 12, 31, 2, 0, tzinfo=UTC))
    async with concurrent_client(app) as http:
        await seed(count)
        queries = QueryCounter(monkeypatch)
        response = await http.get(
            f"/api/v1/reports/units/{PROVINCE}", params={"year": 2026, "subtree": "true"}
        )
        assert response.status_code == 200, response.text
        total = response.json()["total"]
        assert total["documents"]["incoming"]["total"] == count // 2
        assert total["documents"]["outgoing"]["total"] == count - count // 2
        outgoing = total["documents"]["outgoing"]
        assert outgoing["on_time"] + outgoing["late"] == outgoing["total"]
        assert outgoing["late"] > 0 and outgoing["on_time"] > 0
        assert total["records"]["created"] == len(range(0, count, 10))
        assert queries.queries == 4
