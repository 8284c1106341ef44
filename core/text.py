"""Vietnamese text: stored as given (NFC), compared with diacritics folded."""

from __future__ import annotations

import unicodedata


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower case without diacritics: `Quyết định` → `quyet dinh`, `Đà` → `da`.

    `đ` is a letter of its own, not `d` with a mark, so NFD leaves it alone: map it by hand.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
