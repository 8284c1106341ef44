"""Optional OCR of scans and images: OCRmyPDF with Tesseract's Vietnamese language.

An extra (`pip install 'hoso[ocr]'` and `apt install tesseract-ocr tesseract-ocr-vie`): when
either is missing, scans stay `needs_ocr`. OCRmyPDF runs as a child process, so a crash or a
runaway file cannot take the service down, and a time limit can stop it.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

from core.extraction.models import TextStatus
from core.extraction.readers import IMAGES, Reading, read_pdf

logger = logging.getLogger("hoso")

LANGUAGE = "vie"


@functools.cache
def ocr_available() -> bool:
    """OCRmyPDF importable and Tesseract knows Vietnamese (checked once per process)."""
    if importlib.util.find_spec("ocrmypdf") is None:
        return False
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        return False
    try:
        listed = subprocess.run(
            [tesseract, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    languages = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()}
    if LANGUAGE not in languages:
        logger.warning(
            "OCRmyPDF is installed but Tesseract has no Vietnamese data: scans stay needs_ocr "
            "(apt install tesseract-ocr-vie)"
        )
        return False
    return True


def read_with_ocr(media_type: str, file: IO[bytes], limit: int, timeout: float) -> Reading:
    """Run OCRmyPDF over a scan (a PDF without text, or an image), then read the text layer it
    adds. Synchronous: call it in a worker thread."""
    with tempfile.TemporaryDirectory(prefix="hoso-ocr-") as folder:
        source = Path(folder) / "in"
        target = Path(folder) / "out.pdf"
        with source.open("wb") as out:
            file.seek(0)
            shutil.copyfileobj(file, out)
        command = [sys.executable, "-m", "ocrmypdf", "-l", LANGUAGE, "--output-type", "pdf"]
        if media_type in IMAGES:
            command += ["--image-dpi", "300"]  # used only when the image states no resolution
        else:
            command += ["--skip-text"]  # pages that already have text are kept as they are
        command += ["--quiet", str(source), str(target)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return Reading(
                TextStatus.FAILED,
                error=f"OCR did not finish within {timeout:.0f} seconds; the scan stays unread.",
            )
        if done.returncode != 0 or not target.exists():
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            logger.warning("OCRmyPDF failed (%s): %s", done.returncode, reason[-1:] or "")
            return Reading(
                TextStatus.FAILED,
                error="OCR could not read the scan"
                + (f" ({reason[-1][:200]})." if reason else "."),
            )
        with target.open("rb") as result:
            reading = read_pdf(result, limit)
    if reading.status is TextStatus.NEEDS_OCR:  # read, and nothing legible found
        return Reading(TextStatus.DONE, "")
    return reading
