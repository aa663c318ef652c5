"""Read a PDF or image file into pages of words: text layer where usable, OCR elsewhere."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pypdfium2 as pdfium
from PIL import Image

from app.documents.errors import DocumentError
from app.documents.images import count_frames, iter_frames, open_image
from app.documents.limits import Budget, Limits
from app.documents.lines import group_lines
from app.documents.model import Document, Page
from app.documents.ocr import ocr_page
from app.documents.pdf_safety import check_pdf_bytes
from app.documents.sniff import IMAGE_KINDS, describe, sniff
from app.documents.text_layer import read_text_layer
from app.documents.text_quality import is_usable

log = logging.getLogger(__name__)

# PDFium keeps global state and is not thread-safe: anything in the application that calls
# pypdfium2 (a page viewer, thumbnails) must hold this lock while it does.
PDFIUM_LOCK = threading.RLock()

_PDFIUM_PASSWORD_ERROR = 4


def read_document(
    data: bytes,
    filename: str,
    *,
    limits: Limits,
    budget: Budget,
    force_ocr: bool = False,
) -> Document:
    """The pages of a file; each page read is reported to `budget.progress`, which may cancel
    the reading between pages."""
    if not data:
        raise DocumentError(filename, "the file is empty (0 bytes)")
    if len(data) > limits.max_file_bytes:
        raise DocumentError(
            filename,
            f"the file is {len(data) / 1e6:.0f} MB, more than the "
            f"{limits.max_file_bytes / 1e6:.0f} MB allowed",
        )
    kind = sniff(data[:2048])
    if kind == "pdf":
        return _read_pdf(data, filename, limits, budget, force_ocr)
    if kind in IMAGE_KINDS:
        return _read_image(data, filename, limits, budget)
    raise DocumentError(
        filename, f"not a PDF or a supported image (it looks like {describe(data[:2048])})"
    )


def _open_pdfium(data: bytes, filename: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == _PDFIUM_PASSWORD_ERROR:
            raise DocumentError(filename, "the PDF is password-protected (encrypted)") from exc
        raise DocumentError(filename, f"the PDF is damaged and cannot be opened ({exc})") from exc


def _read_pdf(
    data: bytes,
    filename: str,
    limits: Limits,
    budget: Budget,
    force_ocr: bool,
) -> Document:
    check_pdf_bytes(data, filename, limits)
    with PDFIUM_LOCK:
        rendered = _open_pdfium(data, filename)
    try:
        with PDFIUM_LOCK:
            total = len(rendered)
        if total == 0:
            raise DocumentError(filename, "the PDF has no pages")
        if total > limits.max_pages:
            raise DocumentError(
                filename, f"the PDF has {total} pages, more than the {limits.max_pages} allowed"
            )
        pages: list[Page] = []
        for index in range(total):
            budget.check()
            pages.append(_read_pdf_page(index, rendered, force_ocr, limits, budget))
            budget.page_read(index + 1, total)
    finally:
        with PDFIUM_LOCK:
            rendered.close()
    return Document(filename=filename, kind="pdf", pages=pages)


def _read_pdf_page(
    index: int, rendered: pdfium.PdfDocument, force_ocr: bool, limits: Limits, budget: Budget
) -> Page:
    number = index + 1
    started = time.perf_counter()
    with PDFIUM_LOCK:  # PDFium is not thread-safe; OCR below runs without the lock
        try:
            pdf_page = rendered[index]
        except pdfium.PdfiumError as exc:  # found by benchmarks/fuzz_documents.py
            raise DocumentError(
                budget.filename, f"page {number} is damaged and cannot be read ({exc})"
            ) from exc
        try:
            width, height = (float(v) for v in pdf_page.get_size())
            if not force_ocr:
                try:
                    layer = read_text_layer(pdf_page, number)
                    words = layer.words
                    garbled = layer.unicode_map_errors > max(10, layer.chars // 5)
                except pdfium.PdfiumError as exc:  # a broken content stream: OCR it
                    log.info("%s page %d: no text layer (%s)", budget.filename, number, exc)
                    words, garbled = [], True
                if not garbled and is_usable([w.text for w in words]):
                    return Page(
                        number=number,
                        width=width,
                        height=height,
                        method="text",
                        words=words,
                        lines=group_lines(words),
                        seconds=time.perf_counter() - started,
                    )
            budget.check()
            image = _render(pdf_page, width, height, limits, budget.filename, number)
        finally:
            pdf_page.close()
    return ocr_page(
        image,
        number=number,
        page_width=width,
        page_height=height,
        budget=budget,
        language=limits.ocr_language,
    )


def _render(
    pdf_page: Any, width: float, height: float, limits: Limits, filename: str, number: int
) -> Image.Image:
    scale = limits.ocr_dpi / 72.0
    pixels = width * height * scale * scale
    if pixels > limits.max_render_pixels:
        scale *= (limits.max_render_pixels / pixels) ** 0.5
    try:
        bitmap = pdf_page.render(scale=scale, grayscale=True, may_draw_forms=True)
        return bitmap.to_pil()  # type: ignore[no-any-return]
    except pdfium.PdfiumError as exc:
        raise DocumentError(filename, f"page {number} cannot be rendered ({exc})") from exc


def _read_image(
    data: bytes,
    filename: str,
    limits: Limits,
    budget: Budget,
) -> Document:
    image = open_image(data, filename, limits)
    total = count_frames(image, filename)
    if total > limits.max_pages:
        raise DocumentError(
            filename, f"the image has {total} pages, more than the {limits.max_pages} allowed"
        )
    pages: list[Page] = []
    for index, (frame, width, height) in enumerate(iter_frames(image, filename, limits)):
        budget.check()
        pages.append(
            ocr_page(
                frame,
                number=index + 1,
                page_width=width,
                page_height=height,
                budget=budget,
                language=limits.ocr_language,
            )
        )
        budget.page_read(index + 1, total)
    return Document(filename=filename, kind="image", pages=pages)
