"""Diacritic folding used by search and file names."""

from __future__ import annotations

import unicodedata

import pytest

from core.text import fold, nfc, strip_diacritics


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Quyết định", "quyet dinh"),
        ("ĐẤT ĐAI", "dat dai"),
        ("đường   Hà  Tĩnh", "duong ha tinh"),
        ("Thượng khẩn", "thuong khan"),
        ("Hỏa tốc", "hoa toc"),
        ("Ủy ban nhân dân", "uy ban nhan dan"),
        ("already plain", "already plain"),
    ],
)
def test_fold_removes_marks_and_case_and_extra_spaces(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_treats_decomposed_and_composed_text_alike() -> None:
    composed = "Nghị quyết"
    decomposed = unicodedata.normalize("NFD", composed)

    assert decomposed != composed
    assert fold(decomposed) == fold(composed) == "nghi quyet"
    assert nfc(decomposed) == composed


def test_strip_diacritics_keeps_case() -> None:
    assert strip_diacritics("Đơn đề nghị") == "Don de nghi"
