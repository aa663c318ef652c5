"""Cheap structural checks on PDF bytes before any parser sees them.

A PDF parser inflates every stream it touches and a renderer decodes every image at full
size, so a small file can ask for gigabytes. We inflate the streams once here, counting
bytes without keeping them, and read image dimensions from the image dictionaries.
"""

from __future__ import annotations

import re
import zlib

from app.documents.errors import DocumentError
from app.documents.limits import Limits

_STREAM = re.compile(rb"stream\r?\n")
_IMAGE_DICT = re.compile(rb"/Subtype\s*/Image")
_WIDTH = re.compile(rb"/Width\s+(\d+)")
_HEIGHT = re.compile(rb"/Height\s+(\d+)")
_CHUNK = 1 << 20


def check_pdf_bytes(data: bytes, filename: str, limits: Limits) -> None:
    tail = data[-4096:]
    if b"%%EOF" not in tail:
        raise DocumentError(filename, "the PDF is truncated or damaged (no end-of-file marker)")
    _check_images(data, filename, limits)
    _check_inflated_size(data, filename, limits)


def _check_images(data: bytes, filename: str, limits: Limits) -> None:
    for match in _IMAGE_DICT.finditer(data):
        start = data.rfind(b"<<", max(0, match.start() - 2048), match.start())
        end = data.find(b"stream", match.end(), match.end() + 2048)
        if start < 0 or end < 0:
            continue
        header = data[start:end]
        width = _WIDTH.search(header)
        height = _HEIGHT.search(header)
        if width and height:
            pixels = int(width.group(1)) * int(height.group(1))
            if pixels > limits.max_image_pixels:
                raise DocumentError(
                    filename,
                    f"contains an image of {int(width.group(1))} x {int(height.group(1))} "
                    f"pixels, more than the {limits.max_image_pixels:,} allowed "
                    "(possible decompression bomb)",
                )


def _check_inflated_size(data: bytes, filename: str, limits: Limits) -> None:
    total = 0
    for match in _STREAM.finditer(data):
        begin = match.end()
        if not _looks_like_zlib(data[begin : begin + 2]):
            continue
        inflater = zlib.decompressobj()
        position = begin
        try:
            while not inflater.eof:
                if inflater.unconsumed_tail:
                    buffer = inflater.unconsumed_tail
                elif position < len(data):
                    buffer = data[position : position + 65536]
                    position += len(buffer)
                else:
                    break
                out = inflater.decompress(buffer, _CHUNK)
                total += len(out)
                if total > limits.max_decompressed_bytes:
                    raise DocumentError(
                        filename,
                        "its compressed streams inflate to more than "
                        f"{limits.max_decompressed_bytes // (1024 * 1024)} MB "
                        "(possible decompression bomb)",
                    )
                if not out and inflater.unconsumed_tail == buffer:
                    break  # no progress: not a stream zlib can read
        except zlib.error:
            continue


def _looks_like_zlib(header: bytes) -> bool:
    if len(header) < 2:
        return False
    cmf, flg = header[0], header[1]
    return cmf & 0x0F == 8 and (cmf * 256 + flg) % 31 == 0
