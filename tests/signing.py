"""A signing toolkit for tests: certificate authorities, real PDFs, PAdES signatures, tampering.

Everything is made in the test, in memory: a root CA (`make_ca`), a signer's certificate issued by
it (`ca.issue`), a small real PDF (`make_pdf`), that PDF signed with pyHanko (`sign_pdf`), and
two ways to change a signed file (`append_page_change`, `flip_signed_byte`). `write_trust_dir`
puts roots where `trust_roots_dir` reads them.

pyHanko's synchronous signing runs its own event loop: from an async test call
`await asyncio.to_thread(sign_pdf, ...)`, or `await sign_pdf_async(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

PAGE_TEXT = "Quyet dinh ve viec ban hanh Quy che lam viec"


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key (EC P-256: small and quick to make)."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class CertificateAuthority(KeyPair):
    def issue(
        self,
        common_name: str,
        *,
        organization: str = "UBND tỉnh Hà Tĩnh",
        key_usage: tuple[str, ...] = ("digital_signature", "content_commitment"),
        not_before: datetime | None = None,
        valid_days: int = 365,
        ca: bool = False,
    ) -> KeyPair:
        """A certificate signed by this authority: a signer's, or with `ca` an intermediate's."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = _name(common_name, organization)
        usage = {name: name in key_usage for name in _KEY_USAGES}
        if ca:
            usage.update(key_cert_sign=True, crl_sign=True)
        start = not_before or datetime.now(UTC) - timedelta(days=1)
        certificate = (
            _builder(subject, self.certificate.subject, key, start, valid_days)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(**usage), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        if ca:
            return CertificateAuthority(certificate, key)
        return KeyPair(certificate, key)


_KEY_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def make_ca(common_name: str = "Cơ quan chứng thực thử nghiệm", valid_days: int = 3650):
    """A self-signed root certificate authority."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(common_name, "Ban Cơ yếu Chính phủ (thử)")
    start = datetime.now(UTC) - timedelta(days=1)
    certificate = (
        _builder(subject, subject, key, start, valid_days)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(**{n: n in ("key_cert_sign", "crl_sign") for n in _KEY_USAGES}),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return CertificateAuthority(certificate, key)


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    start: datetime,
    valid_days: int,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=valid_days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def write_trust_dir(directory: Path, *authorities: KeyPair) -> Path:
    """Put each authority's certificate in `directory` (PEM), as an operator would."""
    directory.mkdir(parents=True, exist_ok=True)
    for number, authority in enumerate(authorities, start=1):
        (directory / f"root-{number}.pem").write_bytes(authority.pem())
    return directory


def make_pdf(text: str = PAGE_TEXT) -> bytes:
    """A small, real, one-page PDF showing `text` (ASCII)."""
    writer = PdfFileWriter()
    font = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Font"),
            pdf_name("/Subtype"): pdf_name("/Type1"),
            pdf_name("/BaseFont"): pdf_name("/Helvetica"),
        }
    )
    resources = generic.DictionaryObject(
        {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/F1"): font})}
    )
    content = writer.add_object(generic.StreamObject(stream_data=_text_stream(text, 720)))
    writer.insert_page(PageObject(content, (0, 0, 595, 842), resources))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _text_stream(text: str, y: int) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"BT /F1 12 Tf 72 {y} Td ({escaped}) Tj ET".encode("latin-1")


def _signer(signer: KeyPair, *chain: KeyPair) -> signers.SimpleSigner:
    certificate = asn1_x509.Certificate.load(signer.der())
    key = asn1_keys.PrivateKeyInfo.load(
        signer.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    store = SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(c.der()) for c in chain])
    return signers.SimpleSigner(certificate, key, store)


def _metadata(field_name: str, pades: bool) -> signers.PdfSignatureMetadata:
    subfilter = (
        fields.SigSeedSubFilter.PADES if pades else fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED
    )
    return signers.PdfSignatureMetadata(
        field_name=field_name, subfilter=subfilter, reason="Phê duyệt", location="Hà Tĩnh"
    )


def sign_pdf(
    data: bytes,
    signer: KeyPair,
    *chain: KeyPair,
    field_name: str = "Signature1",
    pades: bool = True,
) -> bytes:
    """`data` signed by `signer` as an incremental update (PAdES, ETSI.CAdES.detached, unless
    `pades=False`: adbe.pkcs7.detached); `chain` are the certificates embedded with it
    (intermediates, the root). Synchronous: not from a running event loop."""
    writer = IncrementalPdfFileWriter(BytesIO(data))
    out = signers.sign_pdf(writer, _metadata(field_name, pades), signer=_signer(signer, *chain))
    return out.getvalue()


async def sign_pdf_async(
    data: bytes,
    signer: KeyPair,
    *chain: KeyPair,
    field_name: str = "Signature1",
    pades: bool = True,
) -> bytes:
    """`sign_pdf`, from async code."""
    writer = IncrementalPdfFileWriter(BytesIO(data))
    out = await signers.async_sign_pdf(
        writer, _metadata(field_name, pades), signer=_signer(signer, *chain)
    )
    return out.getvalue()


def append_page_change(signed: bytes, text: str = "Noi dung da bi sua") -> bytes:
    """The signed file with an incremental update that adds `text` to its first page: the
    signature stays intact over what it covers, but the file was changed after signing."""
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    stream = writer.add_object(generic.StreamObject(stream_data=_text_stream(text, 600)))
    writer.add_stream_to_page(0, stream)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def flip_signed_byte(signed: bytes, needle: bytes = PAGE_TEXT.encode()[:10]) -> bytes:
    """The signed file with one byte inside the signed range changed (in the page's text)."""
    at = signed.index(needle)
    changed = bytearray(signed)
    changed[at] ^= 0x01
    return bytes(changed)
