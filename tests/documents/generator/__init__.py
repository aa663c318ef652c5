"""Synthetic COAs and SDSs with ground truth, in several supplier layouts, clean or scanned.

    doc = generate(seed=7)                       # layout and format drawn from the seed
    doc = generate(seed=7, layout="euro", scan="fax", container="pdf")
    doc.data, doc.filename, doc.truth

Everything is fictional and deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from tests.documents.generator import scan as scanning
from tests.documents.generator.coa_layouts import COA_LAYOUTS, CoaData
from tests.documents.generator.dates import fmt
from tests.documents.generator.pools import (
    CHEMICALS,
    H_PHRASES,
    P_PHRASES,
    PICTOGRAMS,
    PRODUCTS,
    SDS_PRODUCTS,
    SUPPLIERS,
    UN_ENTRIES,
    make_lab_rows,
    make_tests,
)
from tests.documents.generator.sds_layouts import SDS_LAYOUTS, SdsData

# layouts added later come last, so the seeds of the held-back ranges keep their layouts
_LATER = ("lab_panels",)
LAYOUTS = (
    *(name for name in COA_LAYOUTS if name not in _LATER), *SDS_LAYOUTS, *_LATER,
)
SCAN_DPI = 200


@dataclass(frozen=True)
class GeneratedDoc:
    data: bytes
    filename: str
    truth: dict[str, Any]
    layout: str
    scan: str | None


def _lot(rng: random.Random) -> str:
    style = rng.randrange(5)
    digits = "".join(rng.choice("0123456789") for _ in range(6))
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    return (
        f"{letters}{digits}",
        f"L{digits[:4]}-{rng.randint(10, 99)}",
        f"{digits}{letters[0]}",
        f"B{digits[:2]}-{digits[2:]}/{rng.randint(1, 9)}",
        f"{letters}-{digits[:3]}-{digits[3:]}",
    )[style]


def _coa(rng: random.Random, layout: str) -> tuple[CoaData, dict[str, Any]]:
    supplier = rng.choice(SUPPLIERS)
    product = rng.choice(PRODUCTS)
    mfg = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(700))
    exp = mfg + dt.timedelta(days=rng.choice([365, 540, 730, 1095]))
    date_style = "dotted" if layout == "euro" else rng.choice(
        ["iso", "us", "dmy_upper", "dmy_abbr", "long", "slash_iso"]
    )
    month_only = rng.random() < 0.2
    exp_label = rng.choice(["Expiry Date", "Expiration Date", "Best Before", "Retest Date"])
    exp_text = fmt(exp, "month_year") if month_only else fmt(exp, date_style)
    exp_iso = exp.replace(day=1).isoformat() if month_only else exp.isoformat()
    tests = make_tests(rng, rng.randint(6, 11))
    lab_rows = make_lab_rows(rng) if layout == "lab_panels" else None
    lot = _lot(rng)
    data = CoaData(
        supplier=supplier,
        address=f"{rng.randint(2, 240)} Industrial Way, Fictionville {rng.randint(10000, 99999)}",
        product=product,
        product_code=f"PC-{rng.randint(1000, 9999)}",
        lot=lot,
        mfg_text=fmt(mfg, date_style),
        exp_text=exp_text,
        exp_label=exp_label,
        tests=tests,
        customer="Demo Distribution Ltd",
        order=f"PO-{rng.randint(100000, 999999)}",
        lab_rows=lab_rows,
    )
    truth = {
        "kind": "coa",
        "fields": {
            "product_name": product,
            "supplier": supplier,
            "lot_number": lot,
            "manufacture_date": mfg.isoformat(),
            "expiry_date": exp_iso,
        },
        "results": [
            {
                "test": t.test, "result": t.result, "value": t.value, "unit": t.unit,
                "spec": t.spec, "spec_min": t.spec_min, "spec_max": t.spec_max, "pass": t.passed,
            }
            for t in tests
        ] if lab_rows is None else [
            {
                "test": r.test, "result": r.result, "value": r.value, "unit": r.unit,
                "spec": None, "spec_min": None, "spec_max": r.spec_max, "pass": True,
            }
            for r in lab_rows
        ],
    }
    return data, truth


def _sds(rng: random.Random) -> tuple[SdsData, dict[str, Any]]:
    product, signal = rng.choice(SDS_PRODUCTS)
    supplier = rng.choice(SUPPLIERS)
    revision = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(1800))
    style = rng.choice(["iso", "us", "dotted", "dmy_upper", "long"])
    h_codes = sorted(rng.sample(sorted(H_PHRASES), rng.randint(2, 4)))
    p_codes = rng.sample(sorted(P_PHRASES), rng.randint(2, 4))
    pictograms = sorted(rng.sample(sorted(PICTOGRAMS), rng.randint(1, 3)))
    chems = rng.sample(CHEMICALS, rng.randint(2, 4))
    concs = ["30 - 60 %", "10 - 25 %", "1 - 5 %", "< 1 %", ">= 50 - < 75 %", "5 - 10 %"]
    components = [(name, cas, rng.choice(concs)) for cas, name in chems]
    un, klass, group = rng.choice(UN_ENTRIES)
    data = SdsData(
        product=product,
        supplier=supplier,
        address=f"{rng.randint(2, 240)} Harbour Road, Fictionville",
        revision_text=fmt(revision, style),
        version=f"{rng.randint(1, 9)}.{rng.randint(0, 9)}",
        signal_word=signal,
        h_codes=h_codes,
        p_codes=p_codes,
        pictograms=pictograms,
        components=components,
        un_number=un,
        hazard_class=klass,
        packing_group=group,
    )
    truth = {
        "kind": "sds",
        "fields": {
            "product_name": product,
            "supplier": supplier,
            "revision_date": revision.isoformat(),
            "signal_word": signal,
            "h_statements": h_codes,
            "p_statements": p_codes,
            "pictograms": pictograms,
            "cas_numbers": sorted(cas for _, cas, _ in components),
            "un_number": un,
            "hazard_class": klass,
            "packing_group": group,
            "sections": list(range(1, 17)),
        },
        "results": [],
    }
    return data, truth


def render_pdf(layout: str, rng: random.Random) -> tuple[bytes, dict[str, Any]]:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=True)
    if layout in COA_LAYOUTS:
        coa, truth = _coa(rng, layout)
        canvas.setTitle("Certificate of Analysis")
        COA_LAYOUTS[layout](canvas, coa)
    else:
        sds, truth = _sds(rng)
        canvas.setTitle("Safety Data Sheet")
        SDS_LAYOUTS[layout](canvas, sds)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue(), truth


def generate(
    seed: int,
    *,
    layout: str | None = None,
    scan: str | None = None,
    container: str = "pdf",
) -> GeneratedDoc:
    """One document. ``scan`` is None (text layer) or one of scan.MODES; ``container`` is
    "pdf", "png" or "tiff" for scans (a PNG holds one page: longer documents become TIFF)."""
    rng = random.Random(seed)
    layout = layout or rng.choice(LAYOUTS)
    pdf, truth = render_pdf(layout, rng)
    if scan is None:
        return GeneratedDoc(pdf, f"gen-{seed}-{layout}.pdf", truth, layout, None)
    pages = [scanning.degrade(page, scan, rng) for page in scanning.rasterise(pdf, SCAN_DPI)]
    if container == "png" and len(pages) == 1:
        data, ext = scanning.to_png(pages[0], SCAN_DPI), "png"
    elif container == "tiff":
        data, ext = scanning.to_tiff(pages, SCAN_DPI), "tif"
    else:
        data, ext = scanning.to_pdf(pages, SCAN_DPI), "pdf"
    return GeneratedDoc(data, f"gen-{seed}-{layout}-{scan}.{ext}", truth, layout, scan)
