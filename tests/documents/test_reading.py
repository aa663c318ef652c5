"""Reading words from text layers and from images (real Tesseract, small pages)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from app.documents.limits import Budget, Limits
from app.documents.model import Document
from app.documents.reading import read_document
from app.progress import Progress
from tests.documents.conftest import SAMPLE_LINES, make_text_pdf, text_image


def _read(data: bytes, name: str, progress: Progress | None = None, **kwargs: object) -> Document:
    limits = Limits()
    return read_document(data, name, limits=limits, budget=Budget(name, limits, progress),
                         **kwargs)  # type: ignore[arg-type]


def _png(image: Image.Image, dpi: int = 150) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def _word(document: Document, text: str):  # type: ignore[no-untyped-def]
    return next(w for p in document.pages for w in p.words if w.text == text)


def test_text_layer_words_and_lines(sample_pdf: bytes) -> None:
    document = _read(sample_pdf, "sample.pdf")
    page = document.pages[0]
    assert (page.number, page.method) == (1, "text")
    assert (round(page.width), round(page.height)) == (612, 792)
    assert [line.text for line in page.lines] == SAMPLE_LINES
    lot = _word(document, "AB123456")
    # drawn at x=72, baseline y=720-32 from the bottom: about 104 points from the top
    assert 70 < lot.x0 < 150 and 92 < lot.top < lot.bottom < 110
    assert lot.confidence == 1.0 and lot.method == "text"


def test_ocr_of_an_image_gives_words_boxes_and_confidences(sample_image: Image.Image) -> None:
    document = _read(_png(sample_image), "photo.png")
    page = document.pages[0]
    assert page.method == "ocr"
    assert (round(page.width), round(page.height)) == (612, 336)  # 1275 x 700 px at 150 dpi
    lot = _word(document, "AB123456")
    assert 0.5 < lot.confidence <= 1.0
    assert 0 <= lot.x0 < lot.x1 <= page.width and 0 <= lot.top < lot.bottom <= page.height
    assert any("Citric" in line.text for line in page.lines)


@pytest.mark.parametrize("turn", [90, 270])
def test_sideways_page_is_turned_and_boxes_point_at_the_stored_page(turn: int) -> None:
    upright = text_image(SAMPLE_LINES * 2, size=(1275, 1100))
    stored = upright.rotate(turn, expand=True)
    document = _read(_png(stored), "sideways.png")
    page = document.pages[0]
    assert page.rotation in (90, 270)
    lot = _word(document, "AB123456")
    x0, top, x1, bottom = page.source_bbox(lot.bbox)
    k = 150 / 72  # points to pixels
    crop = np.asarray(stored.crop((int(x0 * k), int(top * k), int(x1 * k), int(bottom * k))))
    assert crop.size and (crop < 128).mean() > 0.05  # the box lands on the printed word
    assert (x1 - x0) < (bottom - top)  # a horizontal word is tall and thin on a sideways page


def test_upside_down_page() -> None:
    stored = text_image(SAMPLE_LINES * 2, size=(1275, 1100)).rotate(180)
    document = _read(_png(stored), "upside-down.png")
    assert document.pages[0].rotation == 180
    lot = _word(document, "AB123456")
    x0, top, x1, bottom = document.pages[0].source_bbox(lot.bbox)
    k = 150 / 72
    crop = np.asarray(stored.crop((int(x0 * k), int(top * k), int(x1 * k), int(bottom * k))))
    assert crop.size and (crop < 128).mean() > 0.05


def test_small_skew_is_corrected() -> None:
    skewed = text_image(SAMPLE_LINES, size=(1275, 700)).rotate(3, expand=True, fillcolor=255)
    document = _read(_png(skewed), "skewed.png")
    page = document.pages[0]
    assert page.skew == pytest.approx(-3, abs=0.6)
    assert any(line.text.startswith("Lot No.: AB123456") for line in page.lines)


def test_multi_page_tiff_and_progress() -> None:
    frames = [text_image(["Page one: Lot No.: AB1"]), text_image(["Page two: Lot No.: AB2"])]
    buffer = io.BytesIO()
    frames[0].save(buffer, "TIFF", save_all=True, append_images=frames[1:], dpi=(150, 150))
    progress: list[tuple[int, int]] = []
    document = _read(buffer.getvalue(), "fax.tif",
                     progress=Progress(lambda d, t, _w: progress.append((d, t))))
    assert [p.number for p in document.pages] == [1, 2]
    assert progress == [(1, 2), (2, 2)]
    assert "AB2" in document.pages[1].text


def test_text_pdf_progress_per_page() -> None:
    progress: list[tuple[int, int]] = []
    _read(make_text_pdf(SAMPLE_LINES, pages=3), "three.pdf",
          progress=Progress(lambda d, t, _w: progress.append((d, t))))
    assert progress == [(1, 3), (2, 3), (3, 3)]
