"""Acting as a person would: the events a mouse and keyboard send, for the self-test and tests.

Drops are QDragEnter/Move/Drop events on the canvas viewport carrying the palette's own drag
data (a simulated mouse drag would not start a real QDrag). Links are made by pressing on a
port, moving and releasing over another port, so the scene's own handlers do the work. Form
fields get typed text and Return, check boxes get clicks, combo boxes get arrow keys.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLineEdit, QWidget

from ..ui.editor.canvas.view import CanvasView
from ..ui.editor.fields import BoolField, ChoiceField, ParamField, TextField
from ..ui.editor.geometry import CARD_H, CARD_W


def drop_mime(view: CanvasView, mime, scene_pos: QPointF) -> None:
    """Drag `mime` over the canvas and drop it at `scene_pos` (scrolled into view first)."""
    view.centerOn(scene_pos)
    QApplication.processEvents()
    vp = view.viewport()
    p = QPointF(view.mapFromScene(scene_pos))
    actions = Qt.CopyAction | Qt.MoveAction
    # Qt's drag enter/move events take an integer QPoint (PySide6 before 6.12 refuses QPointF);
    # the drop event takes a QPointF.
    ip = p.toPoint()
    for ev in (QDragEnterEvent(ip, actions, mime, Qt.LeftButton, Qt.NoModifier),
               QDragMoveEvent(ip, actions, mime, Qt.LeftButton, Qt.NoModifier)):
        QApplication.sendEvent(vp, ev)
    QApplication.sendEvent(vp, QDropEvent(p, actions, mime, Qt.LeftButton, Qt.NoModifier))
    QApplication.processEvents()


def drop_block(window, type_id: str, top_left: tuple[float, float]) -> str | None:
    """Drag a block from the palette so that its card lands with its top-left at `top_left`;
    returns the id of the new block (it is selected after the drop)."""
    palette = window.palette
    mime = palette.tree.mimeData([palette.items[type_id]])  # exactly what the palette's drag carries
    before = set(window.editor.graph.block_ids())
    drop_mime(window.view, mime, QPointF(top_left[0] + CARD_W / 2, top_left[1] + CARD_H / 2))
    new = [b for b in window.editor.graph.block_ids() if b not in before]
    return new[0] if new else None


def _mouse(view: CanvasView, kind: QEvent.Type, scene_pos: QPointF, button=Qt.LeftButton,
           buttons=Qt.LeftButton, modifiers=Qt.NoModifier) -> None:
    vp = view.viewport()
    local = QPointF(view.mapFromScene(scene_pos))
    glob = QPointF(vp.mapToGlobal(local.toPoint()))
    QApplication.sendEvent(vp, QMouseEvent(kind, local, glob, button, buttons, modifiers))


def show_points(view: CanvasView, *points: QPointF) -> None:
    """Scroll (and zoom out if needed) so every point is on screen."""
    visible = view.mapToScene(view.viewport().rect().adjusted(20, 20, -20, -20)).boundingRect()
    if all(visible.contains(p) for p in points):
        return
    r = QRectF(points[0], points[0])
    for p in points[1:]:
        r = r.united(QRectF(p, p))
    view.centerOn(r.center())
    visible = view.mapToScene(view.viewport().rect().adjusted(20, 20, -20, -20)).boundingRect()
    if not all(visible.contains(p) for p in points):
        view.fitInView(r.adjusted(-80, -80, 80, 80), Qt.KeepAspectRatio)
    QApplication.processEvents()


def drag(view: CanvasView, a: QPointF, b: QPointF, steps: int = 6, modifiers=Qt.NoModifier) -> None:
    show_points(view, a, b)
    _mouse(view, QEvent.MouseButtonPress, a, modifiers=modifiers)
    for i in range(1, steps + 1):
        _mouse(view, QEvent.MouseMove, a + (b - a) * (i / steps), Qt.NoButton, Qt.LeftButton, modifiers)
    _mouse(view, QEvent.MouseButtonRelease, b, Qt.LeftButton, Qt.NoButton, modifiers)
    QApplication.processEvents()


def port_pos(window, block_id: str, output: bool) -> QPointF:
    item = window.scene.blocks[block_id]
    port = item.out_port if output else item.in_port
    if port is None:  # no such port (Input has no input): aim at the card itself
        return item.scenePos() + QPointF(CARD_W / 2, CARD_H / 2)
    return port.scenePos()


def drag_link(window, src: str, dst: str) -> bool:
    """Press on src's output port, drag to dst's input port, release; True if a link appeared."""
    a, b = port_pos(window, src, True), port_pos(window, dst, False)
    drag(window.view, a, b)
    return window.editor.graph.has_link(src, dst)


def click_block(window, block_id: str, modifiers=Qt.NoModifier) -> None:
    item = window.scene.blocks[block_id]
    p = item.scenePos() + QPointF(CARD_W / 2, 12)  # the header
    show_points(window.view, p)
    _mouse(window.view, QEvent.MouseButtonPress, p, modifiers=modifiers)
    _mouse(window.view, QEvent.MouseButtonRelease, p, Qt.LeftButton, Qt.NoButton, modifiers)
    QApplication.processEvents()


def move_block(window, block_id: str, delta: tuple[float, float]) -> None:
    item = window.scene.blocks[block_id]
    a = item.scenePos() + QPointF(CARD_W / 2, 12)
    drag(window.view, a, a + QPointF(*delta), steps=10)


def type_into(widget: QWidget, text: str) -> None:
    """Select what is there, type `text`, press Return (as a person finishing an entry)."""
    widget.setFocus()
    if isinstance(widget, QLineEdit):
        widget.selectAll()
    else:
        widget.selectAll()  # spin boxes
    QTest.keyClicks(widget, text)
    QTest.keyClick(widget, Qt.Key_Return)
    QApplication.processEvents()


def set_field(field: ParamField, value: Any) -> None:
    """Change an inspector field the way a person would."""
    w = field.editor_widget
    if isinstance(field, BoolField):
        assert isinstance(w, QCheckBox)
        if w.isChecked() != bool(value):
            QTest.mouseClick(w, Qt.LeftButton, Qt.NoModifier, QPoint(8, w.height() // 2))
    elif isinstance(field, ChoiceField):
        assert isinstance(w, QComboBox)
        target = w.findData(value)
        w.setFocus()
        while w.currentIndex() != target and target >= 0:
            QTest.keyClick(w, Qt.Key_Down if target > w.currentIndex() else Qt.Key_Up)
    elif isinstance(field, TextField):
        from ..ui.editor.param_text import format_value

        type_into(w, format_value(field.param, value))
    else:
        type_into(w, f"{value:g}" if isinstance(value, float) else str(value))
    QApplication.processEvents()
