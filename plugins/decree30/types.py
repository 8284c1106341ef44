"""The document types of Decree 30/2020/NĐ-CP (Art. 7, App. III) and their symbol abbreviations."""

from __future__ import annotations

from typing import Any

# (code, name, symbol). Công văn has no official abbreviation: its symbol is built from the issuer
# and the drafting section instead (D30 App. I), so its symbol is None.
STANDARD_TYPES: list[tuple[str, str, str | None]] = [
    ("NQ", "Nghị quyết", "NQ"),
    ("QD", "Quyết định", "QĐ"),
    ("CT", "Chỉ thị", "CT"),
    ("QC", "Quy chế", "QC"),
    ("QYD", "Quy định", "QyĐ"),
    ("TC", "Thông cáo", "TC"),
    ("TB", "Thông báo", "TB"),
    ("HD", "Hướng dẫn", "HD"),
    ("CTR", "Chương trình", "CTr"),
    ("KH", "Kế hoạch", "KH"),
    ("PA", "Phương án", "PA"),
    ("DEAN", "Đề án", "ĐA"),
    ("DA", "Dự án", "DA"),
    ("BC", "Báo cáo", "BC"),
    ("BB", "Biên bản", "BB"),
    ("TTR", "Tờ trình", "TTr"),
    ("HOPDONG", "Hợp đồng", "HĐ"),
    ("CD", "Công điện", "CĐ"),
    ("BGN", "Bản ghi nhớ", "BGN"),
    ("BTT", "Bản thỏa thuận", "BTT"),
    ("GUQ", "Giấy ủy quyền", "GUQ"),
    ("GM", "Giấy mời", "GM"),
    ("GGT", "Giấy giới thiệu", "GGT"),
    ("GNP", "Giấy nghỉ phép", "GNP"),
    ("PG", "Phiếu gửi", "PG"),
    ("PC", "Phiếu chuyển", "PC"),
    ("PB", "Phiếu báo", "PB"),
    ("CV", "Công văn", None),
    ("THUCONG", "Thư công", None),
]

# Type codes are ASCII so they are safe in URLs and filters; the symbol keeps the official spelling.
NO_EXTRA_FIELDS: dict[str, Any] = {"type": "object", "properties": {}}


def standard_types() -> list[dict[str, Any]]:
    return [
        {"code": code, "name": name, "symbol": symbol, "schema": NO_EXTRA_FIELDS}
        for code, name, symbol in STANDARD_TYPES
    ]
