"""A small PKI made once per session: a root CA in the trust folder, a signer it certified, and
another CA nobody trusts; PDFs signed by them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.signing import (
    CertificateAuthority,
    KeyPair,
    append_page_change,
    flip_signed_byte,
    make_ca,
    make_pdf,
    sign_pdf,
)

SIGNER_NAME = "Nguyễn Văn An"


@dataclass(frozen=True)
class Pki:
    root: CertificateAuthority
    signer: KeyPair
    stranger_ca: CertificateAuthority
    stranger: KeyPair
    unsigned: bytes
    signed: bytes
    changed_after_signing: bytes
    byte_flipped: bytes
    signed_by_stranger: bytes


@pytest.fixture(scope="session")
def pki() -> Pki:
    root = make_ca()
    signer = root.issue(SIGNER_NAME)
    stranger_ca = make_ca("CA không được tin cậy")
    stranger = stranger_ca.issue("Trần Thị Bình")
    unsigned = make_pdf()
    signed = sign_pdf(unsigned, signer, root)
    return Pki(
        root=root,
        signer=signer,
        stranger_ca=stranger_ca,
        stranger=stranger,
        unsigned=unsigned,
        signed=signed,
        changed_after_signing=append_page_change(signed),
        byte_flipped=flip_signed_byte(signed),
        signed_by_stranger=sign_pdf(unsigned, stranger, stranger_ca),
    )
