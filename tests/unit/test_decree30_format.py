"""The Decree 30 plugin's number, symbol, register and record code rules."""

from __future__ import annotations

import pytest

from core.units.tree import Unit
from plugins import decree30

# Settings as the plugin host hands them over: checked, with the declared defaults filled in.
DEFAULTS = {"record_numbering": "per_heading", "secret_symbol_suffix": "M"}
PROVINCE = Unit(
    "000.00.00.H25", "UBND tỉnh Hà Tĩnh", "UBND", "province", None, {"decree30": DEFAULTS}
)


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "01"), (5, "05"), (9, "09"), (10, "10"), (15, "15"), (123, "123"), (1000, "1000")],
)
def test_numbers_below_ten_take_a_leading_zero(number: int, text: str) -> None:
    assert decree30.format_ordinal(number) == text


@pytest.mark.parametrize(
    ("document", "symbol"),
    [
        ({"type_code": "QD", "type_symbol": "QĐ"}, "QĐ-UBND"),
        ({"type_code": "KH", "type_symbol": "KH"}, "KH-UBND"),
        ({"type_code": "TTR", "type_symbol": "TTr"}, "TTr-UBND"),
        ({"type_code": "CV", "type_symbol": None, "drafting_section": "VX"}, "UBND-VX"),
        ({"type_code": "CV", "type_symbol": None}, "UBND"),
    ],
)
def test_symbol_is_type_then_issuer_or_issuer_then_section(document: dict, symbol: str) -> None:
    formatted = decree30.hoso_format_document_number(PROVINCE, document, 7, "outgoing")

    assert formatted == {"number": "07", "symbol": symbol}


@pytest.mark.parametrize(
    ("document", "register"),
    [
        ({"direction": "outgoing", "secrecy": "none"}, "outgoing"),
        ({"direction": "outgoing", "secrecy": "secret"}, "outgoing-secret"),
        ({"direction": "internal"}, "outgoing"),
        ({"direction": "incoming", "secrecy": "secret"}, "incoming"),
    ],
)
def test_internal_documents_share_the_agency_series_and_secret_ones_have_their_own(
    document: dict, register: str
) -> None:
    assert decree30.hoso_number_register(PROVINCE, document) == register


def test_record_code_joins_agency_year_number_and_heading() -> None:
    code = decree30.hoso_format_record_code(PROVINCE, {"heading_symbol": "TH"}, 2024, 1)

    assert code == "000.00.00.H25.2024.01.TH"


def test_every_standard_type_has_a_distinct_ascii_code() -> None:
    codes = [t["code"] for t in decree30.hoso_document_types(PROVINCE)]

    assert len(codes) == len(set(codes)) == 29
    assert all(code.isascii() and code.isupper() for code in codes)


def test_the_secret_series_prints_a_symbol_of_its_own() -> None:
    document = {"type_code": "QD", "type_symbol": "QĐ"}

    ordinary = decree30.hoso_format_document_number(PROVINCE, document, 1, "outgoing")
    secret = decree30.hoso_format_document_number(PROVINCE, document, 1, "outgoing-secret")

    assert ordinary["symbol"] == "QĐ-UBND"
    assert secret["symbol"] == "QĐ-UBND-M"
