"""Links between cards, and the rubber link drawn while the person drags from a port."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QGraphicsTextItem

from ...shell import theme
from ..geometry import CARD_H, CARD_W, PORT_R
from .items import BlockItem, font

ARROW = 7.0


def link_path(a: QPointF, b: QPointF, a_rect: QRectF | None = None, b_rect: QRectF | None = None) -> QPainterPath:
    """A smooth curve from an output port to an input port.

    Forward links are a horizontal S-curve. A link that goes back left (a wrapped layout, or a
    loop being fixed) runs out right, along the gap between the two cards' rows, then in from the left.
    """
    path = QPainterPath(a)
    if b.x() >= a.x() - 40:  # forward, or cards nearly on top of each other: an S-curve reads best
        dx = max((b.x() - a.x()) * 0.5, 30.0)
        path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
        return path
    ar = a_rect or QRectF(a.x() - CARD_W, a.y() - CARD_H / 2, CARD_W, CARD_H)
    br = b_rect or QRectF(b.x(), b.y() - CARD_H / 2, CARD_W, CARD_H)
    if br.top() > ar.bottom() + 8:
        mid = (ar.bottom() + br.top()) / 2
    elif ar.top() > br.bottom() + 8:
        mid = (br.bottom() + ar.top()) / 2
    else:
        mid = max(ar.bottom(), br.bottom()) + 30
    out_x, in_x, r = a.x() + 24, b.x() - 24, 14.0
    sy = 1 if mid > a.y() else -1
    ey = 1 if b.y() > mid else -1
    path.lineTo(out_x - r, a.y())
    path.quadTo(QPointF(out_x, a.y()), QPointF(out_x, a.y() + sy * r))
    path.lineTo(out_x, mid - sy * r)
    path.quadTo(QPointF(out_x, mid), QPointF(out_x - r, mid))
    path.lineTo(in_x + r, mid)
    path.quadTo(QPointF(in_x, mid), QPointF(in_x, mid + ey * r))
    path.lineTo(in_x, b.y() - ey * r)
    path.quadTo(QPointF(in_x, b.y()), QPointF(in_x + r, b.y()))
    path.lineTo(b)
    return path


class LinkItem(QGraphicsPathItem):
    def __init__(self, src: BlockItem, dst: BlockItem, port: int, show_port: bool = False):
        super().__init__()
        self.src_item, self.dst_item, self.port = src, dst, port
        self.show_port = show_port
        self.setFlag(QGraphicsItem.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(-1)
        self.hover = False
        self.shape_text = ""
        self.update_path()

    @property
    def key(self) -> tuple[str, str]:
        return self.src_item.block_id, self.dst_item.block_id

    def ends(self) -> tuple[QPointF, QPointF]:
        a = self.src_item.pos() + QPointF(CARD_W + PORT_R, CARD_H / 2)
        b = self.dst_item.pos() + QPointF(-PORT_R - ARROW, CARD_H / 2)
        return a, b

    def update_path(self) -> None:
        a, b = self.ends()
        self.setPath(link_path(a, b, self.src_item.sceneBoundingRect(), self.dst_item.sceneBoundingRect()))

    def set_shape_text(self, text: str) -> None:
        if text != self.shape_text:
            self.shape_text = text
            self.setToolTip(f"{self.key[0]} → {self.key[1]}" + (f": {text}" if text else "")
                            + "\nClick to select, Delete to remove.")

    def shape(self) -> QPainterPath:
        s = QPainterPathStroker()
        s.setWidth(12)
        return s.createStroke(self.path())

    def boundingRect(self) -> QRectF:
        return super().boundingRect().adjusted(-ARROW - 14, -ARROW - 14, ARROW + 14, ARROW + 14)

    def hoverEnterEvent(self, event) -> None:
        self.hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self.hover = False
        self.update()

    def paint(self, p: QPainter, option, widget=None) -> None:
        t = theme.current()
        selected = self.isSelected()
        color = QColor(t.link_selected if (selected or self.hover) else t.link)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(QPen(color, 3.0 if selected else 2.0, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        p.setBrush(Qt.NoBrush)
        p.drawPath(self.path())
        end = self.path().currentPosition()
        tip = end + QPointF(ARROW, 0)
        p.setPen(Qt.NoPen)
        p.setBrush(QBrush(color))
        p.drawPolygon(QPolygonF([tip, end + QPointF(0, -ARROW * 0.7), end + QPointF(0, ARROW * 0.7)]))
        if self.show_port:  # merge blocks: which input this is (Concat keeps this order)
            p.setFont(font("small"))
            p.setPen(QColor(t.card_muted))
            p.drawText(QRectF(end.x() - 22, end.y() - 18, 20, 14), Qt.AlignRight | Qt.AlignVCenter, str(self.port + 1))


BUBBLE_PAD = 2.0
BUBBLE_WIDTH = 280.0


class PendingLink(QGraphicsPathItem):
    """The rubber link under the mouse while linking; green over a valid port, red with the
    reason when the link would be refused."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(10)
        # the reason a link is refused, in a box of its own so it reads over the cards beneath
        self.bubble = QGraphicsRectItem(self)
        self.bubble.setZValue(11)
        self.label = QGraphicsTextItem(self.bubble)
        self.label.setFont(font("body"))
        self.set_state(None, "")

    def set_state(self, ok: bool | None, reason: str) -> None:
        t = theme.current()
        color = QColor(t.link if ok is None else (t.ok if ok else t.error))
        self.setPen(QPen(color, 2.4, Qt.DashLine if ok is None else Qt.SolidLine, Qt.RoundCap))
        if reason != self.label.toPlainText():
            self.label.setTextWidth(-1)
            self.label.setPlainText(reason)
            if self.label.boundingRect().width() > BUBBLE_WIDTH:  # a long reason wraps onto lines
                self.label.setTextWidth(BUBBLE_WIDTH)
        self.label.setDefaultTextColor(QColor(t.text))
        r = self.label.boundingRect()
        self.label.setPos(BUBBLE_PAD, BUBBLE_PAD)
        self.bubble.setRect(QRectF(0, 0, r.width() + 2 * BUBBLE_PAD, r.height() + 2 * BUBBLE_PAD))
        self.bubble.setBrush(QColor(t.base))
        self.bubble.setPen(QPen(QColor(t.error), 1.2))
        self.bubble.setVisible(bool(reason))

    def set_ends(self, a: QPointF, b: QPointF, output_first: bool) -> None:
        src, dst = (a, b) if output_first else (b, a)
        path = QPainterPath(src)
        dx = max(abs(dst.x() - src.x()) * 0.5, 30.0)
        path.cubicTo(QPointF(src.x() + dx, src.y()), QPointF(dst.x() - dx, dst.y()), dst)
        self.setPath(path)
        pos = b + QPointF(14, 10)
        views = self.scene().views() if self.scene() is not None else []
        if views:  # near the right edge of the view: the box goes left of the pointer, in sight
            seen = views[0].mapToScene(views[0].viewport().rect()).boundingRect()
            if pos.x() + self.bubble.rect().width() > seen.right():
                pos.setX(max(seen.left(), b.x() - 14 - self.bubble.rect().width()))
        self.bubble.setPos(pos)

    def paint(self, p: QPainter, option, widget=None) -> None:
        p.setRenderHint(QPainter.Antialiasing)
        super().paint(p, option, widget)
