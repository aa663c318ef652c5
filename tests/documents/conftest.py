"""Fixtures for document tests: small files built on the fly, never real supplier documents."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas


def make_text_pdf(lines: list[str], pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter, invariant=True)
    for _ in range(pages):
        canvas.setFont("Helvetica", 11)
        for i, line in enumerate(lines):
            canvas.drawString(72, 720 - i * 16, line)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def text_image(lines: list[str], size: tuple[int, int] = (1275, 700), font_size: int = 34) -> Image.Image:
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(font_size)
    for i, line in enumerate(lines):
        draw.text((60, 50 + i * int(font_size * 1.6)), line, fill=0, font=font)
    return image


SAMPLE_LINES = [
    "CERTIFICATE OF ANALYSIS",
    "Product Name: Citric Acid Monohydrate",
    "Lot No.: AB123456",
    "Expiry Date: 2026-05-17",
    "Assay result 99.6 percent",
]


@pytest.fixture(scope="session")
def sample_pdf() -> bytes:
    return make_text_pdf(SAMPLE_LINES)


@pytest.fixture(scope="session")
def sample_image() -> Image.Image:
    return text_image(SAMPLE_LINES)
