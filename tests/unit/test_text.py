"""Diacritic folding used by search and file names."""

from __future__ import annotations

import unicodedata

import pytest

from core.text import drop_invisible, fold, nfc, strip_diacritics


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


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        pytest.param("lịch\u00ad tiếp\u200b công dân", "lich tiep cong dan", id="soft-hyphen-zwsp"),
        pytest.param("\ufeffQuyết định", "quyet dinh", id="byte-order-mark"),
        pytest.param("Hà\u200d Tĩnh\u200c", "ha tinh", id="joiners"),
        pytest.param("tiếp\u2060nhận", "tiepnhan", id="word-joiner-inside-a-word"),
        pytest.param("\u200b\u00ad", "", id="nothing-visible"),
    ],
)
def test_fold_drops_invisible_format_characters(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_text_with_invisible_characters_folds_like_the_same_text_typed_plainly() -> None:
    pasted = "Kế hoạch\u00ad tiếp\u200b công\u00a0dân"

    assert fold(pasted) == fold("kế hoạch tiếp công dân")


def test_drop_invisible_keeps_every_visible_character_and_mark() -> None:
    text = unicodedata.normalize("NFD", "Đơn đề nghị\ttháng 5\n")

    assert drop_invisible("\u200b" + text + "\u00ad") == text
