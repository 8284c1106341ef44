"""Small one-page PDFs whose text is Vietnamese, readable by text extraction.

The page uses the standard Helvetica font (nothing embedded, a few hundred bytes of text). Every
character outside ASCII gets a byte code of its own, named by its Unicode glyph name (`uni1EA1`)
in the font's encoding, and a ToUnicode map says what each code means: viewers draw the letters
from a system font that has them, and extraction reads the exact Vietnamese text back.
"""

from __future__ import annotations

import unicodedata
from io import BytesIO

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    RectangleObject,
)

FIRST_CODE = 128
MAX_LINE = 88


def make_pdf(lines: list[str]) -> bytes:
    """A one-page A4 PDF showing `lines` (wrapped at about 88 characters)."""
    wrapped = [piece for line in lines for piece in _wrap(unicodedata.normalize("NFC", line))]
    codes: dict[str, int] = {}
    for char in "".join(wrapped):
        # A page rarely holds more than 128 distinct non-ASCII letters; any beyond print as `?`.
        if ord(char) >= FIRST_CODE and char not in codes and FIRST_CODE + len(codes) < 256:
            codes[char] = FIRST_CODE + len(codes)

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    differences = ArrayObject([NumberObject(FIRST_CODE)])
    differences.extend(NameObject(f"/uni{ord(char):04X}") for char in codes)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Encoding"),
                    NameObject("/BaseEncoding"): NameObject("/WinAnsiEncoding"),
                    NameObject("/Differences"): differences,
                }
            ),
            NameObject("/ToUnicode"): writer._add_object(_to_unicode(codes)),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    content = DecodedStreamObject()
    content.set_data(_content(wrapped, codes))
    page[NameObject("/Contents")] = writer._add_object(content)
    page[NameObject("/MediaBox")] = RectangleObject((0, 0, 595, 842))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _wrap(line: str) -> list[str]:
    if len(line) <= MAX_LINE:
        return [line]
    pieces, current = [], ""
    for word in line.split(" "):
        if current and len(current) + 1 + len(word) > MAX_LINE:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*pieces, current] if current else pieces


def _encoded(text: str, codes: dict[str, int]) -> str:
    out = []
    for char in text:
        code = codes.get(char, ord(char))
        if code < 32 or code > 255:
            code = ord("?")
        if chr(code) in "()\\":
            out.append("\\" + chr(code))
        elif 32 <= code < 127:
            out.append(chr(code))
        else:
            out.append(f"\\{code:03o}")
    return "".join(out)


def _content(lines: list[str], codes: dict[str, int]) -> bytes:
    parts = ["BT", "/F1 11 Tf", "14 TL", "56 780 Td"]
    for index, line in enumerate(lines):
        if index:
            parts.append("T*")
        parts.append(f"({_encoded(line, codes)}) Tj")
    parts.append("ET")
    return "\n".join(parts).encode("ascii")


def _to_unicode(codes: dict[str, int]) -> DecodedStreamObject:
    ranges = "<20> <7E> <0020>"
    mappings = "\n".join(f"<{code:02X}> <{ord(char):04X}>" for char, code in codes.items())
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n"
        f"1 beginbfrange\n{ranges}\nendbfrange\n"
        + (f"{len(codes)} beginbfchar\n{mappings}\nendbfchar\n" if codes else "")
        + "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )
    stream = DecodedStreamObject()
    stream.set_data(cmap.encode("ascii"))
    return stream
