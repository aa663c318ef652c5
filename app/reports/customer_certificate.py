"""The company's own certificate for a shipped lot, as the customer's QA reads it: a certificate
of analysis (each result, where it came from, against whose limits) or of conformance, resting
on the lot's signed release. Laid out from the content the database kept when it was issued
(quality.issue_certificate), so a reprint says what the first print said."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from app.reports.dossier_parts import FAIL, NOTE, lines
from app.reports.pdf_layout import BODY, H1, H2, SMALL, build, key_values, para, table

TITLES = {"coa": "Certificate of Analysis", "coc": "Certificate of Conformance"}


@dataclass(frozen=True)
class Certificate:
    """One issued certificate: its number, digest and the content kept with it."""

    number: str
    sha256: str
    intact: bool
    issued_at: dt.datetime
    issued_by: str
    content: dict[str, Any]


def _number(value: Any) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def spec_text(r: dict[str, Any]) -> str:
    lo, hi, unit, req = r.get("min_value"), r.get("max_value"), r.get("spec_unit"), \
        r.get("text_requirement")
    if lo is None and hi is None:
        return str(req or "—")
    if lo is not None and hi is not None:
        limits = f"{_number(lo)} – {_number(hi)}"
    elif lo is not None:
        limits = f"≥ {_number(lo)}"
    else:
        limits = f"≤ {_number(hi)}"
    return f"{limits} {unit or ''}".strip()


def result_text(r: dict[str, Any]) -> str:
    if r.get("result_text"):  # as the document gave it: "<0.05" stays a bound
        return str(r["result_text"])
    if r.get("value") is None:
        return "—"
    return f"{_number(r['value'])} {r.get('unit') or ''}".strip()


def _date(value: Any) -> str:
    return str(value)[:10] if value else "—"


def _signed(value: str) -> str:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _details(c: dict[str, Any], number: str, issued: dt.datetime, compact: bool) -> Flowable:
    lot, ship, customer = c["lot"], c["shipment"], c["customer"]
    pairs: list[tuple[str, object]] = [
        ("Certificate", f"{number}, issued {issued.astimezone(dt.UTC):%Y-%m-%d}"),
        ("Customer", f"{customer['name']} ({customer['code']})"),
        ("Shipment", f"{ship['number']}" + (f", order {ship['order']} line {ship['order_line']}"
                                            if ship.get("order") else "")),
        ("Product", f"{lot['sku']} {lot['item']}"),
        ("Lot", lot["lot_code"]),
        ("Quantity shipped", f"{_number(ship['qty'])} {lot.get('uom') or ''}".strip()),
        ("Manufactured", _date(lot.get("manufacture_date"))),
        ("Expiry", _date(lot.get("expiry_date"))),
    ]
    if not compact:
        pairs[4:4] = [("GTIN", lot.get("gtin") or "—")]
        pairs.append(("Ship to", ship.get("ship_to") or "—"))
        if lot.get("supplier_lot_code"):
            pairs.append(("Manufacturer's lot", lot["supplier_lot_code"]))
    return key_values(pairs)


def _results(results: Sequence[dict[str, Any]], kind: str, compact: bool) -> list[Flowable]:
    def verdict(r: dict[str, Any]) -> Flowable:
        return para("conforms", SMALL) if r.get("passed") else para("DOES NOT CONFORM", FAIL)

    def whose(r: dict[str, Any]) -> str:
        return "your spec" if r["limits_from"] == "customer" else "our spec"

    def source(r: dict[str, Any]) -> Flowable:
        said = "our own test" if r.get("source") == "own inspection" else "supplier's COA"
        return lines(said, r.get("source_ref"), style=SMALL) if not compact else para(said, SMALL)

    if kind == "coc":
        return [table(["Requirement", "Specification", "Limits", "Conforms"],
                      [[r["test"], spec_text(r), whose(r), verdict(r)] for r in results],
                      [62 * mm, 50 * mm, 28 * mm, 30 * mm])]
    if compact:
        return [table(["Test", "Result", "Specification", "Source", "Conforms"],
                      [[r["test"], result_text(r), spec_text(r), source(r), verdict(r)]
                       for r in results],
                      [50 * mm, 30 * mm, 35 * mm, 30 * mm, 25 * mm])]
    return [table(["Test", "Method", "Result", "Specification", "Limits", "Source", "Conforms"],
                  [[r["test"], r.get("method") or "—", result_text(r), spec_text(r),
                    whose(r), source(r), verdict(r)] for r in results],
                  [34 * mm, 20 * mm, 20 * mm, 25 * mm, 18 * mm, 36 * mm, 17 * mm])]


def _statement(c: dict[str, Any]) -> str:
    if c.get("statement"):
        return str(c["statement"])
    lot = c["lot"]
    whose = ("the customer's limits where stated, otherwise our specification"
             if any(r["limits_from"] == "customer" for r in c["results"])
             else "our specification for the product")
    what = ("the results above were obtained on this lot and meet"
            if c["kind"] == "coa" else "this lot conforms to")
    return (f"We certify that lot {lot['lot_code']} of {lot['item']} was released by our quality "
            f"unit and that {what} {whose}.")


def _story(cert: Certificate, compact: bool) -> list[Flowable]:
    c = cert.content
    story: list[Flowable] = [Paragraph(TITLES[c["kind"]], H1)]
    if not cert.intact:
        story.append(para("NOT VALID: this certificate's record was changed after it was "
                          "issued", FAIL))
    story += [_details(c, cert.number, cert.issued_at, compact), Spacer(1, 3 * mm),
              Paragraph("Results" if c["kind"] == "coa" else "Specification met", H2),
              *_results(c["results"], c["kind"], compact), Spacer(1, 3 * mm)]
    if not compact and c["kind"] == "coa":
        story.append(para("Source: \"our own test\" is our receiving inspection of this lot; "
                          "\"supplier's COA\" is the manufacturer's result, checked by us against "
                          "the lot and verified before release.", NOTE))
    story += [Paragraph("Statement", H2), para(_statement(c), BODY), Spacer(1, 2 * mm)]
    story.append(Paragraph("Released by", H2))
    story += [para(f"{s['printed_name']}, {s['role'].removeprefix('lotproof_').title()} — "
                   f"{s['meaning']} — {_signed(s['signed_at'])}", BODY) for s in c["release"]]
    story.append(para("Electronic signature made under 21 CFR Part 11 at the lot's release; this "
                      "certificate rests on that signature and needs no handwritten one.", NOTE))
    return story


def render(certificates: Sequence[Certificate], *, generated_by: str) -> bytes:
    """One certificate a page group, in the template the customer's profile names."""
    if not certificates:
        raise ValueError("no certificate to print")
    story: list[Flowable] = []
    for n, cert in enumerate(certificates):
        if n:
            story.append(PageBreak())
        story += _story(cert, cert.content.get("template") == "compact")
    first = certificates[0]
    site = first.content.get("site") or {}
    header = " — ".join(str(p) for p in (site.get("name"), site.get("address")) if p)
    numbers = ", ".join(c.number for c in certificates)
    digest = first.sha256[:16] if len(certificates) == 1 else "see each record"
    return build(story, title=f"{TITLES[first.content['kind']]} {numbers}",
                 generated_by=generated_by, header=header or None,
                 footer=f"{numbers} · content SHA-256 {digest}… · "
                        f"issued {first.issued_at.astimezone(dt.UTC):%Y-%m-%d} by "
                        f"{first.issued_by}")
