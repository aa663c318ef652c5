"""A realistic quality history for the demo data, made through the same database functions as
real work: recent receipts wait in quarantine; the inspector stored, reviewed and verified their
COAs (read by the real extractor), SDSs and allergen statements; most lots were released, some
put on hold, rejected and dispositioned by two people, and a few decisions still wait in the
approvals inbox for a second signature. Every decision is signed on a fresh connection.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, Engine, text

from app.db.demo.documents import SPECS, coa_pdf, coa_rows, simple_pdf
from app.db.demo.load import DEMO_USERS
from app.db.engine import make_engine
from app.db.server import ServerTarget
from app.documents.extract import extract_bytes
from app.progress import Progress
from app.workflows import compliance, decisions, documents, nonconformance
from app.workflows.demo_certificates import add_certificate_demo
from app.workflows.session import UserSession, login
from app.workflows.signing import Credentials

PASSWORDS = {u: p for u, _n, _r, p in DEMO_USERS}
HOLD_REASONS = ("Damaged packaging found at receipt", "Temperature logger alarm in transit",
                "Label does not match the purchase order", "Customer complaint on a sister lot",
                "Seal broken on two drums")
REJECT_REASONS = ("Result out of specification on the supplier COA",
                  "Foreign matter found at incoming inspection")


@dataclass
class Candidate:
    lot_id: int
    lot_code: str
    item_id: int
    category: str
    product: str
    supplier_id: int | None
    supplier: str | None
    supplier_lot: str | None
    manufactured: dt.date
    expires: dt.date
    required: list[str]


def add_quality_history(target: ServerTarget, *, seed: int = 1, lots: int = 40,
                        progress: Progress | None = None) -> int:
    """Returns the number of signed decisions made."""
    owner = make_engine(target.admin_url, application_name="lotproof demo setup")
    rng = random.Random(seed)
    try:
        with owner.begin() as conn:
            if conn.execute(text("SELECT EXISTS (SELECT 1 FROM quality.lot_decisions)")).scalar():
                return 0
            categories: dict[int, str] = {
                int(i): str(c) for i, c in conn.execute(text("SELECT id, category FROM erp.items"))}
            candidates = _candidates(conn, lots)
            plan = _plan(rng, candidates)
            _to_quarantine(conn, [c.lot_code for c, _s in plan])
        _add_specs(target, categories)
        _store_documents(target, rng, plan)
        made = _decide(target, plan, progress)
        _add_inspection_work(target, owner)
        _add_rules_and_events(target, owner)
        add_certificate_demo(target, owner)
        return made
    finally:
        owner.dispose()


def _add_specs(target: ServerTarget, categories: dict[int, str]) -> None:
    """The compliance officer writes version 1 of every item's specification."""
    cora = login(target, "cora.compliance", PASSWORDS["cora.compliance"])
    try:
        for item_id, category in sorted(categories.items()):
            tests = [{"test": s.test, "method": s.method, "min": s.min_value, "max": s.max_value,
                      "text": s.text, "unit": s.unit, "coa_acceptable": True}
                     for s in SPECS[category]]
            compliance.set_item_specs(cora, item_id, tests, "Initial specification")
    finally:
        cora.close()


DEMO_CHECKS = [
    {"name": "Seals and packaging intact", "kind": "seal"},
    {"name": "Labels match the purchase order", "kind": "label"},
    {"name": "Temperature at receipt", "kind": "temperature", "max": 25, "unit": "°C"},
    {"name": "Identity (visual)", "kind": "identity"},
    {"name": "Remarks", "kind": "visual", "required": False},
]


def _add_inspection_work(target: ServerTarget, owner: Engine) -> None:
    """An inspection plan for one supplier's item (its quarantined lot waits in the inspector's
    list), and the out-of-spec NCR of the demo carried into investigation, a CAPA with an
    action and a SCAR sent to the supplier."""
    with owner.connect() as conn:
        pair = conn.execute(text("""
            SELECT l.item_id, l.supplier_id FROM quality.lots l
            WHERE l.status = 'quarantine' AND l.origin = 'receipt' AND l.supplier_id IS NOT NULL
            GROUP BY l.item_id, l.supplier_id HAVING count(*) = 1
            ORDER BY l.item_id DESC, l.supplier_id DESC LIMIT 1""")).first()
        ncr = conn.execute(text(
            "SELECT min(id) FROM quality.ncrs WHERE supplier_id IS NOT NULL AND status = 'open'")).scalar()
    cora = login(target, "cora.compliance", PASSWORDS["cora.compliance"])
    ivy = login(target, "ivy.inspector", PASSWORDS["ivy.inspector"])
    try:
        if pair is not None:
            with cora.engine.begin() as conn:
                conn.execute(text(
                    "SELECT quality.set_inspection_plan(:i, :s, CAST(:p AS jsonb), CAST(:c AS jsonb), :r)"),
                    {"i": pair.item_id, "s": pair.supplier_id,
                     "p": json.dumps({"kind": "z14", "level": "II", "aql": 2.5,
                                      "skip_lot": {"after": 10, "every": 3}}),
                     "c": json.dumps(DEMO_CHECKS),
                     "r": "Conditional supplier: receiving inspection of every lot"})
        if ncr is not None:
            today = dt.date.today()
            nonconformance.record_containment(ivy, ncr, "Lot held on receipt; no stock shipped")
            nonconformance.record_investigation(ivy, ncr, "5_whys", "Supplier released the lot on a "
                                                "result outside our specification", {"whys": [
                                                    "The result is outside our limit",
                                                    "The supplier's own limit is wider",
                                                    "Our specification was never sent to them"]})
            capa = nonconformance.open_capa(cora, ncr, "Specification sent with every purchase order",
                                            "ivy.inspector", "No out-of-spec lot from the supplier "
                                            "in the next 10 receipts", today + dt.timedelta(days=90))
            nonconformance.add_action(cora, capa, "corrective", "Send our current specification to "
                                      "the supplier and get it acknowledged", "ivy.inspector",
                                      today + dt.timedelta(days=7))
            scar = nonconformance.open_scar(cora, ncr, "Confirm our specification is your release "
                                            "specification and explain the release of this lot",
                                            today + dt.timedelta(days=21))
            nonconformance.send_scar(cora, scar)
    finally:
        ivy.close()
        cora.close()


def _add_rules_and_events(target: ServerTarget, owner: Engine) -> None:
    """Rules a compliance officer has set since, one logged cold-chain excursion, and the
    exception queue built from all of it."""
    with owner.connect() as conn:
        supplier = conn.execute(text("""
            SELECT s.id, i.category FROM erp.suppliers s JOIN quality.lots l ON l.supplier_id = s.id
            JOIN erp.items i ON i.id = l.item_id WHERE s.approval_status = 'approved'
            GROUP BY s.id, i.category ORDER BY count(*) LIMIT 1""")).one()
        customer = conn.execute(text("SELECT min(id) FROM erp.customers")).scalar_one()
        stored = conn.execute(text("""
            SELECT l.lot_code FROM quality.lots l JOIN erp.stock st ON st.lot_id = l.id
            JOIN erp.locations loc ON loc.id = st.location_id AND loc.kind = 'bin'
            WHERE l.status = 'available' AND st.qty > 0
              AND NOT EXISTS (SELECT 1 FROM quality.lot_decisions d WHERE d.lot_id = l.id)
            ORDER BY l.id DESC LIMIT 1""")).scalar_one()
    cora = login(target, "cora.compliance", PASSWORDS["cora.compliance"])
    ivy = login(target, "ivy.inspector", PASSWORDS["ivy.inspector"])
    try:
        compliance.set_supplier_approval(cora, supplier.id, supplier.category, "suspended",
                                         "Supplier audit: corrective actions overdue")
        compliance.set_customer_requirements(
            cora, customer, min_days=180, min_percent=None, excluded_suppliers=[],
            excluded_lots=[], required_documents=["COA"],
            reason="Customer quality agreement: 180 days at shipment, COA with every lot")
        day = dt.date.today() - dt.timedelta(days=3)
        readings = "\n".join(f"{day}T{h:02d}:00:00,{t}" for h, t in enumerate(
            (4.2, 4.5, 5.1, 9.4, 11.8, 10.2, 6.0, 4.8)))
        compliance.import_logger_csv(ivy, "timestamp,temperature\n" + readings,
                                     limit_min=Decimal("2"), limit_max=Decimal("8"),
                                     lot_code=stored, logger="Cold room logger CR-2")
        compliance.refresh_exceptions(cora)
    finally:
        ivy.close()
        cora.close()


def _candidates(conn: Connection, limit: int) -> list[Candidate]:
    """Recent receipts with nothing shipped yet, whose supplier is approved."""
    rows = conn.execute(text("""
        SELECT l.id, l.lot_code, i.id, i.category, i.name, s.id, s.name, l.supplier_lot_code,
               l.manufacture_date, l.expiry_date, i.required_documents
        FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
        JOIN erp.suppliers s ON s.id = l.supplier_id AND s.approval_status = 'approved'
        WHERE l.origin = 'receipt' AND l.status IN ('quarantine', 'available')
          AND l.created_at > now() - interval '60 days'
          AND l.expiry_date > current_date + 90
          AND NOT EXISTS (SELECT 1 FROM erp.movements m WHERE m.lot_id = l.id
                          AND m.kind NOT IN ('receipt', 'putaway'))
          AND NOT EXISTS (SELECT 1 FROM erp.allocations a WHERE a.lot_id = l.id)
        ORDER BY l.created_at LIMIT :n"""), {"n": limit}).all()
    return [Candidate(*r) for r in rows]


def _plan(rng: random.Random, candidates: list[Candidate]) -> list[tuple[Candidate, str]]:
    """What happens to each lot, oldest first; the newest stay in quarantine."""
    plan: list[tuple[Candidate, str]] = []
    n = len(candidates)
    for index, c in enumerate(candidates):
        if index >= n - max(3, n // 6):
            scenario = "waiting"
        else:
            scenario = rng.choices(
                ("release", "release_then_hold", "reject_dispose", "reject_pending",
                 "override_pending", "reject"), (62, 12, 8, 4, 4, 6))[0]
        plan.append((c, scenario))
    # Make sure the inbox shows each kind of waiting decision at least once.
    kinds = {s for _c, s in plan}
    for needed, position in (("override_pending", 1), ("reject_pending", 2),
                             ("release_then_hold", 3), ("reject_dispose", 4)):
        if needed not in kinds and len(plan) > position + 3:
            plan[position] = (plan[position][0], needed)
    return plan


def _store_documents(target: ServerTarget, rng: random.Random,
                     plan: list[tuple[Candidate, str]]) -> None:
    """The inspector stores, links and reviews each document through the functions; the
    approver, a second person, verifies it."""
    ivy = login(target, "ivy.inspector", PASSWORDS["ivy.inspector"])
    arlo = login(target, "arlo.approver", PASSWORDS["arlo.approver"])
    try:
        items_done: set[int] = set()
        sds_written = 0
        for c, scenario in plan:
            if c.item_id not in items_done:
                items_done.add(c.item_id)
                if "SDS" in c.required:
                    # The first one is past its three-year review: the queue flags it.
                    revised = "2025-01-15" if sds_written else "2022-06-30"
                    sds_written += 1
                    _item_document(ivy, arlo, c, "sds", f"SDS {c.product}.pdf", simple_pdf(
                        "SAFETY DATA SHEET", c.supplier or "", [
                            f"1. Identification: {c.product}",
                            "2. Hazard identification: see label",
                            f"Revision date: {revised}", "Demo document — not a real SDS"]))
                if "ALLERGEN_STATEMENT" in c.required:
                    _item_document(ivy, arlo, c, "allergen_statement",
                                   f"Allergen statement {c.product}.pdf", simple_pdf(
                                       "ALLERGEN STATEMENT", c.supplier or "", [
                                           f"Product: {c.product}",
                                           "Contains none of the 14 EU / 9 US major allergens.",
                                           "Demo document"]))
            if scenario == "override_pending":
                continue  # released on a paper COA, to be scanned: the override waits
            if scenario == "waiting" and rng.random() < 0.5:
                continue  # the COA has not arrived yet
            rows = coa_rows(rng, c.category, out_of_spec=scenario.startswith("reject"))
            data = coa_pdf(supplier=c.supplier or "", product=c.product,
                           supplier_lot=c.supplier_lot or "", manufactured=c.manufactured,
                           expires=c.expires, rows=rows)
            name = f"COA {c.supplier_lot or c.lot_code}.pdf"
            outcome = documents.store(ivy, data, name, extract_bytes(data, name),
                                      lot_code=c.lot_code)
            if outcome.link_refused:
                raise RuntimeError(f"demo COA {name} was not linked: {outcome.link_refused}")
            if scenario != "waiting":  # a COA that just arrived is still to be reviewed
                _review(ivy, arlo, outcome.document_id, c)
    finally:
        ivy.close()
        arlo.close()


def _item_document(ivy: UserSession, arlo: UserSession, c: Candidate, kind: str, name: str,
                   data: bytes) -> None:
    outcome = documents.store(ivy, data, name, extract_bytes(data, name))
    if outcome.kind != kind:
        documents.set_kind(ivy, outcome.document_id, kind, "Document kind set by the inspector")
    documents.link_item(ivy, outcome.document_id, c.item_id, c.supplier_id)
    _review(ivy, arlo, outcome.document_id, c)


def _review(ivy: UserSession, arlo: UserSession, document_id: int, c: Candidate) -> None:
    review = documents.review(ivy, document_id)
    for f in review.fields:
        if f.name == "supplier" and c.supplier and f.value != c.supplier:
            documents.correct_field(ivy, f.id, c.supplier,
                                    "The supplier is the company in the letterhead")
        else:
            documents.confirm_field(ivy, f.id)
    for r in review.results:
        documents.confirm_result(ivy, r.id)
    documents.verify(arlo, document_id)


def _to_quarantine(conn: Connection, codes: list[str]) -> None:
    # The demo's own set-up, as the schema owner: these lots start their story as receipts.
    conn.execute(text("SET LOCAL ROLE lotproof_owner"))
    conn.execute(text("SELECT quality._audit_context('demo.receipt', 'demo data', NULL)"))
    conn.execute(text("UPDATE quality.lot_state s SET status = 'quarantine' FROM erp.lots l "
                      "WHERE l.id = s.lot_id AND l.lot_code = ANY(:c) "
                      "AND s.status <> 'quarantine'"), {"c": codes})
    conn.execute(text("RESET ROLE"))


def _decide(target: ServerTarget, plan: list[tuple[Candidate, str]],
            progress: Progress | None) -> int:
    sessions: dict[str, UserSession] = {}

    def who(username: str) -> tuple[UserSession, Credentials]:
        if username not in sessions:
            sessions[username] = login(target, username, PASSWORDS[username])
        return sessions[username], Credentials(username, PASSWORDS[username])

    made = 0
    rng = random.Random(len(plan))
    try:
        for done, (c, scenario) in enumerate(plan, start=1):
            code = c.lot_code
            if scenario in ("release", "release_then_hold"):
                decisions.release(*who("arlo.approver"), code, "", "quarantine")
                made += 1
                if scenario == "release_then_hold":
                    decisions.hold(*who("ivy.inspector"), code, rng.choice(HOLD_REASONS),
                                   "available")
                    made += 1
            elif scenario == "override_pending":
                decisions.release(*who("arlo.approver"), code, "", "quarantine",
                                  override_justification="Paper COA received with the "
                                                         "delivery; scan to follow")
                made += 1
            elif scenario.startswith("reject"):
                # An out-of-spec COA has put the lot on hold already when it was verified.
                now = decisions.lot_state(who("arlo.approver")[0], code)
                decisions.reject(*who("arlo.approver"), code, rng.choice(REJECT_REASONS),
                                 now.status if now else "quarantine")
                made += 1
                if scenario in ("reject_dispose", "reject_pending"):
                    disposition = rng.choice(("return_to_vendor", "scrap", "rework"))
                    proposal = decisions.propose_disposition(
                        *who("arlo.approver"), code, disposition,
                        "Supplier informed; no use possible as is", "rejected")
                    made += 1
                    if scenario == "reject_dispose":
                        decisions.approve(*who("cora.compliance"), proposal.decision_id)
                        made += 1
            if progress:
                progress.report(done, len(plan), "quality history")
    finally:
        for s in sessions.values():
            s.close()
    return made

