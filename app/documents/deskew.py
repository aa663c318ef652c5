"""Small-angle skew estimation by projection profile (numpy only)."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

_WORK_WIDTH = 1000


def dark_mask(image: Image.Image, work_width: int = _WORK_WIDTH) -> np.ndarray:
    gray = image.convert("L")
    if gray.width > work_width:
        ratio = work_width / gray.width
        gray = gray.resize((work_width, max(1, round(gray.height * ratio))), Image.Resampling.BOX)
    pixels = np.asarray(gray, dtype=np.uint8)
    threshold = min(int(pixels.mean()) - 30, 160)
    return pixels < max(threshold, 40)


def _profile_score(ys: np.ndarray, xs: np.ndarray, angle: float, height: int) -> float:
    # Project dark pixels onto rows of a frame turned by `angle`; aligned text lines give
    # sharp peaks, so the sum of squared row counts is largest at the true skew.
    shifted = ys - xs * math.tan(math.radians(angle))
    rows = np.round(shifted - shifted.min()).astype(np.int64)
    counts = np.bincount(rows, minlength=height).astype(np.float64)
    return float(np.sum(counts * counts))


def estimate_skew(image: Image.Image, max_angle: float = 6.0) -> float:
    """Angle in degrees (counter-clockwise positive, like PIL's rotate) that straightens text."""
    mask = dark_mask(image)
    ys, xs = np.nonzero(mask)
    if len(ys) < 500 or len(ys) > mask.size * 0.5:
        return 0.0
    if len(ys) > 200_000:
        pick = np.random.default_rng(0).choice(len(ys), 200_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64)
    height = mask.shape[0] * 2 + mask.shape[1]

    def best(candidates: np.ndarray) -> float:
        scores = [_profile_score(ys, xs, float(a), height) for a in candidates]
        return float(candidates[int(np.argmax(scores))])

    coarse = best(np.arange(-max_angle, max_angle + 0.01, 0.5))
    fine = best(np.arange(coarse - 0.5, coarse + 0.51, 0.1))
    # rows go down: text turned clockwise by `fine` degrees descends to the right, and
    # PIL's rotate(+fine) (counter-clockwise) levels it.
    return round(fine, 2)
