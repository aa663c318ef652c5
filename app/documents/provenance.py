"""Extracted values with where they came from: page, box, source text, method, confidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.documents.model import BBox, Method, Word, union_bbox

JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]


@dataclass(frozen=True, slots=True)
class Field:
    value: JsonValue
    page: int | None
    bbox: BBox | None
    confidence: float
    method: Method | None
    source_text: str
    raw: str | None = None  # the value as printed, when ``value`` is normalised (dates)
    doubt: str | None = None  # why the confidence is lower than the reading's, for the reviewer

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "page": self.page,
            "bbox": [round(v, 2) for v in self.bbox] if self.bbox else None,
            "confidence": round(self.confidence, 3),
            "method": self.method,
            "source_text": self.source_text,
            "doubt": self.doubt,
        }


def from_words(
    value: JsonValue,
    words: Sequence[Word],
    *,
    source_text: str | None = None,
    certainty: float = 1.0,
    raw: str | None = None,
) -> Field:
    """A field whose evidence is ``words``; confidence is the rule's certainty times the
    weakest word's reading confidence."""
    if not words:
        return Field(value, None, None, certainty, None, source_text or "", raw)
    pages = {w.page for w in words}
    page = min(pages)
    on_page = [w for w in words if w.page == page]
    methods = {w.method for w in words}
    reading = min(w.confidence for w in words)
    text = source_text if source_text is not None else " ".join(w.text for w in on_page)
    return Field(
        value=value,
        page=page,
        bbox=union_bbox(w.bbox for w in on_page),
        confidence=max(0.0, min(1.0, certainty * (0.5 + 0.5 * reading))),
        method="ocr" if "ocr" in methods else "text",
        source_text=text,
        raw=raw,
    )
