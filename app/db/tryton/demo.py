"""The demo distributor in a Tryton database, made through Tryton's own API (proteus) only.

Master data comes from Lotproof's own demo catalog (app/db/demo/catalog.py: invented supplier and
customer names, the products with their categories, units and shelf lives, the three sites).
Then a history of `days` days up to the day before `as_of`, in date order:

- purchases from suppliers, confirmed, and received through supplier shipments
  (stock.shipment.in), one lot per line numbered as the supplier numbers its lots, with an
  expiration date (stock_lot_sled), put away to bins;
- internal shipments between warehouses through the transit location: done, or shipped and still
  in transit at the end;
- productions: repacks (one lot of a bulk pack into a new lot of the small pack) and blends (lots
  of two products into a new lot of a blend), done;
- sales, each shipped from one warehouse with lots picked first-expired-first-out: shipments done,
  shipments assigned but not done (the last days), sales confirmed and waiting for shipment;
- customer returns of shipped lots through Tryton's return sale (stock.shipment.out.return),
  received and put away.

A run is deterministic for (scale, seed, as_of): the same parties, products, lot numbers,
quantities and dates, and, on copies of the same empty Tryton database, the same ids. Lotproof's
side keeps a ledger of where each lot is (`_Ledger`) to choose lots and quantities; Tryton checks
every step (a shipment that cannot be assigned from the stock Tryton computes fails the run).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.db.demo.catalog import (
    CITIES,
    SITES,
    CustomerRow,
    ItemRow,
    SupplierRow,
    build_catalog,
)
from app.db.server import ServerTarget, connect
from app.db.tryton.database import (
    PAYMENT_TERM,
    chart_accounts,
    create_tryton_database,
    ensure_fiscal_year,
    open_config,
)

Progress = Callable[[str, int, int], None]

CATEGORY_NAMES = {
    "food_ingredient": "Food ingredients",
    "nutraceutical": "Nutraceuticals",
    "industrial_chemical": "Industrial chemicals",
}
UOM_SYMBOLS = {"kg": "kg", "L": "l"}
# Lot required on moves from or to every kind of location.
LOT_REQUIRED = ["supplier", "customer", "lost_found", "storage", "production"]
ZONES = "ABCD"
WAVE_DAYS = 7  # the history runs a week at a time, each kind of event in one batch of calls


class TrytonDemoError(Exception):
    pass


@dataclass(frozen=True)
class TrytonScale:
    name: str
    days: int
    suppliers: int
    customers: int
    bins_per_zone: int
    purchases: int  # purchase orders, 1-3 lines (lots) each
    transfers: int  # internal shipments; the last `in_transit` of them stay in transit
    in_transit: int
    repacks: int
    blends: int
    sales: int  # the last `open_shipments` stay assigned, the last `waiting` unshipped
    open_shipments: int
    waiting: int
    returns: int


SCALES = {
    "tiny": TrytonScale("tiny", 40, 4, 5, 1, 10, 3, 1, 2, 1, 10, 2, 2, 1),
    "small": TrytonScale("small", 150, 12, 25, 3, 100, 24, 6, 18, 8, 150, 10, 10, 8),
}


@dataclass(frozen=True)
class TrytonSeedReport:
    database: str
    scale: str
    seed: int
    as_of: dt.date
    seconds: float
    counts: dict[str, int]  # rows per Tryton table, and stock_move per state
    lot_numbers: tuple[str, ...]  # every lot the demo made, in the order it made them
    skipped: dict[str, int]  # planned events that found no stock to work on, per kind


@dataclass
class _Site:
    code: str
    name: str
    warehouse: Any
    storage: Any
    input: Any
    output: Any
    production: Any
    bins: list[Any] = field(default_factory=list)
    returns_bin: Any = None


@dataclass
class _Lot:
    id: int  # stock.lot id, once made
    number: str
    item: ItemRow
    expiry: dt.date
    places: dict[int, float] = field(default_factory=dict)  # bin id -> free quantity
    since: dict[int, dt.date] = field(default_factory=dict)  # bin id -> when it came there


@dataclass
class _Sale:
    id: int
    customer: CustomerRow
    site: _Site
    day: dt.date
    picks: list[tuple[_Lot, float]]
    returned: bool = False


class _Ledger:
    """Where each lot is and how much of it is free (not assigned to a move yet)."""

    def __init__(self) -> None:
        self.lots: list[_Lot] = []
        self.site_of_bin: dict[int, str] = {}

    def add(self, lot: _Lot, bin_id: int, qty: float, when: dt.date) -> None:
        lot.places[bin_id] = lot.places.get(bin_id, 0.0) + qty
        lot.since[bin_id] = max(when, lot.since.get(bin_id, when))

    def take(self, lot: _Lot, bin_id: int, qty: float) -> None:
        left = lot.places[bin_id] - qty
        if left < -1e-9:
            raise TrytonDemoError(f"lot {lot.number} has {lot.places[bin_id]} in bin {bin_id}, "
                                  f"not {qty}")
        if left <= 1e-9:
            del lot.places[bin_id]
        else:
            lot.places[bin_id] = left

    def at_site(self, site: str, *, on: dt.date, item: ItemRow | None = None,
                expiring_after: dt.date | None = None) -> list[tuple[_Lot, int, float]]:
        """(lot, bin, free quantity) at a site on a day, first expiring first (FEFO), then by
        number."""
        rows = [(lot, bin_id, qty) for lot in self.lots for bin_id, qty in lot.places.items()
                if self.site_of_bin[bin_id] == site and qty > 1e-9 and lot.since[bin_id] <= on
                and (item is None or lot.item.id == item.id)
                and (expiring_after is None or lot.expiry > expiring_after)]
        rows.sort(key=lambda r: (r[0].expiry, r[0].number, r[1]))
        return rows


def seed_tryton_demo(target: ServerTarget, dbname: str, *, scale: str = "small", seed: int = 1,
                     as_of: dt.date | None = None, config_dir: Path | None = None,
                     progress: Progress | None = None) -> TrytonSeedReport:
    """Fill the Tryton database `dbname` (created first when needed) with the demo distributor."""
    if scale not in SCALES:
        raise TrytonDemoError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    started = time.perf_counter()
    as_of = as_of or dt.date.today()
    spec = SCALES[scale]
    create_tryton_database(target, dbname, config_dir=config_dir)
    config = open_config(target, dbname, config_dir=config_dir)
    demo = _Demo(config, spec, seed, as_of, progress)
    demo.check_empty()
    demo.master_data()
    demo.history()
    counts = table_counts(target, dbname)
    return TrytonSeedReport(dbname, scale, seed, as_of, time.perf_counter() - started, counts,
                            tuple(lot.number for lot in demo.ledger.lots), dict(demo.skipped))


COUNTED_TABLES = (
    "party_party", "party_address", "product_template", "product_product", "product_category",
    "product_identifier", "stock_location", "stock_lot", "stock_move", "stock_shipment_in",
    "stock_shipment_internal", "stock_shipment_out", "stock_shipment_out_return", "production",
    "purchase_purchase", "purchase_line", "sale_sale", "sale_line",
)


def table_counts(target: ServerTarget, dbname: str) -> dict[str, int]:
    """Rows per Tryton table the demo writes, and moves per state (`stock_move.done`, ...)."""
    counts: dict[str, int] = {}
    with connect(target.admin_url.set(database=dbname), autocommit=True) as conn:
        for table in COUNTED_TABLES:
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[arg-type]
            counts[table] = int(str(row[0])) if row else 0
        for state, number in conn.execute(
                "SELECT state, count(*) FROM stock_move GROUP BY state ORDER BY state"):
            counts[f"stock_move.{state}"] = int(str(number))
    return counts


class _Demo:
    def __init__(self, config: Any, spec: TrytonScale, seed: int, as_of: dt.date,
                 progress: Progress | None) -> None:
        from proteus import Model

        self.config = config
        self.spec = spec
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.start = as_of - dt.timedelta(days=spec.days)
        self.progress = progress
        self.ledger = _Ledger()
        self.catalog = build_catalog(self.rng, suppliers=spec.suppliers,
                                     customers=spec.customers, bins_per_site=1)

        def model(name: str) -> Any:
            return Model.get(name, config=config)

        self.Party = model("party.party")
        self.PartyCategory = model("party.category")
        self.Category = model("product.category")
        self.Template = model("product.template")
        self.Uom = model("product.uom")
        self.Location = model("stock.location")
        self.LeadTime = model("stock.location.lead_time")
        self.Lot = model("stock.lot")
        self.Sale = model("sale.sale")
        self.PaymentTerm = model("account.invoice.payment_term")
        self.company = model("company.company").find()[0]
        self.payment_term = self.PaymentTerm.find([("name", "=", PAYMENT_TERM)])[0]
        self.products: dict[int, Any] = {}  # item id -> product.product
        self.list_prices: dict[int, Decimal] = {}
        self.suppliers: dict[int, Any] = {}
        self.customers: dict[int, Any] = {}
        self.sites: list[_Site] = []
        self.lead_days: dict[tuple[str, str], int] = {}
        self.done_sales: list[_Sale] = []
        self.own_lots = 0
        self.numbers: set[str] = set()
        self.addresses: dict[int, int] = {}  # party id -> its address id
        self.units: dict[int, int] = {}  # item id -> product.uom id
        self.currency_id = int(self.company.currency.id)
        self._proxies: dict[str, Any] = {}

    # -- master data ---------------------------------------------------------------------------

    def check_empty(self) -> None:
        if self.Lot.find([], limit=1):
            raise TrytonDemoError("the Tryton database holds lots already; seed an empty one")

    def master_data(self) -> None:
        self._say("master data", 0, 4)
        for year in range(self.start.year, self.as_of.year + 1):
            ensure_fiscal_year(self.config, self.company, year)
        self._parties()
        self._say("master data", 1, 4)
        self._products()
        self._say("master data", 2, 4)
        self._warehouses()
        self._say("master data", 4, 4)

    def _parties(self) -> None:
        supplier_tag = self.PartyCategory(name="Suppliers")
        customer_tag = self.PartyCategory(name="Customers")
        self.PartyCategory.save([supplier_tag, customer_tag])
        rows = {row[0]: row for row in self.catalog.supplier_rows}
        parties: list[tuple[str, int, Any]] = []
        for supplier in self.catalog.suppliers:
            _n, code, name, _country, _status, contact, email = rows[supplier.id]
            party = self.Party(name=name, code=code)
            party.categories.append(self.PartyCategory(supplier_tag.id))
            address = party.addresses[0]
            address.street = f"{self.rng.randint(1, 400)} Industrial Park"
            address.city = self.rng.choice(CITIES)
            address.postal_code = f"{self.rng.randint(10000, 99999)}"
            party.contact_mechanisms.new(type="email", value=str(email), name=str(contact))
            parties.append(("supplier", supplier.id, party))
        customer_rows = {row[0]: row for row in self.catalog.customer_rows}
        for customer in self.catalog.customers:
            _n, code, name, _life, contact, email, phone, ship_to, _c = customer_rows[customer.id]
            party = self.Party(name=name, code=code)
            party.categories.append(self.PartyCategory(customer_tag.id))
            street, city = str(ship_to).split(", ", 1)
            address = party.addresses[0]
            address.street = street
            address.city = city
            address.postal_code = f"{self.rng.randint(10000, 99999)}"
            party.customer_payment_term = self.payment_term
            party.contact_mechanisms.new(type="email", value=str(email), name=str(contact))
            party.contact_mechanisms.new(type="phone", value=str(phone))
            parties.append(("customer", customer.id, party))
        self.Party.save([party for _kind, _id, party in parties])
        for kind, key, party in parties:
            (self.suppliers if kind == "supplier" else self.customers)[key] = party
            self.addresses[party.id] = party.addresses[0].id

    def _products(self) -> None:
        accounts = chart_accounts(self.config, self.company)
        accounting = self.Category(name="Goods for resale", accounting=True,
                                   account_expense=accounts["expense"],
                                   account_revenue=accounts["revenue"])
        # the code is Lotproof's category (its specifications and rules are per category)
        categories = {key: self.Category(name=name, code=key)
                      for key, name in CATEGORY_NAMES.items()}
        self.Category.save([accounting, *categories.values()])
        uoms = {key: self.Uom.find([("symbol", "=", symbol)])[0]
                for key, symbol in UOM_SYMBOLS.items()}
        templates = []
        for item in self.catalog.items:
            product = item.product
            template = self.Template(name=item.name, code=item.sku, type="goods",
                                     default_uom=uoms[product.uom])
            template.categories.append(self.Category(categories[product.category].id))
            template.account_category = accounting
            template.list_price = self.list_prices[item.id] = Decimal(
                str(round(product.cost_per_uom * 1.4, 4)))
            template.salable = True
            template.purchasable = not item.is_blend and item.pack != "repack"
            template.producible = item.is_blend or item.pack == "repack"
            template.lot_required = LOT_REQUIRED
            template.shelf_life_state = "optional"
            template.shelf_life_time = product.shelf_life_days
            template.expiration_state = "optional"
            template.expiration_time = product.shelf_life_days
            variant = template.products[0]
            variant.cost_price = Decimal(str(round(product.cost_per_uom, 4)))
            variant.identifiers.new(type="ean", code=item.gtin)
            templates.append(template)
        self.Template.save(templates)
        for item, template in zip(self.catalog.items, templates, strict=True):
            self.products[item.id] = template.products[0]
            self.units[item.id] = uoms[item.product.uom].id

    def _warehouses(self) -> None:
        first = self.Location.find([("type", "=", "warehouse")])[0]
        warehouses = [first, *(first.duplicate()[0] for _ in SITES[1:])]
        party = self.company.party
        for _code, _name, address in SITES:
            street, city = address.split(", ", 1)
            if not any(a.street == street for a in party.addresses):
                party.addresses.new(street=street, city=city)
        party.save()
        addresses = {a.street: a for a in party.addresses}
        for (code, name, address), warehouse in zip(SITES, warehouses, strict=True):
            warehouse.reload()
            warehouse.name = name
            warehouse.code = code
            warehouse.address = addresses[address.split(", ", 1)[0]]
            production = self.Location(name=f"{code} production", code=f"{code}-PROD",
                                       type="production")
            production.save()
            warehouse.production_location = production
            warehouse.save()
            for location, label, suffix in ((warehouse.input_location, "Receiving dock", "IN"),
                                            (warehouse.output_location, "Outbound staging",
                                             "OUT"),
                                            (warehouse.storage_location, "Storage", "STO")):
                location.name = f"{code} {label}"
                location.code = f"{code}-{suffix}"
            self.Location.save([warehouse.input_location, warehouse.output_location,
                                warehouse.storage_location])
            site = _Site(code, name, warehouse, warehouse.storage_location,
                         warehouse.input_location, warehouse.output_location, production)
            zones = [self.Location(name=f"{code} zone {z}", code=f"{code}-Z{z}", type="storage",
                                   parent=site.storage) for z in ZONES]
            self.Location.save(zones)
            bins = [self.Location(name=f"{code} bin {z}-{b + 1:02d}", code=f"{code}-{z}-{b + 1:02d}",
                                  type="storage", parent=zone)
                    for zone, z in zip(zones, ZONES, strict=True)
                    for b in range(self.spec.bins_per_zone)]
            returns = self.Location(name=f"{code} returns area", code=f"{code}-RET",
                                    type="storage", parent=site.storage)
            self.Location.save([*bins, returns])
            site.bins, site.returns_bin = bins, returns
            for location in (*bins, returns):
                self.ledger.site_of_bin[location.id] = code
            self.sites.append(site)
        lead_times = []
        for a in self.sites:
            for b in self.sites:
                if a is not b:
                    days = self.rng.randint(1, 3)
                    self.lead_days[a.code, b.code] = days
                    lead_times.append(self.LeadTime(
                        warehouse_from=a.warehouse, warehouse_to=b.warehouse,
                        lead_time=dt.timedelta(days=days)))
        self.LeadTime.save(lead_times)

    # -- history -------------------------------------------------------------------------------

    def history(self) -> None:
        """Plan the events of `days` days, then run them a wave of WAVE_DAYS days at a time, each
        kind of event in one batch of Tryton calls (in date order between waves; inside a wave
        stock is taken only where it was on the event's day)."""
        spec, rng = self.spec, self.rng
        days = spec.days
        planned: list[tuple[int, str, tuple[Any, ...]]] = []
        for _ in range(spec.purchases):
            planned.append((rng.randint(0, days - 12), "purchase", ()))
        for n in range(spec.transfers):
            last = n >= spec.transfers - spec.in_transit
            planned.append((rng.randint(days - 6, days - 2) if last
                            else rng.randint(12, days - 10), "transfer", (last,)))
        for _ in range(spec.repacks):
            planned.append((rng.randint(15, days - 3), "repack", ()))
        for _ in range(spec.blends):
            planned.append((rng.randint(15, days - 3), "blend", ()))
        closed = spec.sales - spec.open_shipments - spec.waiting
        for n in range(spec.sales):
            state = ("done" if n < closed else
                     "assigned" if n < closed + spec.open_shipments else "waiting")
            planned.append((rng.randint(10, days - 5) if state == "done"
                            else rng.randint(days - 4, days - 1), "sale", (state,)))
        for _ in range(spec.returns):
            planned.append((rng.randint(days - 25, days - 2), "return", ()))
        planned.sort(key=lambda e: e[0])  # stable: same-day events keep their planned order
        self.skipped: dict[str, int] = {}
        self.arrivals: list[tuple[dt.date, int, list[tuple[_Lot, float, int]]]] = []
        for wave, first in enumerate(range(0, days, WAVE_DAYS)):
            self._say("history", first, days)
            events = [(self.start + dt.timedelta(days=day), kind, args)
                      for day, kind, args in planned if first <= day < first + WAVE_DAYS]
            wave_end = self.start + dt.timedelta(days=first + WAVE_DAYS)
            self._arrive([a for a in self.arrivals if a[0] < wave_end])
            self.arrivals = [a for a in self.arrivals if a[0] >= wave_end]
            self._purchases([when for when, kind, _a in events if kind == "purchase"])
            productions = []
            for when, kind, _args in events:
                if kind in ("repack", "blend"):
                    made = getattr(self, f"_plan_{kind}")(when)
                    if made is None:
                        self.skipped[kind] = self.skipped.get(kind, 0) + 1
                    else:
                        productions.append(made)
            self._productions(productions)
            self._transfers([(when, args[0]) for when, kind, args in events
                             if kind == "transfer"])
            self._sales([(when, args[0]) for when, kind, args in events if kind == "sale"])
            for when, kind, _args in events:
                if kind == "return" and not self._return(when):
                    self.skipped["return"] = self.skipped.get("return", 0) + 1
            del wave
        self._arrive(self.arrivals)
        self.arrivals = []
        self._say("history", days, days)

    # Tryton calls: the proxies proteus itself calls (the server's RPC methods), in batches.

    def _rpc(self, model: str, method: str, *args: Any, **context: Any) -> Any:
        proxy = self._proxies.get(model)
        if proxy is None:
            proxy = self._proxies[model] = self.config.get_proxy(model)
        ctx = self.config.context
        ctx.update(context)
        return getattr(proxy, method)(*args, ctx)

    def _create(self, model: str, values: list[dict[str, Any]]) -> list[int]:
        if not values:
            return []
        return [int(i) for i in self._rpc(model, "create", values)]

    def _write_each(self, model: str, changes: list[tuple[int, dict[str, Any]]]) -> None:
        """One write call with an (ids, values) pair per record."""
        if not changes:
            return
        args: list[Any] = []
        for record_id, values in changes:
            args += [[record_id], values]
        self._rpc(model, "write", *args)

    def _button(self, model: str, button: str, ids: list[int]) -> None:
        if ids:
            self._rpc(model, button, ids)

    def _read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        rows = {row["id"]: row for row in self._rpc(model, "read", ids, fields)}
        return [rows[i] for i in ids]

    def _expect_state(self, model: str, ids: list[int], state: str) -> None:
        wrong = [row for row in self._read(model, ids, ["state", "number"])
                 if row["state"] != state]
        if wrong:
            raise TrytonDemoError(f"Tryton left {model} {wrong[0]['number']} "
                                  f"{wrong[0]['state']}, not {state}")

    # Lot numbers

    def _supplier_lot(self, supplier: SupplierRow, made: dt.date) -> str:
        yy, mm, dd = f"{made:%y}", f"{made:%m}", f"{made:%d}"
        n = self.rng.randint(1, 9999)
        letter = "ABCDEFGH"[n % 8]
        number = [f"{yy}{mm}{dd}{letter}", f"B{yy}{mm}{dd}-{n % 100:02d}",
                  f"LOT{yy}{mm}{letter}", f"{letter}X{yy}{n:05d}",
                  f"{yy}-{n:04d}-{letter}"][supplier.lot_style]
        if number in self.numbers:
            number = f"{number}-{len(self.ledger.lots)}"
        self.numbers.add(number)
        return number

    def _own_lot_number(self, when: dt.date, prefix: str) -> str:
        self.own_lots += 1
        return f"{prefix}{when:%y}-{self.own_lots:05d}"

    def _new_lots(self, lots: list[_Lot]) -> None:
        ids = self._create("stock.lot", [
            {"number": lot.number, "product": self.products[lot.item.id].id,
             "expiration_date": lot.expiry, "shelf_life_expiration_date": lot.expiry}
            for lot in lots])
        for lot, lot_id in zip(lots, ids, strict=True):
            lot.id = lot_id
            self.ledger.lots.append(lot)

    # Purchases and supplier shipments

    def _purchases(self, days: list[dt.date]) -> None:
        rng = self.rng
        orders = []
        for when in days:
            site = rng.choice(self.sites)
            supplier = rng.choice(self.catalog.suppliers)
            items = [i for i in self.catalog.received_items if supplier.id in i.supplier_ids]
            lines = rng.sample(items, k=min(len(items), rng.choice((1, 1, 2, 2, 3))))
            quantities = [(rng.randint(4, 40) if item.pack_size <= 25 else rng.randint(1, 3))
                          * item.pack_size for item in lines]
            party = self.suppliers[supplier.id]
            orders.append((when, site, supplier, lines, {
                "party": party.id, "invoice_address": self.addresses[party.id],
                "warehouse": site.warehouse.id,
                "purchase_date": when - dt.timedelta(days=rng.randint(7, 30)),
                "delivery_date": when,
                "invoice_method": "manual", "payment_term": self.payment_term.id,
                "currency": self.currency_id,
                "reference": f"SO-{rng.randint(100000, 999999)}",
                "lines": [("create", [
                    {"product": self.products[item.id].id, "description": item.name,
                     "quantity": qty, "unit": self.units[item.id],
                     "unit_price": Decimal(str(item.product.cost_per_uom))}
                    for item, qty in zip(lines, quantities, strict=True)])],
            }))
        if not orders:
            return
        ids = self._create("purchase.purchase", [values for *_rest, values in orders])
        self._button("purchase.purchase", "quote", ids)
        self._button("purchase.purchase", "confirm", ids)
        self._expect_state("purchase.purchase", ids, "processing")
        purchase_lines = self._read("purchase.purchase", ids, ["lines"])
        line_ids = [line_id for row in purchase_lines for line_id in row["lines"]]
        moves_of = {row["id"]: row["moves"]
                    for row in self._read("purchase.line", line_ids, ["moves"])}
        lots: list[_Lot] = []
        shipments: list[dict[str, Any]] = []
        lot_of_move: list[tuple[int, _Lot]] = []
        for (when, site, supplier, lines, _values), row in zip(orders, purchase_lines,
                                                                strict=True):
            move_ids: list[int] = []
            for item, line_id in zip(lines, row["lines"], strict=True):
                made = when - dt.timedelta(days=rng.randint(10, 120))
                lot = _Lot(0, self._supplier_lot(supplier, made), item,
                           made + dt.timedelta(days=item.product.shelf_life_days))
                lots.append(lot)
                for move_id in moves_of[line_id]:
                    lot_of_move.append((move_id, lot))
                    move_ids.append(move_id)
            shipments.append({
                "supplier": self.suppliers[supplier.id].id, "warehouse": site.warehouse.id,
                "warehouse_input": site.input.id, "warehouse_storage": site.storage.id,
                "planned_date": when, "effective_date": when,
                "reference": f"ASN-{rng.randint(10000, 99999)}",
                "incoming_moves": [("add", move_ids)],
            })
        self._new_lots(lots)
        self._write_each("stock.move", [(move_id, {"lot": lot.id})
                                        for move_id, lot in lot_of_move])
        shipment_ids = self._create("stock.shipment.in", shipments)
        self._button("stock.shipment.in", "receive", shipment_ids)
        put_away: list[tuple[int, dict[str, Any]]] = []
        lot_by_id = {lot.id: lot for lot in lots}
        for (when, site, *_rest), row in zip(
                orders, self._read("stock.shipment.in", shipment_ids, ["inventory_moves"]),
                strict=True):
            for move in self._read("stock.move", row["inventory_moves"], ["lot", "quantity"]):
                bin_ = rng.choice(site.bins)
                put_away.append((move["id"], {"to_location": bin_.id, "planned_date": when}))
                self.ledger.add(lot_by_id[move["lot"]], bin_.id, move["quantity"], when)
        self._write_each("stock.move", put_away)
        self._button("stock.shipment.in", "do", shipment_ids)
        self._expect_state("stock.shipment.in", shipment_ids, "done")

    # Productions: repacks and blends

    def _plan_repack(self, when: dt.date) -> tuple[Any, ...] | None:
        rng = self.rng
        site = rng.choice(self.sites)
        rows = [r for r in self.ledger.at_site(site.code, on=when)
                if r[0].item.repack_item_id is not None and r[2] >= 2 * r[0].item.pack_size]
        if not rows:
            return None
        lot, bin_id, free = rng.choice(rows)
        packs = rng.randint(1, max(1, int(free / lot.item.pack_size) // 2))
        output = next(i for i in self.catalog.items if i.id == lot.item.repack_item_id)
        return self._plan_production(when, site, [(lot, bin_id, packs * lot.item.pack_size)],
                                     output, "RP")

    def _plan_blend(self, when: dt.date) -> tuple[Any, ...] | None:
        rng = self.rng
        site = rng.choice(self.sites)
        blend = rng.choice(self.catalog.blend_items)
        rows = [r for r in self.ledger.at_site(site.code, on=when)
                if r[0].item.product.category == blend.product.category
                and not r[0].item.is_blend and r[2] >= 25]
        products = sorted({r[0].item.product.name for r in rows})
        if len(products) < 2:
            return None
        inputs = []
        for name in rng.sample(products, 2):
            lot, bin_id, free = next(r for r in rows if r[0].item.product.name == name)
            inputs.append((lot, bin_id, float(min(free, rng.choice((25, 50, 100, 200))))))
        return self._plan_production(when, site, inputs, blend, "BL")

    def _plan_production(self, when: dt.date, site: _Site,
                         inputs: list[tuple[_Lot, int, float]], output: ItemRow,
                         prefix: str) -> tuple[Any, ...]:
        quantity = sum(qty for _lot, _bin, qty in inputs)
        expiry = min([when + dt.timedelta(days=output.product.shelf_life_days),
                      *(lot.expiry for lot, _bin, _qty in inputs)])
        lot = _Lot(0, self._own_lot_number(when, prefix), output, expiry)
        for used, bin_id, qty in inputs:
            self.ledger.take(used, bin_id, qty)
        return (when, site, inputs, output, lot, quantity, self.rng.choice(site.bins))

    def _productions(self, planned: list[tuple[Any, ...]]) -> None:
        if not planned:
            return
        self._new_lots([p[4] for p in planned])
        values = []
        for when, site, inputs, output, lot, quantity, bin_ in planned:
            values.append({
                "warehouse": site.warehouse.id, "location": site.production.id,
                "planned_date": when, "planned_start_date": when,
                "effective_date": when, "effective_start_date": when,
                "reference": f"{'Repack' if lot.number.startswith('RP') else 'Blend'} {lot.number}",
                "inputs": [("create", [
                    {"product": self.products[used.item.id].id, "unit": self.units[used.item.id],
                     "quantity": qty, "lot": used.id, "from_location": bin_id,
                     "to_location": site.production.id}
                    for used, bin_id, qty in inputs])],
                "outputs": [("create", [
                    {"product": self.products[output.id].id, "unit": self.units[output.id],
                     "quantity": quantity, "lot": lot.id, "from_location": site.production.id,
                     "to_location": bin_.id, "currency": self.currency_id,
                     "unit_price": Decimal(str(output.product.cost_per_uom))}])],
            })
        ids = self._create("production", values)
        self._button("production", "wait", ids)
        self._button("production", "assign_try", ids)
        self._expect_state("production", ids, "assigned")
        self._button("production", "run", ids)
        self._button("production", "do", ids)
        self._expect_state("production", ids, "done")
        for when, _site, _inputs, _output, lot, quantity, bin_ in planned:
            self.ledger.add(lot, bin_.id, quantity, when)

    # Internal shipments between warehouses, through the transit location

    def _transfers(self, planned: list[tuple[dt.date, bool]]) -> None:
        rng = self.rng
        shipments = []
        for when, stays in planned:
            source, dest = rng.sample(self.sites, 2)
            rows = self.ledger.at_site(source.code, on=when)
            if not rows:
                self.skipped["transfer"] = self.skipped.get("transfer", 0) + 1
                continue
            lead = self.lead_days[source.code, dest.code]
            lines = []
            for lot, bin_id, free in rng.sample(rows, k=min(len(rows), rng.choice((1, 2)))):
                packs = max(1, int(free / lot.item.pack_size * rng.uniform(0.3, 1.0)))
                qty = min(free, packs * lot.item.pack_size)
                self.ledger.take(lot, bin_id, qty)
                lines.append((lot, bin_id, qty, rng.choice(dest.bins).id))
            # a draft internal shipment's moves go between its own two locations; the bins are
            # set once it waits
            shipments.append((when, stays, lead, lines, {
                "from_location": source.storage.id, "to_location": dest.storage.id,
                "planned_start_date": when, "planned_date": when + dt.timedelta(days=lead),
                "effective_start_date": when,
                "reference": f"TR-{source.code}-{dest.code}-{rng.randint(100, 999)}",
                "moves": [("create", [
                    {"product": self.products[lot.item.id].id, "unit": self.units[lot.item.id],
                     "quantity": qty, "lot": lot.id, "from_location": source.storage.id,
                     "to_location": dest.storage.id}
                    for lot, _bin, qty, _to in lines])],
            }))
        if not shipments:
            return
        ids = self._create("stock.shipment.internal", [s[-1] for s in shipments])
        self._button("stock.shipment.internal", "wait", ids)
        picks: list[tuple[int, dict[str, Any]]] = []
        for shipment, row in zip(shipments, self._read("stock.shipment.internal", ids,
                                                      ["outgoing_moves"]), strict=True):
            bins = {lot.id: bin_id for lot, bin_id, _qty, _to in shipment[3]}
            for move in self._read("stock.move", row["outgoing_moves"], ["lot"]):
                picks.append((move["id"], {"from_location": bins[move["lot"]]}))
        self._write_each("stock.move", picks)
        self._button("stock.shipment.internal", "assign_try", ids)
        self._expect_state("stock.shipment.internal", ids, "assigned")
        self._button("stock.shipment.internal", "pack", ids)
        self._button("stock.shipment.internal", "ship", ids)
        self._expect_state("stock.shipment.internal", ids, "shipped")
        for (when, stays, lead, lines, _values), shipment_id in zip(shipments, ids, strict=True):
            if not stays:
                self.arrivals.append((when + dt.timedelta(days=lead), shipment_id,
                                      [(lot, qty, to) for lot, _bin, qty, to in lines]))

    def _arrive(self, arrivals: list[tuple[dt.date, int, list[tuple[_Lot, float, int]]]]) -> None:
        if not arrivals:
            return
        ids = [shipment_id for _when, shipment_id, _lines in arrivals]
        self._write_each("stock.shipment.internal",
                         [(shipment_id, {"effective_date": when})
                          for when, shipment_id, _lines in arrivals])
        put_away: list[tuple[int, dict[str, Any]]] = []
        for (when, _id, lines), row in zip(arrivals, self._read(
                "stock.shipment.internal", ids, ["incoming_moves"]), strict=True):
            to_of = {lot.id: (lot, qty, to) for lot, qty, to in lines}
            for move in self._read("stock.move", row["incoming_moves"], ["lot"]):
                lot, qty, to = to_of[move["lot"]]
                put_away.append((move["id"], {"to_location": to}))
                self.ledger.add(lot, to, qty, when)
        self._write_each("stock.move", put_away)
        self._button("stock.shipment.internal", "do", ids)
        self._expect_state("stock.shipment.internal", ids, "done")

    # Sales, shipped first-expired-first-out

    def _pick(self, site: _Site, item: ItemRow, quantity: float, when: dt.date,
              expiring_after: dt.date) -> list[tuple[_Lot, int, float]]:
        """FEFO: the earliest-expiring free stock of `item` at `site`, up to `quantity`."""
        picks = []
        wanted = quantity
        for lot, bin_id, free in self.ledger.at_site(site.code, item=item, on=when,
                                                     expiring_after=expiring_after):
            take = min(free, wanted)
            picks.append((lot, bin_id, take))
            wanted -= take
            if wanted <= 1e-9:
                break
        if wanted > 1e-9:
            raise TrytonDemoError(f"no stock of {item.name} at {site.code} for a sale")
        for lot, bin_id, take in picks:
            self.ledger.take(lot, bin_id, take)
        return picks

    def _sales(self, planned: list[tuple[dt.date, str]]) -> None:
        rng = self.rng
        sales = []
        for when, state in planned:
            customer = rng.choice(self.catalog.customers)
            site = rng.choice(self.sites)
            after = when + dt.timedelta(days=customer.min_shelf_life_days or 0)
            stock: dict[int, float] = {}
            for lot, _bin, free in self.ledger.at_site(site.code, on=when,
                                                       expiring_after=after):
                stock[lot.item.id] = stock.get(lot.item.id, 0.0) + free
            candidates = [i for i in self.catalog.items if stock.get(i.id, 0) >= i.pack_size]
            if not candidates:
                self.skipped["sale"] = self.skipped.get("sale", 0) + 1
                continue
            items = rng.sample(candidates, k=min(len(candidates), rng.choice((1, 1, 2, 3))))
            lines = []
            for item in items:
                packs = max(1, int(stock[item.id] / item.pack_size * rng.uniform(0.1, 0.6)))
                qty = packs * item.pack_size
                # waiting orders take nothing: Tryton has not assigned their stock
                picks = [] if state == "waiting" else self._pick(site, item, qty, when, after)
                lines.append((item, qty, picks))
            party = self.customers[customer.id]
            sales.append((when, state, customer, site, lines, {
                "party": party.id, "invoice_address": self.addresses[party.id],
                "shipment_address": self.addresses[party.id], "warehouse": site.warehouse.id,
                "sale_date": when, "invoice_method": "manual", "shipment_method": "order",
                "payment_term": self.payment_term.id, "currency": self.currency_id,
                "reference": f"PO-{customer.code}-{rng.randint(1000, 9999)}",
                "lines": [("create", [
                    {"product": self.products[item.id].id, "description": item.name,
                     "quantity": qty, "unit": self.units[item.id],
                     "unit_price": self.list_prices[item.id]}
                    for item, qty, _picks in lines])],
            }))
        if not sales:
            return
        ids = self._create("sale.sale", [s[-1] for s in sales])
        self._button("sale.sale", "quote", ids)
        self._button("sale.sale", "confirm", ids)
        self._expect_state("sale.sale", ids, "processing")
        shipping = [(sale, row) for sale, row in zip(
            sales, self._read("sale.sale", ids, ["id", "shipments"]), strict=True)
            if sale[1] != "waiting"]
        if not shipping:
            return
        shipment_ids = [row["shipments"][0] for _sale, row in shipping]
        changes: list[tuple[int, dict[str, Any]]] = []
        move_changes: list[tuple[int, dict[str, Any]]] = []
        extra: list[dict[str, Any]] = []
        for (sale, _row), shipment in zip(shipping, self._read(
                "stock.shipment.out", shipment_ids, ["inventory_moves", "effective_date"]),
                strict=True):
            when, state, _customer, site, lines, _values = sale
            # (the planned date stays the one Tryton gives a sale's shipment: the day the sale was
            # confirmed, when the demo ran; a sale's shipping date may not be in the past)
            if state == "done":
                changes.append((shipment["id"], {"effective_date": when}))
            picks_of = {self.products[item.id].id: picks for item, _qty, picks in lines}
            for move in self._read("stock.move", shipment["inventory_moves"],
                                   ["product", "origin", "to_location", "unit"]):
                (lot, bin_id, qty), *rest = picks_of[move["product"]]
                move_changes.append((move["id"], {"lot": lot.id, "from_location": bin_id,
                                                  "quantity": qty}))
                for other, other_bin, other_qty in rest:
                    extra.append({
                        "product": move["product"], "unit": move["unit"],
                        "quantity": other_qty, "lot": other.id, "from_location": other_bin,
                        "to_location": move["to_location"], "origin": move["origin"],
                        "shipment": f"stock.shipment.out,{shipment['id']}",
                    })
        self._write_each("stock.shipment.out", changes)
        self._write_each("stock.move", move_changes)
        self._create("stock.move", extra)
        self._button("stock.shipment.out", "assign_try", shipment_ids)
        self._expect_state("stock.shipment.out", shipment_ids, "assigned")
        done = [shipment_id for (sale, _row), shipment_id in zip(shipping, shipment_ids,
                                                                 strict=True)
                if sale[1] == "done"]
        self._button("stock.shipment.out", "pick", done)
        self._button("stock.shipment.out", "pack", done)
        self._button("stock.shipment.out", "do", done)
        self._expect_state("stock.shipment.out", done, "done")
        for (sale, row) in shipping:
            when, state, customer, site, lines, _values = sale
            if state == "done":
                self.done_sales.append(_Sale(
                    row["id"], customer, site, when,
                    [(lot, qty) for _item, _q, picks in lines for lot, _bin, qty in picks]))

    # Customer returns, through Tryton's return sale

    def _return(self, when: dt.date) -> bool:
        from proteus import Wizard

        rng = self.rng
        shipped = [s for s in self.done_sales
                   if s.day < when - dt.timedelta(days=2) and not s.returned]
        if not shipped:
            return False
        original = rng.choice(shipped)
        original.returned = True
        lot, sold = original.picks[0]
        quantity = max(1.0, float(int(sold * rng.choice((0.1, 0.25, 0.5)))))
        sale = self.Sale(original.id)
        wizard = Wizard("sale.return_sale", [sale], config=self.config)
        wizard.execute("return_")
        returned = self.Sale.find([("origin", "=", f"sale.sale,{original.id}"),
                                   ("state", "=", "draft")])[0]
        product_id = self.products[lot.item.id].id
        kept = False
        for line in list(returned.lines):
            if not kept and line.product and line.product.id == product_id:
                line.quantity = -quantity
                kept = True
            else:
                returned.lines.remove(line)
        returned.sale_date = when
        returned.description = f"Customer return: lot {lot.number}"
        returned.save()
        returned.click("quote")
        returned.click("confirm")
        shipment = returned.shipment_returns[0]
        shipment.planned_date = when
        shipment.effective_date = when
        for move in shipment.incoming_moves:
            move.lot = self.Lot(lot.id)
        shipment.save()
        shipment.click("receive")
        for move in shipment.inventory_moves:
            move.to_location = original.site.returns_bin
            move.planned_date = when
        shipment.save()
        shipment.click("do")
        # Returned goods wait in the returns area; the ledger does not offer them again.
        return bool(shipment.state == "done")

    def _say(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)
