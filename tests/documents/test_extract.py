"""End to end: synthetic documents in, classified fields with provenance out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.documents.extract import Extraction, extract_bytes, extract_file
from app.progress import Progress
from tests.documents.generator import LAYOUTS, GeneratedDoc, generate
from tests.documents.generator.scoring import Tally, score

# Held back: these seeds were never used while writing the extraction rules.
TEXT_SEEDS = range(830_000, 830_000 + len(LAYOUTS))
SCANS = (
    (840_001, "table_classic", "scan", "pdf"),
    (840_002, "two_column_header", "fax", "png"),
    (840_003, "lab_report", "rotated", "tiff"),
)


@pytest.fixture(scope="module")
def coa_doc() -> GeneratedDoc:
    return generate(4242, layout="table_classic")


@pytest.fixture(scope="module")
def coa(coa_doc: GeneratedDoc) -> Extraction:
    return extract_bytes(coa_doc.data, coa_doc.filename)


def test_json_shape(coa: Extraction) -> None:
    data = json.loads(json.dumps(coa.to_json_dict()))
    assert set(data) == {"kind", "fields", "results"}
    assert data["kind"] == "coa"
    for name in ("product_name", "supplier", "lot_number", "manufacture_date", "expiry_date"):
        assert set(data["fields"][name]) == {
            "value", "page", "bbox", "confidence", "method", "source_text", "doubt",
        }
    row = data["results"][0]
    assert set(row) == {
        "test", "method", "specification", "spec_min", "spec_max", "spec_text", "result",
        "value", "unit", "qualifier", "doubt", "pass", "page", "bbox",
    }
    details = json.loads(json.dumps(coa.details_json_dict()))
    assert details["kind_confidence"] > 0.5
    assert details["pages"][0]["method"] == "text"
    assert details["results"][0]["read_by"] == "text"


def test_provenance_points_at_the_value(coa: Extraction, coa_doc: GeneratedDoc) -> None:
    lot = coa.fields["lot_number"]
    assert lot.value == coa_doc.truth["fields"]["lot_number"]
    assert lot.page == 1 and lot.method == "text" and lot.bbox is not None
    assert lot.source_text.startswith("Lot No.")
    x0, top, x1, bottom = lot.bbox
    assert 100 < x0 < x1 < 400 and 0 < top < bottom < 250
    assert 0.9 <= lot.confidence <= 1.0
    expiry = coa.fields["expiry_date"]
    assert expiry.raw is not None and expiry.raw in expiry.source_text


def test_results_rows(coa: Extraction, coa_doc: GeneratedDoc) -> None:
    assert len(coa.results) == len(coa_doc.truth["results"])
    by_test = {row.test: row for row in coa.results}
    for expected in coa_doc.truth["results"]:
        row = by_test[expected["test"]]
        assert row.value == expected["value"]
        assert (row.spec_min, row.spec_max) == (expected["spec_min"], expected["spec_max"])
        assert row.passed is True
        assert row.page == 1


def test_sds_fields() -> None:
    doc = generate(4343, layout="sds_eu")
    extraction = extract_bytes(doc.data, doc.filename)
    assert extraction.kind == "sds"
    truth = doc.truth["fields"]
    for name in ("product_name", "revision_date", "signal_word", "un_number", "packing_group"):
        assert extraction.value(name) == truth[name], name
    assert sorted(i["cas"] for i in extraction.value("cas_numbers")) == truth["cas_numbers"]
    assert all(i["concentration"] for i in extraction.value("cas_numbers"))
    assert extraction.value("h_statements") == truth["h_statements"]
    assert extraction.value("sections") == list(range(1, 17))


def test_extract_file_reports_progress(tmp_path: Path, coa_doc: GeneratedDoc) -> None:
    path = tmp_path / "coa.pdf"
    path.write_bytes(coa_doc.data)
    calls: list[tuple[int, int, str]] = []
    extraction = extract_file(path, progress=Progress(lambda *call: calls.append(call)))
    assert calls == [(1, 1, "coa.pdf")]
    assert extraction.pages[0].method == "text"


def test_accuracy_on_held_back_text_documents() -> None:
    tally = Tally()
    for seed, layout in zip(TEXT_SEEDS, LAYOUTS, strict=True):
        doc = generate(seed, layout=layout)
        score(doc.truth, extract_bytes(doc.data, doc.filename).to_json_dict(), tally, doc.filename)
    assert tally.overall() >= 0.98, tally.misses


def test_accuracy_on_held_back_scans() -> None:
    tally = Tally()
    for seed, layout, mode, container in SCANS:
        doc = generate(seed, layout=layout, scan=mode, container=container)
        extraction = extract_bytes(doc.data, doc.filename)
        assert all(p.method == "ocr" for p in extraction.pages)
        score(doc.truth, extraction.to_json_dict(), tally, doc.filename)
    assert tally.overall() >= 0.90, tally.misses


def test_generator_is_deterministic() -> None:
    assert generate(77).data == generate(77).data
    a, b = generate(78, scan="fax", container="png"), generate(78, scan="fax", container="png")
    assert a.data == b.data and a.truth == b.truth


def test_worker_threads_can_extract_at_the_same_time() -> None:
    from concurrent.futures import ThreadPoolExecutor

    docs = [generate(850_000 + i, layout=layout) for i, layout in enumerate(LAYOUTS)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        kinds = list(pool.map(lambda d: extract_bytes(d.data, d.filename).kind, docs * 3))
    assert kinds == [d.truth["kind"] for d in docs] * 3
