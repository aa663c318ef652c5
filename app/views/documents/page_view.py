"""One page of a stored document, drawn with a highlight over the box a value was read from."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter, QPaintEvent, QPen
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.views.style import colour

RENDER_WIDTH = 1100  # pixels: sharp enough to read a COA table at normal zoom


class PageSource:
    """Pages of a PDF (QtPdf) or an image file (one frame per page), with their size in points."""

    def __init__(self, content: bytes, mime_type: str) -> None:
        self._bytes = QByteArray(content)
        self._pdf: QPdfDocument | None = None
        self._frames: list[QImage] = []
        if mime_type == "application/pdf":
            self._buffer = QBuffer(self._bytes)
            self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            self._pdf = QPdfDocument()
            self._pdf.load(self._buffer)
        else:
            buffer = QBuffer(self._bytes)
            buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            reader = QImageReader(buffer)
            while True:
                frame = reader.read()
                if frame.isNull():
                    break
                self._frames.append(frame)
                if not reader.jumpToNextImage():
                    break

    @property
    def page_count(self) -> int:
        return self._pdf.pageCount() if self._pdf is not None else len(self._frames)

    def render(self, page: int) -> QImage:
        """Page `page` (1-based) as an image RENDER_WIDTH pixels wide."""
        if self._pdf is not None:
            points = self._pdf.pagePointSize(page - 1)
            if points.width() <= 0:
                return QImage()
            height = int(RENDER_WIDTH * points.height() / points.width())
            return self._pdf.render(page - 1, QSize(RENDER_WIDTH, height))
        if 1 <= page <= len(self._frames):
            return self._frames[page - 1].scaledToWidth(
                RENDER_WIDTH, Qt.TransformationMode.SmoothTransformation)
        return QImage()


class PageView(QWidget):
    """Draws the page and the highlighted box; boxes are in page points (x0, top, x1, bottom)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("pageView")
        self._image = QImage()
        self._page_width_pt = 1.0
        self._highlight: tuple[float, float, float, float] | None = None
        self._weak = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def show_page(self, image: QImage, page_width_pt: float) -> None:
        self._image = image
        self._page_width_pt = page_width_pt or 1.0
        self._highlight = None
        self.setMinimumHeight(int(image.height() * self._scale_to_widget()) if image.width() else 0)
        self.update()

    def highlight(self, bbox: list[float] | None, *, weak: bool = False) -> None:
        self._highlight = (bbox[0], bbox[1], bbox[2], bbox[3]) if bbox and len(bbox) == 4 else None
        self._weak = weak
        self.update()

    @property
    def highlighted(self) -> tuple[float, float, float, float] | None:
        return self._highlight

    def highlight_rect(self) -> QRectF | None:
        """Where the highlight is drawn, in widget pixels."""
        if self._highlight is None or self._image.isNull():
            return None
        k = self._scale_to_widget() * self._image.width() / self._page_width_pt
        x0, top, x1, bottom = self._highlight
        return QRectF(x0 * k, top * k, (x1 - x0) * k, (bottom - top) * k).adjusted(-3, -3, 3, 3)

    def _scale_to_widget(self) -> float:
        return self.width() / self._image.width() if self._image.width() else 1.0

    def sizeHint(self) -> QSize:
        return QSize(700, 900)

    def resizeEvent(self, event: object) -> None:
        if self._image.width():
            self.setMinimumHeight(int(self._image.height() * self._scale_to_widget()))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), colour("document.page_background"))
        if not self._image.isNull():
            scale = self._scale_to_widget()
            page = QRectF(0, 0, self._image.width() * scale, self._image.height() * scale)
            painter.fillRect(page, colour("document.paper"))  # rendered PDF pages are transparent
            painter.drawImage(page, self._image)
        rect = self.highlight_rect()
        if rect is not None:
            edge = colour("document.highlight_weak" if self._weak else "document.highlight")
            painter.setPen(QPen(edge, 2))
            fill = QColor(edge)
            fill.setAlpha(50)
            painter.fillRect(rect, fill)
            painter.drawRect(rect)
        painter.end()
