"""Schema `erp`: what the ERP owns. Lotproof ships these tables so it runs end to end; in a real
installation they belong to the company's ERP and Lotproof reads them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base

SCHEMA = "erp_builtin"  # the built-in ERP; `erp` is the interface (views)
TZ = TIMESTAMP(timezone=True)
QTY = Numeric(14, 3)

LOCATION_KINDS = ("warehouse", "zone", "bin", "dock", "staging", "returns", "in_transit")
MOVEMENT_KINDS = (
    "receipt",
    "putaway",
    "transfer_out",
    "transfer_in",
    "pick",
    "shipment",
    "return",
    "adjustment",
    "split",
    "repack",
    "relabel",
    "kit",
    "blend",
    "rework",
    "scrap",
)
TRANSFORMATION_KINDS = ("split", "repack", "relabel", "kit", "blend", "rework")
LOT_ORIGINS = ("receipt", "return", *TRANSFORMATION_KINDS)
SUPPLIER_STATUSES = ("approved", "conditional", "pending", "suspended", "disqualified")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    gln: Mapped[str | None] = mapped_column(Text)


class Location(Base):
    __tablename__ = "locations"
    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        CheckConstraint(_in("kind", LOCATION_KINDS), name="kind"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.sites.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("erp_builtin.locations.id"))
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)


class Item(Base):
    __tablename__ = "items"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(Text, unique=True)
    gtin: Mapped[str | None] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text, index=True)
    category: Mapped[str] = mapped_column(Text)
    uom: Mapped[str] = mapped_column(Text)
    lot_controlled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    hazardous: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    required_documents: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]")
    )
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 4), server_default=text("0"))


class Supplier(Base):
    __tablename__ = "suppliers"
    __table_args__ = (
        CheckConstraint(_in("approval_status", SUPPLIER_STATUSES), name="approval_status"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text, index=True)
    country: Mapped[str | None] = mapped_column(Text)
    approval_status: Mapped[str] = mapped_column(Text, server_default=text("'approved'"))
    contact_name: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(Text)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text, index=True)
    min_shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    contact_name: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(Text)
    ship_to: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    po_number: Mapped[str] = mapped_column(Text, unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.suppliers.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.sites.id"))
    ordered_at: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, server_default=text("'open'"))


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.purchase_orders.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.items.id"))
    qty: Mapped[Decimal] = mapped_column(QTY)


class Receipt(Base):
    __tablename__ = "receipts"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    receipt_number: Mapped[str] = mapped_column(Text, unique=True)
    po_id: Mapped[int | None] = mapped_column(ForeignKey("erp_builtin.purchase_orders.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.suppliers.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.sites.id"))
    received_at: Mapped[dt.datetime] = mapped_column(TZ)
    packing_slip: Mapped[str | None] = mapped_column(Text)


class Lot(Base):
    __tablename__ = "lots"
    __table_args__ = (
        CheckConstraint(_in("origin", LOT_ORIGINS), name="origin"),
        Index("ix_lots_lot_code_lower", text("lower(lot_code) text_pattern_ops")),
        Index(
            "ix_lots_supplier_lot_code_lower",
            text("lower(supplier_lot_code) text_pattern_ops"),
        ),
        Index("ix_lots_item_id_lot_code", "item_id", "lot_code"),
        Index("ix_lots_supplier_id_lot_code", "supplier_id", "lot_code"),
        Index("ix_lots_expiry_date_lot_code", "expiry_date", "lot_code"),
        Index("ix_lots_manufacture_date_lot_code", "manufacture_date", "lot_code"),
        Index("ix_lots_supplier_lot_code_lot_code", "supplier_lot_code", "lot_code"),
        Index("ix_lots_created_at_lot_code", "created_at", "lot_code"),
        # Matching lot codes read from documents and labels (function from migration 0003).
        Index("ix_lots_supplier_lot_match_key", text("quality.lot_match_key(supplier_lot_code)")),
        Index("ix_lots_lot_code_match_key", text("quality.lot_match_key(lot_code)")),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lot_code: Mapped[str] = mapped_column(Text, unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.items.id"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("erp_builtin.suppliers.id"))
    supplier_lot_code: Mapped[str | None] = mapped_column(Text)
    manufacture_date: Mapped[dt.date | None] = mapped_column(Date)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(Text, server_default=text("'receipt'"))
    site_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.sites.id"))
    created_at: Mapped[dt.datetime] = mapped_column(TZ, server_default=func.now())


class ReceiptLine(Base):
    __tablename__ = "receipt_lines"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.receipts.id"), index=True)
    po_line_id: Mapped[int | None] = mapped_column(ForeignKey("erp_builtin.purchase_order_lines.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.items.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.lots.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.locations.id"))
    qty: Mapped[Decimal] = mapped_column(QTY)


class Stock(Base):
    __tablename__ = "stock"
    __table_args__ = (
        CheckConstraint("qty >= 0", name="qty_not_negative"),
        {"schema": SCHEMA},
    )

    lot_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.lots.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("erp_builtin.locations.id"), primary_key=True, index=True
    )
    qty: Mapped[Decimal] = mapped_column(QTY)


class Transfer(Base):
    __tablename__ = "transfers"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    transfer_number: Mapped[str] = mapped_column(Text, unique=True)
    from_site_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.sites.id"))
    to_site_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.sites.id"))
    shipped_at: Mapped[dt.datetime] = mapped_column(TZ)
    received_at: Mapped[dt.datetime | None] = mapped_column(TZ)
    status: Mapped[str] = mapped_column(Text)


class Transformation(Base):
    __tablename__ = "transformations"
    __table_args__ = (
        CheckConstraint(_in("kind", TRANSFORMATION_KINDS), name="kind"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(Text, unique=True)
    kind: Mapped[str] = mapped_column(Text)
    site_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.sites.id"))
    performed_at: Mapped[dt.datetime] = mapped_column(TZ)


class LotGenealogy(Base):
    """One edge parent -> child of a transformation, with the parent quantity consumed."""

    __tablename__ = "lot_genealogy"
    __table_args__ = (
        CheckConstraint(_in("transformation", TRANSFORMATION_KINDS), name="transformation"),
        Index("ix_lot_genealogy_parent_lot_id_child_lot_id", "parent_lot_id", "child_lot_id"),
        Index("ix_lot_genealogy_child_lot_id_parent_lot_id", "child_lot_id", "parent_lot_id"),
        Index("ix_lot_genealogy_created_at", "created_at"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    parent_lot_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.lots.id"))
    child_lot_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.lots.id"))
    qty: Mapped[Decimal] = mapped_column(QTY)
    transformation: Mapped[str] = mapped_column(Text)
    transformation_id: Mapped[int] = mapped_column(
        ForeignKey("erp_builtin.transformations.id"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(TZ)


class SalesOrder(Base):
    __tablename__ = "sales_orders"
    __table_args__ = (
        Index("ix_sales_orders_status_open", "status", postgresql_where=text("status = 'open'")),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_number: Mapped[str] = mapped_column(Text, unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.customers.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.sites.id"))
    ordered_at: Mapped[dt.datetime] = mapped_column(TZ)
    requested_date: Mapped[dt.date | None] = mapped_column(Date)
    ship_to: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default=text("'open'"))


class SalesOrderLine(Base):
    __tablename__ = "sales_order_lines"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.sales_orders.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.items.id"))
    qty: Mapped[Decimal] = mapped_column(QTY)
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))


class Invoice(Base):
    """A customer invoice of a sales order, with what is still open on it."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("amount_open >= 0 AND amount_open <= amount", name="open_within_amount"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    invoice_number: Mapped[str] = mapped_column(Text, unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.sales_orders.id"), index=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    invoiced_at: Mapped[dt.datetime] = mapped_column(TZ)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    amount_open: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class Allocation(Base):
    """A lot reserved for a sales order line (a recall's flag on it is Lotproof's:
    quality.allocation_flags)."""

    __tablename__ = "allocations"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.sales_order_lines.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.lots.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("erp_builtin.locations.id"))
    qty: Mapped[Decimal] = mapped_column(QTY)
    status: Mapped[str] = mapped_column(Text, server_default=text("'open'"))
    allocated_at: Mapped[dt.datetime] = mapped_column(TZ, server_default=func.now())


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shipment_number: Mapped[str] = mapped_column(Text, unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.customers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("erp_builtin.sales_orders.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.sites.id"))
    ship_to: Mapped[str | None] = mapped_column(Text)
    shipped_at: Mapped[dt.datetime] = mapped_column(TZ, index=True)
    carrier: Mapped[str | None] = mapped_column(Text)


class ShipmentLine(Base):
    __tablename__ = "shipment_lines"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.shipments.id"), index=True)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("erp_builtin.sales_order_lines.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.lots.id"), index=True)
    qty: Mapped[Decimal] = mapped_column(QTY)


class CustomerReturn(Base):
    __tablename__ = "returns"
    __table_args__ = {"schema": SCHEMA}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    rma_number: Mapped[str] = mapped_column(Text, unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.customers.id"))
    shipment_line_id: Mapped[int | None] = mapped_column(ForeignKey("erp_builtin.shipment_lines.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.lots.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.locations.id"))
    qty: Mapped[Decimal] = mapped_column(QTY)
    returned_at: Mapped[dt.datetime] = mapped_column(TZ)
    reason_code: Mapped[str] = mapped_column(Text)


class Movement(Base):
    """Every movement of a lot. Stock of a lot at a location equals what moved in minus what moved
    out: `to_location_id` receives `qty`, `from_location_id` gives it up (NULL = outside)."""

    __tablename__ = "movements"
    __table_args__ = (
        CheckConstraint(_in("kind", MOVEMENT_KINDS), name="kind"),
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint(
            "from_location_id IS NOT NULL OR to_location_id IS NOT NULL", name="has_location"
        ),
        Index("ix_movements_lot_id_moved_at", "lot_id", "moved_at"),
        Index("ix_movements_moved_at", "moved_at"),
        {"schema": SCHEMA},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    lot_id: Mapped[int] = mapped_column(ForeignKey("erp_builtin.lots.id"))
    qty: Mapped[Decimal] = mapped_column(QTY)
    from_location_id: Mapped[int | None] = mapped_column(ForeignKey("erp_builtin.locations.id"))
    to_location_id: Mapped[int | None] = mapped_column(ForeignKey("erp_builtin.locations.id"))
    moved_at: Mapped[dt.datetime] = mapped_column(TZ)
    reference: Mapped[str | None] = mapped_column(Text)
    transfer_id: Mapped[int | None] = mapped_column(BigInteger)
    shipment_line_id: Mapped[int | None] = mapped_column(BigInteger)
    transformation_id: Mapped[int | None] = mapped_column(BigInteger)
    receipt_line_id: Mapped[int | None] = mapped_column(BigInteger)
