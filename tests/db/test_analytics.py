"""Supplier scorecard and expiry risk: exact numbers on a situation built for the purpose, and a
sanity run over the demo data as each reading role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from app.db.server import ServerTarget
from app.workflows import analytics
from app.workflows.session import UserSession, login
from tests.conftest import DEMO_PASSWORDS

PERIOD = (dt.date(2019, 3, 1), dt.date(2019, 3, 31))  # long before the demo's history


@pytest.fixture
def cora(db: ServerTarget) -> Iterator[UserSession]:
    session = login(db, "cora.compliance", DEMO_PASSWORDS["cora.compliance"])
    yield session
    session.close()


def _one(conn: Connection, sql: str, **params: Any) -> Any:
    return conn.execute(text(sql), params).scalar_one()


def _place(conn: Connection) -> tuple[int, int, int, int]:
    """A site, a bin at it, an in-transit location and a customer of the demo data."""
    site, bin_ = conn.execute(text(
        "SELECT site_id, id FROM erp.locations WHERE kind = 'bin' ORDER BY id LIMIT 1")).one()
    transit = _one(conn, "SELECT id FROM erp.locations WHERE kind = 'in_transit' LIMIT 1")
    customer = _one(conn, "SELECT min(id) FROM erp.customers")
    return site, bin_, transit, customer


def _item(conn: Connection, sku: str, *, documents: str, unit_cost: str = "10") -> int:
    return int(_one(conn, """
        INSERT INTO erp.items (sku, name, category, uom, shelf_life_days, required_documents,
                               unit_cost)
        VALUES (:sku, :sku, 'test', 'kg', 365, CAST(:docs AS text[]), :cost) RETURNING id""",
        sku=sku, docs=documents, cost=Decimal(unit_cost)))


def _lot(conn: Connection, code: str, item: int, site: int, *, supplier: int | None = None,
         status: str = "quarantine", expiry: str = "DATE '2021-01-01'",
         origin: str = "receipt") -> int:
    lot_id = int(_one(conn, f"""
        INSERT INTO erp.lots (lot_code, item_id, supplier_id, site_id, origin, expiry_date)
        VALUES (:code, :item, :supplier, :site, :origin, {expiry}) RETURNING id""",
        code=code, item=item, supplier=supplier, site=site, origin=origin))
    conn.execute(text("SET LOCAL ROLE lotproof_owner"))  # the status, set up as the owner
    conn.execute(text("UPDATE quality.lot_state SET status = :s WHERE lot_id = :l"),
                 {"s": status, "l": lot_id})
    conn.execute(text("RESET ROLE"))
    return lot_id


def _receive(conn: Connection, number: str, supplier: int, site: int, at: str,
             lines: list[tuple[int, int, int]]) -> None:
    receipt = _one(conn, """
        INSERT INTO erp.receipts (receipt_number, supplier_id, site_id, received_at)
        VALUES (:n, :s, :site, CAST(:at AS timestamptz)) RETURNING id""",
        n=number, s=supplier, site=site, at=at)
    for item, lot, qty in lines:
        conn.execute(text("""
            INSERT INTO erp.receipt_lines (receipt_id, item_id, lot_id, location_id, qty)
            VALUES (:r, :i, :l, (SELECT min(id) FROM erp.locations WHERE site_id = :site), :q)"""),
            {"r": receipt, "i": item, "l": lot, "site": site, "q": qty})


def _coa(conn: Connection, lot: int, status: str, uploaded: str,
         results: list[tuple[str, str | None, str | None, str | None]]) -> None:
    doc = _one(conn, """
        INSERT INTO quality.documents (sha256, file_name, mime_type, size_bytes, page_count,
            content, kind, status, uploaded_by, uploaded_at)
        VALUES (md5(random()::text), 'coa.pdf', 'application/pdf', 3, 1, '\\x00'::bytea, 'coa',
                :status, 'ivy.inspector', CAST(:at AS timestamptz)) RETURNING id""",
        status=status, at=uploaded)
    conn.execute(text("""
        INSERT INTO quality.document_links (document_id, lot_id, linked_by, linked_at)
        VALUES (:d, :l, 'ivy.inspector', CAST(:at AS timestamptz))"""),
        {"d": doc, "l": lot, "at": uploaded})
    for test, value, unit, result_text in results:
        conn.execute(text("""
            INSERT INTO quality.coa_results (document_id, lot_id, test, value, unit, result_text)
            VALUES (:d, :l, :t, CAST(:v AS numeric), :u, :x)"""),
            {"d": doc, "l": lot, "t": test, "v": value, "u": unit, "x": result_text})


def _return(conn: Connection, rma: str, customer: int, lot: int, location: int, qty: int,
            reason: str) -> None:
    conn.execute(text("""
        INSERT INTO erp.returns (rma_number, customer_id, lot_id, location_id, qty, returned_at,
                                 reason_code)
        VALUES (:rma, :c, :l, :loc, :q, TIMESTAMPTZ '2019-06-01 12:00+00', :reason)"""),
        {"rma": rma, "c": customer, "l": lot, "loc": location, "q": qty, "reason": reason})


def build_supplier(owner: Engine) -> int:
    """A conditional supplier delivering 25 lots in March 2019:

    L1 verified COA 5 days after receipt, assay 105 % outside 98-102 (out of spec);
    L2 verified COA 1 day after, in spec; a done hold decision (now released);
    L3 no COA; returned for quality (7 kg), and a lot split from it returned as wrong item (3 kg);
    L4 a COA still 'new' 3 days after (its out-of-spec result does not count); rejected; received
       on the last day of the period;
    21 lots of an item that needs no COA; and a lot received the day after the period (held).
    """
    with owner.begin() as conn:
        site, bin_, _transit, customer = _place(conn)
        # Approved while its lots arrive (no automatic holds), conditional since.
        supplier = int(_one(conn, """
            INSERT INTO erp.suppliers (code, name, approval_status)
            VALUES ('TST-SUP', 'Testing Supplier', 'approved') RETURNING id"""))
        coa_item = _item(conn, "TST-COA", documents="{COA}")
        plain_item = _item(conn, "TST-PLAIN", documents="{}")
        conn.execute(text("""
            INSERT INTO quality.item_specs (item_id, test, min_value, max_value, unit)
            VALUES (:i, 'Assay', 98, 102, '%')"""), {"i": coa_item})
        conn.execute(text("""
            INSERT INTO quality.item_specs (item_id, test, text_requirement)
            VALUES (:i, 'Appearance', 'White powder')"""), {"i": coa_item})
        lots = {code: _lot(conn, code, coa_item, site, supplier=supplier, status=status)
                for code, status in (("TST-L1", "available"), ("TST-L2", "available"),
                                     ("TST-L3", "available"), ("TST-L4", "rejected"),
                                     ("TST-L9", "hold"))}
        received = {"TST-L1": "2019-03-05 10:00+00", "TST-L2": "2019-03-10 10:00+00",
                    "TST-L3": "2019-03-15 10:00+00", "TST-L4": "2019-03-31 12:00+00",
                    "TST-L9": "2019-04-01 12:00+00"}
        for n, (code, at) in enumerate(received.items()):
            _receive(conn, f"TST-R{n}", supplier, site, at, [(coa_item, lots[code], 100 * (n + 1))])
        plain = [_lot(conn, f"TST-P{n:02}", plain_item, site, supplier=supplier)
                 for n in range(21)]
        _receive(conn, "TST-RP", supplier, site, "2019-03-20 10:00+00",
                 [(plain_item, lot, 10) for lot in plain])

        conn.execute(text("UPDATE erp.suppliers SET approval_status = 'conditional' "
                          "WHERE id = :s"), {"s": supplier})
        _coa(conn, lots["TST-L1"], "verified", "2019-03-10 10:00+00",
             [("Assay", "105", "%", None), ("Appearance", None, None, "White powder, fine")])
        _coa(conn, lots["TST-L2"], "verified", "2019-03-11 10:00+00",
             [("Assay", "100.5", "%", None), ("Appearance", None, None, "white powder")])
        _coa(conn, lots["TST-L4"], "new", "2019-04-03 12:00+00",
             [("Assay", "110", "%", None)])
        conn.execute(text("""
            INSERT INTO quality.lot_decisions (lot_id, action, from_status, to_status, reason,
                state, signatures_required, created_at, created_by)
            VALUES (:l, 'hold', 'available', 'hold', 'test', 'done', 1,
                    TIMESTAMPTZ '2019-03-20 10:00+00', 'ivy.inspector')"""),
            {"l": lots["TST-L2"]})

        child = _lot(conn, "TST-L3-A", coa_item, site, supplier=supplier, status="available",
                     origin="split")
        transformation = _one(conn, """
            INSERT INTO erp.transformations (number, kind, site_id, performed_at)
            VALUES ('TST-T1', 'split', :s, TIMESTAMPTZ '2019-03-20 10:00+00') RETURNING id""",
            s=site)
        conn.execute(text("""
            INSERT INTO erp.lot_genealogy (parent_lot_id, child_lot_id, qty, transformation,
                                           transformation_id, created_at)
            VALUES (:p, :c, 50, 'split', :t, TIMESTAMPTZ '2019-03-20 10:00+00')"""),
            {"p": lots["TST-L3"], "c": child, "t": transformation})
        _return(conn, "TST-RMA1", customer, lots["TST-L3"], bin_, 7, "QUALITY_COMPLAINT")
        _return(conn, "TST-RMA2", customer, child, bin_, 3, "WRONG_ITEM")
    return supplier


def test_scorecard_counts_and_factors(cora: UserSession, owner_engine: Engine) -> None:
    supplier = build_supplier(owner_engine)
    card = analytics.scorecard(cora, *PERIOD, late_after_days=4)
    assert [s.supplier_id for s in card.suppliers] == [supplier]  # no other deliveries then
    s = card.suppliers[0]
    assert (s.code, s.approval_status) == ("TST-SUP", "conditional")
    assert s.lots_received == 25 and s.qty_received == Decimal(100 + 200 + 300 + 400 + 210)
    assert s.lots_out_of_spec == 1 and s.out_of_spec_rate == pytest.approx(0.04)
    assert (s.lots_requiring_coa, s.lots_coa_verified, s.document_completeness) == (4, 2, 0.5)
    assert s.lots_with_coa == 3 and s.median_coa_days == pytest.approx(3.0)
    assert s.lots_coa_late == 1 and s.late_coa_rate == pytest.approx(1 / 3)
    assert (s.lots_held, s.lots_rejected, s.lots_held_or_rejected) == (1, 1, 2)
    assert (s.returns, s.returned_qty, s.quality_returns, s.lots_quality_returned) == (
        2, Decimal(10), 1, 1)

    points = {f.key: f.points for f in s.factors}
    assert points == {"out_of_spec": 12.0, "holds": 16.0, "missing_coa": 15.0, "returns": 12.0,
                      "late_coa": 6.67, "approval": 5.0}
    assert s.risk == 66.7
    assert [f.key for f in s.top_factors] == ["holds", "missing_coa", "out_of_spec", "returns",
                                              "late_coa", "approval"]
    details = {f.key: f.detail for f in s.factors}
    assert details["out_of_spec"] == (
        "1 of 25 lots received (4.0%) with a verified result outside spec")
    assert details["late_coa"] == "1 of 3 COAs (33.3%) uploaded more than 4 day(s) after receipt"
    assert details["approval"] == "status: conditional"

    # The default threshold: two of the three COAs came more than 2 days after receipt.
    default = analytics.scorecard(cora, *PERIOD).suppliers[0]
    assert default.lots_coa_late == 2
    assert {f.key: f.points for f in default.factors}["late_coa"] == 10.0
    # The lot received the day after the period counts in April, alone.
    april = analytics.scorecard(cora, dt.date(2019, 4, 1), dt.date(2019, 4, 30)).suppliers
    assert [(x.lots_received, x.lots_held) for x in april] == [(1, 1)]
    with pytest.raises(ValueError, match="ends before it starts"):
        analytics.scorecard(cora, PERIOD[1], PERIOD[0])


def build_expiry(owner: Engine) -> dict[str, int]:
    """Two items at one site, each with a demand of 1/day over the last 90 days:

    TST-EXP-A: lot A 100 on hand (and 50 in transit, 30 in the returns area) expiring in 10 days; lot B 500 expiring in
    300 days; a big old shipment 100 days ago, outside the 90-day window;
    TST-EXP-C: lot C 5 on hand expiring in 10 days (sells out in 5).
    """
    with owner.begin() as conn:
        site, bin_, transit, customer = _place(conn)
        returns_area = _one(conn, "SELECT min(id) FROM erp.locations WHERE kind = 'returns' "
                                  "AND site_id = :s", s=site)
        ids: dict[str, int] = {}
        for sku, cost in (("TST-EXP-A", "2.5"), ("TST-EXP-C", "4")):
            ids[sku] = _item(conn, sku, documents="{}", unit_cost=cost)
        lots = {
            "A": ("TST-EXP-A", "current_date + 10"), "B": ("TST-EXP-A", "current_date + 300"),
            "S": ("TST-EXP-A", "current_date + 500"), "C": ("TST-EXP-C", "current_date + 10"),
            "T": ("TST-EXP-C", "current_date + 500")}
        for name, (sku, expiry) in lots.items():
            ids[name] = _lot(conn, f"TST-EXP-{name}", ids[sku], site, status="available",
                             expiry=expiry)
        for lot, location, qty in (("A", bin_, 100), ("A", transit, 50), ("A", returns_area, 30),
                                   ("B", bin_, 500), ("C", bin_, 5)):
            conn.execute(text("INSERT INTO erp.stock (lot_id, location_id, qty) "
                              "VALUES (:l, :loc, :q)"), {"l": ids[lot], "loc": location, "q": qty})
        for n, (lot, qty, days_ago) in enumerate((("S", 60, 10), ("S", 30, 80), ("S", 1000, 100),
                                                  ("T", 90, 20))):
            shipment = _one(conn, """
                INSERT INTO erp.shipments (shipment_number, customer_id, site_id, shipped_at)
                VALUES (:n, :c, :s, now() - make_interval(days => :d)) RETURNING id""",
                n=f"TST-SH{n}", c=customer, s=site, d=days_ago)
            conn.execute(text("INSERT INTO erp.shipment_lines (shipment_id, lot_id, qty) "
                              "VALUES (:s, :l, :q)"), {"s": shipment, "l": ids[lot], "q": qty})
    return ids


def test_expiry_risk_fefo(cora: UserSession, owner_engine: Engine) -> None:
    ids = build_expiry(owner_engine)
    risk = analytics.expiry_risk(cora)
    with owner_engine.connect() as conn:
        assert risk.as_of == _one(conn, "SELECT current_date")
    mine = [r for r in risk.rows if r.sku.startswith("TST-EXP")]
    assert [(r.lot_code, r.days_to_expiry, r.qty, r.cumulative_qty) for r in mine] == [
        ("TST-EXP-B", 300, Decimal(500), Decimal(600)),
        ("TST-EXP-A", 10, Decimal(100), Decimal(100))]
    b, a = mine
    assert a.daily_demand == Decimal(1) and a.days_of_cover == Decimal(100)
    assert a.qty_at_risk == Decimal(90) and a.value_at_risk == Decimal("225.00")  # 100 - 10 × 1
    assert b.days_of_cover == Decimal(600) and b.qty_at_risk == Decimal(300)  # 600 - 300 × 1
    assert b.value_at_risk == Decimal("750.00")
    assert not any(r.lot_id == ids["C"] for r in risk.rows)  # 5 on hand sell out in 5 days

    total = next(t for t in risk.items if t.sku == "TST-EXP-A")
    assert (total.lots, total.locations, total.qty_at_risk, total.value_at_risk) == (
        2, 1, Decimal(390), Decimal("975.00"))
    assert total.earliest_expiry == risk.as_of + dt.timedelta(days=10)

    # A 120-day window takes in the big old shipment: (60 + 30 + 1000) / 120 a day.
    wider = analytics.expiry_risk(cora, demand_days=120)
    a120 = next(r for r in wider.rows if r.lot_id == ids["A"])
    assert a120.daily_demand == Decimal("9.083")
    assert not any(r.lot_id == ids["B"] for r in wider.rows)
    # Looking from 15 days later, lot A has expired: at risk in full, and no longer queued.
    later = analytics.expiry_risk(cora, as_of=risk.as_of + dt.timedelta(days=15))
    late_a = next(r for r in later.rows if r.lot_id == ids["A"])
    assert (late_a.days_to_expiry, late_a.qty_at_risk) == (-5, Decimal(100))


@pytest.mark.parametrize("username", ["cora.compliance", "aude.auditor", "ivy.inspector"])
def test_demo_data_as_each_reader(shared_db: ServerTarget, username: str) -> None:
    session = login(shared_db, username, DEMO_PASSWORDS[username])
    try:
        today = dt.date.today()
        card = analytics.scorecard(session, today - dt.timedelta(days=729), today)
        risk = analytics.expiry_risk(session)
    finally:
        session.close()
    assert card.suppliers and all(0 <= s.risk <= 100 for s in card.suppliers)
    assert [s.risk for s in card.suppliers] == sorted((s.risk for s in card.suppliers),
                                                      reverse=True)
    for s in card.suppliers:
        assert s.risk == round(sum(f.points for f in s.factors), 1)
        assert sum(f.weight for f in s.factors) == 100
    assert sum(s.lots_received for s in card.suppliers) > 0
    assert all(r.qty_at_risk > 0 and r.qty_at_risk <= r.qty for r in risk.rows)
    assert risk.value_at_risk == sum((t.value_at_risk for t in risk.items), Decimal(0))
