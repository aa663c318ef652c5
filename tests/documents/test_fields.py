"""Labelled-field rules, each on a small synthetic page."""

from __future__ import annotations

from app.documents.extract import extract_bytes
from tests.documents.conftest import make_text_pdf


def _fields(lines: list[str]) -> dict[str, object]:
    extraction = extract_bytes(make_text_pdf(["CERTIFICATE OF ANALYSIS", *lines]), "f.pdf")
    return {name: field.value for name, field in extraction.fields.items()}


def test_value_wrapped_onto_the_next_line_under_the_value() -> None:
    import io

    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    c = Canvas(buffer, invariant=True)
    c.setFont("Helvetica", 10)
    c.drawString(50, 780, "CERTIFICATE OF ANALYSIS")
    c.drawString(50, 750, "Product Name:")
    c.drawString(140, 750, "Natural Lemon Flavour")
    c.drawString(140, 739, "WONF")
    c.drawString(50, 720, "Batch No.:")
    c.drawString(50, 709, "8474 5221")
    c.drawString(50, 698, "0310")
    c.drawString(50, 670, "Manufacture Date: 2024-05-01")
    c.drawString(50, 640, "Test        Result")
    c.showPage()
    c.save()
    extraction = extract_bytes(buffer.getvalue(), "wrapped.pdf")
    assert extraction.value("product_name") == "Natural Lemon Flavour WONF"
    assert extraction.value("lot_number") == "8474 5221 0310"


def test_next_field_is_not_a_continuation() -> None:
    """A line that starts under the label is the next field, not the value's second line."""
    values = _fields(["Product Name: Citric Acid", "Lot No.: AB123456", "Expiry Date: 2026-05-17"])
    assert values["product_name"] == "Citric Acid"
    assert values["lot_number"] == "AB123456"


def test_sample_code_is_not_a_product_name() -> None:
    values = _fields(["Sample: CA220907-016", "Strain: Lemon Haze", "Batch #: 0585007"])
    assert values["product_name"] == "Lemon Haze"
    assert values["lot_number"] == "0585007"


def test_packing_group_read_from_the_shape_of_an_unsure_ocr_word() -> None:
    from app.documents.model import Line, Word
    from app.documents.sds import _numeral_by_shape

    def line(value: str, width: float, confidence: float) -> Line:
        words = [Word("Packing", 10, 100, 40, 107, 0.96, "ocr", 1),
                 Word("group:", 42, 100, 66, 107, 0.96, "ocr", 1),
                 Word(value, 70, 100, 70 + width, 106.5, confidence, "ocr", 1)]
        return Line(tuple(words))

    def read(value: str, width: float, confidence: float) -> object:
        found = _numeral_by_shape(line(value, width, confidence), len("Packing group"))
        return None if found is None else found.value

    assert read("Wl", 6.0, 0.45) == "III"  # strokes as wide as tall: three
    assert read("Il", 3.2, 0.40) == "II"
    assert read("i", 0.9, 0.45) == "I"
    assert read("II", 3.2, 0.95) is None  # a sure reading is left to the text rule
    assert read("N/A", 12.0, 0.5) is None
