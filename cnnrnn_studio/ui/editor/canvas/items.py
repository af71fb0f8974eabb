"""Block cards and their ports. Items only draw; what they show comes from the graph and the
analysis through the scene, and a drag on them is turned into editor commands by the scene."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ....blocks import REGISTRY
from ....graph import Block
from ...shell import theme
from ..geometry import CARD_H, CARD_W, HEADER_H, PORT_HIT_R, PORT_R
from ..icons import paint_glyph

SUMMARY_H = 24   # the key-parameters row under the header
SHAPE_H = 20
_fonts: dict[str, QFont] = {}


def font(kind: str) -> QFont:
    """Fonts in scene pixels, so cards scale with the zoom and look alike on every screen."""
    if kind not in _fonts:
        f = QFontDatabase.systemFont(QFontDatabase.FixedFont) if kind == "mono" else QFont()
        f.setPixelSize({"title": 13, "id": 11, "body": 12, "mono": 12, "small": 11, "badge": 12}[kind])
        if kind in ("title", "badge"):
            f.setBold(True)
        _fonts[kind] = f
    return _fonts[kind]


def compact_count(n: int) -> str:
    if n < 10_000:
        return f"{n:,}"
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.2f}M"


class PortItem(QGraphicsEllipseItem):
    """An input (left) or output (right) port; dragging from it draws a link."""

    def __init__(self, block: "BlockItem", is_output: bool):
        super().__init__(-PORT_R, -PORT_R, 2 * PORT_R, 2 * PORT_R, block)
        self.block_item = block
        self.is_output = is_output
        self.setPos(CARD_W if is_output else 0.0, CARD_H / 2)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CrossCursor)
        self.setZValue(2)
        self.hot = False
        self._restyle()
        self.setToolTip("Drag to another block's input to link them" if is_output
                        else "Drag here from another block's output (or drag back to one)")

    def boundingRect(self) -> QRectF:
        return QRectF(-PORT_HIT_R, -PORT_HIT_R, 2 * PORT_HIT_R, 2 * PORT_HIT_R)

    def shape(self) -> QPainterPath:
        # a grab area wider than the drawn circle: at 78 % zoom a small port is a few pixels across
        path = QPainterPath()
        path.addEllipse(self.boundingRect())
        return path

    def _restyle(self) -> None:
        t = theme.current()
        color = QColor(REGISTRY[self.block_item.type_id].color) if self.block_item.type_id in REGISTRY \
            else QColor(t.card_border)
        self.setPen(QPen(color, 2.2))
        self.setBrush(QBrush(color if self.hot else QColor(t.port)))

    def set_hot(self, hot: bool) -> None:
        if hot != self.hot:
            self.hot = hot
            self._restyle()

    def hoverEnterEvent(self, event) -> None:
        self.set_hot(True)

    def hoverLeaveEvent(self, event) -> None:
        self.set_hot(False)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            self.scene().start_link_drag(self, event.scenePos())
            event.accept()
        else:
            event.ignore()

    def mouseMoveEvent(self, event) -> None:
        self.scene().update_link_drag(event.scenePos())

    def mouseReleaseEvent(self, event) -> None:
        self.scene().finish_link_drag(event.scenePos())


def _greyed(c: QColor) -> QColor:
    """A frozen block's header: its colour, mostly drained towards grey."""
    grey = (c.red() + c.green() + c.blue()) // 3
    return QColor((c.red() + 3 * grey) // 4, (c.green() + 3 * grey) // 4, (c.blue() + 3 * grey) // 4)


def _paint_lock(p: QPainter, r: QRectF, color: QColor) -> None:
    """A padlock in r: the shackle over a body."""
    p.save()
    p.setPen(QPen(color, 1.6))
    p.setBrush(Qt.NoBrush)
    w = r.width()
    p.drawArc(QRectF(r.x() + w * 0.22, r.y(), w * 0.56, r.height() * 0.75), 0, 180 * 16)
    p.drawLine(QPointF(r.x() + w * 0.22, r.y() + r.height() * 0.37), QPointF(r.x() + w * 0.22, r.y() + r.height() * 0.5))
    p.drawLine(QPointF(r.x() + w * 0.78, r.y() + r.height() * 0.37), QPointF(r.x() + w * 0.78, r.y() + r.height() * 0.5))
    p.setPen(Qt.NoPen)
    p.setBrush(color)
    p.drawRoundedRect(QRectF(r.x(), r.y() + r.height() * 0.45, w, r.height() * 0.55), 2, 2)
    p.restore()


class BlockItem(QGraphicsItem):
    """A block as a card: header (icon, label, id), key parameters, output shape and weights."""

    def __init__(self, block: Block):
        super().__init__()
        self.block_id = block.id
        self.type_id = block.type
        spec = REGISTRY.get(block.type)
        self.label = spec.label if spec else f"{block.type} (unknown)"
        self.color = QColor(spec.color if spec else "#9e9e9e")
        self.summary = ""
        self.shape_text = ""
        self.count_text = ""
        self.severity = ""  # "", "error" or "warning"
        self.messages: list[str] = []
        self.frozen = False  # "Train this block" off: a greyed header and a lock
        self.setFlag(QGraphicsItem.ItemIsSelectable)
        self.setFlag(QGraphicsItem.ItemSendsGeometryChanges, False)
        self.setAcceptHoverEvents(True)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.in_port = PortItem(self, False) if (spec is None or spec.max_inputs != 0) else None
        self.out_port = PortItem(self, True) if (spec is None or spec.has_output) else None
        self.links: set = set()  # LinkItems touching this card, kept by the scene
        self.set_block(block)

    # --- what it shows ------------------------------------------------------------------
    def set_block(self, block: Block) -> None:
        self.block_id = block.id
        spec = REGISTRY.get(block.type)
        summary = ""
        if spec is not None:
            try:
                summary = spec.short_summary(spec.resolve_params(block.params))
            except Exception:  # a bad value is reported by the analysis; the card just shows less
                summary = ""
        self.summary = summary
        self.frozen = block.frozen
        if block.position is not None:
            self.setPos(QPointF(*block.position))
        self._refresh_tooltip()
        self.update()

    def set_analysis(self, shape: str, count: str, severity: str, messages: list[str]) -> bool:
        state = (shape, count, severity, messages)
        if state == (self.shape_text, self.count_text, self.severity, self.messages):
            return False
        self.shape_text, self.count_text, self.severity, self.messages = shape, count, severity, messages
        self._refresh_tooltip()
        self.update()
        return True

    def _refresh_tooltip(self) -> None:
        spec = REGISTRY.get(self.type_id)
        lines = [f"<b>{self.label}</b> &nbsp;<span style='color:gray'>{self.block_id}</span>"]
        if self.shape_text:
            lines.append(f"Output shape: <b>{self.shape_text}</b>")
        if self.frozen:
            lines.append("Frozen: training leaves its weights as they are (Train this block is off).")
        for m in self.messages:
            lines.append(f"<span style='color:{theme.current().error}'>{m}</span>")
        if not self.messages and spec is not None:
            lines.append(f"<span style='color:gray'>{spec.help}</span>")
        self.setToolTip("<p style='white-space:pre-wrap; max-width: 380px'>" + "<br>".join(lines) + "</p>")

    # --- geometry and painting ------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(-PORT_R - 3, -12, CARD_W + 2 * PORT_R + 6, CARD_H + 18)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, CARD_W, CARD_H), 8, 8)
        return path

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        t = theme.current()
        r = QRectF(0, 0, CARD_W, CARD_H)
        p.setRenderHint(QPainter.Antialiasing)
        # shadow
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(0, 0, 0, 60 if t.dark else 28))
        p.drawRoundedRect(r.translated(0, 2.5), 8, 8)
        # body
        p.setBrush(QColor(t.card))
        p.drawRoundedRect(r, 8, 8)
        # header band in the block's colour
        head = QPainterPath()
        head.addRoundedRect(r, 8, 8)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, CARD_W, HEADER_H))
        p.setBrush(_greyed(self.color) if self.frozen else self.color)
        p.drawPath(head.intersected(clip))
        paint_glyph(p, QRectF(8, 5, 16, 16), self.type_id)
        # header text: the label first (it says what the block is), the id in the room left
        fid, ft = font("id"), font("title")
        label_w = QFontMetricsF(ft).horizontalAdvance(self.label)
        id_full = QFontMetricsF(fid).horizontalAdvance(self.block_id) + 2
        room = CARD_W - 30 - 8
        id_w = min(id_full, max(room - label_w - 10, 34.0))
        p.setFont(fid)
        p.setPen(QColor(255, 255, 255, 215))
        id_text = QFontMetricsF(fid).elidedText(self.block_id, Qt.ElideMiddle, id_w)
        p.drawText(QRectF(CARD_W - 8 - id_w, 0, id_w, HEADER_H), Qt.AlignVCenter | Qt.AlignRight, id_text)
        p.setFont(ft)
        p.setPen(QColor("#ffffff"))
        label_room = room - id_w - 8
        p.drawText(QRectF(30, 0, label_room, HEADER_H), Qt.AlignVCenter | Qt.AlignLeft,
                   QFontMetricsF(ft).elidedText(self.label, Qt.ElideRight, label_room))
        # key parameters
        fb = font("body")
        p.setFont(fb)
        row = QRectF(10, HEADER_H, CARD_W - 20, SUMMARY_H)
        if self.summary:
            p.setPen(QColor(t.card_text))
            p.drawText(row, Qt.AlignVCenter | Qt.AlignLeft,
                       QFontMetricsF(fb).elidedText(self.summary, Qt.ElideRight, row.width()))
        # output shape, then the number of weights
        top = HEADER_H + SUMMARY_H
        p.setPen(QPen(QColor(t.card_border), 1))
        p.drawLine(QPointF(1, top), QPointF(CARD_W - 1, top))
        fm = font("mono")
        p.setFont(fm)
        shape_row = QRectF(10, top + 2, CARD_W - 20, SHAPE_H)
        if self.shape_text:
            p.setPen(QColor(t.shape_text))
            p.drawText(shape_row, Qt.AlignVCenter | Qt.AlignLeft,
                       QFontMetricsF(fm).elidedText("→ " + self.shape_text, Qt.ElideRight, shape_row.width()))
        else:
            p.setPen(QColor(t.error if self.severity == "error" else t.card_muted))
            p.drawText(shape_row, Qt.AlignVCenter | Qt.AlignLeft, "→ ?")
        if self.count_text:
            p.setFont(font("small"))
            p.setPen(QColor(t.card_muted))
            p.drawText(QRectF(10, top + 2 + SHAPE_H, CARD_W - 20, CARD_H - top - 4 - SHAPE_H),
                       Qt.AlignVCenter | Qt.AlignLeft, self.count_text)
        if self.frozen:
            _paint_lock(p, QRectF(CARD_W - 22, top + 2 + SHAPE_H + 1, 12, 14), QColor(t.card_muted))
        # outline: selection, error, warning
        p.setBrush(Qt.NoBrush)
        if self.severity == "error":
            p.setPen(QPen(QColor(t.error), 2.6))
        elif self.severity == "warning":
            p.setPen(QPen(QColor(t.warning), 2.0, Qt.DashLine))
        else:
            p.setPen(QPen(QColor(t.card_border), 1))
        p.drawRoundedRect(r, 8, 8)
        if self.isSelected():
            p.setPen(QPen(QColor(t.accent), 2.4))
            p.drawRoundedRect(r.adjusted(-4, -4, 4, 4), 11, 11)
        if self.severity:
            c = QColor(t.error if self.severity == "error" else t.warning)
            p.setPen(QPen(QColor(t.card), 1.5))
            p.setBrush(c)
            centre = QPointF(CARD_W - 2, -2)
            p.drawEllipse(centre, 9, 9)
            p.setPen(QColor("#ffffff"))
            p.setFont(font("badge"))
            p.drawText(QRectF(centre.x() - 9, centre.y() - 9, 18, 18), Qt.AlignCenter, "!")

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemSelectedHasChanged:
            self.setZValue(1 if value else 0)
        return super().itemChange(change, value)

    # --- dragging (turned into editor.move by the scene) ----------------------------------------
    def mousePressEvent(self, event) -> None:
        super().mousePressEvent(event)
        if event.button() == Qt.LeftButton:
            self.scene().begin_block_drag(event.scenePos())

    def mouseMoveEvent(self, event) -> None:
        self.scene().drag_blocks(event.scenePos())

    def mouseReleaseEvent(self, event) -> None:
        self.scene().end_block_drag()
        super().mouseReleaseEvent(event)
