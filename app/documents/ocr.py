"""OCR of one page image with Tesseract: orientation, deskew, words with boxes and confidences.

Boxes are mapped back to the coordinates of the image as given (before turning or
deskewing), then scaled to page points, so provenance always points at the page as stored.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

import pytesseract
from PIL import Image, ImageOps

from app.documents.deskew import estimate_skew
from app.documents.errors import DocumentError
from app.documents.lines import group_lines
from app.documents.limits import Budget
from app.documents.model import Page, Word

_TARGET_LONG_SIDE = 3300  # ~300 dpi for Letter/A4; more costs time without gaining accuracy
_MIN_LONG_SIDE = 2400
_LOW_CONFIDENCE = 0.55
_OSD_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_OSD_CONFIDENCE = re.compile(r"Orientation confidence:\s*([\d.]+)")


@dataclass(frozen=True, slots=True)
class _Frame:
    """How the image given to Tesseract relates to the original image."""

    width: int  # original
    height: int
    quarter_turns: int  # counter-clockwise quarter turns applied first
    skew: float  # then a small counter-clockwise rotation about the centre, degrees
    scale: float  # then a resize by this factor

    def to_original(self, x: float, y: float) -> tuple[float, float]:
        x, y = x / self.scale, y / self.scale
        turned_w, turned_h = (
            (self.width, self.height) if self.quarter_turns % 2 == 0 else (self.height, self.width)
        )
        if self.skew:
            cx, cy = turned_w / 2, turned_h / 2
            # PIL rotates counter-clockwise on screen (y down); undo it
            a = math.radians(self.skew)
            dx, dy = x - cx, y - cy
            x = cx + dx * math.cos(a) - dy * math.sin(a)
            y = cy + dx * math.sin(a) + dy * math.cos(a)
        for _ in range(self.quarter_turns % 4):
            # undo one counter-clockwise quarter turn of an image `turned_w` wide
            x, y = turned_h - y, x
            turned_w, turned_h = turned_h, turned_w
        return x, y


def _turn(image: Image.Image, quarter_turns: int) -> Image.Image:
    ops = {
        1: Image.Transpose.ROTATE_90,
        2: Image.Transpose.ROTATE_180,
        3: Image.Transpose.ROTATE_270,
    }
    turns = quarter_turns % 4
    return image if turns == 0 else image.transpose(ops[turns])


def prepare(image: Image.Image) -> Image.Image:
    gray = image.convert("L")
    if gray.getextrema()[0] > 0 or gray.getextrema()[1] < 255:
        gray = ImageOps.autocontrast(gray, cutoff=1)
    return gray


def _scale_for(image: Image.Image) -> float:
    long_side = max(image.size)
    if long_side > _TARGET_LONG_SIDE:
        return _TARGET_LONG_SIDE / long_side
    if long_side < _MIN_LONG_SIDE:
        return min(_MIN_LONG_SIDE / long_side, 3.0)
    return 1.0


def detect_quarter_turns(image: Image.Image, timeout: float) -> int:
    """Counter-clockwise quarter turns that make the page upright (tesseract OSD)."""
    small = image
    if max(image.size) > 2000:
        ratio = 2000 / max(image.size)
        small = image.resize((round(image.width * ratio), round(image.height * ratio)))
    try:
        report = pytesseract.image_to_osd(
            small, config="--psm 0 -c min_characters_to_try=10", timeout=max(timeout, 1.0)
        )
    except (pytesseract.TesseractError, RuntimeError):
        return 0  # too little text to tell, or no OSD data installed
    rotate = _OSD_ROTATE.search(report)
    confidence = _OSD_CONFIDENCE.search(report)
    if not rotate or not confidence or float(confidence.group(1)) < 1.5:
        return 0
    # OSD's "Rotate" is clockwise degrees; our turns are counter-clockwise
    return (4 - int(rotate.group(1)) // 90) % 4


def _run_tesseract(
    image: Image.Image,
    frame: _Frame,
    language: str,
    timeout: float,
    number: int,
    to_points: float,
    filename: str,
) -> list[Word]:
    try:
        data = pytesseract.image_to_data(
            image,
            lang=language,
            config="--oem 1 --psm 3",
            output_type=pytesseract.Output.DICT,
            timeout=max(timeout, 1.0),
        )
    except pytesseract.TesseractError as exc:
        raise DocumentError(filename, f"OCR failed on page {number}: {exc.message}") from exc
    except RuntimeError as exc:  # pytesseract's timeout
        raise DocumentError(filename, f"OCR of page {number} ran out of time") from exc
    words: list[Word] = []
    for i, text in enumerate(data["text"]):
        text = str(text).strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        left, top = float(data["left"][i]), float(data["top"][i])
        right, bottom = left + float(data["width"][i]), top + float(data["height"][i])
        corners = [frame.to_original(x, y) for x in (left, right) for y in (top, bottom)]
        xs = [c[0] for c in corners]
        ys = [c[1] for c in corners]
        words.append(
            Word(
                text=text,
                x0=min(xs) * to_points,
                top=min(ys) * to_points,
                x1=max(xs) * to_points,
                bottom=max(ys) * to_points,
                confidence=max(0.0, min(conf / 100.0, 1.0)),
                method="ocr",
                page=number,
            )
        )
    return words


def _mean_confidence(words: list[Word]) -> float:
    if not words:
        return 0.0
    return sum(w.confidence for w in words) / len(words)


def _ocr_with(
    gray: Image.Image,
    turns: int,
    budget: Budget,
    language: str,
    number: int,
    to_points: float,
) -> tuple[list[Word], float]:
    turned = _turn(gray, turns)
    skew = estimate_skew(turned)
    if abs(skew) < 0.2:
        skew = 0.0
    if skew:
        turned = turned.rotate(skew, resample=Image.Resampling.BILINEAR, fillcolor=255)
    scale = _scale_for(turned)
    if scale != 1.0:
        turned = turned.resize(
            (round(turned.width * scale), round(turned.height * scale)),
            Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC,
        )
    frame = _Frame(gray.width, gray.height, turns, skew, scale)
    words = _run_tesseract(
        turned, frame, language, budget.remaining(), number, to_points, budget.filename
    )
    return words, skew


def ocr_page(
    image: Image.Image,
    *,
    number: int,
    page_width: float,
    page_height: float,
    budget: Budget,
    language: str = "eng",
    try_orientation: bool = True,
) -> Page:
    """OCR one page image whose full extent is ``page_width`` x ``page_height`` points."""
    started = time.perf_counter()
    gray = prepare(image)
    to_points = page_width / gray.width
    turns = 0
    words, skew = _ocr_with(gray, 0, budget, language, number, to_points)
    confidence = _mean_confidence(words)
    if try_orientation and (confidence < _LOW_CONFIDENCE or len(words) < 15):
        budget.check()
        turns = detect_quarter_turns(gray, budget.remaining())
        if turns:
            turned_words, turned_skew = _ocr_with(gray, turns, budget, language, number, to_points)
            if _mean_confidence(turned_words) * len(turned_words) > confidence * len(words):
                words, skew = turned_words, turned_skew
                confidence = _mean_confidence(words)
            else:
                turns = 0
    # drop isolated low-confidence specks (noise, stamps) that would only pollute lines
    words = [w for w in words if w.confidence >= 0.2 or len(w.text) > 2]
    return Page(
        number=number,
        width=page_width,
        height=page_height,
        method="ocr",
        words=words,
        lines=group_lines(words),
        rotation=(turns * 90) % 360,
        skew=skew,
        mean_confidence=_mean_confidence(words),
        seconds=time.perf_counter() - started,
    )
