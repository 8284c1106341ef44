"""Believable Vietnamese content for the demo: summaries (trích yếu) by document type, senders of
incoming documents, record list entries, people's names. Made from templates and a seeded random
generator, so the same seed gives the same province."""

from __future__ import annotations

import random
from dataclasses import dataclass

# Fields of work a unit's documents are about, by the unit's kind.
SUBJECTS: dict[str, list[str]] = {
    "office": [
        "công tác văn thư, lưu trữ trên môi trường điện tử",
        "chương trình công tác năm của Ủy ban nhân dân tỉnh",
        "tiếp công dân định kỳ của lãnh đạo Ủy ban nhân dân tỉnh",
        "vận hành Hệ thống quản lý văn bản và điều hành",
        "cải cách thủ tục hành chính tại Trung tâm Phục vụ hành chính công tỉnh",
        "tổ chức Hội nghị trực tuyến với các xã, phường",
        "theo dõi, đôn đốc thực hiện nhiệm vụ Ủy ban nhân dân tỉnh giao",
    ],
    "home_affairs": [
        "tuyển dụng công chức cấp xã",
        "sắp xếp tổ chức bộ máy sau hợp nhất",
        "thi đua, khen thưởng năm",
        "lập hồ sơ điện tử và nộp lưu hồ sơ vào Lưu trữ cơ quan",
        "đánh giá, xếp loại công chức, viên chức",
        "chỉ số cải cách hành chính (PAR INDEX)",
        "quản lý biên chế công chức",
        "chế độ, chính sách đối với cán bộ dôi dư sau sắp xếp",
    ],
    "finance": [
        "dự toán ngân sách nhà nước",
        "quyết toán vốn đầu tư công",
        "giá đất cụ thể để tính tiền bồi thường",
        "quản lý, sử dụng tài sản công",
        "phân bổ kinh phí thực hiện chính sách an sinh xã hội",
        "kế hoạch đầu tư công trung hạn",
        "thẩm định giá tài sản mua sắm tập trung",
    ],
    "justice": [
        "theo dõi thi hành pháp luật",
        "kiểm tra, rà soát văn bản quy phạm pháp luật",
        "phổ biến, giáo dục pháp luật",
        "đăng ký và quản lý hộ tịch",
        "trợ giúp pháp lý cho người dân",
        "bồi thường nhà nước",
        "chứng thực bản sao điện tử",
    ],
    "science": [
        "chuyển đổi số trong cơ quan nhà nước",
        "nhiệm vụ khoa học và công nghệ cấp tỉnh",
        "bảo đảm an toàn thông tin mạng",
        "hạ tầng số và dịch vụ công trực tuyến",
        "tiêu chuẩn, đo lường, chất lượng sản phẩm hàng hóa",
        "phát triển doanh nghiệp khoa học và công nghệ",
        "sở hữu trí tuệ đối với sản phẩm đặc sản địa phương",
    ],
    "commune": [
        "giải quyết thủ tục hành chính tại Bộ phận Một cửa",
        "phòng, chống thiên tai và tìm kiếm cứu nạn",
        "xây dựng nông thôn mới nâng cao",
        "quản lý đất đai và trật tự xây dựng",
        "chi trả trợ cấp xã hội hằng tháng",
        "tiêm chủng mở rộng và chăm sóc sức khỏe ban đầu",
        "đăng ký, quản lý cư trú",
        "vận hành chính quyền địa phương hai cấp",
    ],
}

PERIODS = ["quý I", "quý II", "quý III", "quý IV", "6 tháng đầu năm", "năm"]

# (type code, share of outgoing documents, summary templates); {s} subject, {y} year, {p} period.
OUTGOING_TYPES: list[tuple[str, float, list[str]]] = [
    (
        "CV",
        0.38,
        [
            "V/v triển khai {s}",
            "V/v góp ý dự thảo văn bản về {s}",
            "V/v đôn đốc thực hiện {s}",
            "V/v cung cấp thông tin, số liệu về {s}",
            "V/v báo cáo tình hình {s} {p} {y}",
            "V/v tăng cường {s}",
        ],
    ),
    (
        "QD",
        0.18,
        [
            "Quyết định về việc ban hành Quy chế {s}",
            "Quyết định về việc thành lập Tổ công tác {s}",
            "Quyết định về việc phê duyệt Kế hoạch {s} năm {y}",
            "Quyết định về việc giao chỉ tiêu {s} năm {y}",
            "Quyết định về việc kiện toàn Ban Chỉ đạo {s}",
        ],
    ),
    (
        "KH",
        0.12,
        ["Kế hoạch triển khai {s} năm {y}", "Kế hoạch kiểm tra {s} {p} {y}"],
    ),
    (
        "BC",
        0.14,
        [
            "Báo cáo kết quả {s} {p} {y}",
            "Báo cáo sơ kết {s} {p} {y}",
            "Báo cáo tổng kết {s} năm {y}",
        ],
    ),
    ("TB", 0.06, ["Thông báo kết luận của lãnh đạo về {s}", "Thông báo lịch làm việc về {s}"]),
    ("TTR", 0.06, ["Tờ trình đề nghị phê duyệt {s}", "Tờ trình về việc bố trí kinh phí {s}"]),
    ("GM", 0.06, ["Giấy mời dự họp về {s}", "Giấy mời dự Hội nghị sơ kết {s} {p} {y}"]),
]

INCOMING_TYPES: list[tuple[str, float, list[str]]] = [
    ("CV", 0.55, ["V/v hướng dẫn {s}", "V/v đề nghị phối hợp {s}", "V/v báo cáo {s} {p} {y}"]),
    ("QD", 0.15, ["Quyết định về việc phê duyệt {s} năm {y}", "Quyết định về việc giao {s}"]),
    ("KH", 0.10, ["Kế hoạch thực hiện {s} năm {y}"]),
    ("TB", 0.10, ["Thông báo ý kiến chỉ đạo về {s}"]),
    ("GM", 0.10, ["Giấy mời họp về {s}"]),
]

# Who sends documents to the province's units (issuing body, symbol of its documents).
SENDERS: list[tuple[str, str]] = [
    ("Bộ Nội vụ", "BNV"),
    ("Bộ Tài chính", "BTC"),
    ("Bộ Tư pháp", "BTP"),
    ("Bộ Khoa học và Công nghệ", "BKHCN"),
    ("Văn phòng Chính phủ", "VPCP"),
    ("Ủy ban nhân dân tỉnh Hà Tĩnh", "UBND"),
    ("Sở Nội vụ tỉnh Hà Tĩnh", "SNV"),
    ("Sở Tài chính tỉnh Hà Tĩnh", "STC"),
    ("Sở Tư pháp tỉnh Hà Tĩnh", "STP"),
    ("Sở Khoa học và Công nghệ tỉnh Hà Tĩnh", "SKHCN"),
    ("Kho bạc Nhà nước khu vực XI", "KBNN"),
    ("Bảo hiểm xã hội tỉnh Hà Tĩnh", "BHXH"),
]

DIRECTIONS = [
    "Giao chuyên viên nghiên cứu, tham mưu văn bản trả lời.",
    "Chủ trì, phối hợp các phòng liên quan triển khai thực hiện.",
    "Tổng hợp, báo cáo lãnh đạo trước thời hạn.",
    "Nghiên cứu, đề xuất phương án xử lý.",
]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phan", "Hoàng", "Võ", "Đặng", "Bùi", "Hồ", "Mai", "Đinh"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đình", "Quang", "Minh", "Thanh", "Xuân", "Ngọc", "Trường"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh"]
GIVEN += ["Long", "Mai", "Nam", "Nga", "Niệm", "Phúc", "Quang", "Sinh", "Tâm", "Thảo", "Trang"]


@dataclass(frozen=True)
class Summary:
    type_code: str
    text: str
    subject: str


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def summary(rng: random.Random, kind: str, direction: str, year: int) -> Summary:
    table = INCOMING_TYPES if direction == "incoming" else OUTGOING_TYPES
    type_code, _, templates = rng.choices(table, weights=[share for _, share, _ in table])[0]
    subject = rng.choice(SUBJECTS[kind])
    text = rng.choice(templates).format(s=subject, y=year, p=rng.choice(PERIODS))
    return Summary(type_code, text[0].upper() + text[1:], subject)


def list_headings(kind: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """A unit's record list: (symbol, title, [(entry title, retention)]) per big heading."""
    work = [
        (f"Hồ sơ về {subject}", "permanent" if index % 3 == 0 else "20 years")
        for index, subject in enumerate(SUBJECTS[kind])
    ]
    general = [
        ("Tập lưu văn bản đi của cơ quan", "permanent"),
        ("Hồ sơ xây dựng chương trình, kế hoạch công tác năm", "permanent"),
        ("Hồ sơ tổng kết, báo cáo công tác năm", "permanent"),
        ("Tập văn bản gửi để biết, để báo cáo", "5 years"),
    ]
    return [("TH", "Tổng hợp", general), ("NV", "Nghiệp vụ", work)]


def page_lines(unit_name: str, summary_text: str, number: str, place_date: str) -> list[str]:
    """The text of a document's first page as the demo's PDFs show it."""
    return [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "",
        unit_name.upper(),
        f"Số: {number}",
        place_date,
        "",
        summary_text,
        "",
        "Văn bản mẫu của bản trình diễn hoso: nội dung và số liệu là hư cấu.",
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ "
        "về công tác văn thư;",
        "Các cơ quan, đơn vị, địa phương căn cứ nội dung trên để tổ chức thực hiện; "
        "trong quá trình thực hiện nếu có vướng mắc, phản ánh về cơ quan chủ trì "
        "để được hướng dẫn.",
    ]
