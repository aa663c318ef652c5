"""A lot's genealogy as a graph: parents to the left, children to the right, each node coloured by
its status; clicking a node opens that lot."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QMouseEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
)

from app.views.style import colour, status_colour
from app.workflows.trace import Trace

NODE_W, NODE_H = 150.0, 40.0
COLUMN_GAP, ROW_GAP = 70.0, 14.0
MAX_NODES_PER_SIDE = 300
MIN_SCALE = 0.85


class LotNode(QGraphicsRectItem):
    def __init__(self, lot_code: str, caption: str, status: str, start: bool) -> None:
        super().__init__(0, 0, NODE_W, NODE_H)
        self.lot_code = lot_code
        colour = status_colour(status)
        fill = QColor(colour)
        fill.setAlpha(40)
        self.setBrush(QBrush(fill))
        self.setPen(QPen(colour, 3 if start else 1.5))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{lot_code}\n{caption}\n{status.replace('_', ' ')}")
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        code = QGraphicsSimpleTextItem(lot_code, self)
        bold = QFont()
        bold.setBold(True)
        code.setFont(bold)
        code.setPos(6, 3)
        small = QFont()
        small.setPointSizeF(7.5)
        text = QGraphicsSimpleTextItem(caption[:26], self)
        text.setFont(small)
        text.setPos(6, 21)


class GenealogyView(QGraphicsView):
    lot_clicked = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("genealogyGraph")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setScene(QGraphicsScene(self))
        self.nodes: dict[str, LotNode] = {}

    def show_traces(self, start: str, backward: Trace, forward: Trace) -> None:
        scene = self.scene()
        scene.clear()
        self.nodes = {}
        columns: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        parent_of: dict[str, str] = {}
        for side, found in ((-1, backward), (1, forward)):
            for lot in found.lots[:MAX_NODES_PER_SIDE]:
                if lot.depth == 0 and side == -1:
                    continue  # the start lot is drawn once, from the forward trace
                columns[side * lot.depth].append((lot.lot_code, lot.item_sku + " " + lot.item,
                                                  lot.status))
                if lot.depth > 0:
                    parent_of[lot.lot_code] = lot.path[-2]
        for column, lots in columns.items():
            x = column * (NODE_W + COLUMN_GAP)
            top = -len(lots) * (NODE_H + ROW_GAP) / 2
            for row, (code, caption, status) in enumerate(sorted(lots)):
                node = LotNode(code, caption, status, code == start)
                node.setPos(x, top + row * (NODE_H + ROW_GAP))
                scene.addItem(node)
                self.nodes[code] = node
        pen = QPen(colour("trace.edge"), 1.2)
        for code, towards in parent_of.items():
            a, b = self.nodes.get(code), self.nodes.get(towards)
            if a is None or b is None:
                continue
            left, right = (b, a) if a.x() > b.x() else (a, b)
            p1 = QPointF(left.x() + NODE_W, left.y() + NODE_H / 2)
            p2 = QPointF(right.x(), right.y() + NODE_H / 2)
            path = QPainterPath(p1)
            mid = (p1.x() + p2.x()) / 2
            path.cubicTo(QPointF(mid, p1.y()), QPointF(mid, p2.y()), p2)
            edge = QGraphicsPathItem(path)
            edge.setPen(pen)
            edge.setZValue(-1)
            scene.addItem(edge)
        bounds = scene.itemsBoundingRect().adjusted(-20, -20, 20, 20)
        scene.setSceneRect(bounds)
        self.resetTransform()
        fit = min(self.viewport().width() / bounds.width(),
                  self.viewport().height() / min(bounds.height(), 900), 1.0)
        scale = max(fit, MIN_SCALE)  # stay readable: scroll rather than shrink further
        self.scale(scale, scale)
        start_node = self.nodes.get(start)
        if start_node is not None:
            self.centerOn(start_node)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        while item is not None and not isinstance(item, LotNode):
            item = item.parentItem()
        if isinstance(item, LotNode):
            self.lot_clicked.emit(item.lot_code)
        super().mousePressEvent(event)
