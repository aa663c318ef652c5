"""Recalls as recorded: the list (with mock-recall times), one recall, its scope, mass balance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from app.db.queries.decisions import SignatureLine

TRANSFORMATIONS = ("split", "repack", "relabel", "kit", "blend", "rework")


@dataclass(frozen=True)
class RecallRow:
    id: int
    number: str
    is_mock: bool
    reason: str
    recall_class: str
    regulator_reference: str | None
    state: str
    opened_by: str
    opened_by_name: str | None
    opened_at: dt.datetime
    held_at: dt.datetime | None
    report_completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    sources: list[str]
    lots: int
    held: int
    summary: dict[str, Any] | None

    @property
    def minutes_to_report(self) -> float | None:
        if self.report_completed_at is None:
            return None
        return (self.report_completed_at - self.opened_at).total_seconds() / 60


_RECALLS = """
    SELECT r.id, r.number, r.is_mock, r.reason, r.recall_class, r.regulator_reference, r.state,
           r.opened_by, u.printed_name, r.opened_at, r.held_at, r.report_completed_at,
           r.closed_at,
           ARRAY(SELECT l.lot_code FROM quality.recall_lots rl JOIN quality.lots l ON l.id = rl.lot_id
                 WHERE rl.recall_id = r.id AND rl.role = 'source' ORDER BY l.lot_code),
           (SELECT count(*) FROM quality.recall_lots rl WHERE rl.recall_id = r.id),
           (SELECT count(*) FROM quality.recall_lots rl WHERE rl.recall_id = r.id AND rl.held),
           r.summary
    FROM quality.recalls r LEFT JOIN quality.users u ON u.username = r.opened_by
"""


def recalls(conn: Connection, *, mock: bool | None = None) -> list[RecallRow]:
    where = "" if mock is None else "WHERE r.is_mock = :mock"
    return [RecallRow(*row) for row in conn.execute(
        text(f"{_RECALLS} {where} ORDER BY r.opened_at DESC"), {"mock": mock})]


def recall(conn: Connection, recall_id: int) -> RecallRow | None:
    row = conn.execute(text(f"{_RECALLS} WHERE r.id = :id"), {"id": recall_id}).first()
    return RecallRow(*row) if row else None


@dataclass(frozen=True)
class BalanceLine:
    """Where a lot's quantity went. `unexplained` is what the records do not account for."""

    lot_code: str
    uom: str
    received: Decimal
    produced: Decimal
    returned: Decimal
    adjusted_in: Decimal
    consumed: Decimal
    shipped: Decimal
    scrapped: Decimal
    adjusted_out: Decimal
    on_hand: Decimal
    in_transit: Decimal

    @property
    def unexplained(self) -> Decimal:
        into = self.received + self.produced + self.returned + self.adjusted_in
        out = self.consumed + self.shipped + self.scrapped + self.adjusted_out
        return into - out - self.on_hand - self.in_transit


def mass_balance(conn: Connection, lot_codes: list[str]) -> list[BalanceLine]:
    rows = conn.execute(text("""
        WITH lots AS (SELECT l.id, l.lot_code, i.uom FROM quality.lots l
                      JOIN erp.items i ON i.id = l.item_id WHERE l.lot_code = ANY(:codes)),
        moved AS (
            SELECT m.lot_id,
              sum(m.qty) FILTER (WHERE m.kind = 'receipt') AS received,
              sum(m.qty) FILTER (WHERE m.kind = ANY(:tx) AND m.from_location_id IS NULL) AS produced,
              sum(m.qty) FILTER (WHERE m.kind = 'return') AS returned,
              sum(m.qty) FILTER (WHERE m.kind = 'adjustment' AND m.from_location_id IS NULL) AS adj_in,
              sum(m.qty) FILTER (WHERE m.kind = ANY(:tx) AND m.to_location_id IS NULL) AS consumed,
              sum(m.qty) FILTER (WHERE m.kind = 'shipment') AS shipped,
              sum(m.qty) FILTER (WHERE m.kind = 'scrap') AS scrapped,
              sum(m.qty) FILTER (WHERE m.kind = 'adjustment' AND m.to_location_id IS NULL) AS adj_out
            FROM erp.movements m WHERE m.lot_id IN (SELECT id FROM lots) GROUP BY m.lot_id),
        held AS (
            SELECT s.lot_id,
              sum(s.qty) FILTER (WHERE loc.kind <> 'in_transit') AS on_hand,
              sum(s.qty) FILTER (WHERE loc.kind = 'in_transit') AS in_transit
            FROM erp.stock s JOIN erp.locations loc ON loc.id = s.location_id
            WHERE s.lot_id IN (SELECT id FROM lots) GROUP BY s.lot_id)
        SELECT l.lot_code, l.uom,
               coalesce(m.received, 0), coalesce(m.produced, 0), coalesce(m.returned, 0),
               coalesce(m.adj_in, 0), coalesce(m.consumed, 0), coalesce(m.shipped, 0),
               coalesce(m.scrapped, 0), coalesce(m.adj_out, 0),
               coalesce(h.on_hand, 0), coalesce(h.in_transit, 0)
        FROM lots l LEFT JOIN moved m ON m.lot_id = l.id LEFT JOIN held h ON h.lot_id = l.id
        ORDER BY l.lot_code"""), {"codes": lot_codes, "tx": list(TRANSFORMATIONS)})
    return [BalanceLine(*r) for r in rows]


def balance_total(lines: list[BalanceLine]) -> BalanceLine:
    numeric = [f.name for f in fields(BalanceLine) if f.name not in ("lot_code", "uom")]
    sums = {name: sum((getattr(line, name) for line in lines), Decimal(0)) for name in numeric}
    uoms = {line.uom for line in lines}
    return BalanceLine("all lots", uoms.pop() if len(uoms) == 1 else "mixed", **sums)


def recall_signatures(conn: Connection, recall_id: int) -> list[SignatureLine]:
    return [SignatureLine(*r) for r in conn.execute(text(
        "SELECT id, printed_name, username, role, meaning, signed_at, "
        "quality.signature_valid(id) FROM quality.signatures "
        "WHERE record_type = 'recall' AND record_id = :r ORDER BY id"), {"r": recall_id})]
