"""Vietnamese text: stored as given (NFC), compared with diacritics folded."""

from __future__ import annotations

import unicodedata
from typing import Any


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def nfc_deep(value: Any) -> Any:
    """NFC every string of a JSON value, keys included."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [nfc_deep(item) for item in value]
    if isinstance(value, dict):
        return {nfc_deep(key): nfc_deep(item) for key, item in value.items()}
    return value


def strip_diacritics(text: str) -> str:
    """`Quyết định` → `Quyet dinh`, `Đà` → `Da`; case is kept.

    `đ` is a letter of its own, not `d` with a mark, so NFD leaves it alone: map it by hand.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def drop_invisible(text: str) -> str:
    """Text without its format characters (Unicode category Cf): soft hyphens, zero-width spaces
    and joiners, byte order marks. They show nothing, and text pasted from word processors and
    web pages carries them inside words: `lịch\u00ad` must still be found as `lịch`."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def fold(text: str) -> str:
    """Search form: no diacritics, no invisible characters, lower case, single spaces:
    `Quyết  Định` → `quyet dinh`."""
    return " ".join(strip_diacritics(drop_invisible(text)).lower().split())
