"""The recall report and the customer notification list, as PDFs (reportlab)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from app.db.queries.decisions import SignatureLine
from app.db.queries.recall_costs import RecallCosts
from app.db.queries.recalls import BalanceLine, RecallRow
from app.db.queries.trace import StockAt, TracedLot
from app.reports.pdf_layout import BODY, H1, H2, SMALL, build, key_values, para, table

MAX_LOT_ROWS = 400


@dataclass(frozen=True)
class CustomerLine:
    customer: str
    contact: str
    ship_to: str
    shipments: int
    lots: str
    qty: Decimal
    value: Decimal
    first: str
    last: str


@dataclass(frozen=True)
class RecallReportData:
    recall: RecallRow
    lots: list[TracedLot]
    stock: list[StockAt]
    customers: list[CustomerLine]
    open_orders: int
    open_order_qty: Decimal
    totals: dict[str, Decimal]
    balance: list[BalanceLine]
    balance_total: BalanceLine
    signatures: list[SignatureLine]
    generated_by: str
    costs: RecallCosts


def _q(value: Decimal) -> str:
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def _when(value: dt.datetime | None) -> str:
    return "—" if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def render_report(data: RecallReportData) -> bytes:
    r = data.recall
    kind = "Mock recall (exercise — nothing held, nothing sent)" if r.is_mock else "Recall"
    story: list[Flowable] = [
        Paragraph(f"{kind} {r.number}", H1),
        key_values([
            ("Class", r.recall_class), ("Reason", r.reason),
            ("Regulator reference", r.regulator_reference or "—"),
            ("Source lots", ", ".join(r.sources)),
            ("Opened", f"{_when(r.opened_at)} by {r.opened_by_name or r.opened_by}"),
            ("Lots held", _when(r.held_at)), ("Report complete", _when(r.report_completed_at)),
            ("State", r.state),
        ]),
        Paragraph("Impact", H2),
        table(["Lots in scope", "On hand", "In transit", "Shipped", "Customers",
               "Open orders", "Exposure (shipped x unit cost)"],
              [[len(data.lots), _q(data.totals["on_hand"]), _q(data.totals["in_transit"]),
                _q(data.totals["shipped"]), len(data.customers),
                f"{data.open_orders} ({_q(data.open_order_qty)})",
                f"{data.totals['exposure']:,.2f}"]]),
        *_costs(data.costs),
        Paragraph("Mass balance", H2),
        para("Every quantity of the recalled lots and their descendants, from the movement "
             "records: what came in must equal what went out plus what is still here. A "
             "recall (and a mock recall) is judged by whether the unexplained difference "
             "closes to zero.", BODY),
        Spacer(1, 2 * mm),
        table(["", "Received", "Produced", "Returned", "Adjusted +", "Consumed", "Shipped",
               "Scrapped", "Adjusted −", "On hand", "In transit", "Unexplained"],
              [[b.lot_code, *(_q(getattr(b, f)) for f in (
                  "received", "produced", "returned", "adjusted_in", "consumed", "shipped",
                  "scrapped", "adjusted_out", "on_hand", "in_transit")), _q(b.unexplained)]
               for b in [data.balance_total]]),
        Paragraph("Customers", H2),
        table(["Customer", "Contact", "Ship-to", "Shipments", "Quantity", "Value", "First",
               "Last"],
              [[c.customer, c.contact, c.ship_to, c.shipments, _q(c.qty), f"{c.value:,.2f}",
                c.first, c.last] for c in data.customers] or [["No shipments", "", "", "", "",
                                                              "", "", ""]],
              [30 * mm, 30 * mm, 32 * mm, 13 * mm, 14 * mm, 15 * mm, 18 * mm, 18 * mm],
              plain=True),
        Paragraph("Actions and signatures", H2),
    ]
    if data.signatures:
        story.append(table(["Meaning", "Signed by", "Date and time", "Signature"],
                           [[s.meaning, f"{s.printed_name} ({s.role_title})",
                             _when(s.signed_at), "valid" if s.valid else "NOT VALID"]
                            for s in data.signatures]))
    else:
        story.append(para("No lots were held under this recall"
                          + (" (a mock recall holds nothing)." if r.is_mock else "."), BODY))
    story += [PageBreak(), Paragraph("Affected lots and genealogy", H2)]
    shown = data.lots[:MAX_LOT_ROWS]
    story.append(table(["Depth", "Lot", "Via", "Item", "Status", "Path"],
                       [[lot.depth, lot.lot_code, lot.via or "source", lot.item, lot.status,
                         " > ".join(lot.path[-4:])] for lot in shown],
                       [11 * mm, 22 * mm, 14 * mm, 48 * mm, 18 * mm, 57 * mm], plain=True))
    if len(data.lots) > MAX_LOT_ROWS:
        story.append(para(f"… and {len(data.lots) - MAX_LOT_ROWS} more lots (see the CSV trace "
                          "export).", SMALL))
    story += [Paragraph("Stock still held", H2),
              table(["Lot", "Site", "Location", "Quantity", "In transit"],
                    [[s.lot_code, s.site, s.location, _q(s.qty), s.transfer or ("yes" if
                      s.in_transit else "")] for s in data.stock[:MAX_LOT_ROWS]]
                    or [["None", "", "", "", ""]],
                    [30 * mm, 20 * mm, 40 * mm, 30 * mm, 50 * mm], plain=True)]
    return build(story, title=f"{kind} {r.number}", generated_by=data.generated_by)


def _costs(costs: RecallCosts) -> list[Flowable]:
    """What the recall costs, and the stock that can replace what the customers must return."""
    m = costs.money
    shipped = m(costs.shipped_value)
    if costs.unpriced_lines:
        shipped += f" ({costs.unpriced_lines} shipment line(s) without a sales price not counted)"
    out: list[Flowable] = [
        Paragraph("What it costs", H2),
        key_values([
            ("Stock in hand, at cost", m(costs.stock_value)),
            ("Stock in transit, at cost", m(costs.in_transit_value)),
            ("Shipped, at the sales price", shipped),
            ("Open receivables on the affected orders", m(costs.open_receivables)),
            ("Replacement stock, at cost", m(costs.replacement_cost)),
        ]),
    ]
    if costs.receivables:
        out += [Spacer(1, 2 * mm), table(
            ["Invoice", "Order", "Customer", "Invoiced", "Due", "Amount", "Open"],
            [[r.invoice, r.order, r.customer, f"{r.invoiced_at:%Y-%m-%d}",
              r.due_date.isoformat() if r.due_date else "—", f"{r.amount:,.2f}",
              f"{r.open:,.2f}"] for r in costs.receivables[:MAX_LOT_ROWS]],
            [22 * mm, 22 * mm, 46 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm], plain=True)]
    out += [Paragraph("Substitute stock", H2),
            para("For each customer and item to replace: lots of the same item, or of an item "
                 "compliance accepts as its equivalent, that this customer's rules allow "
                 "(shelf life, excluded suppliers and lots, documents), first expiring first. "
                 "None of the recall's own lots.", BODY), Spacer(1, 2 * mm)]
    rows: list[list[object]] = []
    for need in costs.needs:
        subs = costs.substitutes_for(need)
        head = [need.customer, f"{need.item_sku} {_q(need.qty)} {need.uom}"]
        if not subs:
            rows.append([*head, "none left", "", "", "", f"short {_q(need.short)}"])
        for n, x in enumerate(subs):
            rows.append([*(head if n == 0 else ["", ""]),
                         x.lot_code + (f" ({x.item_sku}, equivalent)" if x.equivalent else ""),
                         x.expiry_date.isoformat() if x.expiry_date else "—", _q(x.take),
                         f"{x.value:,.2f}",
                         f"short {_q(need.short)}" if n == len(subs) - 1 and need.short else ""])
    out.append(table(["Customer", "To replace", "Substitute lot", "Expires", "Take",
                      f"Cost ({costs.currency})", "Not covered"],
                     rows[:MAX_LOT_ROWS] or [["Nothing to replace", "", "", "", "", "", ""]],
                     [40 * mm, 30 * mm, 38 * mm, 20 * mm, 16 * mm, 18 * mm, 18 * mm],
                     plain=True))
    return out


def render_notifications(data: RecallReportData) -> bytes:
    r = data.recall
    story: list[Flowable] = [
        Paragraph(f"Customer notification list — {r.number}", H1),
        para(f"{'MOCK RECALL — do not send. ' if r.is_mock else ''}Class {r.recall_class}: "
             f"{r.reason}. Source lots: {', '.join(r.sources)}.", BODY),
        Spacer(1, 3 * mm),
        table(["Customer", "Contact", "Ship-to", "Shipments", "Lots", "Quantity", "Shipped"],
              [[c.customer, c.contact, c.ship_to, c.shipments, c.lots, _q(c.qty),
                f"{c.first} – {c.last}"] for c in data.customers]
              or [["No customer received these lots", "", "", "", "", "", ""]],
              [32 * mm, 30 * mm, 35 * mm, 14 * mm, 30 * mm, 15 * mm, 24 * mm], plain=True),
    ]
    return build(story, title=f"Notification list {r.number}", generated_by=data.generated_by)
