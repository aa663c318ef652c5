"""Erase table rulings before OCR: Tesseract's page layout treats ruled tables as pictures
and skips their text. A pixel belongs to a ruling when it lies on a straight dark run
longer than any glyph stroke."""

from __future__ import annotations

import numpy as np
from PIL import Image


def _runs(mask: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Pixels covered by runs of at least ``length`` dark pixels along ``axis``."""
    work = mask if axis == 1 else mask.T
    height, width = work.shape
    if width <= length:
        return np.zeros_like(mask)
    prefix = np.zeros((height, width + 1), dtype=np.int32)
    np.cumsum(work, axis=1, dtype=np.int32, out=prefix[:, 1:])
    full = (prefix[:, length:] - prefix[:, :-length]) == length  # window [i, i + length) dark
    starts = np.zeros((height, width + length), dtype=np.int32)
    np.cumsum(full, axis=1, dtype=np.int32, out=starts[:, length : length + full.shape[1]])
    starts[:, length + full.shape[1] :] = starts[:, length + full.shape[1] - 1 : length + full.shape[1]]
    # pixel j is covered when a full window starts in [j - length + 1, j]
    covered: np.ndarray = (starts[:, length:] - starts[:, :width]) > 0
    return covered if axis == 1 else covered.T


def remove_rulings(image: Image.Image, min_length: int | None = None) -> Image.Image:
    gray = image.convert("L")
    pixels = np.asarray(gray, dtype=np.uint8)
    mask = pixels < 150
    length = min_length or max(40, gray.width // 25)
    # find rulings at half resolution (4x less work); a 2x2 block is dark if any pixel is
    h2, w2 = mask.shape[0] // 2, mask.shape[1] // 2
    small = np.asarray(mask[: h2 * 2, : w2 * 2].reshape(h2, 2, w2, 2).any(axis=(1, 3)), dtype=bool)
    found = _runs(small, length // 2, axis=1) | _runs(small, length // 2, axis=0)
    if not found.any():
        return gray
    # grow by one block so anti-aliased edges of the rule go too
    grown = found.copy()
    grown[1:, :] |= found[:-1, :]
    grown[:-1, :] |= found[1:, :]
    grown[:, 1:] |= found[:, :-1]
    grown[:, :-1] |= found[:, 1:]
    full = np.zeros_like(mask)
    full[: h2 * 2, : w2 * 2] = grown.repeat(2, axis=0).repeat(2, axis=1)
    cleaned = pixels.copy()
    cleaned[full & (pixels < 200)] = 255
    return Image.fromarray(cleaned, "L")
