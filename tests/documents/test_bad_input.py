"""Every kind of bad file raises DocumentError naming the file and the problem, quickly."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen.canvas import Canvas

from app.documents.errors import DocumentError
from app.documents.extract import extract_bytes, extract_file
from app.documents.limits import Budget, Limits
from app.progress import Cancelled, Progress
from tests.documents.conftest import SAMPLE_LINES, make_text_pdf


def _fails(data: bytes, name: str, match: str, limits: Limits | None = None) -> DocumentError:
    started = time.perf_counter()
    with pytest.raises(DocumentError, match=match) as caught:
        extract_bytes(data, name, limits=limits)
    assert time.perf_counter() - started < 10
    assert caught.value.filename == name
    assert name in str(caught.value)
    return caught.value


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(DocumentError, match="empty"):
        extract_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="cannot be read"):
        extract_file(tmp_path / "nope.pdf")


def test_non_pdf_with_pdf_name() -> None:
    _fails(b"<html><body>not a pdf</body></html>", "coa.pdf", "not a PDF.*HTML")
    _fails(b"PK\x03\x04" + b"\x00" * 100, "coa.pdf", "ZIP")
    _fails(b"Lot 123, Expiry 2025", "coa.pdf", "text file")


def test_corrupt_pdf() -> None:
    data = bytearray(make_text_pdf(SAMPLE_LINES))
    middle = len(data) // 3
    data[middle : middle + 400] = b"\x00garbage" * 50
    data[:20] = b"%PDF-1.4\n%garbage!!"
    # pdfium repairs a lot; whatever it cannot repair must still be a DocumentError
    try:
        extract_bytes(bytes(data), "broken.pdf")
    except DocumentError as exc:
        assert "broken.pdf" in str(exc)
    _fails(b"%PDF-1.7\n" + b"\x13\x37" * 500 + b"\n%%EOF\n", "noise.pdf", "damaged")


def test_truncated_pdf() -> None:
    data = make_text_pdf(SAMPLE_LINES)
    _fails(data[: len(data) // 2], "half.pdf", "truncated")


def test_encrypted_pdf() -> None:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, encrypt=StandardEncryption("secret", ownerPassword="owner"))
    canvas.drawString(72, 720, "Certificate of Analysis")
    canvas.showPage()
    canvas.save()
    _fails(buffer.getvalue(), "locked.pdf", "password")


def test_too_many_pages() -> None:
    data = make_text_pdf(["page"], pages=500)
    started = time.perf_counter()
    _fails(data, "long.pdf", "500 pages, more than the 100 allowed")
    assert time.perf_counter() - started < 3


def test_huge_image_is_refused_before_decoding() -> None:
    error = _fails(_png_header_only(20_000, 20_000), "poster.png", "larger than")
    assert "pixels" in error.problem
    _fails(_png_header_only(10_000, 8_500), "wide.png", "10000 x 8500 pixels is larger than")


def test_decompression_bomb_png() -> None:
    # 400 megapixels of zeros compress to a few hundred KB
    inflater = zlib.compressobj(9)
    row = b"\x00" * 20_001
    body = b"".join(inflater.compress(row) for _ in range(2000)) + inflater.flush()
    data = _png_header_only(20_000, 20_000).replace(
        zlib.compress(b"\x00" * 1000), body[:100]
    )
    _fails(data, "bomb.png", "larger than")


def test_decompression_bomb_pdf() -> None:
    stream = zlib.compress(b" " * (40 * 1024 * 1024), 9)
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
        b"4 0 obj<</Length " + str(len(stream)).encode() + b"/Filter/FlateDecode>>stream\n"
        + stream + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    _fails(pdf, "bomb.pdf", "decompression bomb", Limits(max_decompressed_bytes=16 * 1024 * 1024))


def test_pdf_with_gigantic_image_dimensions() -> None:
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/XObject/Subtype/Image/Width 60000/Height 60000"
        b"/ColorSpace/DeviceGray/BitsPerComponent 8/Length 3>>stream\nabc\nendstream endobj\n%%EOF\n"
    )
    _fails(pdf, "img.pdf", "60000 x 60000")


def test_truncated_image() -> None:
    buffer = io.BytesIO()
    Image.new("L", (400, 300), 200).save(buffer, "JPEG")
    data = buffer.getvalue()
    _fails(data[: len(data) // 3], "photo.jpg", "damaged|truncated")


def test_time_budget() -> None:
    _fails(make_text_pdf(SAMPLE_LINES, pages=3), "slow.pdf", "longer than", Limits(seconds=0))


def test_budget_uses_the_clock() -> None:
    now = [0.0]
    budget = Budget("x.pdf", Limits(seconds=5), clock=lambda: now[0])
    budget.check()
    now[0] = 6.0
    with pytest.raises(DocumentError, match="longer than the 5 s"):
        budget.check()


def test_cancel_between_pages() -> None:
    seen: list[tuple[int, int]] = []

    def pages(done: int, total: int, what: str) -> None:
        assert what == "c.pdf"
        seen.append((done, total))
        if len(seen) >= 2:
            progress.cancel()

    progress = Progress(pages)
    with pytest.raises(Cancelled, match=r"c\.pdf: extraction cancelled"):
        extract_bytes(make_text_pdf(SAMPLE_LINES, pages=4), "c.pdf", progress=progress)
    assert seen == [(1, 4), (2, 4)]
