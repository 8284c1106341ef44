"""Documents stored before workflows existed are given theirs at start."""

from __future__ import annotations

from bson import ObjectId

from core.documents.models import StoredDocument
from core.workflows.backfill import start_missing_workflows
from tests.conftest import concurrent_client
from tests.documents.conftest import create, incoming, issue, outgoing
from tests.identity.people import acting
from tests.workflows.people import UNIT, staff


async def test_documents_without_a_workflow_get_one_where_they_are(app):
    async with concurrent_client(app) as admin:
        people = await staff(admin, UNIT)
        draft = await create(people["specialist"], outgoing(unit=UNIT))
        issued = await create(people["specialist"], outgoing(unit=UNIT))
        await issue(people["clerk"], issued["id"])
        received = await create(people["clerk"], incoming(unit=UNIT))
        documents = StoredDocument.get_motor_collection()
        ids = [draft["id"], issued["id"], received["id"]]
        for document_id in ids:
            await documents.update_one({"_id": ObjectId(document_id)}, {"$unset": {"workflow": 1}})
        before = {
            d["_id"]: d["revision"]
            async for d in documents.find({"_id": {"$in": [ObjectId(i) for i in ids]}})
        }

        assert await start_missing_workflows(app.state.runtime) == 3
        assert await start_missing_workflows(app.state.runtime) == 0  # once only

        steps = {}
        async for stored in documents.find({"_id": {"$in": [ObjectId(i) for i in ids]}}):
            steps[str(stored["_id"])] = stored["workflow"]["step"]
            assert stored["revision"] == before[stored["_id"]]  # derived, not an act
        assert steps == {draft["id"]: "draft", issued["id"]: "issued", received["id"]: "received"}

        clerk = acting(admin, people["clerk"].token)
        tasks = (await clerk.get("/api/v1/tasks")).json()
        waiting = {t["document"]["id"]: t["transitions"] for t in tasks["to_act"]}
        assert waiting[issued["id"]] == ["send"]
        assert waiting[received["id"]] == ["register", "return_to_sender"]
