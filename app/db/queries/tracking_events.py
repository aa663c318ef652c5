"""Critical tracking events (FSMA 204 CTEs) of lots, read from the ERP tables in a few queries.

One `TrackingEvent` per event as the ERP recorded it:
- receiving: a receipt line (from a supplier), a transfer arriving at a site (`transfer_in`
  movement), a customer return;
- shipping: a shipment line (to a customer), a transfer leaving a site (`transfer_out` movement);
- transformation: one per `erp.transformations` row (split, repack, relabel, kit, blend, rework)
  with every input lot and quantity consumed and every output lot and quantity produced.

The readers take lot ids (or an item and a date range) and run one query per kind of event for
all the lots at once, never one query per lot. The spreadsheet (FSMA 204) and EPCIS writers in
`app.reports` turn these into rows and documents.

Traceability lot code: the ERP's `lot_code`, assigned by the company when the lot was created —
at receipt or by a transformation — at the lot's site (`quality.lots.site_id`), which is therefore
the traceability lot code source. The supplier's own lot code is carried beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Connection, text

CteType = Literal["receiving", "shipping", "transformation"]
EventSource = Literal["receipt", "transfer_in", "return", "shipment", "transfer_out",
                      "transformation"]
CTE_TYPES: tuple[CteType, ...] = ("receiving", "shipping", "transformation")


@dataclass(frozen=True)
class Site:
    """One of the company's own sites (a distribution center) with its GLN when known."""

    id: int
    code: str
    name: str
    address: str | None
    gln: str | None

    @property
    def description(self) -> str:
        return f"{self.name}, {self.address}" if self.address else self.name


@dataclass(frozen=True)
class Party:
    """A trading partner outside the company: a supplier or a customer (no GLN in the ERP)."""

    kind: Literal["supplier", "customer"]
    code: str
    name: str
    address: str | None
    country: str | None

    @property
    def description(self) -> str:
        parts = [self.name, self.address, self.country]
        return ", ".join(p for p in parts if p)


Place = Site | Party


@dataclass(frozen=True)
class LotRef:
    """A lot with what an export needs to describe it: product and where its code was assigned."""

    id: int
    lot_code: str
    supplier_lot_code: str | None
    origin: str
    item_sku: str
    item_gtin: str | None
    product_description: str
    uom: str
    manufacture_date: dt.date | None
    expiry_date: dt.date | None
    tlc_source: Site  # where the traceability lot code was assigned


@dataclass(frozen=True)
class LotQuantity:
    lot: LotRef
    qty: Decimal


@dataclass(frozen=True)
class Reference:
    """A business document behind an event: ("Purchase Order", "PO00000012")."""

    type: str
    number: str


@dataclass(frozen=True)
class TrackingEvent:
    """One critical tracking event.

    `lots` is what the event is about: the lot shipped or received (one entry), or the lots a
    transformation produced. `inputs` is what a transformation consumed (empty otherwise).
    `site` is where the event happened (receiving site, shipping site, transformation site) and
    `sub_location` the location code there (bin, dock, staging area), when the ERP records it.
    """

    cte: CteType
    source: EventSource
    key: str  # unique and stable, e.g. "shipment_line:42"
    occurred_at: dt.datetime
    site: Site
    sub_location: str | None
    ship_from: Place | None
    ship_to: Place | None
    partner: Party | None
    reference: Reference
    other_references: tuple[Reference, ...]
    carrier: str | None
    lots: tuple[LotQuantity, ...]
    inputs: tuple[LotQuantity, ...] = ()
    transformation_kind: str | None = None
    transfer_status: str | None = None

    @property
    def all_lots(self) -> tuple[LotQuantity, ...]:
        return self.inputs + self.lots


class LotsNotFound(LookupError):
    def __init__(self, codes: Sequence[str]) -> None:
        super().__init__(f"no lot {', '.join(repr(c) for c in codes)}")
        self.codes = list(codes)


class ItemNotFound(LookupError):
    pass


# ----------------------------------------------------------------------------- lot selection
def lot_ids_for_codes(conn: Connection, codes: Iterable[str]) -> list[int]:
    """The ids of lots by their exact lot codes, in the order given; LotsNotFound names any
    code that matches no lot."""
    wanted = list(dict.fromkeys(codes))
    found = {
        code: lot_id
        for code, lot_id in conn.execute(
            text("SELECT lot_code, id FROM quality.lots WHERE lot_code = ANY(:codes)"),
            {"codes": wanted},
        )
    }
    missing = [c for c in wanted if c not in found]
    if missing:
        raise LotsNotFound(missing)
    return [int(found[c]) for c in wanted]


def genealogy_lot_ids(conn: Connection, lot_ids: Sequence[int], *, ancestors: bool = True,
                      descendants: bool = True) -> list[int]:
    """The lots given plus, transitively, their source lots (`ancestors`) and the lots made from
    them (`descendants`), by recursive queries over the indexed genealogy edges."""
    ids = sorted(set(lot_ids))
    result = set(ids)
    directions = []
    if descendants:
        directions.append(("parent_lot_id", "child_lot_id"))
    if ancestors:
        directions.append(("child_lot_id", "parent_lot_id"))
    for start, step in directions:
        result.update(
            conn.execute(
                text(
                    f"""
                    WITH RECURSIVE walk(id) AS (
                        SELECT unnest(CAST(:ids AS bigint[]))
                        UNION
                        SELECT g.{step} FROM erp.lot_genealogy g JOIN walk ON g.{start} = walk.id
                    )
                    SELECT id FROM walk
                    """
                ),
                {"ids": ids},
            ).scalars()
        )
    return sorted(result)


# ----------------------------------------------------------------------------- readers
def events_for_lots(conn: Connection, lot_ids: Sequence[int], *,
                    since: dt.datetime | None = None,
                    until: dt.datetime | None = None) -> list[TrackingEvent]:
    """Every CTE that involves any of the lots, oldest first; `since` (inclusive) and `until`
    (exclusive) limit the event time when given."""
    ids = sorted(set(lot_ids))
    if not ids:
        return []
    return _Reader(conn, ids, since, until).read()


def events_for_item(conn: Connection, sku: str, date_from: dt.date, date_to: dt.date, *,
                    tz: dt.tzinfo = dt.UTC) -> list[TrackingEvent]:
    """Every CTE involving a lot of the item (by SKU) on the days `date_from`..`date_to`
    (inclusive, calendar days in `tz`). A transformation whose input is a lot of the item is
    included with all its inputs and outputs, whatever item those are."""
    if date_to < date_from:
        raise ValueError(f"date range ends ({date_to}) before it starts ({date_from})")
    item = conn.execute(text("SELECT id FROM erp.items WHERE sku = :sku"), {"sku": sku}).first()
    if item is None:
        raise ItemNotFound(f"no item {sku!r}")
    ids = list(
        conn.execute(text("SELECT id FROM quality.lots WHERE item_id = :item"), {"item": item[0]})
        .scalars()
    )
    since = dt.datetime.combine(date_from, dt.time(), tz)
    until = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tz)
    return events_for_lots(conn, ids, since=since, until=until)


_SOURCE_ORDER = {"receipt": 0, "transfer_in": 1, "return": 2, "transformation": 3,
                 "transfer_out": 4, "shipment": 5}


def _sort_key(event: TrackingEvent) -> tuple[dt.datetime, int, str]:
    return (event.occurred_at, _SOURCE_ORDER[event.source], event.key)


class _Reader:
    """The queries of one read: each kind of event for all lots at once, then the lots seen."""

    def __init__(self, conn: Connection, ids: list[int], since: dt.datetime | None,
                 until: dt.datetime | None) -> None:
        self.conn = conn
        # The movement behind a shipment line (for its staging location) happens at the time of
        # the shipment; a day either side narrows that lookup without ever dropping an event.
        day = dt.timedelta(days=1)
        self.params: dict[str, Any] = {
            "ids": ids, "since": since, "until": until,
            "since_wide": since - day if since else None,
            "until_wide": until + day if until else None,
        }
        self.since = since
        self.until = until
        self.sites = {
            row.id: Site(row.id, row.code, row.name, row.address, row.gln)
            for row in conn.execute(text("SELECT id, code, name, address, gln FROM erp.sites"))
        }
        self.lot_ids: set[int] = set(ids)

    def _when(self, column: str, *, wide: bool = False) -> str:
        suffix = "_wide" if wide else ""
        parts = []
        if self.since is not None:
            parts.append(f" AND {column} >= :since{suffix}")
        if self.until is not None:
            parts.append(f" AND {column} < :until{suffix}")
        return "".join(parts)

    def _rows(self, sql: str) -> list[Any]:
        return list(self.conn.execute(text(sql), self.params))

    def read(self) -> list[TrackingEvent]:
        receipts = self._rows(
            """
            SELECT rl.id, r.receipt_number, r.received_at, r.site_id, loc.code AS location,
                   rl.lot_id, rl.qty, s.code AS s_code, s.name AS s_name, s.country AS s_country,
                   po.po_number, r.packing_slip
            FROM erp.receipt_lines rl
            JOIN erp.receipts r ON r.id = rl.receipt_id
            LEFT JOIN erp.locations loc ON loc.id = rl.location_id
            LEFT JOIN erp.suppliers s ON s.id = r.supplier_id
            LEFT JOIN erp.purchase_orders po ON po.id = r.po_id
            WHERE rl.lot_id = ANY(:ids)""" + self._when("r.received_at")
        )
        shipments = self._rows(
            """
            WITH out_moves AS (
                SELECT m.shipment_line_id, m.from_location_id
                FROM erp.movements m
                WHERE m.lot_id = ANY(:ids) AND m.kind = 'shipment'
                  AND m.shipment_line_id IS NOT NULL""" + self._when("m.moved_at", wide=True) + """
            )
            SELECT sl.id, s.shipment_number, s.shipped_at, s.site_id, sl.lot_id, sl.qty,
                   c.code AS c_code, c.name AS c_name, coalesce(s.ship_to, c.ship_to) AS ship_to,
                   c.country AS c_country, s.carrier, so.order_number, loc.code AS location
            FROM erp.shipment_lines sl
            JOIN erp.shipments s ON s.id = sl.shipment_id
            JOIN erp.customers c ON c.id = s.customer_id
            LEFT JOIN erp.sales_orders so ON so.id = s.order_id
            LEFT JOIN out_moves om ON om.shipment_line_id = sl.id
            LEFT JOIN erp.locations loc ON loc.id = om.from_location_id
            WHERE sl.lot_id = ANY(:ids)""" + self._when("s.shipped_at")
        )
        transfers = self._rows(
            """
            SELECT m.id, m.kind, m.lot_id, m.qty, m.moved_at, t.transfer_number,
                   t.from_site_id, t.to_site_id, t.status, fl.code AS from_code,
                   tl.code AS to_code
            FROM erp.movements m
            JOIN erp.transfers t ON t.id = m.transfer_id
            LEFT JOIN erp.locations fl ON fl.id = m.from_location_id
            LEFT JOIN erp.locations tl ON tl.id = m.to_location_id
            WHERE m.lot_id = ANY(:ids) AND m.kind IN ('transfer_out', 'transfer_in')"""
            + self._when("m.moved_at")
        )
        returns = self._rows(
            """
            SELECT r.id, r.rma_number, r.returned_at, loc.site_id, loc.code AS location,
                   r.lot_id, r.qty, r.reason_code, c.code AS c_code, c.name AS c_name,
                   c.ship_to, c.country AS c_country, s.shipment_number
            FROM erp.returns r
            JOIN erp.customers c ON c.id = r.customer_id
            JOIN erp.locations loc ON loc.id = r.location_id
            LEFT JOIN erp.shipment_lines sl ON sl.id = r.shipment_line_id
            LEFT JOIN erp.shipments s ON s.id = sl.shipment_id
            WHERE r.lot_id = ANY(:ids)""" + self._when("r.returned_at")
        )
        edges = self._rows(
            """
            WITH touched AS (
                SELECT transformation_id FROM erp.lot_genealogy WHERE parent_lot_id = ANY(:ids)
                UNION
                SELECT transformation_id FROM erp.lot_genealogy WHERE child_lot_id = ANY(:ids)
            )
            SELECT t.id, t.number, t.kind, t.site_id, t.performed_at,
                   g.parent_lot_id, g.child_lot_id, g.qty
            FROM touched
            JOIN erp.transformations t ON t.id = touched.transformation_id
            JOIN erp.lot_genealogy g ON g.transformation_id = t.id
            WHERE true""" + self._when("t.performed_at") + " ORDER BY t.id, g.id"
        )
        # Position of lot_id in each row above.
        for rows, at in ((receipts, 5), (shipments, 4), (transfers, 2), (returns, 5)):
            self.lot_ids.update(r[at] for r in rows)
        for e in edges:
            self.lot_ids.update((e[5], e[6]))
        produced = self._produced(edges)
        lots = self._lots()

        events: list[TrackingEvent] = []
        events += (self._receipt(r, lots) for r in receipts)
        customers: dict[tuple[str, str | None], Party] = {}
        events += (self._shipment(r, lots, customers) for r in shipments)
        events += (self._transfer(r, lots) for r in transfers)
        events += (self._return(r, lots) for r in returns)
        events += self._transformations(edges, produced, lots)
        events.sort(key=_sort_key)
        return events

    # -------------------------------------------------------------- lots and quantities
    def _lots(self) -> dict[int, LotRef]:
        rows = self.conn.execute(
            text(
                """
                SELECT l.id, l.lot_code, l.supplier_lot_code, l.origin, l.site_id,
                       l.manufacture_date, l.expiry_date, i.sku, i.gtin, i.name, i.uom
                FROM quality.lots l JOIN erp.items i ON i.id = l.item_id
                WHERE l.id = ANY(:ids)
                """
            ),
            {"ids": sorted(self.lot_ids)},
        )
        return {
            int(r.id): LotRef(int(r.id), r.lot_code, r.supplier_lot_code, r.origin, r.sku, r.gtin,
                              r.name, r.uom, r.manufacture_date, r.expiry_date,
                              self.sites[r.site_id])
            for r in rows
        }

    def _produced(self, edges: list[Any]) -> dict[tuple[int, int], Decimal]:
        """Quantity of each output lot a transformation produced, from its production movement
        (for a kit or blend this is the sum of the parts, not any one genealogy edge)."""
        if not edges:
            return {}
        rows = self.conn.execute(
            text(
                """
                SELECT m.transformation_id, m.lot_id, sum(m.qty)
                FROM erp.movements m
                WHERE m.lot_id = ANY(:children) AND m.transformation_id = ANY(:tids)
                  AND m.to_location_id IS NOT NULL AND m.from_location_id IS NULL
                GROUP BY m.transformation_id, m.lot_id
                """
            ),
            {"children": sorted({e[6] for e in edges}), "tids": sorted({e[0] for e in edges})},
        )
        return {(int(t), int(lot)): Decimal(q) for t, lot, q in rows}

    # -------------------------------------------------------------- one event per row
    # Rows are unpacked by position: attribute access on rows costs more than building the
    # event, and a recall export builds tens of thousands of them.
    def _receipt(self, r: Any, lots: dict[int, LotRef]) -> TrackingEvent:
        (line_id, number, received_at, site_id, location, lot_id, qty, s_code, s_name,
         s_country, po_number, packing_slip) = r
        site = self.sites[site_id]
        supplier = Party("supplier", s_code, s_name, None, s_country) if s_code else None
        others = []
        if po_number:
            others.append(Reference("Purchase Order", po_number))
        if packing_slip:
            others.append(Reference("Packing Slip", packing_slip))
        return TrackingEvent(
            cte="receiving", source="receipt", key=f"receipt_line:{line_id}",
            occurred_at=received_at, site=site, sub_location=location,
            ship_from=supplier, ship_to=site, partner=supplier,
            reference=Reference("Receipt", number), other_references=tuple(others),
            carrier=None, lots=(LotQuantity(lots[lot_id], qty),),
        )

    def _shipment(self, r: Any, lots: dict[int, LotRef],
                  customers: dict[tuple[str, str | None], Party]) -> TrackingEvent:
        (line_id, number, shipped_at, site_id, lot_id, qty, c_code, c_name, ship_to, c_country,
         carrier, order_number, location) = r
        site = self.sites[site_id]
        customer = customers.get((c_code, ship_to))
        if customer is None:
            customer = customers[(c_code, ship_to)] = Party("customer", c_code, c_name, ship_to,
                                                            c_country)
        others = (Reference("Sales Order", order_number),) if order_number else ()
        return TrackingEvent(
            cte="shipping", source="shipment", key=f"shipment_line:{line_id}",
            occurred_at=shipped_at, site=site, sub_location=location,
            ship_from=site, ship_to=customer, partner=customer,
            reference=Reference("Shipment", number), other_references=others,
            carrier=carrier, lots=(LotQuantity(lots[lot_id], qty),),
        )

    def _transfer(self, r: Any, lots: dict[int, LotRef]) -> TrackingEvent:
        (move_id, kind, lot_id, qty, moved_at, number, from_site, to_site, status, from_code,
         to_code) = r
        origin, destination = self.sites[from_site], self.sites[to_site]
        leaving = kind == "transfer_out"
        return TrackingEvent(
            cte="shipping" if leaving else "receiving",
            source="transfer_out" if leaving else "transfer_in",
            key=f"movement:{move_id}", occurred_at=moved_at,
            site=origin if leaving else destination,
            sub_location=from_code if leaving else to_code,
            ship_from=origin, ship_to=destination, partner=None,
            reference=Reference("Transfer", number), other_references=(),
            carrier=None, lots=(LotQuantity(lots[lot_id], qty),),
            transfer_status=status,
        )

    def _return(self, r: Any, lots: dict[int, LotRef]) -> TrackingEvent:
        (return_id, rma, returned_at, site_id, location, lot_id, qty, reason, c_code, c_name,
         ship_to, c_country, shipment_number) = r
        site = self.sites[site_id]
        customer = Party("customer", c_code, c_name, ship_to, c_country)
        others = [Reference("Return Reason", reason)] if reason else []
        if shipment_number:
            others.insert(0, Reference("Shipment", shipment_number))
        return TrackingEvent(
            cte="receiving", source="return", key=f"return:{return_id}",
            occurred_at=returned_at, site=site, sub_location=location,
            ship_from=customer, ship_to=site, partner=customer,
            reference=Reference("Return Authorization", rma),
            other_references=tuple(others), carrier=None,
            lots=(LotQuantity(lots[lot_id], qty),),
        )

    def _transformations(self, edges: list[Any], produced: dict[tuple[int, int], Decimal],
                         lots: dict[int, LotRef]) -> list[TrackingEvent]:
        grouped: dict[int, list[Any]] = {}
        for e in edges:
            grouped.setdefault(e[0], []).append(e)
        events = []
        for tid, group in grouped.items():
            _, number, kind, site_id, performed_at, *_ = group[0]
            consumed: dict[int, Decimal] = {}
            made: dict[int, Decimal] = {}
            for *_, parent, child, qty in group:
                consumed[parent] = consumed.get(parent, Decimal(0)) + qty
                made[child] = made.get(child, Decimal(0)) + qty
            outputs = tuple(
                LotQuantity(lots[child], produced.get((tid, child), qty))
                for child, qty in made.items()
            )
            inputs = tuple(LotQuantity(lots[p], qty) for p, qty in consumed.items())
            events.append(TrackingEvent(
                cte="transformation", source="transformation", key=f"transformation:{tid}",
                occurred_at=performed_at, site=self.sites[site_id],
                sub_location=None, ship_from=None, ship_to=None, partner=None,
                reference=Reference("Work Order", number), other_references=(),
                carrier=None, lots=outputs, inputs=inputs, transformation_kind=kind,
            ))
        return events
