"""Shipments, the certificates their lines need or were issued, and the SDS revisions due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from app.db.errors import NotFound


@dataclass(frozen=True)
class ShipmentRow:
    id: int
    number: str
    shipped_at: dt.datetime
    customer: str
    order_number: str | None
    lines: int
    lots: list[str]
    certificates: list[str]  # the kinds the customer asks for


@dataclass(frozen=True)
class CertificateNeed:
    """One certificate a shipment line needs: can it be issued, and was it."""

    line_id: int
    position: int  # the line's place in its shipment, from 1
    lot_code: str
    item: str
    qty: Decimal
    kind: str
    required: bool  # the customer asks for it (else it is issued on request)
    blockers: list[str]
    issued_id: int | None


@dataclass(frozen=True)
class IssuedCertificate:
    id: int
    kind: str
    shipment_number: str
    lot_code: str
    content: dict[str, Any]
    sha256: str
    intact: bool
    issued_by: str
    issued_at: dt.datetime

    @property
    def number(self) -> str:
        return f"{'COA' if self.kind == 'coa' else 'COC'}-{self.id:06d}"


@dataclass(frozen=True)
class SdsDue:
    item_id: int
    item: str
    document_id: int | None
    revision_date: dt.date | None
    why: str


@dataclass(frozen=True)
class MissingSds:
    customer_id: int
    customer: str
    item_id: int
    item: str
    document_id: int | None
    revision_date: dt.date | None
    sent_revision: dt.date | None
    last_shipped: dt.datetime


_SHIPMENTS = """
    SELECT s.id, s.shipment_number, s.shipped_at, c.name, o.order_number,
           (SELECT count(*) FROM erp.shipment_lines sl WHERE sl.shipment_id = s.id),
           coalesce((SELECT array_agg(DISTINCT l.lot_code) FROM erp.shipment_lines sl
                     JOIN quality.lots l ON l.id = sl.lot_id WHERE sl.shipment_id = s.id), '{}'),
           quality.certificates_required(s.customer_id)
    FROM erp.shipments s
    JOIN erp.customers c ON c.id = s.customer_id
    LEFT JOIN erp.sales_orders o ON o.id = s.order_id
"""


def find_shipments(conn: Connection, query: str, limit: int = 200) -> list[ShipmentRow]:
    """Shipments whose number, order, customer or a shipped lot matches, newest first."""
    like = f"%{query.strip()}%"
    rows = conn.execute(text(_SHIPMENTS + """
        WHERE :q = '%%' OR s.shipment_number ILIKE :q OR o.order_number ILIKE :q
           OR c.name ILIKE :q OR c.code ILIKE :q
           OR EXISTS (SELECT 1 FROM erp.shipment_lines sl JOIN quality.lots l ON l.id = sl.lot_id
                      WHERE sl.shipment_id = s.id AND l.lot_code ILIKE :q)
        ORDER BY s.shipped_at DESC, s.id DESC LIMIT :n"""), {"q": like, "n": limit})
    return [ShipmentRow(*r) for r in rows]


def shipments_of_lot(conn: Connection, lot_code: str) -> list[ShipmentRow]:
    rows = conn.execute(text(_SHIPMENTS + """
        WHERE EXISTS (SELECT 1 FROM erp.shipment_lines sl JOIN quality.lots l ON l.id = sl.lot_id
                      WHERE sl.shipment_id = s.id AND l.lot_code = :lot)
        ORDER BY s.shipped_at DESC, s.id DESC"""), {"lot": lot_code})
    return [ShipmentRow(*r) for r in rows]


def shipment_id(conn: Connection, number: str) -> int:
    found = conn.execute(text("SELECT id FROM erp.shipments WHERE shipment_number = :n"),
                         {"n": number}).scalar()
    if found is None:
        raise NotFound(f"there is no shipment {number}")
    return int(found)


def line_ids(conn: Connection, shipment: int) -> list[int]:
    """The shipment's lines in their order; line N of the CLI is the Nth."""
    return [int(r[0]) for r in conn.execute(text(
        "SELECT id FROM erp.shipment_lines WHERE shipment_id = :s ORDER BY id"), {"s": shipment})]


def certificate_needs(conn: Connection, shipment: int) -> list[CertificateNeed]:
    positions = {line: n for n, line in enumerate(line_ids(conn, shipment), start=1)}
    return [CertificateNeed(r[0], positions[r[0]], r[1], r[2], r[3], r[4], r[5], list(r[6]), r[7])
            for r in conn.execute(text("SELECT * FROM quality.shipment_certificates(:s)"),
                                  {"s": shipment})]


def customer_of_line(conn: Connection, line: int) -> tuple[int, int]:
    """(customer id, lot id) of a shipment line."""
    customer, lot = conn.execute(text(
        "SELECT s.customer_id, sl.lot_id FROM erp.shipment_lines sl "
        "JOIN erp.shipments s ON s.id = sl.shipment_id WHERE sl.id = :l"), {"l": line}).one()
    return int(customer), int(lot)


def default_kind(conn: Connection, customer: int) -> str:
    """The kind a customer gets when it asks for none: its profile's, else a COA."""
    found = conn.execute(text(
        "SELECT kind FROM quality.certificate_profiles WHERE customer_id = :c "
        "ORDER BY version DESC LIMIT 1"), {"c": customer}).scalar()
    return str(found or "coa")


def issued(conn: Connection, certificate: int) -> IssuedCertificate:
    row = conn.execute(text("""
        SELECT c.id, c.kind, s.shipment_number, l.lot_code, c.content, c.sha256,
               quality.certificate_intact(c.id), coalesce(u.printed_name, c.issued_by), c.issued_at
        FROM quality.issued_certificates c
        JOIN erp.shipments s ON s.id = c.shipment_id
        JOIN quality.lots l ON l.id = c.lot_id
        LEFT JOIN quality.users u ON u.username = c.issued_by
        WHERE c.id = :c"""), {"c": certificate}).one_or_none()
    if row is None:
        raise NotFound(f"there is no certificate {certificate}")
    return IssuedCertificate(*row)


def sds_due(conn: Connection, shipment: int) -> list[SdsDue]:
    return [SdsDue(*r) for r in conn.execute(text("SELECT * FROM quality.sds_due(:s)"),
                                             {"s": shipment})]


def sds_content(conn: Connection, document: int) -> tuple[str, bytes]:
    name, content = conn.execute(text(
        "SELECT file_name, content FROM quality.documents WHERE id = :d"), {"d": document}).one()
    return str(name), bytes(content)


def customers_missing_sds(conn: Connection) -> list[MissingSds]:
    return [MissingSds(*r) for r in conn.execute(text(
        "SELECT * FROM quality.customers_missing_current_sds()"))]
