"""verify_pdf on real signed PDFs: what it finds, and the reason it gives when a file fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.settings import ConfigError
from core.signatures.trust import TrustRoots, load_trust_roots
from core.signatures.verify import verify_pdf
from tests.signatures.conftest import SIGNER_NAME, Pki
from tests.signing import make_ca, make_pdf, sign_pdf, write_trust_dir


@pytest.fixture
def roots(pki: Pki, tmp_path: Path) -> TrustRoots:
    return load_trust_roots(write_trust_dir(tmp_path / "trust", pki.root))


def test_a_pades_signature_by_a_trusted_signer_is_acceptable(pki: Pki, roots: TrustRoots) -> None:
    report = verify_pdf(pki.signed, roots)

    assert (report.status, report.reason, report.acceptable) == ("signed_valid", None, True)
    (signature,) = report.signatures
    assert signature.subfilter == "ETSI.CAdES.detached"
    assert signature.signer is not None and signature.signer.common_name == SIGNER_NAME
    assert signature.signer.subject == pki.signer.subject
    assert signature.signer.serial == format(pki.signer.certificate.serial_number, "x")
    assert signature.issuer == pki.root.subject
    assert (signature.intact, signature.valid, signature.trusted) == (True, True, True)
    assert signature.covers_whole_file and signature.modification_level == "none"
    assert signature.certificate_path == [pki.signer.subject, pki.root.subject]
    assert signature.signing_time is not None
    assert abs(signature.signing_time - datetime.now(UTC)) < timedelta(minutes=10)
    assert signature.problems == []
    assert report.trust_roots_fingerprint == roots.fingerprint


def test_an_older_pkcs7_detached_signature_is_accepted_too(pki: Pki, roots: TrustRoots) -> None:
    report = verify_pdf(sign_pdf(pki.unsigned, pki.signer, pki.root, pades=False), roots)

    assert report.status == "signed_valid"
    assert report.signatures[0].subfilter == "adbe.pkcs7.detached"


def test_content_added_after_signing_makes_the_file_unacceptable(
    pki: Pki, roots: TrustRoots
) -> None:
    report = verify_pdf(pki.changed_after_signing, roots)

    assert (report.status, report.acceptable) == ("signed_invalid", False)
    assert report.reason is not None and "changed after it was signed" in report.reason
    assert SIGNER_NAME in report.reason
    (signature,) = report.signatures
    # What was signed is still intact: only what came after is wrong.
    assert (signature.intact, signature.valid, signature.trusted) == (True, True, True)
    assert not signature.covers_whole_file
    assert (signature.modification_level, signature.modifications_allowed) == ("other", False)


def test_a_byte_changed_inside_the_signed_range_breaks_the_signature(
    pki: Pki, roots: TrustRoots
) -> None:
    report = verify_pdf(pki.byte_flipped, roots)

    assert report.status == "signed_invalid"
    assert report.reason is not None and "changed after signing" in report.reason
    assert report.signatures[0].intact is False


def test_a_signer_of_an_untrusted_authority_is_named_with_its_issuer(
    pki: Pki, roots: TrustRoots
) -> None:
    report = verify_pdf(pki.signed_by_stranger, roots)

    assert report.status == "signed_invalid"
    assert report.reason is not None
    assert "does not chain to a trust root in" in report.reason
    assert str(roots.directory) in report.reason
    assert "CA không được tin cậy" in report.reason
    (signature,) = report.signatures
    assert (signature.intact, signature.valid, signature.trusted) == (True, True, False)
    # As far as the file's own certificates reach.
    assert signature.certificate_path == [pki.stranger.subject, pki.stranger_ca.subject]


def test_without_trust_roots_every_signature_is_untrusted(pki: Pki, tmp_path: Path) -> None:
    report = verify_pdf(pki.signed, load_trust_roots(tmp_path / "missing"))

    assert report.status == "signed_invalid"
    assert report.signatures[0].trusted is False
    assert report.reason is not None and "does not chain to a trust root" in report.reason


def test_a_signer_under_an_intermediate_authority_shows_the_whole_path(
    pki: Pki, roots: TrustRoots
) -> None:
    intermediate = pki.root.issue("CA cấp dưới", ca=True)
    signer = intermediate.issue("Lê Văn Cường")
    report = verify_pdf(sign_pdf(pki.unsigned, signer, intermediate, pki.root), roots)

    assert report.status == "signed_valid"
    assert report.signatures[0].certificate_path == [
        signer.subject,
        intermediate.subject,
        pki.root.subject,
    ]


def test_a_second_signature_after_the_first_is_judged_on_the_last(
    pki: Pki, roots: TrustRoots
) -> None:
    leader = pki.root.issue("Phó Chủ tịch")
    report = verify_pdf(sign_pdf(pki.signed, leader, pki.root, field_name="Signature2"), roots)

    assert report.status == "signed_valid"
    first, last = report.signatures
    assert (first.signer and first.signer.common_name, last.signer and last.signer.common_name) == (
        SIGNER_NAME,
        "Phó Chủ tịch",
    )
    # The first signature no longer covers the file, but what came after it is allowed.
    assert not first.covers_whole_file and first.modifications_allowed
    assert last.covers_whole_file


def test_a_trusted_signature_followed_by_an_untrusted_one_is_not_acceptable(
    pki: Pki, roots: TrustRoots
) -> None:
    signed_twice = sign_pdf(pki.signed, pki.stranger, pki.stranger_ca, field_name="Signature2")

    report = verify_pdf(signed_twice, roots)

    assert report.status == "signed_invalid"
    assert report.reason is not None and "Trần Thị Bình" in report.reason


def test_an_expired_certificate_is_named_as_such(pki: Pki, roots: TrustRoots) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=400)
    old = pki.root.issue("Người ký cũ", not_before=long_ago, valid_days=30)
    signed = sign_pdf(pki.unsigned, old, pki.root)

    report = verify_pdf(signed, roots)

    assert report.status == "signed_invalid"
    assert report.reason is not None and "expired on" in report.reason


def test_a_certificate_not_meant_for_signing_is_refused(pki: Pki, roots: TrustRoots) -> None:
    encryption_only = pki.root.issue("Chỉ để mã hóa", key_usage=("key_encipherment",))

    report = verify_pdf(sign_pdf(pki.unsigned, encryption_only, pki.root), roots)

    assert report.status == "signed_invalid"
    assert report.reason is not None and "not meant for signing" in report.reason


def test_files_without_a_signature_or_not_pdf_say_so(pki: Pki, roots: TrustRoots) -> None:
    unsigned = verify_pdf(pki.unsigned, roots)
    docx = verify_pdf(b"PK\x03\x04" + b"word/document.xml" * 20, roots)
    broken = verify_pdf(b"%PDF-1.7\n" + b"\x00garbage" * 50, roots)

    assert (unsigned.status, unsigned.acceptable) == ("unsigned", False)
    assert unsigned.reason is not None and "no signature" in unsigned.reason
    assert docx.status == "not_pdf" and "not a PDF" in (docx.reason or "")
    assert broken.status == "unreadable" and "cannot be read" in (broken.reason or "")
    assert unsigned.signatures == docx.signatures == broken.signatures == []


def test_the_report_is_json_with_its_verdict(pki: Pki, roots: TrustRoots) -> None:
    dumped = verify_pdf(pki.signed, roots).model_dump(mode="json")

    assert dumped["acceptable"] is True
    assert dumped["signatures"][0]["signer"]["common_name"] == SIGNER_NAME


def test_trust_roots_read_pem_bundles_and_der_and_name_the_set(pki: Pki, tmp_path: Path) -> None:
    other = make_ca("CA thứ hai")
    folder = tmp_path / "trust"
    folder.mkdir()
    (folder / "bundle.pem").write_bytes(pki.root.pem() + other.pem())
    (folder / "again.der").write_bytes(other.der())  # the same root twice is one root
    (folder / "README.txt").write_text("Chứng thư số của Ban Cơ yếu Chính phủ")
    reordered = tmp_path / "reordered"
    reordered.mkdir()
    (reordered / "a.crt").write_bytes(other.pem())
    (reordered / "b.cer").write_bytes(pki.root.der())

    roots = load_trust_roots(folder)

    assert len(roots.certificates) == 2
    assert roots.fingerprint == load_trust_roots(reordered).fingerprint
    assert roots.fingerprint != load_trust_roots(tmp_path / "missing").fingerprint
    assert load_trust_roots(tmp_path / "missing").certificates == ()


@pytest.mark.parametrize("content", [b"not a certificate", b"-----BEGIN CERTIFICATE-----\nxx\n"])
def test_a_file_that_is_not_a_certificate_stops_the_start_naming_it(
    tmp_path: Path, content: bytes
) -> None:
    write_trust_dir(tmp_path, make_ca())
    (tmp_path / "hong.pem").write_bytes(content)

    with pytest.raises(ConfigError) as raised:
        load_trust_roots(tmp_path)

    message = str(raised.value)
    assert str(tmp_path / "hong.pem") in message and "\n" not in message


def test_a_pdf_made_by_the_toolkit_is_a_real_pdf() -> None:
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(make_pdf("Hello")))

    assert len(reader.root["/Pages"]["/Kids"]) == 1


def test_a_file_the_verifier_stumbles_on_is_reported_unreadable_not_raised(
    pki: Pki, roots: TrustRoots, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stumble(*args: object, **kwargs: object) -> None:
        raise RuntimeError("unexpected structure")

    monkeypatch.setattr("core.signatures.verify.PdfFileReader", stumble)

    report = verify_pdf(pki.signed, roots)

    assert (report.status, report.acceptable) == ("unreadable", False)
    assert report.reason is not None and "could not be checked" in report.reason
