"""A block dropped near the canvas's edge lands under the mouse and the canvas stays still. Seen
under a real window: every drop within 40 px of an edge scrolled the whole canvas by up to 40 px
(the "scroll a new block into sight" margin), so the cards jumped away from where the person put
them and from where they were about to drag a link."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from cnnrnn_studio.ui.editor.geometry import CARD_H, CARD_W


def _drop_at(window, type_id: str, at: QPoint) -> str:
    """Drag the palette's entry over the canvas viewport and drop it at `at` (viewport pixels)."""
    palette, vp = window.palette, window.view.viewport()
    mime = palette.tree.mimeData([palette.items[type_id]])
    before = set(window.editor.graph.block_ids())
    actions = Qt.CopyAction | Qt.MoveAction
    for ev in (QDragEnterEvent(at, actions, mime, Qt.LeftButton, Qt.NoModifier),
               QDragMoveEvent(at, actions, mime, Qt.LeftButton, Qt.NoModifier)):
        QApplication.sendEvent(vp, ev)
    QApplication.sendEvent(vp, QDropEvent(QPointF(at), actions, mime, Qt.LeftButton, Qt.NoModifier))
    QApplication.processEvents()
    (new,) = set(window.editor.graph.block_ids()) - before
    return new


def _scrolled(view) -> tuple[int, int]:
    return view.horizontalScrollBar().value(), view.verticalScrollBar().value()


def test_a_drop_near_the_top_left_edge_stays_where_it_was_dropped(window):
    view = window.view
    first = _drop_at(window, "Input", view.viewport().rect().center())
    before, first_at = _scrolled(view), view.mapFromScene(window.scene.blocks[first].scenePos())
    corner = QPoint(int(CARD_W / 2) + 20, int(CARD_H / 2) + 20)   # the card's edge 20 px from the canvas's
    bid = _drop_at(window, "Conv2d", corner)
    assert _scrolled(view) == before
    card = window.scene.blocks[bid].sceneBoundingRect()
    centre = view.mapFromScene(card.center())
    assert abs(centre.x() - corner.x()) <= 20 and abs(centre.y() - corner.y()) <= 20   # grid snap at most
    assert view.mapToScene(view.viewport().rect()).boundingRect().contains(card)
    assert view.mapFromScene(window.scene.blocks[first].scenePos()) == first_at   # nothing moved on screen


def test_a_block_added_out_of_sight_is_still_scrolled_into_sight(window):
    view = window.view
    sel = _drop_at(window, "Input", view.viewport().rect().center())
    window.editor.graph.move_block(sel, (view.mapToScene(view.viewport().rect()).boundingRect().right() - 40, 0.0))
    window.scene.select_blocks([sel])
    new = window.add_after_selection("Dense")     # double-click in the palette: placed after the selection
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    assert new is not None and seen.contains(window.scene.blocks[new].sceneBoundingRect())
