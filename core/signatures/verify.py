"""Verify the signatures embedded in a PDF (PAdES, and the older adbe.pkcs7.detached).

`verify_pdf` is synchronous and CPU-bound (pyHanko parses the file, digests the signed ranges and
compares each revision with the signed one): callers run it in a worker thread. It never reaches
the network: agencies' networks are closed, so revocation is checked only with what the file
itself carries (soft-fail), and certificates missing from the file are not fetched.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from enum import StrEnum
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pydantic import BaseModel, Field
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import EmbeddedPdfSignature, async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from core.signatures.trust import TrustRoots

logger = logging.getLogger("hoso")

# pyHanko logs every untrusted certificate and every refused change with a traceback; the report
# says the same thing to the person who asked, so the service's log keeps only its errors.
logging.getLogger("pyhanko").setLevel(logging.ERROR)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)

PADES_SUBFILTER = "ETSI.CAdES.detached"
PKCS7_SUBFILTER = "adbe.pkcs7.detached"
# Both put a detached CMS signature over the file's byte range: the same integrity guarantee.
# PAdES (ETSI EN 319 142) is the baseline; adbe.pkcs7.detached is what many signing tools in use
# in Vietnamese agencies still write, and refusing it would refuse most signed documents.
ACCEPTED_SUBFILTERS = frozenset({PADES_SUBFILTER, PKCS7_SUBFILTER})
# Certificates of Vietnamese signing CAs carry non-repudiation, digital signature or both; either
# marks a key meant for signing (pyHanko's default asks for non-repudiation alone).
SIGNING_KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"})
# What may follow the last signature: signature maintenance only (timestamps, validation data).
HARMLESS_LEVELS = frozenset({ModificationLevel.NONE, ModificationLevel.LTA_UPDATES})


class SignatureStatus(StrEnum):
    SIGNED_VALID = "signed_valid"
    SIGNED_INVALID = "signed_invalid"
    UNSIGNED = "unsigned"
    NOT_PDF = "not_pdf"
    UNREADABLE = "unreadable"


class SignerCertificate(BaseModel):
    common_name: str | None = Field(description="The subject's common name (CN).")
    subject: str = Field(description="The whole subject, RFC 4514.")
    serial: str = Field(description="The certificate's serial number, hex.")


class SignatureCheck(BaseModel):
    """What was found about one embedded signature."""

    field_name: str
    subfilter: str | None = Field(
        description="The signature's format: ETSI.CAdES.detached (PAdES) or adbe.pkcs7.detached."
    )
    signer: SignerCertificate | None = None
    issuer: str | None = Field(None, description="The issuer of the signer's certificate.")
    signing_time: datetime | None = Field(
        None, description="The signing time the signer claims (signed attributes, or /M)."
    )
    timestamp_time: datetime | None = Field(
        None, description="The time of the signature's timestamp token, if it has one."
    )
    intact: bool = Field(description="The signed bytes' digest matches the one signed.")
    valid: bool = Field(description="The cryptographic signature is correct.")
    trusted: bool = Field(description="The signer's certificate chains to a trust root.")
    covers_whole_file: bool = Field(description="Nothing was appended after this signature.")
    coverage: str | None = Field(
        None, description="pyHanko's coverage: entire_file, entire_revision, … or unclear."
    )
    modification_level: str | None = Field(
        None,
        description="The most the file was changed after this signature: none, lta_updates "
        "(timestamps, validation data), form_filling, annotations or other.",
    )
    modifications_allowed: bool | None = Field(
        None, description="The changes after this signature are allowed incremental updates."
    )
    certificate_path: list[str] = Field(
        default_factory=list,
        description="Subjects from the signer's certificate up to the trust root (as far as the "
        "file's certificates reach when no root is found).",
    )
    problems: list[str] = Field(default_factory=list)

    @property
    def sound(self) -> bool:
        """Intact, valid, trusted and not changed since, except by signature maintenance."""
        unchanged = self.covers_whole_file or (
            bool(self.modifications_allowed)
            and self.modification_level in {level.name.lower() for level in HARMLESS_LEVELS}
        )
        return (
            self.intact
            and self.valid
            and self.trusted
            and unchanged
            and self.subfilter in ACCEPTED_SUBFILTERS
            and not self.problems
        )


class SignatureReport(BaseModel):
    status: SignatureStatus
    acceptable: bool = Field(
        description="The file may be approved: it is signed, and its last signature is intact, "
        "valid, trusted and covers the file (status signed_valid)."
    )
    reason: str | None = Field(
        description="Why the file is not acceptable, in words a person can act on; null when it is."
    )
    signatures: list[SignatureCheck] = Field(description="One per embedded signature, in order.")
    checked_at: datetime
    trust_roots_fingerprint: str = Field(
        description="Names the set of trust roots the file was checked against."
    )

    @classmethod
    def made(
        cls,
        status: SignatureStatus,
        reason: str | None,
        checked_at: datetime,
        trust_roots_fingerprint: str,
        signatures: list[SignatureCheck] | None = None,
    ) -> SignatureReport:
        return cls(
            status=status,
            acceptable=status is SignatureStatus.SIGNED_VALID,
            reason=reason,
            signatures=signatures or [],
            checked_at=checked_at,
            trust_roots_fingerprint=trust_roots_fingerprint,
        )


def verify_pdf(data: bytes, roots: TrustRoots, *, now: datetime | None = None) -> SignatureReport:
    """The report on `data`'s signatures, checked against `roots` at `now` (default: now).

    Synchronous (pyHanko's validation is run on an event loop of its own): call it from a worker
    thread, never from the service's event loop."""
    moment = _to_ms(now or datetime.now(UTC))
    try:
        status, reason, checks = asyncio.run(_verify(data, roots, moment))
    except Exception:  # noqa: BLE001 - a file pyHanko stumbles on is answered, never a 500
        logger.exception("the signatures of a PDF could not be checked")
        status, reason, checks = (
            SignatureStatus.UNREADABLE,
            "The PDF's signatures could not be checked (the file is malformed in a way the "
            "verifier does not handle); save it again from the signing software and upload it "
            "as a new version.",
            [],
        )
    return SignatureReport.made(status, reason, moment, roots.fingerprint, checks)


async def _verify(
    data: bytes, roots: TrustRoots, moment: datetime
) -> tuple[SignatureStatus, str | None, list[SignatureCheck]]:
    # Readers accept a header anywhere in the first kilobyte (ISO 32000-2 Annex H tolerates it).
    if b"%PDF-" not in data[:1024]:
        return (
            SignatureStatus.NOT_PDF,
            "The file is not a PDF; only a PDF can carry the signature. Upload the signed PDF.",
            [],
        )
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        filled = list(enumerate_sig_fields(reader, filled_status=True))
        embedded = reader.embedded_regular_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        return (
            SignatureStatus.UNREADABLE,
            f"The PDF cannot be read ({_first_line(exc)}); save it again from the signing "
            "software and upload it as a new version.",
            [],
        )
    if not filled:
        return (
            SignatureStatus.UNSIGNED,
            "The file has no signature; sign it (PAdES) and upload it as a new version.",
            [],
        )
    if not embedded:
        return (
            SignatureStatus.SIGNED_INVALID,
            "The file's signatures are in a format that is not supported (only "
            "ETSI.CAdES.detached and adbe.pkcs7.detached are); sign it again as PAdES.",
            [],
        )
    checks = [await _check(signature, roots, moment) for signature in embedded]
    last = checks[-1]
    if last.sound:
        return SignatureStatus.SIGNED_VALID, None, checks
    return SignatureStatus.SIGNED_INVALID, _reason(last), checks


async def _check(
    signature: EmbeddedPdfSignature, roots: TrustRoots, moment: datetime
) -> SignatureCheck:
    subfilter = signature.sig_object.get("/SubFilter")
    field_name = str(signature.field_name)
    try:
        certificate = signature.signer_cert
    except (SignatureValidationError, ValueError, KeyError) as exc:
        return _broken(field_name, subfilter, f"the signature cannot be read: {_first_line(exc)}")
    context = ValidationContext(
        trust_roots=list(roots.certificates),  # never None: that would mean the system's list
        other_certs=signature.other_embedded_certs,
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
    )
    try:
        status = await async_validate_pdf_signature(
            signature, context, key_usage_settings=SIGNING_KEY_USAGE
        )
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
        return _broken(
            field_name,
            subfilter,
            f"the signature cannot be checked: {_first_line(exc)}",
            certificate=certificate,
        )
    timestamp = status.timestamp_validity
    return SignatureCheck(
        field_name=field_name,
        subfilter=_name(subfilter),
        signer=_signer(certificate),
        issuer=_issuer(certificate),
        signing_time=_to_ms(claimed) if (claimed := status.signer_reported_dt) else None,
        timestamp_time=_to_ms(timestamp.timestamp) if timestamp is not None else None,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        covers_whole_file=status.coverage is SignatureCoverageLevel.ENTIRE_FILE,
        coverage=status.coverage.name.lower() if status.coverage is not None else None,
        modification_level=(
            status.modification_level.name.lower()
            if status.modification_level is not None
            else None
        ),
        modifications_allowed=status.docmdp_ok,
        certificate_path=_path(status, certificate, signature),
        problems=_problems(status, certificate, roots),
    )


def _problems(
    status: PdfSignatureStatus, certificate: asn1_x509.Certificate, roots: TrustRoots
) -> list[str]:
    problems = []
    if not status.intact:
        problems.append(
            "The signed bytes were changed after signing: their digest does not match the "
            "signed one."
        )
    if not status.valid:
        problems.append("The cryptographic signature does not match the signer's certificate.")
    if status.intact and status.valid and not status.trusted:
        problems.append(_trust_problem(status, certificate, roots))
    if status.coverage is not SignatureCoverageLevel.ENTIRE_FILE:
        level = status.modification_level
        if status.coverage in (None, SignatureCoverageLevel.UNCLEAR) or (
            status.coverage is SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START
        ):
            problems.append("The signature does not cover a whole revision of the file.")
        elif level not in HARMLESS_LEVELS or not status.docmdp_ok:
            what = {
                ModificationLevel.FORM_FILLING: "form fields were filled in",
                ModificationLevel.ANNOTATIONS: "annotations (comments, marks) were added",
            }.get(level, "its content was changed")  # type: ignore[arg-type]
            problems.append(
                f"The file was changed after it was signed: {what}; only the signed version "
                "can be accepted."
            )
            if isinstance(status.diff_result, SuspiciousModification):
                problems.append(f"Details of the change: {_first_line(status.diff_result)}")
    timestamp = status.timestamp_validity
    if timestamp is not None and not (timestamp.intact and timestamp.valid):
        problems.append("The signature's timestamp token is broken.")
    return problems


def _trust_problem(
    status: PdfSignatureStatus, certificate: asn1_x509.Certificate, roots: TrustRoots
) -> str:
    issuer = _issuer(certificate)
    indication = status.trust_problem_indic
    if status.revoked:
        return f"The signer's certificate (issuer: {issuer}) was revoked."
    if indication in (AdESIndeterminate.OUT_OF_BOUNDS_NO_POE, AdESIndeterminate.EXPIRED):
        until = certificate["tbs_certificate"]["validity"]["not_after"].native
        return f"The signer's certificate expired on {until:%Y-%m-%d} (issuer: {issuer})."
    if indication in (AdESFailure.NOT_YET_VALID, AdESIndeterminate.NOT_YET_VALID):
        since = certificate["tbs_certificate"]["validity"]["not_before"].native
        return f"The signer's certificate is not valid before {since:%Y-%m-%d}."
    usages = certificate.key_usage_value
    if (
        indication is AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE
        and usages is not None
        and not {"digital_signature", "non_repudiation"} & set(usages.native)
    ):
        return "The signer's certificate is not meant for signing (its key usage forbids it)."
    if indication in (
        AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE,
        AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
    ):
        return "The signature uses an algorithm considered too weak (such as SHA-1)."
    if indication is AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND or status.validation_path is None:
        return (
            f"The signer's certificate does not chain to a trust root in {roots.where} "
            f"(issuer: {issuer})."
        )
    name = indication.standard_name if indication is not None else "unknown"
    return f"The signer's certificate is not trusted ({name}; issuer: {issuer})."


def _reason(last: SignatureCheck) -> str:
    """Why the last signature does not make the file acceptable."""
    if last.subfilter not in ACCEPTED_SUBFILTERS:
        return (
            f"The last signature is in format {last.subfilter}, which is not accepted; sign the "
            "file as PAdES (ETSI.CAdES.detached)."
        )
    first = last.problems[0] if last.problems else "The last signature is not valid."
    who = last.signer.common_name if last.signer and last.signer.common_name else None
    return f"{first} Last signature by {who}." if who else first


def _broken(
    field_name: str,
    subfilter: object,
    problem: str,
    certificate: asn1_x509.Certificate | None = None,
) -> SignatureCheck:
    return SignatureCheck(
        field_name=field_name,
        subfilter=_name(subfilter),
        signer=_signer(certificate) if certificate is not None else None,
        issuer=_issuer(certificate) if certificate is not None else None,
        intact=False,
        valid=False,
        trusted=False,
        covers_whole_file=False,
        problems=[problem[0].upper() + problem[1:] + ("" if problem.endswith(".") else ".")],
    )


def _path(
    status: PdfSignatureStatus,
    certificate: asn1_x509.Certificate,
    signature: EmbeddedPdfSignature,
) -> list[str]:
    """Signer first, root last: the validated path, else as far as the file's certificates go."""
    if status.validation_path is not None:
        chain = list(status.validation_path.iter_certs(include_root=True))
        return [_subject(cert) for cert in reversed(chain)]
    by_subject = {cert.subject.dump(): cert for cert in signature.other_embedded_certs}
    path, current = [certificate], certificate
    while len(path) < 10 and current.issuer.dump() != current.subject.dump():
        issuer = by_subject.get(current.issuer.dump())
        if issuer is None:
            break
        path.append(issuer)
        current = issuer
    return [_subject(cert) for cert in path]


def _signer(certificate: asn1_x509.Certificate) -> SignerCertificate:
    names = _readable(certificate).subject
    common = names.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return SignerCertificate(
        common_name=str(common[0].value) if common else None,
        subject=names.rfc4514_string(),
        serial=format(certificate.serial_number, "x"),
    )


def _subject(certificate: asn1_x509.Certificate) -> str:
    return _readable(certificate).subject.rfc4514_string()


def _issuer(certificate: asn1_x509.Certificate) -> str:
    return _readable(certificate).issuer.rfc4514_string()


def _readable(certificate: asn1_x509.Certificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(certificate.dump())


def _to_ms(moment: datetime) -> datetime:
    """To the millisecond: what the database keeps, so a stored report reads back the same."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _name(value: object) -> str | None:
    return str(value).removeprefix("/") if value is not None else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
