"""Open image files (PNG, JPEG, TIFF incl. multi-page) without decoding more than allowed."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

from PIL import Image, ImageSequence, UnidentifiedImageError

from app.documents.errors import DocumentError
from app.documents.limits import Limits

_DEFAULT_DPI = 300.0


def _dpi_of(image: Image.Image) -> float:
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    return value if 72 <= value <= 1200 else _DEFAULT_DPI


# What Pillow raises for a damaged file: besides OSError and friends, TypeError for a TIFF
# directory without its dimensions (found by benchmarks/fuzz_documents.py).
_DAMAGED = (OSError, SyntaxError, ValueError, TypeError, EOFError)


def count_frames(image: Image.Image, filename: str = "the image") -> int:
    try:
        return int(getattr(image, "n_frames", 1))
    except _DAMAGED as exc:
        raise DocumentError(filename, f"the image file is damaged or unsupported ({exc})") from exc


def open_image(data: bytes, filename: str, limits: Limits) -> Image.Image:
    """Open lazily: only the header is read, so the size can be checked before decoding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DocumentError(
            filename,
            f"image is larger than the {limits.max_image_pixels:,} pixels allowed "
            f"(possible decompression bomb: {exc})",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DocumentError(filename, f"the image file is damaged or unsupported ({exc})") from exc
    check_size(image, filename, limits)
    return image


def check_size(image: Image.Image, filename: str, limits: Limits) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise DocumentError(filename, "the image has no pixels")
    if width * height > limits.max_image_pixels:
        raise DocumentError(
            filename,
            f"image of {width} x {height} pixels is larger than the "
            f"{limits.max_image_pixels:,} pixels allowed",
        )


def iter_frames(
    image: Image.Image, filename: str, limits: Limits
) -> Iterator[tuple[Image.Image, float, float]]:
    """Decoded frames with their size in points: (frame, width_pt, height_pt)."""
    frames = ImageSequence.Iterator(image)
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            return
        except _DAMAGED as exc:
            raise DocumentError(filename, f"the image data is damaged or truncated ({exc})") from exc
        check_size(frame, filename, limits)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                decoded = frame.convert("RGB") if frame.mode not in ("L", "RGB", "1") else frame.copy()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise DocumentError(filename, f"image is too large to decode safely ({exc})") from exc
        except _DAMAGED as exc:
            raise DocumentError(filename, f"the image data is damaged or truncated ({exc})") from exc
        dpi = _dpi_of(frame)
        yield decoded, decoded.width * 72.0 / dpi, decoded.height * 72.0 / dpi
