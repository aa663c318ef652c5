"""Make a clean PDF look scanned, faxed or photographed sideways (deterministic per seed)."""

from __future__ import annotations

import io
import random

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter

MODES = ("scan", "fax", "rotated")


def rasterise(pdf: bytes, dpi: int) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            document[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            for i in range(len(document))
        ]
    finally:
        document.close()


def degrade(image: Image.Image, mode: str, rng: random.Random) -> Image.Image:
    seed = rng.randrange(1 << 30)
    noise = np.random.default_rng(seed)
    angle = rng.uniform(-2.5, 2.5)
    out = image.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    if mode == "rotated":
        out = out.rotate(rng.choice([90, 180, 270]), expand=True)
    if mode == "fax":
        # fax: 200 x 100 dpi, then a hard threshold
        out = out.resize((out.width, out.height // 2)).resize((out.width, out.height))
        arr = np.asarray(out, dtype=np.float64) + noise.normal(0, 18, (out.height, out.width))
        arr = np.where(arr > 150, 255, 0).astype(np.uint8)
        speckles = noise.random(arr.shape) < 0.0008
        arr[speckles] = 0
        return Image.fromarray(arr, "L").convert("1")
    out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.9)))
    arr = np.asarray(out, dtype=np.float64)
    arr = arr * rng.uniform(0.85, 0.97) + noise.normal(0, 9, arr.shape) + 8
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    buffer = io.BytesIO()
    out.save(buffer, "JPEG", quality=rng.randint(45, 70))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


def to_pdf(images: list[Image.Image], dpi: int) -> bytes:
    buffer = io.BytesIO()
    first, *rest = [im.convert("L") if im.mode == "1" else im for im in images]
    first.save(buffer, "PDF", resolution=float(dpi), save_all=True, append_images=rest)
    return buffer.getvalue()


def to_tiff(images: list[Image.Image], dpi: int) -> bytes:
    buffer = io.BytesIO()
    first, *rest = images
    compression = "group4" if all(im.mode == "1" for im in images) else "tiff_lzw"
    first.save(buffer, "TIFF", dpi=(dpi, dpi), save_all=True, append_images=rest,
               compression=compression)
    return buffer.getvalue()


def to_png(image: Image.Image, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi))
    return buffer.getvalue()
