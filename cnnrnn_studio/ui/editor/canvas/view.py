"""The canvas view: zoom (wheel), pan (middle button or Space + drag), fit, rubber-band
selection, and drops from the palette (a block type) or of copied blocks."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QFrame, QGraphicsView

from ...shell import theme
from ..clipboard import from_mime
from ..editor import Editor
from ..geometry import CARD_H, CARD_W
from .links import LinkItem
from .scene import GraphScene

BLOCK_TYPE_MIME = "application/x-cnnrnn-studio-block-type"
MIN_ZOOM, MAX_ZOOM = 0.1, 3.0


def block_type_mime(type_id: str) -> QMimeData:
    """What the palette puts in a drag (and what tests and the self-test drop)."""
    mime = QMimeData()
    mime.setData(BLOCK_TYPE_MIME, type_id.encode("utf-8"))
    mime.setText(type_id)
    return mime


def block_type_from_mime(mime: QMimeData | None) -> str | None:
    if mime is None or not mime.hasFormat(BLOCK_TYPE_MIME):
        return None
    return bytes(mime.data(BLOCK_TYPE_MIME)).decode("utf-8", "replace")


class CanvasView(QGraphicsView):
    zoom_changed = Signal(float)

    def __init__(self, scene: GraphScene, editor: Editor, parent=None):
        super().__init__(scene, parent)
        self.editor = editor
        self.setObjectName("canvas")
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.DontSavePainterState, True)
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.NoFrame)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setSceneRect(QRectF(-5000, -5000, 10000, 10000))
        self._pan_from: QPointF | None = None
        self._space = False
        scene.changed.connect(self._grow_scene_rect)
        self._hint_shown = not scene.blocks
        scene.changed.connect(self._follow_hint)

    # --- zoom and pan -------------------------------------------------------------------
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, z: float) -> None:
        z = max(MIN_ZOOM, min(MAX_ZOOM, z))
        f = z / self.zoom()
        self.scale(f, f)
        self.zoom_changed.emit(self.zoom())

    def wheelEvent(self, event) -> None:
        dy = event.angleDelta().y() or event.pixelDelta().y()
        if dy:
            self.set_zoom(self.zoom() * (1.0015 ** dy))
        event.accept()

    def fit_all(self, max_zoom: float = 1.0, min_zoom: float = MIN_ZOOM) -> None:
        """Show every block; never zoom in past `max_zoom` (a small network stays life-size).

        If the whole network would need a zoom below `min_zoom`, show its start (the left) at
        that zoom instead of shrinking it to something unreadable.
        """
        r = self.scene().content_rect()
        vw, vh = max(self.viewport().width(), 1), max(self.viewport().height(), 1)
        z = max(MIN_ZOOM, min(max_zoom, vw / r.width(), vh / r.height()))
        self.resetTransform()
        if z < min_zoom:
            self.scale(min_zoom, min_zoom)
            self.centerOn(QPointF(r.left() + vw / (2 * min_zoom), r.center().y()))
        else:
            self.scale(z, z)
            self.centerOn(r.center())
        self.zoom_changed.emit(self.zoom())

    def _follow_hint(self, *_) -> None:
        """The empty canvas's hint is painted over the whole viewport: when the first block comes (or
        the last goes) all of it is repainted, or the words stay behind the cards where no item moved."""
        empty = not self.scene().blocks
        if empty != self._hint_shown:
            self._hint_shown = empty
            self.viewport().update()

    def _grow_scene_rect(self, *_):
        r = self.scene().itemsBoundingRect().adjusted(-3000, -3000, 3000, 3000)
        if not self.sceneRect().contains(r):
            self.setSceneRect(self.sceneRect().united(r))

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MiddleButton or (self._space and event.button() == Qt.LeftButton):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            d = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(d.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(d.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.OpenHandCursor)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            return
        super().keyReleaseEvent(event)

    # --- drops from the palette -----------------------------------------------------------------
    def _accepts(self, mime: QMimeData | None) -> bool:
        return block_type_from_mime(mime) is not None or from_mime(mime) is not None

    def dragEnterEvent(self, event) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        pos = self.mapToScene(event.position().toPoint())
        type_id = block_type_from_mime(mime)
        if type_id is not None:
            link = next((i for i in self.scene().items(pos) if isinstance(i, LinkItem)), None)
            if link is not None and self._can_insert(type_id):
                self.editor.insert_between(link.key[0], link.key[1], type_id, f"Insert {type_id}")
            else:
                self.editor.add_block(type_id, (pos.x() - CARD_W / 2, pos.y() - CARD_H / 2))
            event.acceptProposedAction()
            self.setFocus()
            return
        payload = from_mime(mime)
        if payload is not None:
            self.editor.paste(payload, at=(pos.x() - CARD_W / 2, pos.y() - CARD_H / 2))
            event.acceptProposedAction()
            return
        event.ignore()

    @staticmethod
    def _can_insert(type_id: str) -> bool:
        from ....blocks import REGISTRY

        spec = REGISTRY.get(type_id)
        return spec is not None and spec.max_inputs != 0 and spec.has_output

    # --- an empty canvas says what to do -----------------------------------------------------------
    def drawForeground(self, p: QPainter, rect: QRectF) -> None:
        if self.scene().blocks:
            return
        p.save()
        p.resetTransform()
        t = theme.current()
        f = QFont()
        f.setPixelSize(17)
        p.setFont(f)
        p.setPen(QColor(t.muted))
        p.drawText(self.viewport().rect().adjusted(40, 40, -40, -40), Qt.AlignCenter | Qt.TextWordWrap,
                   "Drag blocks here from the palette on the left,\n"
                   "then drag from a block's right port to the next block's left port to link them.\n\n"
                   "Or start from a template: File → New from template.")
        p.restore()
