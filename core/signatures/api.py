"""`/api/v1/documents/{id}/signature`: the verified signature of a document's main file."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from core.documents.service import get_document
from core.identity.policy import Principal
from core.runtime import Runtime
from core.signatures.service import main_file_signature
from core.signatures.verify import SignatureReport


class SignatureController(Controller):
    path = "/documents/{document_id:str}/signature"
    tags = ["documents"]

    @get(
        "/",
        summary="The signature of the document's main file (its latest version), verified",
        description=(
            "The report of GET .../files/{file_id}/signatures for the latest version of the "
            "document's main file: what approving the document requires (`acceptable`). A "
            "document without a main file answers status `unsigned`."
        ),
        problems=(404,),
    )
    async def document_signature(
        self,
        runtime: NamedDependency[Runtime],
        actor: NamedDependency[Principal],
        document_id: str,
    ) -> SignatureReport:
        document = await get_document(actor, document_id)
        return await main_file_signature(runtime, document)
