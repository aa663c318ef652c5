"""The public entry point: a supplier document in, classified fields with provenance out.

    extraction = extract_file(Path("coa.pdf"), progress=Progress(report))
    extraction.kind, extraction.fields["lot_number"].value, extraction.to_json_dict()

Bad input raises ``DocumentError`` (one class, naming the file and the problem);
``progress`` hears of each page read, and once it is cancelled the reading raises
``app.progress.Cancelled`` between pages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.documents.classify import Classification, Kind, classify
from app.documents.coa import ResultRow, extract_coa
from app.documents.errors import DocumentError
from app.documents.limits import Budget, Limits
from app.documents.model import Document, Method
from app.documents.provenance import Field
from app.documents.reading import read_document
from app.documents.sds import extract_sds
from app.progress import Progress

COA_FIELDS = ("product_name", "supplier", "lot_number", "manufacture_date", "expiry_date")
SDS_FIELDS = (
    "product_name", "supplier", "revision_date", "version", "signal_word", "h_statements",
    "p_statements", "pictograms", "cas_numbers", "un_number", "un_numbers", "hazard_class",
    "packing_group", "sections",
)


@dataclass(frozen=True, slots=True)
class PageInfo:
    number: int
    width: float
    height: float
    method: Method
    words: int
    mean_confidence: float
    rotation: int
    skew: float
    seconds: float


@dataclass(slots=True)
class Extraction:
    filename: str
    kind: Kind
    kind_confidence: float
    fields: dict[str, Field] = field(default_factory=dict)
    results: list[ResultRow] = field(default_factory=list)
    pages: list[PageInfo] = field(default_factory=list)
    seconds: float = 0.0
    document: Document | None = None  # the words, for a viewer that highlights provenance

    def value(self, name: str) -> Any:
        found = self.fields.get(name)
        return found.value if found is not None else None

    def to_json_dict(self) -> dict[str, Any]:
        """The stored form: exactly ``kind``, ``fields`` and ``results``."""
        return {
            "kind": self.kind,
            "fields": {name: f.to_json_dict() for name, f in self.fields.items()},
            "results": [row.to_json_dict() for row in self.results],
        }

    def details_json_dict(self) -> dict[str, Any]:
        """``to_json_dict`` plus how it was read: kind confidence, pages, row confidence."""
        data = self.to_json_dict()
        data["kind_confidence"] = self.kind_confidence
        data["results"] = [
            {**row.to_json_dict(), "confidence": round(row.confidence, 3), "read_by": row.read_by}
            for row in self.results
        ]
        data["pages"] = [
            {
                "number": p.number,
                "width": round(p.width, 2),
                "height": round(p.height, 2),
                "method": p.method,
                "rotation": p.rotation,
                "skew": p.skew,
                "mean_confidence": p.mean_confidence,
            }
            for p in self.pages
        ]
        return data


def extract_bytes(
    data: bytes,
    filename: str,
    *,
    limits: Limits | None = None,
    progress: Progress | None = None,
    force_ocr: bool = False,
    keep_document: bool = False,
) -> Extraction:
    started = time.perf_counter()
    limits = limits or Limits()
    budget = Budget(filename, limits, progress)
    document = read_document(data, filename, limits=limits, budget=budget, force_ocr=force_ocr)
    budget.check()
    return interpret(document, filename, started=started, keep_document=keep_document)


def interpret(
    document: Document, filename: str, *, started: float | None = None,
    keep_document: bool = False,
) -> Extraction:
    """Classify a document already read and extract its fields (no reading, no OCR)."""
    started = time.perf_counter() if started is None else started
    classification = _classify(document)
    fields: dict[str, Field] = {}
    results: list[ResultRow] = []
    if classification.kind == "coa":
        fields, results = extract_coa(document)
    elif classification.kind == "sds":
        fields = extract_sds(document)
    fields, results = _to_source_frames(document, fields, results)
    return Extraction(
        filename=filename,
        kind=classification.kind,
        kind_confidence=classification.confidence,
        fields=fields,
        results=results,
        pages=[
            PageInfo(
                p.number, p.width, p.height, p.method, len(p.words), round(p.mean_confidence, 3),
                p.rotation, p.skew, round(p.seconds, 3),
            )
            for p in document.pages
        ],
        seconds=time.perf_counter() - started,
        document=document if keep_document else None,
    )


def extract_file(
    path: Path,
    *,
    limits: Limits | None = None,
    progress: Progress | None = None,
    force_ocr: bool = False,
    keep_document: bool = False,
) -> Extraction:
    limits = limits or Limits()
    name = path.name
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise DocumentError(
                name, f"the file is {size / 1e6:.0f} MB, more than the "
                f"{limits.max_file_bytes / 1e6:.0f} MB allowed",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(name, f"cannot be read ({exc.strerror or exc})") from exc
    return extract_bytes(
        data, name, limits=limits, progress=progress, force_ocr=force_ocr,
        keep_document=keep_document,
    )


def _to_source_frames(
    document: Document, fields: dict[str, Field], results: list[ResultRow]
) -> tuple[dict[str, Field], list[ResultRow]]:
    """Boxes of OCR'd pages are found upright and deskewed; report them on the stored page."""
    pages = {page.number: page for page in document.pages if page.frame is not None}
    if not pages:
        return fields, results
    mapped = {
        name: replace(f, bbox=pages[f.page].source_bbox(f.bbox))
        if f.page in pages and f.bbox is not None
        else f
        for name, f in fields.items()
    }
    rows = [
        replace(r, bbox=pages[r.page].source_bbox(r.bbox)) if r.page in pages else r
        for r in results
    ]
    return mapped, rows


def _classify(document: Document) -> Classification:
    text = "\n".join(page.text for page in document.pages[:3])
    return classify(text)
