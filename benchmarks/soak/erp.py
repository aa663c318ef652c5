"""The ERP writing the same database meanwhile: it receives new lots and ships stock, as the
schema owner, keeping every stock row equal to the sum of the lot's movements.

Before shipping it asks `quality.check_shipment`; now and then it ships without asking, a lot it
was told is not available, to prove the guard trigger on shipment lines refuses it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, Engine, text

from benchmarks.soak.outcomes import CONNECTION_KINDS, classify
from benchmarks.soak.stats import Recorder

_RECEIVE = text("""
WITH po AS (
    INSERT INTO erp_builtin.purchase_orders (id, po_number, supplier_id, site_id, ordered_at, status)
    SELECT n, 'PO' || lpad(n::text, 8, '0'), :supplier, :site, current_date - 10, 'received'
    FROM (SELECT nextval(pg_get_serial_sequence('erp_builtin.purchase_orders', 'id')) AS n) s
    RETURNING id),
line AS (
    INSERT INTO erp_builtin.purchase_order_lines (po_id, line_no, item_id, qty)
    SELECT id, 1, :item, :qty FROM po RETURNING id, po_id),
rc AS (
    INSERT INTO erp_builtin.receipts (id, receipt_number, po_id, supplier_id, site_id, received_at,
                              packing_slip)
    SELECT n, 'RC' || lpad(n::text, 8, '0'), (SELECT id FROM po), :supplier, :site, now(), 'PS-SOAK'
    FROM (SELECT nextval(pg_get_serial_sequence('erp_builtin.receipts', 'id')) AS n) s
    RETURNING id, receipt_number),
lot AS (
    INSERT INTO erp_builtin.lots (id, lot_code, item_id, supplier_id, supplier_lot_code,
                          manufacture_date, expiry_date, origin, site_id)
    SELECT n, 'L' || to_char(now(), 'YY') || '-' || lpad(n::text, 7, '0'), :item, :supplier,
           :supplier_lot, current_date - 20, current_date + :shelf, 'receipt', :site
    FROM (SELECT nextval(pg_get_serial_sequence('erp_builtin.lots', 'id')) AS n) s
    RETURNING id)
INSERT INTO erp_builtin.receipt_lines (receipt_id, po_line_id, item_id, lot_id, location_id, qty)
SELECT rc.id, line.id, :item, lot.id, :bin, :qty FROM rc, line, lot
RETURNING lot_id, id, (SELECT receipt_number FROM rc)
""")
_MOVE = text("""
INSERT INTO erp_builtin.movements (kind, lot_id, qty, from_location_id, to_location_id, moved_at,
                           reference, receipt_line_id, shipment_line_id)
VALUES (:kind, :lot, :qty, :src, :dst, now(), :ref, :receipt_line, :shipment_line)
""")


@dataclass
class Site:
    id: int
    dock: int
    staging: int
    bins: list[int]


@dataclass
class ErpCounts:
    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1


class ErpSimulator:
    def __init__(self, owner: Engine, recorder: Recorder, stop: threading.Event, *,
                 origin: float, interval: float, seed: int) -> None:
        self.owner = owner
        self.recorder = recorder
        self.stop = stop
        self.origin = origin
        self.interval = interval
        self.rng = random.Random(seed)
        self.counts = ErpCounts()
        with owner.connect() as conn:
            self.sites = _sites(conn)
            self.items = [tuple(r) for r in conn.execute(text(
                "SELECT i.id, i.shelf_life_days, s.id FROM erp.items i "
                "JOIN quality.lots l ON l.item_id = i.id JOIN erp.suppliers s ON s.id = l.supplier_id "
                "WHERE s.approval_status = 'approved' GROUP BY i.id, i.shelf_life_days, s.id"))]
            self.customers = list(conn.execute(text("SELECT id, ship_to FROM erp.customers")))

    def run(self) -> None:
        failures = 0
        while not self.stop.is_set():
            action = "erp_receive" if self.rng.random() < 0.4 else "erp_ship"
            started = time.time()
            t0 = time.perf_counter()
            try:
                with self.owner.begin() as conn:
                    outcome = self._receive(conn) if action == "erp_receive" else self._ship(conn)
                self.counts.add(outcome)
                kind, failures = "ok", 0
            except _Refused as refused:
                self.counts.add(refused.what)
                kind, failures = "ok", 0
            except Exception as exc:
                kind = classify(exc)[1]
                self.counts.add(f"{action}: {kind}")
            self.recorder.add((round(started - self.origin, 3), "erp", action,
                               round(time.perf_counter() - t0, 5), kind))
            if kind in CONNECTION_KINDS:
                failures += 1
                self.stop.wait(min(0.2 * 2 ** failures, 4.0))
            else:
                self.stop.wait(self.rng.expovariate(1 / self.interval))

    def _receive(self, conn: Connection) -> str:
        item, shelf, supplier = self.rng.choice(self.items)
        site = self.rng.choice(self.sites)
        qty = Decimal(self.rng.randint(4, 40) * 25)
        bin_ = self.rng.choice(site.bins)
        lot, line, receipt = conn.execute(_RECEIVE, {
            "supplier": supplier, "site": site.id, "item": item, "qty": qty,
            "supplier_lot": f"SK{self.rng.randint(10**6, 10**7 - 1)}", "shelf": shelf or 720,
            "bin": bin_}).one()
        conn.execute(_MOVE, {"kind": "receipt", "lot": lot, "qty": qty, "src": None,
                             "dst": site.dock, "ref": receipt, "receipt_line": line,
                             "shipment_line": None})
        conn.execute(_MOVE, {"kind": "putaway", "lot": lot, "qty": qty, "src": site.dock,
                             "dst": bin_, "ref": receipt, "receipt_line": None,
                             "shipment_line": None})
        conn.execute(text("INSERT INTO erp_builtin.stock (lot_id, location_id, qty) VALUES (:l, :b, :q)"),
                     {"l": lot, "b": bin_, "q": qty})
        return "received"

    def _ship(self, conn: Connection) -> str:
        wanted = "available" if self.rng.random() < 0.8 else "hold"
        found = conn.execute(text("""
            SELECT s.lot_id, s.location_id, s.qty, l.lot_code, l.item_id, l.site_id
            FROM erp.stock s JOIN quality.lots l ON l.id = s.lot_id
            JOIN erp.locations loc ON loc.id = s.location_id AND loc.kind = 'bin'
            WHERE l.status = :st AND s.qty >= 2
            ORDER BY random() LIMIT 1"""), {"st": wanted}).first()
        if found is None:
            return "nothing to ship"
        lot, location, on_hand, code, item, site_id = found
        customer, ship_to = self.rng.choice(self.customers)
        qty = Decimal(f"{float(on_hand) * self.rng.uniform(0.1, 0.5):.3f}")
        allowed, _reasons = conn.execute(text(
            "SELECT allowed, reasons FROM quality.check_shipment(:c, :cu, :q)"),
            {"c": code, "cu": customer, "q": qty}).one()
        if not allowed:
            if self.rng.random() < 0.7:
                raise _Refused("refused by check_shipment")
            # A careless ERP ships anyway: the guard trigger must refuse a lot not available.
            status = conn.execute(text("SELECT status FROM quality.lot_state WHERE lot_id = :l "
                                       "FOR SHARE"),
                                  {"l": lot}).scalar_one()
            try:
                with conn.begin_nested():
                    self._insert_shipment(conn, lot, location, qty, item, site_id, customer,
                                          ship_to)
            except Exception as exc:
                if "cannot be" in str(exc):
                    raise _Refused("unchecked shipment refused by the guard trigger") from exc
                raise
            return ("unchecked shipment of a lot not available: NOT REFUSED"
                    if status != "available" else "unchecked shipment (lot was available)")
        try:
            with conn.begin_nested():
                self._insert_shipment(conn, lot, location, qty, item, site_id, customer, ship_to)
        except Exception as exc:
            if "cannot be" in str(exc):  # held between the check and the shipment
                raise _Refused("checked, then refused by the guard trigger (held meanwhile)") from exc
            raise
        return "shipped"

    def _insert_shipment(self, conn: Connection, lot: int, location: int, qty: Decimal, item: int,
                         site_id: int, customer: int, ship_to: str | None) -> None:
        site = next(s for s in self.sites if s.id == site_id)
        order, order_line = conn.execute(text("""
            WITH o AS (
                INSERT INTO erp_builtin.sales_orders (id, order_number, customer_id, site_id, ordered_at,
                                              requested_date, ship_to, status)
                SELECT n, 'SO' || lpad(n::text, 8, '0'), :cu, :site, now(), current_date, :to,
                       'shipped'
                FROM (SELECT nextval(pg_get_serial_sequence('erp_builtin.sales_orders', 'id')) n) s
                RETURNING id)
            INSERT INTO erp_builtin.sales_order_lines (order_id, line_no, item_id, qty)
            SELECT id, 1, :item, :q FROM o RETURNING order_id, id"""),
            {"cu": customer, "site": site_id, "to": ship_to, "item": item, "q": qty}).one()
        conn.execute(text(
            "INSERT INTO erp_builtin.allocations (order_line_id, lot_id, location_id, qty, status) "
            "VALUES (:ol, :l, :loc, :q, 'shipped')"),
            {"ol": order_line, "l": lot, "loc": location, "q": qty})
        shipment, number = conn.execute(text("""
            INSERT INTO erp_builtin.shipments (id, shipment_number, customer_id, order_id, site_id,
                                       ship_to, shipped_at, carrier)
            SELECT n, 'SH' || lpad(n::text, 8, '0'), :cu, :o, :site, :to, now(), 'Parcel'
            FROM (SELECT nextval(pg_get_serial_sequence('erp_builtin.shipments', 'id')) n) s
            RETURNING id, shipment_number"""),
            {"cu": customer, "o": order, "site": site_id, "to": ship_to}).one()
        line = conn.execute(text(
            "INSERT INTO erp_builtin.shipment_lines (shipment_id, order_line_id, lot_id, qty) "
            "VALUES (:s, :ol, :l, :q) RETURNING id"),
            {"s": shipment, "ol": order_line, "l": lot, "q": qty}).scalar_one()
        conn.execute(_MOVE, {"kind": "pick", "lot": lot, "qty": qty, "src": location,
                             "dst": site.staging, "ref": f"SO{order:08d}", "receipt_line": None,
                             "shipment_line": None})
        conn.execute(_MOVE, {"kind": "shipment", "lot": lot, "qty": qty, "src": site.staging,
                             "dst": None, "ref": number, "receipt_line": None,
                             "shipment_line": line})
        conn.execute(text("UPDATE erp_builtin.stock SET qty = qty - :q "
                          "WHERE lot_id = :l AND location_id = :loc"),
                     {"q": qty, "l": lot, "loc": location})


class _Refused(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _sites(conn: Connection) -> list[Site]:
    rows = conn.execute(text("SELECT id, site_id, kind FROM erp.locations ORDER BY id")).all()
    sites: dict[int, Site] = {}
    for loc, site_id, kind in rows:
        site = sites.setdefault(site_id, Site(site_id, 0, 0, []))
        if kind == "dock" and not site.dock:
            site.dock = loc
        elif kind == "staging" and not site.staging:
            site.staging = loc
        elif kind == "bin":
            site.bins.append(loc)
    return [s for s in sites.values() if s.dock and s.staging and s.bins]
