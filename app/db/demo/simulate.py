"""The demo distributor's history, simulated lot by lot as an ERP would have recorded it.

Every quantity moves through `erp.movements`, and the stock rows are the sum of those movements, so
the data set balances: receipts, putaway, transfers between sites (some still in transit), picks and
shipments against sales orders, customer returns, adjustments, splits, repacks, relabels and kits,
scrap, and open orders with lot allocations. Rows are produced as COPY text in chunks.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.db.demo.catalog import Catalog, ItemRow, SiteRow
from app.progress import Progress

# Tables in the order their rows must reach the database (foreign keys point up this list).
TABLES: dict[str, tuple[str, ...]] = {
    "purchase_orders": ("id", "po_number", "supplier_id", "site_id", "ordered_at", "status"),
    "purchase_order_lines": ("id", "po_id", "line_no", "item_id", "qty"),
    "receipts": ("id", "receipt_number", "po_id", "supplier_id", "site_id", "received_at",
                 "packing_slip"),
    "transformations": ("id", "number", "kind", "site_id", "performed_at"),
    "transfers": ("id", "transfer_number", "from_site_id", "to_site_id", "shipped_at",
                  "received_at", "status"),
    "lots": ("id", "lot_code", "item_id", "supplier_id", "supplier_lot_code", "manufacture_date",
             "expiry_date", "status", "origin", "site_id", "created_at"),
    "receipt_lines": ("id", "receipt_id", "po_line_id", "item_id", "lot_id", "location_id", "qty"),
    "lot_genealogy": ("id", "parent_lot_id", "child_lot_id", "qty", "transformation",
                      "transformation_id", "created_at"),
    "sales_orders": ("id", "order_number", "customer_id", "site_id", "ordered_at",
                     "requested_date", "ship_to", "status"),
    "sales_order_lines": ("id", "order_id", "line_no", "item_id", "qty", "unit_price"),
    "allocations": ("id", "order_line_id", "lot_id", "location_id", "qty", "status",
                    "allocated_at"),
    "shipments": ("id", "shipment_number", "customer_id", "order_id", "site_id", "ship_to",
                  "shipped_at", "carrier"),
    "shipment_lines": ("id", "shipment_id", "order_line_id", "lot_id", "qty"),
    "invoices": ("id", "invoice_number", "order_id", "customer_id", "invoiced_at", "due_date",
                 "amount", "amount_open"),
    "returns": ("id", "rma_number", "customer_id", "shipment_line_id", "lot_id", "location_id",
                "qty", "returned_at", "reason_code"),
    "movements": ("id", "kind", "lot_id", "qty", "from_location_id", "to_location_id",
                  "moved_at", "reference", "transfer_id", "shipment_line_id",
                  "transformation_id", "receipt_line_id"),
    "stock": ("lot_id", "location_id", "qty"),
}

NULL = "\\N"
_CLOCK = [f" {m // 60:02d}:{m % 60:02d}:00+00" for m in range(1440)]
HISTORY_DAYS = 730
LOTS_PER_RECEIPT = 1.5  # measured: children made by splits, repacks and kits
CARRIERS = ("Own fleet", "Parcel", "LTL freight", "Refrigerated LTL", "Courier")
RETURN_REASONS = ("DAMAGED", "WRONG_ITEM", "QUALITY_COMPLAINT", "SHORT_DATED", "CUSTOMER_ERROR")


@dataclass(frozen=True)
class Scale:
    name: str
    lots: int
    suppliers: int
    customers: int
    bins_per_site: int
    hero_children: int
    hero_shipments_per_child: int
    chains: int


SCALES = {
    "small": Scale("small", 2_000, 24, 60, 48, 5, 20, 2),
    "medium": Scale("medium", 100_000, 90, 600, 240, 40, 50, 10),
    "large": Scale("large", 1_000_000, 220, 3_000, 600, 200, 50, 50),
}


@dataclass
class PoolEntry:
    """Part of a lot set aside in a site's blending area, waiting to go into a kit or blend."""

    lot_id: int
    site_id: int
    location_id: int
    qty: float
    ready_at: float


@dataclass
class Counters:
    ids: dict[str, int] = field(default_factory=dict)

    def next(self, table: str) -> int:
        value = self.ids.get(table, 0) + 1
        self.ids[table] = value
        return value


class Simulator:
    """Produces the rows of one demo data set; `chunks()` yields them table by table."""

    def __init__(self, catalog: Catalog, scale: Scale, seed: int, as_of: dt.date) -> None:
        self.cat = catalog
        self.scale = scale
        self.rng = random.Random(seed)
        self.start = as_of - dt.timedelta(days=HISTORY_DAYS)
        self.now = HISTORY_DAYS + 0.5  # noon of the as-of date, in days since `start`
        self._day_text = [
            (self.start + dt.timedelta(days=d)).isoformat() for d in range(HISTORY_DAYS + 3000)
        ]
        self.ids = Counters()
        self._movement_id = 0
        self.out: dict[str, list[str]] = {t: [] for t in TABLES}
        self.pool: dict[int, deque[PoolEntry]] = {s.id: deque() for s in catalog.sites}
        self.blend_location = {s.id: s.bins[-1] for s in catalog.sites}
        self.sites = {s.id: s for s in catalog.sites}
        self.lot_count = 0
        self.receivable = catalog.received_items
        self.items = {i.id: i for i in catalog.items}
        self.suppliers = {s.id: s for s in catalog.suppliers}
        # Lots whose row is written when their story ends (their final status is known then).
        self._pending_lots: dict[
            int, tuple[int, int | None, str | None, float, float, str, int, float]
        ] = {}

    # ----------------------------------------------------------------- formatting
    def ts(self, t: float) -> str:
        day = int(t)
        return self._day_text[day] + _CLOCK[int((t - day) * 1440)]

    def day(self, t: float) -> str:
        return self._day_text[int(t)]

    def emit(self, table: str, *values: object) -> None:
        self.out[table].append("\t".join([
            NULL if v is None else v if type(v) is str else f"{v:.3f}" if type(v) is float
            else str(v) for v in values
        ]))

    def move(self, kind: str, lot: int, qty: float, src: int | None, dst: int | None, t: float,
             ref: str | None = None, *, transfer: int | None = None, ship_line: int | None = None,
             transformation: int | None = None, receipt_line: int | None = None) -> None:
        # The hottest path of the simulation: ids are never 0, so `or NULL` marks the absent ones.
        self._movement_id += 1
        self.out["movements"].append(
            f"{self._movement_id}\t{kind}\t{lot}\t{qty:.3f}\t{src or NULL}\t{dst or NULL}\t"
            f"{self.ts(t)}\t{ref or NULL}\t{transfer or NULL}\t{ship_line or NULL}\t"
            f"{transformation or NULL}\t{receipt_line or NULL}"
        )

    # ----------------------------------------------------------------- driver
    def chunks(self, rows_per_chunk: int = 200_000,
               progress: Progress | None = None) -> Iterator[dict[str, list[str]]]:
        """The history in chunks; `progress` hears of the lots made so far ("lots")."""
        receipts = self._receipt_plan()
        specials = self._special_receipts(len(receipts))
        for n, t in enumerate(receipts):
            special = specials.get(n)
            if special == "hero":
                self._hero(t)
            elif special == "chain":
                self._chain(t)
            else:
                self._receive_and_live(t)
            if len(self.out["movements"]) >= rows_per_chunk:
                if progress:
                    progress.report(self.lot_count, self.scale.lots, "lots")
                yield self._take()
        self._drain_pool()
        if progress:
            progress.report(self.lot_count, self.scale.lots, "lots")
        yield self._take()

    def _take(self) -> dict[str, list[str]]:
        chunk = self.out
        self.out = {t: [] for t in TABLES}
        return chunk

    def _receipt_plan(self) -> list[float]:
        # Received over the whole history; the rest of the lots are children of these.
        n = int(self.scale.lots / LOTS_PER_RECEIPT)
        return sorted(self.rng.uniform(0, self.now - 0.05) for _ in range(n))

    def _special_receipts(self, n: int) -> dict[int, str]:
        # The hero lot (a source lot reaching many customers) and the deep chains are received
        # early enough for their whole story to have happened.
        early = max(1, n // 3)
        picks = self.rng.sample(range(early), k=min(early, 1 + self.scale.chains))
        return {p: ("hero" if i == 0 else "chain") for i, p in enumerate(picks)}

    # ----------------------------------------------------------------- lots
    def _new_lot(self, item: ItemRow, site: SiteRow, t: float, origin: str,
                 supplier: int | None, supplier_lot: str | None,
                 mfg: float | None = None, expiry: float | None = None) -> tuple[int, float, float]:
        lot_id = self.ids.next("lots")
        self.lot_count += 1
        mfg = t - self.rng.uniform(5, 60) if mfg is None else mfg
        expiry = mfg + item.product.shelf_life_days if expiry is None else expiry
        self._pending_lots[lot_id] = (item.id, supplier, supplier_lot, mfg, expiry, origin,
                                      site.id, t)
        return lot_id, mfg, expiry

    def _write_lot(self, lot_id: int, status: str) -> None:
        item, supplier, supplier_lot, mfg, expiry, origin, site, t = self._pending_lots.pop(lot_id)
        year = self._day_text[int(t)][2:4]
        self.emit("lots", lot_id, f"L{year}-{lot_id:07d}", item, supplier, supplier_lot,
                  self.day(max(mfg, 0)), self._day_text[int(max(expiry, 0))], status, origin,
                  site, self.ts(t))

    def _supplier_lot_code(self, style: int, t: float) -> str:
        iso = self._day_text[int(max(t, 0))]
        yy, mm, dd = iso[2:4], iso[5:7], iso[8:10]
        n = self.rng.randint(1, 9999)
        letter = "ABCDEFGH"[n % 8]
        if style == 0:
            return f"{yy}{mm}{dd}{letter}"
        if style == 1:
            return f"B{yy}{mm}{dd}-{n % 100:02d}"
        if style == 2:
            return f"LOT{yy}{mm}/{n % 1000:03d}"
        if style == 3:
            return f"{letter}X{yy}{n:05d}"
        return f"{yy}-{n:04d}-{letter}"

    def _receive(self, t: float, *, qty: float | None = None, item: ItemRow | None = None,
                 site: SiteRow | None = None) -> tuple[int, SiteRow, int, float]:
        rng = self.rng
        item = item or rng.choice(self.receivable)
        site = site or rng.choice(self.cat.sites)
        supplier = self.suppliers[rng.choice(item.supplier_ids)]
        packs = rng.randint(4, 40) if item.pack_size <= 25 else rng.randint(1, 3)
        qty = float(packs * item.pack_size) if qty is None else qty
        lot_id, _, _ = self._new_lot(item, site, t, "receipt", supplier.id,
                                     self._supplier_lot_code(supplier.lot_style, t - 3))
        po = self.ids.next("purchase_orders")
        self.emit("purchase_orders", po, f"PO{po:08d}", supplier.id, site.id,
                  self.day(max(t - rng.uniform(7, 40), 0)), "received")
        po_line = self.ids.next("purchase_order_lines")
        self.emit("purchase_order_lines", po_line, po, 1, item.id, qty)
        receipt = self.ids.next("receipts")
        self.emit("receipts", receipt, f"RC{receipt:08d}", po, supplier.id, site.id, self.ts(t),
                  f"PS-{rng.randint(10000, 99999)}")
        bin_ = rng.choice(site.bins[:-1])
        line = self.ids.next("receipt_lines")
        self.emit("receipt_lines", line, receipt, po_line, item.id, lot_id, bin_, qty)
        self.move("receipt", lot_id, qty, None, site.dock, t, f"RC{receipt:08d}",
                  receipt_line=line)
        self.move("putaway", lot_id, qty, site.dock, bin_, t + 0.05, f"RC{receipt:08d}")
        return lot_id, site, bin_, qty

    def _receive_and_live(self, t: float) -> None:
        lot_id, site, bin_, qty = self._receive(t)
        self._life(lot_id, site, bin_, t + 0.05, qty, depth=0)

    # ----------------------------------------------------------------- a lot's life
    def _life(self, lot: int, site: SiteRow, bin_: int, t: float, qty: float, depth: int,
              *, events: int | None = None, status: str | None = None) -> None:
        """Everything that happens to a lot after it is on a shelf; writes its stock and row."""
        rng = self.rng
        stock: dict[int, float] = {bin_: qty}
        age = self.now - t
        if status is None:
            status = self._initial_status(age, depth)
        expiry = self._pending_lots[lot][4]
        if status == "available":
            if depth == 0 and rng.random() < 0.07 and age > 20:
                self._reserve_for_blending(lot, site, bin_, stock, t)
            t += rng.uniform(1, 4)  # inspection and release
            n_events = events if events is not None else rng.choice((3, 3, 4, 4, 5, 5, 6, 7, 8))
            for _ in range(n_events):
                t += rng.expovariate(1 / 30)
                if t >= self.now or stock.get(bin_, 0) <= 0.01:
                    break
                kind = rng.choices(
                    ("ship", "transfer", "split", "repack", "relabel", "kit", "adjust"),
                    (80, 6, 3, 3, 1, 3, 4) if depth < 3 else (90, 5, 0, 0, 0, 0, 5),
                )[0]
                if kind == "ship":
                    self._ship(lot, site, bin_, stock, t, expiry)
                elif kind == "transfer":
                    site, bin_ = self._transfer(lot, site, bin_, stock, t)
                    if bin_ == site.in_transit:  # still on the road: nothing more can happen
                        break
                elif kind in ("split", "repack", "relabel"):
                    self._transform_out(kind, lot, site, bin_, stock, t, depth)
                elif kind == "kit":
                    self._kit(lot, site, bin_, stock, t, depth)
                else:
                    self._adjust(lot, bin_, stock, t)
            if expiry < self.now:
                status = "expired"
                if stock.get(bin_, 0) > 0 and rng.random() < 0.6:
                    self.move("scrap", lot, stock[bin_], bin_, None,
                              min(max(expiry + rng.uniform(1, 20), t), self.now - 0.01),
                              "Expired stock destroyed")
                    stock[bin_] = 0
            elif stock.get(bin_, 0) > 1 and rng.random() < 0.2:
                self._open_order(lot, site, bin_, stock[bin_], expiry)
        elif status in ("scrap", "return_to_vendor"):
            t_out = t + rng.uniform(5, 20)
            if stock[bin_] > 0 and t_out < self.now:
                self.move("scrap" if status == "scrap" else "adjustment", lot, stock[bin_], bin_,
                          None, t_out, "Disposition: " + status.replace("_", " "))
                stock[bin_] = 0
            else:
                status = "rejected"
        for location, q in stock.items():
            if q > 0.0005:
                self.emit("stock", lot, location, q)
        self._write_lot(lot, status)

    def _initial_status(self, age: float, depth: int) -> str:
        if age < (10 if depth == 0 else 2):
            return "quarantine"
        if depth > 0:
            return "available"
        return self.rng.choices(
            ("available", "hold", "rejected", "scrap", "return_to_vendor"), (955, 18, 9, 10, 8)
        )[0]

    def _portion(self, available: float, lo: float, hi: float) -> float:
        q = round(available * self.rng.uniform(lo, hi), 3)
        return max(min(q, available), 0.001)

    def _ship(self, lot: int, site: SiteRow, bin_: int, stock: dict[int, float], t: float,
              expiry: float, qty: float | None = None) -> None:
        rng = self.rng
        q = qty if qty is not None else self._portion(stock[bin_], 0.1, 0.7)
        if stock[bin_] - q < 0.05:
            q = stock[bin_]
        customer = rng.choice(self.cat.customers)
        if customer.min_shelf_life_days and expiry - t < customer.min_shelf_life_days:
            customer = self.cat.customers[0] if not self.cat.customers[0].min_shelf_life_days \
                else next((c for c in self.cat.customers if not c.min_shelf_life_days), customer)
        order = self.ids.next("sales_orders")
        line = self.ids.next("shipment_lines")
        shipment = self.ids.next("shipments")
        order_line = self.ids.next("sales_order_lines")
        out = self.out
        # Hand-formatted: shipping is most of the rows of a data set.
        out["sales_orders"].append(
            f"{order}\tSO{order:08d}\t{customer.id}\t{site.id}\t"
            f"{self.ts(max(t - rng.uniform(1, 6), 0))}\t{self.day(t)}\t{customer.ship_to}\tshipped"
        )
        item = self._pending_lots[lot][0]
        price = self.price(item, order_line)
        out["sales_order_lines"].append(
            f"{order_line}\t{order}\t1\t{item}\t{q:.3f}\t{price:.4f}")
        self._invoice(order, customer.id, t, round(q * price, 2))
        out["allocations"].append(
            f"{self.ids.next('allocations')}\t{order_line}\t{lot}\t{bin_}\t{q:.3f}\tshipped\t"
            f"{self.ts(max(t - 0.5, 0))}"
        )
        out["shipments"].append(
            f"{shipment}\tSH{shipment:08d}\t{customer.id}\t{order}\t{site.id}\t"
            f"{customer.ship_to}\t{self.ts(t)}\t{rng.choice(CARRIERS)}"
        )
        out["shipment_lines"].append(f"{line}\t{shipment}\t{order_line}\t{lot}\t{q:.3f}")
        self.move("pick", lot, q, bin_, site.staging, t - 0.1, f"SO{order:08d}")
        self.move("shipment", lot, q, site.staging, None, t, f"SH{shipment:08d}", ship_line=line)
        stock[bin_] -= q
        if rng.random() < 0.03:
            t_back = t + rng.uniform(3, 30)
            if t_back < self.now:
                back = self._portion(q, 0.1, 1.0)
                rma = self.ids.next("returns")
                self.emit("returns", rma, f"RMA{rma:07d}", customer.id, line, lot, site.returns,
                          back, self.ts(t_back), rng.choice(RETURN_REASONS))
                self.move("return", lot, back, None, site.returns, t_back, f"RMA{rma:07d}")
                if rng.random() < 0.5 and t_back + 5 < self.now:
                    self.move("scrap", lot, back, site.returns, None, t_back + 5,
                              f"RMA{rma:07d} destroyed")
                else:
                    stock[site.returns] = stock.get(site.returns, 0) + back

    def price(self, item: int, order_line: int) -> float:
        """The sales price per unit: cost plus a margin of 25-55 % that varies by order (drawn
        without the simulation's random stream, so prices leave the rest of the data as it was)."""
        return self.items[item].product.cost_per_uom * (1.25 + (order_line * 7919 % 31) / 100)

    def _invoice(self, order: int, customer: int, t: float, amount: float) -> None:
        """Invoiced when shipped, due in 30 days; paid after 40 days, except a few slow payers."""
        number = self.ids.next("invoices")
        paid = self.now - t > 40 and number % 13 != 0
        self.emit("invoices", number, f"INV{number:08d}", order, customer, self.ts(t),
                  self.day(min(t + 30, len(self._day_text) - 1)), f"{amount:.2f}",
                  "0.00" if paid else f"{amount:.2f}")

    def items_of(self, lot: int) -> int:
        return self._pending_lots[lot][0]

    def _transfer(self, lot: int, site: SiteRow, bin_: int, stock: dict[int, float],
                  t: float) -> tuple[SiteRow, int]:
        rng = self.rng
        dest = rng.choice([s for s in self.cat.sites if s.id != site.id])
        q = stock[bin_]
        transfer = self.ids.next("transfers")
        number = f"TR{transfer:07d}"
        arrive = t + rng.uniform(1, 5)
        in_transit = arrive >= self.now
        self.emit("transfers", transfer, number, site.id, dest.id, self.ts(t),
                  None if in_transit else self.ts(arrive), "in_transit" if in_transit else "received")
        self.move("transfer_out", lot, q, bin_, dest.in_transit, t, number, transfer=transfer)
        stock[bin_] = 0
        if in_transit:
            stock[dest.in_transit] = stock.get(dest.in_transit, 0) + q
            return dest, dest.in_transit
        new_bin = rng.choice(dest.bins[:-1])
        self.move("transfer_in", lot, q, dest.in_transit, new_bin, arrive, number,
                  transfer=transfer)
        stock[new_bin] = stock.get(new_bin, 0) + q
        return dest, new_bin

    def _transformation(self, kind: str, site: SiteRow, t: float) -> tuple[int, str]:
        number = self.ids.next("transformations")
        code = f"{kind[:2].upper()}{number:07d}"
        self.emit("transformations", number, code, kind, site.id, self.ts(t))
        return number, code

    def _transform_out(self, kind: str, lot: int, site: SiteRow, bin_: int,
                       stock: dict[int, float], t: float, depth: int,
                       *, share: float | None = None, events: int | None = None) -> int:
        """Split, repack or relabel part of a lot into a new child lot, which then lives on."""
        rng = self.rng
        q = self._portion(stock[bin_], 0.2, 0.6) if share is None else round(stock[bin_] * share, 3)
        item_id, supplier, supplier_lot, mfg, expiry, *_ = self._pending_lots[lot]
        item = self.items[item_id]
        if kind == "repack" and item.repack_item_id:
            item = self.items[item.repack_item_id]
        number, code = self._transformation(kind, site, t)
        child, _, _ = self._new_lot(item, site, t, kind, supplier, supplier_lot, mfg, expiry)
        new_bin = rng.choice(site.bins[:-1])
        self.move(kind, lot, q, bin_, None, t, code, transformation=number)
        self.move(kind, child, q, None, new_bin, t + 0.01, code, transformation=number)
        self.emit("lot_genealogy", self.ids.next("lot_genealogy"), lot, child, q, kind, number,
                  self.ts(t))
        stock[bin_] -= q
        self._life(child, site, new_bin, t + 0.01, q, depth + 1, events=events,
                   status="available" if events is not None else None)
        return child

    def _reserve_for_blending(self, lot: int, site: SiteRow, bin_: int, stock: dict[int, float],
                              t: float) -> None:
        q = self._portion(stock[bin_], 0.1, 0.3)
        blend_at = self.blend_location[site.id]
        self.move("putaway", lot, q, bin_, blend_at, t + 0.1, "To blending area")
        stock[bin_] -= q
        self.pool[site.id].append(PoolEntry(lot, site.id, blend_at, q, t + 1))
        if len(self.pool[site.id]) > 200:
            old = self.pool[site.id].popleft()
            self.emit("stock", old.lot_id, old.location_id, old.qty)

    def _kit(self, lot: int, site: SiteRow, bin_: int, stock: dict[int, float], t: float,
             depth: int) -> None:
        rng = self.rng
        pool = self.pool[site.id]
        parts: list[PoolEntry] = []
        while pool and len(parts) < rng.randint(1, 3):
            if pool[0].ready_at > t or pool[0].lot_id == lot:
                break
            parts.append(pool.popleft())
        if not parts:
            self._transform_out("repack", lot, site, bin_, stock, t, depth)
            return
        q = self._portion(stock[bin_], 0.1, 0.4)
        blend = rng.choice(self.cat.blend_items)
        kind = "blend" if blend.product.category != "industrial_chemical" else "kit"
        number, code = self._transformation(kind, site, t)
        total = q + sum(p.qty for p in parts)
        child, _, _ = self._new_lot(blend, site, t, kind, None, None, t, None)
        self.move(kind, lot, q, bin_, None, t, code, transformation=number)
        self.emit("lot_genealogy", self.ids.next("lot_genealogy"), lot, child, q, kind, number,
                  self.ts(t))
        for part in parts:
            self.move(kind, part.lot_id, part.qty, part.location_id, None, t, code,
                      transformation=number)
            self.emit("lot_genealogy", self.ids.next("lot_genealogy"), part.lot_id, child,
                      part.qty, kind, number, self.ts(t))
        stock[bin_] -= q
        new_bin = rng.choice(site.bins[:-1])
        self.move(kind, child, round(total, 3), None, new_bin, t + 0.01, code,
                  transformation=number)
        self._life(child, site, new_bin, t + 0.01, round(total, 3), depth + 1)

    def _adjust(self, lot: int, bin_: int, stock: dict[int, float], t: float) -> None:
        q = round(min(stock[bin_] * 0.02, 5.0), 3)
        if q <= 0:
            return
        if self.rng.random() < 0.5:
            self.move("adjustment", lot, q, bin_, None, t, "Cycle count")
            stock[bin_] -= q
        else:
            self.move("adjustment", lot, q, None, bin_, t, "Cycle count")
            stock[bin_] += q

    def _open_order(self, lot: int, site: SiteRow, bin_: int, on_hand: float,
                    expiry: float) -> None:
        rng = self.rng
        customer = rng.choice(self.cat.customers)
        q = self._portion(on_hand, 0.2, 0.8)
        order = self.ids.next("sales_orders")
        self.emit("sales_orders", order, f"SO{order:08d}", customer.id, site.id,
                  self.ts(self.now - rng.uniform(0.1, 5)),
                  self.day(self.now + rng.uniform(1, 20)), customer.ship_to, "open")
        line = self.ids.next("sales_order_lines")
        item = self.items_of(lot)
        self.emit("sales_order_lines", line, order, 1, item, q, f"{self.price(item, line):.4f}")
        self.emit("allocations", self.ids.next("allocations"), line, lot, bin_, q, "open",
                  self.ts(self.now - 0.05))

    def _drain_pool(self) -> None:
        for pool in self.pool.values():
            while pool:
                entry = pool.popleft()
                self.emit("stock", entry.lot_id, entry.location_id, entry.qty)

    # ----------------------------------------------------------------- scenarios
    def _hero(self, t: float) -> None:
        """A bulk source lot split across many child lots that reach many customers: the recall
        scenario at scale."""
        children = self.scale.hero_children
        per_child = self.scale.hero_shipments_per_child
        item = next(i for i in self.receivable if i.pack == "TOT")
        site = self.cat.sites[0]
        qty = float(children * per_child * 4)
        lot, site, bin_, qty = self._receive(t, qty=qty, item=item, site=site)
        expiry = self._pending_lots[lot][4]
        stock = {bin_: qty}
        when = t + 2
        for _ in range(children):
            when += 0.05
            number, code = self._transformation("split", site, when)
            share = qty / children
            _item, supplier, supplier_lot, mfg, _e, *_ = self._pending_lots[lot]
            child, _, _ = self._new_lot(item, site, when, "split", supplier, supplier_lot, mfg,
                                        expiry)
            child_bin = self.rng.choice(site.bins[:-1])
            self.move("split", lot, share, bin_, None, when, code, transformation=number)
            self.move("split", child, share, None, child_bin, when + 0.01, code,
                      transformation=number)
            self.emit("lot_genealogy", self.ids.next("lot_genealogy"), lot, child, share, "split",
                      number, self.ts(when))
            stock[bin_] -= share
            child_stock = {child_bin: share}
            ship_t = when + 0.5
            for _ in range(per_child):
                ship_t += 0.2
                self._ship(child, site, child_bin, child_stock, min(ship_t, self.now - 0.1),
                           expiry, qty=round(share / (per_child + 1), 3))
            for location, q in child_stock.items():
                if q > 0.0005:
                    self.emit("stock", child, location, q)
            self._write_lot(child, "available")
        for location, q in stock.items():
            if q > 0.0005:
                self.emit("stock", lot, location, q)
        self._write_lot(lot, "available")

    def _chain(self, t: float) -> None:
        """A lot whose material passes through ten transformations: deep genealogy."""
        lot, site, bin_, qty = self._receive(t)
        self._chain_step(lot, site, bin_, t + 1, qty, levels=10)

    def _chain_step(self, lot: int, site: SiteRow, bin_: int, t: float, qty: float,
                    levels: int) -> None:
        stock = {bin_: qty}
        expiry = self._pending_lots[lot][4]
        t += 0.5
        if levels > 0 and t < self.now - 1:
            kind = ("split", "repack", "relabel")[levels % 3]
            self._ship(lot, site, bin_, stock, t, expiry, qty=round(qty * 0.1, 3))
            q = round(stock[bin_] * 0.8, 3)
            number, code = self._transformation(kind, site, t + 0.1)
            item_id, supplier, supplier_lot, mfg, _e, *_ = self._pending_lots[lot]
            item = self.items[item_id]
            if kind == "repack" and item.repack_item_id:
                item = self.items[item.repack_item_id]
            child, _, _ = self._new_lot(item, site, t + 0.1, kind, supplier, supplier_lot, mfg,
                                        expiry)
            child_bin = self.rng.choice(site.bins[:-1])
            self.move(kind, lot, q, bin_, None, t + 0.1, code, transformation=number)
            self.move(kind, child, q, None, child_bin, t + 0.11, code, transformation=number)
            self.emit("lot_genealogy", self.ids.next("lot_genealogy"), lot, child, q, kind,
                      number, self.ts(t + 0.1))
            stock[bin_] -= q
            self._chain_step(child, site, child_bin, t + 0.11, q, levels - 1)
        for location, left in stock.items():
            if left > 0.0005:
                self.emit("stock", lot, location, left)
        self._write_lot(lot, "available" if self._pending_lots[lot][4] > self.now else "expired")
