"""Signature reports through HTTP: per file version, and for a document's main file."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from core.app import create_app
from core.settings import ConfigError, Settings
from core.signatures.models import SignatureVerification
from core.signatures.trust import load_trust_roots
from tests.conftest import concurrent_client
from tests.documents.conftest import assert_problem, create, outgoing
from tests.identity.people import OTHER, OWN, acting, grant, make_token
from tests.signatures.conftest import SIGNER_NAME, Pki
from tests.signing import make_ca, write_trust_dir

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class TickingClock:
    """A second later at every reading: a report made again would show another checked_at."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def trust_dir(pki: Pki, tmp_path: Path) -> Path:
    return write_trust_dir(tmp_path / "trust", pki.root)


@pytest.fixture
def app(make_settings: Callable[..., Settings], trust_dir: Path) -> Litestar:
    return create_app(make_settings(trust_roots_dir=trust_dir), clock=TickingClock())


async def document_with_main_file(
    client: httpx.AsyncClient,
    content: bytes,
    *,
    name: str = "Quyết định.pdf",
    media_type: str = "application/pdf",
    unit: str = OWN,
) -> tuple[str, str]:
    document = await create(client, outgoing(unit=unit))
    response = await client.post(
        f"/api/v1/documents/{document['id']}/files",
        params={"role": "main"},
        files=[("files", (name, content, media_type))],
    )
    assert response.status_code == 201, response.text
    return document["id"], response.json()[0]["file_id"]


def signatures_url(document_id: str, file_id: str) -> str:
    return f"/api/v1/documents/{document_id}/files/{file_id}/signatures"


async def report_of(http: Any, document_id: str, file_id: str, **params: Any) -> dict[str, Any]:
    response = await http.get(signatures_url(document_id, file_id), params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_signed_main_file_reports_its_signer_and_is_acceptable(
    client: httpx.AsyncClient, pki: Pki
) -> None:
    document_id, file_id = await document_with_main_file(client, pki.signed)

    report = await report_of(client, document_id, file_id)
    of_document = await client.get(f"/api/v1/documents/{document_id}/signature")

    assert (report["status"], report["acceptable"], report["reason"]) == (
        "signed_valid",
        True,
        None,
    )
    (signature,) = report["signatures"]
    assert signature["signer"]["common_name"] == SIGNER_NAME
    assert signature["certificate_path"] == [pki.signer.subject, pki.root.subject]
    assert signature["covers_whole_file"] is True
    assert of_document.status_code == 200
    assert of_document.json() == report


async def test_a_version_changed_after_signing_is_not_acceptable_and_the_first_still_is(
    client: httpx.AsyncClient, pki: Pki
) -> None:
    document_id, file_id = await document_with_main_file(client, pki.signed)
    response = await client.post(
        f"/api/v1/documents/{document_id}/files/{file_id}/versions",
        files=[("files", ("Quyết định.pdf", pki.changed_after_signing, "application/pdf"))],
    )
    assert response.status_code == 201, response.text

    current = await report_of(client, document_id, file_id)
    first = await report_of(client, document_id, file_id, version=1)
    of_document = (await client.get(f"/api/v1/documents/{document_id}/signature")).json()

    assert (current["status"], current["acceptable"]) == ("signed_invalid", False)
    assert "changed after it was signed" in current["reason"]
    assert first["status"] == "signed_valid"
    assert of_document["status"] == "signed_invalid"  # the latest version is the one that counts


async def test_a_signer_of_an_authority_not_in_the_trust_folder_is_untrusted(
    client: httpx.AsyncClient, pki: Pki, trust_dir: Path
) -> None:
    document_id, file_id = await document_with_main_file(client, pki.signed_by_stranger)

    report = await report_of(client, document_id, file_id)

    assert report["status"] == "signed_invalid"
    assert "does not chain to a trust root" in report["reason"]
    assert str(trust_dir) in report["reason"]
    assert report["signatures"][0]["trusted"] is False


async def test_unsigned_and_non_pdf_files_say_what_they_lack(
    client: httpx.AsyncClient, pki: Pki
) -> None:
    pdf_document, pdf_file = await document_with_main_file(client, pki.unsigned)
    docx_document, docx_file = await document_with_main_file(
        client, b"PK\x03\x04" + b"word/document.xml" * 20, name="Dự thảo.docx", media_type=DOCX
    )

    unsigned = await report_of(client, pdf_document, pdf_file)
    not_pdf = await report_of(client, docx_document, docx_file)

    assert (unsigned["status"], unsigned["acceptable"]) == ("unsigned", False)
    assert "no signature" in unsigned["reason"]
    assert (not_pdf["status"], not_pdf["acceptable"]) == ("not_pdf", False)


async def test_a_document_without_a_main_file_is_unsigned(client: httpx.AsyncClient) -> None:
    document = await create(client, outgoing(unit=OWN))

    response = await client.get(f"/api/v1/documents/{document['id']}/signature")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "unsigned"
    assert response.json()["reason"] == (
        "The document has no main file; upload the signed PDF as its main file first."
    )


async def test_a_version_is_verified_once_and_its_report_stored(app: Litestar, pki: Pki) -> None:
    async with concurrent_client(app) as http:
        document_id, file_id = await document_with_main_file(http, pki.signed)

        first = await report_of(http, document_id, file_id)
        again = await report_of(http, document_id, file_id)
        stored = await SignatureVerification.find({"file_id": file_id}).to_list()

    assert again["checked_at"] == first["checked_at"]
    assert [(s.version, s.report.status) for s in stored] == [(1, "signed_valid")]
    assert stored[0].id.startswith(f"{file_id}|000000001|")


async def test_reports_are_made_again_against_new_trust_roots(
    make_settings: Callable[..., Settings], pki: Pki, tmp_path: Path
) -> None:
    """An operator adds the missing CA and restarts: the same version is checked again."""
    empty = tmp_path / "empty-trust"
    before = create_app(make_settings(trust_roots_dir=empty), clock=TickingClock())
    async with concurrent_client(before) as http:
        document_id, file_id = await document_with_main_file(http, pki.signed)
        untrusted = await report_of(http, document_id, file_id)
        write_trust_dir(empty, pki.root)
        before.state.runtime.trust_roots = load_trust_roots(empty)  # as a restart reads them
        trusted = await report_of(http, document_id, file_id)

    assert untrusted["status"] == "signed_invalid"
    assert trusted["status"] == "signed_valid"
    assert trusted["trust_roots_fingerprint"] != untrusted["trust_roots_fingerprint"]


async def test_another_units_reader_finds_nothing(app: Litestar, pki: Pki) -> None:
    async with concurrent_client(app) as http:
        document_id, file_id = await document_with_main_file(http, pki.signed, unit=OWN)
        outsider = acting(http, (await make_token(http, grant("clerk", OTHER)))["token"])
        insider = acting(http, (await make_token(http, grant("clerk", OWN)))["token"])

        by_outsider = await outsider.get(signatures_url(document_id, file_id))
        of_document = await outsider.get(f"/api/v1/documents/{document_id}/signature")
        stored_meanwhile = await SignatureVerification.find({"file_id": file_id}).count()
        by_insider = await insider.get(signatures_url(document_id, file_id))

    assert_problem(by_outsider, 404)
    assert_problem(of_document, 404)
    assert stored_meanwhile == 0  # nothing was read or checked for the outsider
    assert by_insider.status_code == 200


async def test_unknown_files_and_versions_answer_404(client: httpx.AsyncClient, pki: Pki) -> None:
    document_id, file_id = await document_with_main_file(client, pki.signed)

    no_file = await client.get(signatures_url(document_id, "0" * 32))
    no_version = await client.get(signatures_url(document_id, file_id), params={"version": 9})

    assert_problem(no_file, 404, "0" * 32)
    assert_problem(no_version, 404, "versions 1 to 1")


def test_a_trust_folder_with_a_broken_certificate_stops_the_start(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    folder = write_trust_dir(tmp_path / "trust", make_ca())
    (folder / "ban-co-yeu.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nhong\n")

    with pytest.raises(ConfigError) as raised:
        create_app(make_settings(trust_roots_dir=folder))

    assert str(folder / "ban-co-yeu.pem") in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_trust_folder_is_found_beside_the_config_file(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    from core.settings import load_settings

    config = tmp_path / "hoso.toml"
    config.write_text("")

    assert load_settings(config).resolved_trust_roots_dir() == tmp_path / "trust"


@pytest.mark.races
async def test_requests_racing_to_check_one_version_all_answer_the_one_report_kept(
    app: Litestar, pki: Pki
) -> None:
    async with concurrent_client(app) as http:
        document_id, file_id = await document_with_main_file(http, pki.signed)
        answers = await asyncio.gather(
            *(http.get(signatures_url(document_id, file_id)) for _ in range(6))
        )
        stored = await SignatureVerification.find({"file_id": file_id}).to_list()

    assert [a.status_code for a in answers] == [200] * 6
    # Each made its report at another moment (the clock ticks); only one was kept, and every
    # answer is that one.
    assert {a.json()["checked_at"] for a in answers} == {
        stored[0].report.checked_at.isoformat().replace("+00:00", "Z")
    }
    assert len(stored) == 1
