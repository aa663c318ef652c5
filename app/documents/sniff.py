"""Tell what a file is from its first bytes, not from its name."""

from __future__ import annotations

from typing import Literal

FileKind = Literal["pdf", "png", "jpeg", "tiff", "gif", "bmp", "webp", "unknown"]

_SIGNATURES: tuple[tuple[bytes, FileKind], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
)

IMAGE_KINDS: frozenset[FileKind] = frozenset({"png", "jpeg", "tiff", "gif", "bmp", "webp"})


def sniff(head: bytes) -> FileKind:
    # Some producers put junk before the header; readers accept %PDF- within the first 1 KB.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return "unknown"


def describe(head: bytes) -> str:
    """A short human description of an unrecognised file, for error messages."""
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive or Office document"
    if head.lstrip().startswith((b"<!DOCTYPE", b"<html", b"<HTML", b"<?xml")):
        return "an HTML/XML file"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Microsoft Office document"
    try:
        head[:256].decode("utf-8")
    except UnicodeDecodeError:
        return "an unrecognised binary file"
    return "a text file"
