"""Demo data for what leaves with a shipment: one customer's quality agreement asks for our
certificate of analysis with every lot, under its own moisture limit; one shipment to it of a
lot released with a signature, and the certificate issued for it. Built-in ERP only: on Tryton
the shipments are Tryton's to make."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, text

from app.db.demo.load import DEMO_USERS
from app.db.queries.erp_info import erp_info
from app.db.server import ServerTarget
from app.workflows import compliance
from app.workflows import shipment_documents as docs
from app.workflows.session import login

PASSWORDS = {u: p for u, _n, _r, p in DEMO_USERS}
SHIPMENT = "SH-DEMO-COA1"


def add_certificate_demo(target: ServerTarget, owner: Engine) -> None:
    with owner.begin() as conn:
        if erp_info(conn)["erp"] != "builtin":
            return
        customer = conn.execute(text(
            "SELECT id, min_shelf_life_days FROM erp.customers WHERE min_shelf_life_days IS NOT NULL "
            "ORDER BY id DESC LIMIT 1")).one_or_none()
        # a lot whose result for a limited test sits below the limit: the customer's own
        # limit goes halfway between the two, tighter than ours and still met
        lot = conn.execute(text("""
            SELECT l.id, l.item_id, r.test, r.value, r.max_value, r.spec_unit AS unit
            FROM quality.lots l
            CROSS JOIN LATERAL quality.certificate_results(l.id, NULL) r
            WHERE l.status = 'available' AND EXISTS (SELECT 1 FROM quality.release_signatures(l.id))
              AND EXISTS (SELECT 1 FROM erp.stock st WHERE st.lot_id = l.id AND st.qty >= 1)
              AND NOT EXISTS (SELECT 1 FROM quality.certificate_results(l.id, NULL) x
                              WHERE x.problem IS NOT NULL)
              AND r.max_value IS NOT NULL AND r.min_value IS NULL AND r.value < r.max_value
              AND coalesce(r.unit, r.spec_unit) IS NOT DISTINCT FROM r.spec_unit
              AND quality.result_bound(r.result_text) IS NULL
            ORDER BY l.id DESC LIMIT 1""")).one_or_none()
        if customer is None or lot is None:
            return
    cora = login(target, "cora.compliance", PASSWORDS["cora.compliance"])
    ivy = login(target, "ivy.inspector", PASSWORDS["ivy.inspector"])
    try:
        compliance.set_customer_requirements(
            cora, customer.id, min_days=customer.min_shelf_life_days, min_percent=None,
            excluded_suppliers=[], excluded_lots=[], required_documents=["CUSTOMER_COA"],
            reason="Quality agreement QA-2026-04: our certificate of analysis with every lot")
        with cora.engine.begin() as conn:
            conn.execute(text(
                "SELECT quality.set_customer_spec(:c, :i, :t, NULL, :hi, :u, NULL, :r)"),
                {"c": customer.id, "i": lot.item_id, "t": lot.test,
                 "hi": ((Decimal(lot.value) + Decimal(lot.max_value)) / 2).quantize(
                     Decimal("0.01")), "u": lot.unit,
                 "r": "Customer specification CS-12: a tighter limit"})
        with owner.begin() as conn:
            shipment = conn.execute(text(
                "INSERT INTO erp.shipments (shipment_number, customer_id, site_id, ship_to, "
                "shipped_at, carrier) SELECT :n, c.id, (SELECT min(id) FROM erp.sites), c.ship_to, "
                "now(), 'Fictional Freight Co.' FROM erp.customers c WHERE c.id = :c RETURNING id"),
                {"n": SHIPMENT, "c": customer.id}).scalar_one()
            line = conn.execute(text("INSERT INTO erp.shipment_lines (shipment_id, lot_id, qty) "
                                     "VALUES (:s, :l, 1) RETURNING id"),
                                {"s": shipment, "l": lot.id}).scalar_one()
            # the goods leave the bin, as the ERP's shipping would record it
            conn.execute(text("""
                WITH bin AS (SELECT location_id FROM erp_builtin.stock
                             WHERE lot_id = :l AND qty >= 1 ORDER BY qty DESC LIMIT 1),
                taken AS (UPDATE erp_builtin.stock s SET qty = s.qty - 1 FROM bin
                          WHERE s.lot_id = :l AND s.location_id = bin.location_id
                          RETURNING s.location_id)
                INSERT INTO erp_builtin.movements (kind, lot_id, qty, from_location_id, moved_at,
                                                   reference, shipment_line_id)
                SELECT 'shipment', :l, 1, location_id, now(), :n, :line FROM taken"""),
                {"l": lot.id, "n": SHIPMENT, "line": line})
        docs.issue(ivy, SHIPMENT)
    finally:
        ivy.close()
        cora.close()
