"""Text of uploaded files: read after the upload (which does not wait), shown per version, and
answered by GET .../files/{file_id}/text with the same access checks as the download."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from core.app import create_app
from core.extraction.models import FileText, TextWaiting
from core.extraction.ocr import ocr_available
from core.extraction.pending import queue_missing_texts
from core.extraction.worker import Extractor
from core.settings import Settings
from tests.conftest import concurrent_client
from tests.documents.conftest import PROBLEM_JSON
from tests.extraction.helpers import (
    DOCX,
    PNG,
    XLSX,
    document_with,
    docx_file,
    files_url,
    pdf_with_password,
    pdf_with_text,
    pdf_without_text,
    text_of,
    xlsx_file,
)
from tests.identity.people import OTHER, acting, grant, make_token

OCR_MISSING = "OCRmyPDF with Tesseract's Vietnamese language (vie) is not installed here"


async def test_pdf_docx_and_xlsx_are_read_after_the_upload_which_does_not_wait(app):
    async with concurrent_client(app) as client:
        pdf = pdf_with_text("Quyet dinh ban hanh quy che lam viec")
        word = docx_file("Tờ trình về việc phê duyệt", [["Số", "15/TTr-SNV"]])
        sheet = xlsx_file("Danh mục", [["Mã hồ sơ", "Tiêu đề"], ["01.02", "Hồ sơ tổ chức"]])
        document, uploaded = await document_with(
            client,
            ("quyet-dinh.pdf", pdf, "application/pdf"),
            ("to-trinh.docx", word, DOCX),
            ("danh-muc.xlsx", sheet, XLSX),
        )
        # The upload answered before any text was read: every version still pending.
        assert [f["text_status"] for f in uploaded] == ["pending"] * 3
        assert [f["versions"][0]["text_status"] for f in uploaded] == ["pending"] * 3
        waiting = await text_of(client, document["id"], uploaded[0]["file_id"])
        assert waiting.status_code == 409
        assert waiting.headers["content-type"].startswith(PROBLEM_JSON)
        assert "not read yet" in waiting.json()["detail"]
        assert waiting.headers["retry-after"].isdigit()

        assert await Extractor(app.state.runtime).drain() == 3

        listed = (await client.get(files_url(document["id"]))).json()
        by_name = {f["name"]: f for f in listed}
        assert {f["text_status"] for f in listed} == {"done"}
        texts = {}
        for name, item in by_name.items():
            assert item["versions"][0]["text_chars"] > 0
            answer = await text_of(client, document["id"], item["file_id"])
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["status"] == "done" and body["detail"] is None
            assert body["chars"] == len(body["text"]) == item["versions"][0]["text_chars"]
            texts[name] = body["text"]
        assert texts["quyet-dinh.pdf"] == "Quyet dinh ban hanh quy che lam viec"
        assert texts["to-trinh.docx"] == "Tờ trình về việc phê duyệt\nSố\t15/TTr-SNV"
        assert texts["danh-muc.xlsx"] == "Danh mục\nMã hồ sơ\tTiêu đề\n01.02\tHồ sơ tổ chức"
        assert await TextWaiting.find().count() == 0  # nothing left to do


async def test_each_version_has_its_own_text(app):
    async with concurrent_client(app) as client:
        document, (first,) = await document_with(
            client, ("qd.pdf", pdf_with_text("Du thao lan 1"), "application/pdf")
        )
        second = await client.post(
            files_url(document["id"], first["file_id"], "versions"),
            files=[("files", ("qd.pdf", pdf_with_text("Ban chinh thuc"), "application/pdf"))],
        )
        assert second.status_code == 201, second.text
        assert [v["text_status"] for v in second.json()["versions"]] == ["pending", "pending"]
        await Extractor(app.state.runtime).drain()

        one = await text_of(client, document["id"], first["file_id"], version=1)
        current = await text_of(client, document["id"], first["file_id"])
        assert one.json()["text"] == "Du thao lan 1"
        assert current.json()["text"] == "Ban chinh thuc"
        assert current.json()["version"] == 2


async def test_scans_and_images_without_text_need_ocr(app):
    if ocr_available():
        pytest.skip("OCR is installed here: scans are read (test_ocr_reads_a_scan)")
    async with concurrent_client(app) as client:
        document, (scan, image) = await document_with(
            client,
            ("ban-scan.pdf", pdf_without_text(), "application/pdf"),
            ("anh-chup.png", PNG, "image/png"),
        )
        await Extractor(app.state.runtime).drain()
        for item in (scan, image):
            answer = (await text_of(client, document["id"], item["file_id"])).json()
            assert answer["status"] == "needs_ocr"
            assert answer["text"] is None
            assert "OCR" in answer["detail"]
        listed = (await client.get(files_url(document["id"]))).json()
        assert {f["text_status"] for f in listed} == {"needs_ocr"}


async def test_ocr_reads_a_scan(app):
    if not ocr_available():
        pytest.skip(OCR_MISSING)
    import io

    from PIL import Image, ImageDraw, ImageFont  # installed with OCRmyPDF

    picture = Image.new("L", (1200, 300), 255)
    font = ImageFont.load_default(size=96)
    ImageDraw.Draw(picture).text((40, 80), "QUYET DINH 2026", fill=0, font=font)
    scan = io.BytesIO()
    picture.save(scan, format="PNG", dpi=(300, 300))
    async with concurrent_client(app) as client:
        document, (image,) = await document_with(client, ("scan.png", scan.getvalue(), "image/png"))
        await Extractor(app.state.runtime).drain()
        answer = (await text_of(client, document["id"], image["file_id"])).json()
        assert answer["status"] == "done", answer
        assert "QUYET DINH" in answer["text"].upper()


async def test_broken_and_password_protected_files_fail_with_a_reason(app):
    async with concurrent_client(app) as client:
        document, (broken, locked, docx) = await document_with(
            client,
            ("hong.pdf", b"%PDF-1.4\n" + b"not a real pdf\n" * 20, "application/pdf"),
            ("khoa.pdf", pdf_with_password(), "application/pdf"),
            ("hong.docx", b"PK\x03\x04" + b"broken zip" * 10, DOCX),
        )
        assert await Extractor(app.state.runtime).drain() == 3
        answers = [
            (await text_of(client, document["id"], item["file_id"])).json()
            for item in (broken, locked, docx)
        ]
        assert [a["status"] for a in answers] == ["failed"] * 3
        assert answers[0]["detail"].startswith("The PDF cannot be read; it may be damaged")
        assert answers[1]["detail"] == (
            "The PDF is protected by a password; its text cannot be read."
        )
        assert answers[2]["detail"].startswith("The Word document cannot be read")


async def test_a_type_without_a_reader_is_unsupported_at_once(app):
    async with concurrent_client(app) as client:
        old_word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200
        document, (doc,) = await document_with(client, ("cu.doc", old_word, "application/msword"))
        assert doc["text_status"] == "unsupported"  # decided with the upload: nothing to wait for
        assert await TextWaiting.find().count() == 0
        answer = (await text_of(client, document["id"], doc["file_id"])).json()
        assert answer["status"] == "unsupported"
        assert answer["detail"] == "Text is not read from files of this type."


async def test_plain_text_longer_than_the_limit_is_cut(make_settings: Callable[..., Settings]):
    app = create_app(make_settings(text_extraction=False, text_max_chars=1000))
    async with concurrent_client(app) as client:
        long_text = "Điều 1. Ban hành kèm theo Quyết định này. " * 100
        document, (note,) = await document_with(
            client, ("ghi-chu.txt", long_text.encode(), "text/plain")
        )
        await Extractor(app.state.runtime).drain()
        answer = (await text_of(client, document["id"], note["file_id"])).json()
        assert answer["status"] == "done"
        assert answer["truncated"] is True
        assert answer["chars"] == len(answer["text"]) == 1000
        assert long_text.startswith(answer["text"])


async def test_the_text_is_read_only_by_those_who_may_read_the_document(app):
    async with concurrent_client(app) as client:
        document, (pdf,) = await document_with(
            client, ("qd.pdf", pdf_with_text("Noi dung rieng"), "application/pdf")
        )
        await Extractor(app.state.runtime).drain()
        outsider = acting(client, (await make_token(client, grant("specialist", OTHER)))["token"])

        answer = await outsider.get(files_url(document["id"], pdf["file_id"], "text"))
        download = await outsider.get(files_url(document["id"], pdf["file_id"], "content"))
        assert answer.status_code == download.status_code == 404
        assert "Noi dung" not in answer.text
        missing = await text_of(client, document["id"], pdf["file_id"], version=7)
        assert missing.status_code == 404


async def test_deleting_a_draft_forgets_its_texts(app):
    async with concurrent_client(app) as client:
        document, (pdf,) = await document_with(
            client, ("qd.pdf", pdf_with_text("Se bi xoa"), "application/pdf")
        )
        assert await FileText.find().count() == 1
        deleted = await client.delete(f"/api/v1/documents/{document['id']}", params={"revision": 1})
        assert deleted.status_code == 204, deleted.text
        assert await FileText.find().count() == 0
        assert await TextWaiting.find().count() == 0
        assert await Extractor(app.state.runtime).drain() == 0


async def test_versions_stored_before_text_extraction_are_read_after_a_start(app):
    async with concurrent_client(app) as client:
        document, (pdf, docx) = await document_with(
            client,
            ("cu.pdf", pdf_with_text("Van ban cu"), "application/pdf"),
            ("cu.docx", docx_file("Văn bản cũ", [["a", "b"]]), DOCX),
        )
        # As stored before this feature: versions without any text entry.
        await FileText.get_motor_collection().delete_many({})
        await TextWaiting.get_motor_collection().delete_many({})
        runtime = app.state.runtime

        assert await queue_missing_texts(runtime) == 2
        assert await queue_missing_texts(runtime) == 0  # once only
        listed = (await client.get(files_url(document["id"]))).json()
        assert {f["text_status"] for f in listed} == {"pending"}
        assert await Extractor(runtime).drain() == 2
        answer = (await text_of(client, document["id"], pdf["file_id"])).json()
        assert answer["text"] == "Van ban cu"


async def test_pending_texts_off_the_work_list_are_put_back_at_start(app):
    async with concurrent_client(app) as client:
        document, (pdf,) = await document_with(
            client, ("qd.pdf", pdf_with_text("Bi bo quen"), "application/pdf")
        )
        # A request stopped between writing the pending text and its waiting entry.
        await TextWaiting.get_motor_collection().delete_many({})
        assert await Extractor(app.state.runtime).drain() == 0

        await queue_missing_texts(app.state.runtime)
        assert await Extractor(app.state.runtime).drain() == 1
        assert (await text_of(client, document["id"], pdf["file_id"])).json()["status"] == "done"


async def test_the_running_service_reads_a_file_soon_after_its_upload(
    make_settings: Callable[..., Settings],
):
    """The lifespan's own extractor, woken by the upload (the poll alone would take 10 min)."""
    app = create_app(make_settings(text_poll_seconds=600))
    told: asyncio.Queue[object] = asyncio.Queue()

    async def listener(runtime: object, document_id: object) -> None:
        await told.put(document_id)

    app.state.runtime.text_listeners.append(listener)
    async with concurrent_client(app) as client:
        document, (pdf,) = await document_with(
            client, ("qd.pdf", pdf_with_text("Doc ngay"), "application/pdf")
        )
        told_about = await asyncio.wait_for(told.get(), timeout=120)
        assert str(told_about) == document["id"]
        answer = (await text_of(client, document["id"], pdf["file_id"])).json()
        assert answer["text"] == "Doc ngay"
