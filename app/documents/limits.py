"""Bounds on what one file may cost: pages, pixels, decompressed bytes, seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from app.documents.errors import DocumentError
from app.progress import Progress


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 200 * 1024 * 1024
    max_pages: int = 100
    max_image_pixels: int = 80_000_000  # a 50-megapixel phone photo fits; 20k x 20k does not
    max_render_pixels: int = 40_000_000  # one rendered PDF page (A4 at 300 dpi is ~8.7 M)
    max_decompressed_bytes: int = 512 * 1024 * 1024  # all PDF streams together
    seconds: float = 120.0  # whole file
    ocr_dpi: int = 300
    ocr_language: str = "eng"


class Budget:
    """Tracks the per-file time budget and the caller's progress (which reports the pages read
    and may be cancelled)."""

    def __init__(
        self,
        filename: str,
        limits: Limits,
        progress: Progress | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.filename = filename
        self.limits = limits
        self.progress = progress or Progress()
        self._clock = clock
        self._deadline = clock() + limits.seconds

    def page_read(self, done: int, total: int) -> None:
        self.progress.report(done, total, self.filename)

    def remaining(self) -> float:
        return self._deadline - self._clock()

    def check(self) -> None:
        self.progress.check(f"{self.filename}: extraction")
        if self.remaining() <= 0:
            raise DocumentError(
                self.filename,
                f"took longer than the {self.limits.seconds:g} s allowed for one file",
            )
