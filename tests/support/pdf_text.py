"""What a PDF says, read from its text layer with PDFium (the pypdfium2 wheel, so the same on
every machine), never by OCR of a rendering: Tesseract's spacing ("Page 1of1") and the system's
poppler version are not what the tests check."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from app.documents.reading import PDFIUM_LOCK


def page_texts(pdf: Path | bytes) -> list[str]:
    """The text of each page, in order."""
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            texts = []
            for page in document:
                textpage = page.get_textpage()
                texts.append(textpage.get_text_range())
                textpage.close()
                page.close()
            return texts
        finally:
            document.close()


def words(pdf: Path | bytes, page: int | None = None) -> str:
    """The text of one page (1-based) or of all, with every run of white space one space."""
    texts = page_texts(pdf)
    chosen = texts if page is None else [texts[page - 1]]
    return " ".join(" ".join(chosen).split())
