"""Trust roots: the certificates a signer's certificate must chain to for a signature to count.

An agency puts its certificate authorities' certificates (the government CA of Ban Cơ yếu Chính
phủ: root and intermediates) in the `trust_roots_dir` folder, PEM or DER, one or several per
file. They are read once when the app is made; a file that cannot be read stops the start.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from core.settings import ConfigError

# Files read as certificates; anything else in the folder (a README, a CRL kept beside) is not.
CERTIFICATE_SUFFIXES = frozenset({".pem", ".crt", ".cer", ".der"})


@dataclass(frozen=True)
class TrustRoots:
    directory: Path | None
    certificates: tuple[asn1_x509.Certificate, ...]
    # sha256 over the sorted certificates' own sha256 fingerprints: names the set, so that a
    # report made against other roots is known to be stale.
    fingerprint: str

    @classmethod
    def of(cls, directory: Path | None, certificates: list[asn1_x509.Certificate]) -> TrustRoots:
        unique = {cert.sha256: cert for cert in certificates}  # the same root twice is one root
        digests = sorted(digest.hex() for digest in unique)
        fingerprint = hashlib.sha256("\n".join(digests).encode()).hexdigest()
        ordered = tuple(unique[bytes.fromhex(digest)] for digest in digests)
        return cls(directory, ordered, fingerprint)

    @classmethod
    def empty(cls) -> TrustRoots:
        return cls.of(None, [])

    @property
    def where(self) -> str:
        """How a person finds the folder, for messages."""
        return str(self.directory) if self.directory is not None else "the trust roots folder"

    def subjects(self) -> list[str]:
        return [cert.subject.human_friendly for cert in self.certificates]


def load_trust_roots(directory: Path) -> TrustRoots:
    """Every certificate in `directory`; none when it does not exist. `ConfigError` naming the
    file when one cannot be read or holds no certificate."""
    if not directory.is_dir():
        return TrustRoots.of(directory, [])
    certificates: list[asn1_x509.Certificate] = []
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() in CERTIFICATE_SUFFIXES and not path.name.startswith("."):
            certificates.extend(_read_certificates(path))
    return TrustRoots.of(directory, certificates)


def _read_certificates(path: Path) -> list[asn1_x509.Certificate]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"trust root {path} cannot be read: {exc.strerror}") from None
    try:
        if b"-----BEGIN" in data:
            found = x509.load_pem_x509_certificates(data)
        else:
            found = [x509.load_der_x509_certificate(data)]
        return [asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER)) for cert in found]
    except ValueError:
        raise ConfigError(
            f"trust root {path} is not an X.509 certificate (PEM or DER); replace it with the "
            "certificate authority's certificate or remove it"
        ) from None
