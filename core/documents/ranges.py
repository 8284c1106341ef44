"""Range requests and entity-tag preconditions of file downloads, as RFC 9110 words them.

Pure functions of header values: the HTTP layer reads the headers, these decide.

- `Range` (§14.2): one range of the `bytes` unit (`0-99`, `100-`, `-500`) is served; a range
  wholly outside the file is refused (416). Several ranges are answered with the whole file, which
  the RFC allows (a server MAY ignore Range): PDF viewers ask for one range at a time, and a
  multipart answer to many small ranges would cost a file-store read for each. A header that does
  not parse, or names another unit, is ignored (the whole file), as the RFC requires.
- `If-Range` (§13.1.5): the range is served only when the header holds the file's own (strong)
  entity tag. The service sends no Last-Modified, so a date never matches.
- `If-None-Match` (§13.1.2): `*` or any listed tag equal to the file's under weak comparison
  (`W/"x"` matches `"x"`) means the client has the file: 304.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import RangeNotSatisfiable

# A first-pos, last-pos or suffix-length longer than this many digits is beyond any file; it is
# never turned into an int (Python refuses to convert more than 4,300 digits, and should not try).
_MAX_DIGITS = 18
_BEYOND_ANY_FILE = 10**_MAX_DIGITS
# ASCII digits only: `\d` would also take other scripts' digits, which int() accepts.
_INT_RANGE = re.compile(r"([0-9]+)-([0-9]*)")
_SUFFIX_RANGE = re.compile(r"-([0-9]+)")
# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE
_ENTITY_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"')
_SHOWN = 100  # characters of a client's header quoted back in a problem


@dataclass(frozen=True)
class ByteRange:
    first: int
    last: int  # inclusive, as HTTP counts

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.first}-{self.last}/{size}"


def entity_tag(sha256: str) -> str:
    """The strong entity tag of a file's content: its SHA-256, quoted."""
    return f'"{sha256}"'


def requested_range(values: Sequence[str], size: int) -> ByteRange | None:
    """The one range of a `size`-byte file to send for these `Range` header values, or None to
    send the whole file. Raises RangeNotSatisfiable when a single range lies wholly outside."""
    if len(values) != 1:  # none, or the header sent twice (Range is a single field)
        return None
    header = values[0].strip()
    unit, equals, range_set = header.partition("=")
    if not equals or unit.lower() != "bytes":
        return None
    specs = [spec.strip(" \t") for spec in range_set.split(",")]
    specs = [spec for spec in specs if spec]  # a list may hold empty elements (RFC 9110 §5.6.1)
    parsed = [_parse_spec(spec) for spec in specs]
    if not parsed or any(spec is None for spec in parsed):
        return None  # not a valid ranges-specifier: ignored
    if len(parsed) > 1:
        return None  # several ranges: the whole file (see the module's docstring)
    first, last = parsed[0]  # type: ignore[misc]
    if first is None:  # suffix range: the last `last` bytes
        if last == 0 or size == 0:
            raise _unsatisfiable(header, size)
        return ByteRange(max(size - last, 0), size - 1)
    if first >= size:
        raise _unsatisfiable(header, size)
    return ByteRange(first, size - 1 if last is None else min(last, size - 1))


def _parse_spec(spec: str) -> tuple[int | None, int | None] | None:
    """(first, last) of `a-b` or `a-`, (None, n) of `-n`; None when the spec is invalid."""
    if match := _INT_RANGE.fullmatch(spec):
        first = _number(match[1])
        last = _number(match[2]) if match[2] else None
        if last is not None and last < first:
            return None  # invalid (RFC 9110 §14.1.1), so the whole header is
        return first, last
    if match := _SUFFIX_RANGE.fullmatch(spec):
        return None, _number(match[1])
    return None


def _number(digits: str) -> int:
    significant = digits.lstrip("0") or "0"
    return _BEYOND_ANY_FILE if len(significant) > _MAX_DIGITS else int(significant)


def _unsatisfiable(header: str, size: int) -> RangeNotSatisfiable:
    shown = header if len(header) <= _SHOWN else header[:_SHOWN] + "…"
    if size == 0:
        where = "The file is empty, so no range of it can be sent"
        ask = "Ask without Range."
    else:
        where = f"The file has {size:,} bytes (0 to {size - 1}); the range {shown!r} lies outside"
        ask = f"Ask for a range within bytes=0-{size - 1}, or without Range for the whole file."
    return RangeNotSatisfiable(f"{where}. {ask}", size=size)


def if_range_allows(values: Sequence[str], etag: str) -> bool:
    """Whether `If-Range` lets the range be served: absent, or exactly this strong tag."""
    if not values:
        return True
    return len(values) == 1 and values[0].strip() == etag


def none_match(values: Sequence[str], etag: str) -> bool:
    """Whether `If-None-Match` names this file: `*`, or a tag equal to it ignoring `W/`."""
    if not values:
        return False
    joined = ", ".join(values)
    if any(element.strip() == "*" for element in joined.split(",")):
        return True
    opaque = etag.removeprefix("W/")
    return any(f'"{match[2]}"' == opaque for match in _ENTITY_TAG.finditer(joined))
