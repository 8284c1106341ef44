"""Documents stored before workflows existed get theirs, once, at start.

Without it they would follow a workflow only from their next act, and until then be missing from
"my tasks" and the overdue lists, which query the stored status. Each gets the status
`workflow_of` works out (at the start while a draft, else just past its numbering), written only
where none is stored yet: a start that stops half-way is finished by the next, and a document
given a status meanwhile keeps its own. The status is derived, not an act: no revision is made.
"""

from __future__ import annotations

import logging

from beanie.odm.utils.encoder import Encoder

from core.documents.models import StoredDocument
from core.errors import HosoError
from core.runtime import Runtime
from core.workflows.engine import workflow_of

logger = logging.getLogger("hoso")


async def start_missing_workflows(runtime: Runtime) -> int:
    collection = StoredDocument.get_motor_collection()
    started = 0
    async for raw in collection.find({"workflow": None}):
        try:
            document = StoredDocument.model_validate(raw)
            _, status = workflow_of(runtime, document)
        except (HosoError, ValueError) as exc:
            logger.warning("document %s keeps no workflow for now: %s", raw.get("_id"), exc)
            continue
        result = await collection.update_one(
            {"_id": raw["_id"], "workflow": None},
            {"$set": {"workflow": Encoder(to_db=True).encode(status)}},
        )
        started += result.modified_count
    if started:
        logger.warning("started the workflow of %d documents stored before workflows", started)
    return started
