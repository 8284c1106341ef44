"""An outgoing decision from draft to sent, signed with a real PAdES signature (D30 Art. 10-15):
an unsigned, a tampered and an untrusted main file cannot take the signing transition."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.app import create_app
from tests.accounts import admin_client
from tests.documents.conftest import create, outgoing
from tests.identity.people import grant
from tests.signatures.conftest import Pki, pki  # noqa: F401 - the session's test PKI
from tests.signing import write_trust_dir
from tests.workflows.people import FINANCE, UNIT, person, staff, take, timeline, workflow


@pytest.fixture
def app(make_settings, pki: Pki, tmp_path: Path):  # noqa: F811
    trust = write_trust_dir(tmp_path / "trust", pki.root)
    return create_app(make_settings(trust_roots_dir=trust))


async def upload_main(caller, document_id: str, content: bytes) -> str:
    response = await caller.post(
        f"/api/v1/documents/{document_id}/files",
        params={"role": "main"},
        files=[("files", ("Quyết định.pdf", content, "application/pdf"))],
    )
    assert response.status_code == 201, response.text
    return response.json()[0]["file_id"]


async def new_version(caller, document_id: str, file_id: str, content: bytes) -> None:
    response = await caller.post(
        f"/api/v1/documents/{document_id}/files/{file_id}/versions",
        files=[("files", ("Quyết định.pdf", content, "application/pdf"))],
    )
    assert response.status_code == 201, response.text


async def back_to_signing(people, doc: str, file_id: str, content: bytes) -> None:
    """The leader sends it back; the drafter replaces the file; it is checked again."""
    await take(people["leader"], doc, "return_draft", comment="Tệp chưa ký số hợp lệ.")
    await new_version(people["specialist"], doc, file_id, content)
    await take(people["specialist"], doc, "submit")
    await take(people["leader"], doc, "approve_content")
    await take(people["clerk"], doc, "approve_format")


async def refused_signing(caller, document_id: str) -> str:
    response = await caller.post(
        f"/api/v1/documents/{document_id}/transitions", json={"name": "sign"}
    )
    assert response.status_code == 422, response.text
    assert (await workflow(caller, document_id))["step"] == "signing"
    return response.json()["detail"]


async def test_draft_to_sent_with_a_verified_signature(app, pki: Pki):  # noqa: F811
    async with admin_client(app) as admin:
        people = await staff(admin, UNIT)
        document = await create(people["specialist"], outgoing(unit=UNIT, type_code="QD"))
        doc = document["id"]
        file_id = await upload_main(people["specialist"], doc, pki.unsigned)

        # Consultation, then the checks; each by whom the workflow names.
        await take(people["specialist"], doc, "consult")
        await take(people["specialist"], doc, "end_consultation")
        await take(people["specialist"], doc, "submit")
        await take(people["specialist"], doc, "approve_content", expect=403)
        await take(people["leader"], doc, "approve_content")
        await take(people["specialist"], doc, "approve_format", expect=403)
        await take(people["clerk"], doc, "approve_format")

        # Signing: the leader only, and only with a valid signature.
        await take(people["clerk"], doc, "sign", expect=403)
        assert "no signature" in (await refused_signing(people["leader"], doc)).lower()
        # What was checked cannot change while it waits for the signature.
        locked = await people["specialist"].post(
            f"/api/v1/documents/{doc}/files/{file_id}/versions",
            files=[("files", ("Quyết định.pdf", pki.signed, "application/pdf"))],
        )
        assert locked.status_code == 409, locked.text
        assert locked.json()["current_step"] == "signing"
        await back_to_signing(people, doc, file_id, pki.changed_after_signing)
        assert "changed after" in (await refused_signing(people["leader"], doc))
        await back_to_signing(people, doc, file_id, pki.byte_flipped)
        detail = await refused_signing(people["leader"], doc)
        assert detail.startswith("The main file cannot be approved as signed:")
        await back_to_signing(people, doc, file_id, pki.signed_by_stranger)
        assert "trust root" in (await refused_signing(people["leader"], doc))

        await back_to_signing(people, doc, file_id, pki.signed)
        await take(people["leader"], doc, "sign")
        state = await workflow(people["clerk"], doc)
        assert state["step"] == "signed"
        assert state["due"] is not None  # numbered at the latest the next working day
        assert [t["name"] for t in state["available"]] == ["issue"]

        # Numbering through the transition: the existing numbering, in the same write.
        await take(people["leader"], doc, "issue", expect=403)
        await take(people["clerk"], doc, "issue")
        issued = (await people["clerk"].get(f"/api/v1/documents/{doc}")).json()
        assert issued["state"] == "issued"
        assert issued["number_and_symbol"] == "Số: 01/QĐ-SNV"
        assert issued["workflow"]["step"] == "issued"

        await take(people["clerk"], doc, "send")
        assert (await workflow(people["clerk"], doc))["final"] is True
        await take(people["clerk"], doc, "send", expect=409)

        entries = await timeline(people["leader"], doc)
        checks = ["return_draft", "submit", "approve_content", "approve_format"]
        assert [e["transition"] for e in entries] == [
            None,
            "consult",
            "end_consultation",
            "submit",
            "approve_content",
            "approve_format",
            *checks * 4,
            "sign",
            "issue",
            "send",
        ]
        for before, after in zip(entries, entries[1:], strict=False):
            assert after["from_step"] == before["to_step"]
            assert after["revision"] > before["revision"]


async def test_the_signed_file_cannot_change_before_it_is_issued(app, pki: Pki):  # noqa: F811
    async with admin_client(app) as admin:
        people = await staff(admin, UNIT)
        document = await create(people["specialist"], outgoing(unit=UNIT, type_code="QD"))
        doc = document["id"]
        file_id = await upload_main(people["specialist"], doc, pki.signed)
        for caller, name in (
            (people["specialist"], "submit"),
            (people["leader"], "approve_content"),
            (people["clerk"], "approve_format"),
            (people["leader"], "sign"),
        ):
            await take(caller, doc, name)
        for caller in (people["specialist"], people["leader"], people["clerk"]):
            refused = await caller.post(
                f"/api/v1/documents/{doc}/files/{file_id}/versions",
                files=[("files", ("Quyết định.pdf", pki.unsigned, "application/pdf"))],
            )
            assert refused.status_code == 409, refused.text
            edited = await caller.patch(
                f"/api/v1/documents/{doc}", json={"summary": "Nội dung khác", "revision": 5}
            )
            assert edited.status_code == 409, edited.text
        deleted = await people["leader"].delete(f"/api/v1/documents/{doc}")
        assert deleted.status_code == 409, deleted.text
        await take(people["clerk"], doc, "issue")
        versions = (await people["clerk"].get(f"/api/v1/documents/{doc}/files/{file_id}")).json()
        assert len(versions["versions"]) == 1


async def test_the_legal_review_unit_signs_after_the_review(app, pki: Pki):  # noqa: F811
    async with admin_client(app) as admin:
        people = await staff(admin, FINANCE)
        legal = await person(admin, "phap.che.stc", grant("legal_officer", FINANCE))
        document = await create(people["specialist"], outgoing(unit=FINANCE, type_code="QD"))
        doc = document["id"]
        await upload_main(people["specialist"], doc, pki.signed)
        for caller, name in (
            (people["specialist"], "submit"),
            (people["leader"], "approve_content"),
            (people["clerk"], "approve_format"),
        ):
            await take(caller, doc, name)
        await take(people["leader"], doc, "sign", expect=409)  # not before the legal review
        await take(legal, doc, "approve_legal", fields={"legal_opinion": "Đủ điều kiện ban hành."})
        await take(people["leader"], doc, "sign")
        await take(people["clerk"], doc, "issue")
        assert (await workflow(people["clerk"], doc))["step"] == "issued"
