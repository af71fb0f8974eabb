"""The canvas: drops from the palette (drag events on the viewport), links through the scene's own
port handlers, refusals with reasons, moves, selection, and errors shown on the cards."""

from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from cnnrnn_studio.selfcheck import simulate as sim
from cnnrnn_studio.ui.editor.canvas.view import block_type_mime
from cnnrnn_studio.ui.editor.geometry import CARD_H, CARD_W


def test_drop_from_the_palette_adds_the_block_where_it_lands(window):
    bid = sim.drop_block(window, "Conv2d", (400.0, 200.0))
    assert bid == "conv1"
    b = window.editor.graph.block(bid)
    assert b.type == "Conv2d" and b.position == (400.0, 200.0)
    assert window.scene.blocks[bid].pos() == QPointF(400, 200)
    assert window.scene.selected_block_ids() == [bid]
    assert window.inspector.block_form.block_id == bid


def test_a_drop_of_something_else_is_refused(window):
    vp = window.view.viewport()
    mime = QMimeData()
    mime.setText("hello")
    enter = QDragEnterEvent(vp.rect().center(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, enter)
    assert not enter.isAccepted()
    QApplication.sendEvent(vp, QDropEvent(QPointF(vp.rect().center()), Qt.CopyAction, mime, Qt.LeftButton,
                                          Qt.NoModifier))
    assert len(window.editor.graph) == 0


def test_a_drop_on_a_link_inserts_the_block_into_it(window):
    a = sim.drop_block(window, "Input", (0.0, 0.0))
    b = sim.drop_block(window, "Output", (600.0, 0.0))
    assert sim.drag_link(window, a, b)
    link = window.scene.links[(a, b)]
    middle = link.path().pointAtPercent(0.5)
    sim.drop_mime(window.view, block_type_mime("Flatten"), middle)
    flat = window.editor.graph.of_type("Flatten")
    assert len(flat) == 1 and window.editor.graph.inputs_of(b) == flat and window.editor.graph.inputs_of(flat[0]) == [a]


def test_port_to_port_drag_links_and_the_shape_flows(window):
    a = sim.drop_block(window, "Input", (0.0, 0.0))
    c = sim.drop_block(window, "Conv2d", (220.0, 0.0))
    assert window.scene.blocks[c].shape_text == ""  # unlinked: no shape yet
    assert window.scene.blocks[c].severity == "error"
    assert sim.drag_link(window, a, c)
    assert (a, c) in window.scene.links
    assert window.scene.blocks[c].shape_text == "[16, 26, 26]"
    assert window.scene.blocks[c].severity == "warning"  # leads nowhere yet


def test_dragging_from_an_input_port_back_to_a_block_links_too(window):
    a = sim.drop_block(window, "Input", (0.0, 0.0))
    c = sim.drop_block(window, "Conv2d", (300.0, 0.0))
    card = window.scene.blocks[a].scenePos() + QPointF(CARD_W / 2, CARD_H / 2)
    sim.drag(window.view, sim.port_pos(window, c, False), card)
    assert window.editor.graph.has_link(a, c)


def test_invalid_links_are_refused_while_dragging_with_the_reason(window):
    a = sim.drop_block(window, "Input", (0.0, 0.0))
    d = sim.drop_block(window, "Dense", (220.0, 0.0))
    assert sim.drag_link(window, a, d)
    hints = []
    window.scene.hint_changed.connect(hints.append)
    card_a = window.scene.blocks[a].scenePos() + QPointF(CARD_W / 2, CARD_H / 2)
    sim.drag(window.view, sim.port_pos(window, d, True), card_a)
    assert not window.editor.graph.has_link(d, a)
    assert any("is the Input" in h for h in hints)
    assert "is the Input" in window.statusBar().currentMessage() or any("Input" in h for h in hints)
    hints.clear()
    d2 = sim.drop_block(window, "Dense", (220.0, 300.0))
    sim.drag(window.view, sim.port_pos(window, d2, True), sim.port_pos(window, d, False))
    assert not window.editor.graph.has_link(d2, d)
    assert any("already has its one input" in h for h in hints)
    assert window.scene._pending is None  # the rubber link is gone after the release


def test_dragging_a_card_moves_the_block_in_one_undo_step(window):
    bid = sim.drop_block(window, "Dense", (0.0, 0.0))
    n = window.editor.stack.index()
    sim.move_block(window, bid, (203.0, 97.0))
    assert window.editor.graph.block(bid).position == (200.0, 100.0)  # snapped to the grid
    assert window.editor.stack.index() == n + 1
    window.act_undo.trigger()
    assert window.scene.blocks[bid].pos() == QPointF(0, 0)


def test_rubber_band_and_ctrl_click_select_several_blocks(window):
    ids = [sim.drop_block(window, "Dense", (x * 220.0, 0.0)) for x in range(3)]
    sim.click_block(window, ids[0])
    sim.click_block(window, ids[2], Qt.ControlModifier)
    assert sorted(window.scene.selected_block_ids()) == sorted([ids[0], ids[2]])
    window.act_select_all.trigger()
    assert sorted(window.scene.selected_block_ids()) == sorted(ids)
    window.act_delete.trigger()
    assert len(window.editor.graph) == 0
    window.act_undo.trigger()
    assert len(window.editor.graph) == 3


def test_errors_are_outlined_explained_and_clickable(window):
    ids = [sim.drop_block(window, t, (x * 220.0, 0.0)) for x, t in enumerate(("Input", "Conv2d", "Dense", "Output"))]
    for a, b in zip(ids, ids[1:]):
        assert sim.drag_link(window, a, b)
    card = window.scene.blocks[ids[2]]
    assert card.severity == "error" and "Insert Flatten" in card.toolTip()
    assert window.scene.blocks[ids[1]].severity == ""
    tree = window.messages.tree
    row = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).text(0) == ids[2])
    window.scene.select_blocks([])
    tree.itemClicked.emit(row, 1)
    assert window.scene.selected_block_ids() == [ids[2]]
    button = tree.itemWidget(row, 2)
    assert button.text() == "Insert Flatten"
    button.click()
    assert window.editor.analysis.ok and card.severity == ""
    assert window.editor.stack.undoText().startswith("Insert Flatten")


def test_fit_and_zoom(window):
    for x in range(6):
        sim.drop_block(window, "Dense", (x * 600.0, 0.0))
    window.act_fit.trigger()
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert all(visible.contains(it.sceneBoundingRect()) for it in window.scene.blocks.values())
    z = window.view.zoom()
    window.act_zoom_in.trigger()
    assert window.view.zoom() > z


def test_rubber_band_on_empty_canvas_selects_the_cards_it_touches(window):
    ids = [sim.drop_block(window, "Dense", (x * 220.0, 0.0)) for x in range(3)]
    window.scene.select_blocks([])
    sim.drag(window.view, QPointF(-40, -40), QPointF(220 + 60, CARD_H + 30), steps=8)
    assert sorted(window.scene.selected_block_ids()) == sorted(ids[:2])
    assert window.inspector.stack.currentWidget() is window.inspector.many


def test_a_block_added_by_a_fix_is_scrolled_into_sight(window):
    window.resize(1000, 700)
    ids = [sim.drop_block(window, t, (x * 220.0, 0.0)) for x, t in enumerate(("Input", "Conv2d", "Dense", "Output"))]
    for a, b in zip(ids, ids[1:]):
        assert sim.drag_link(window, a, b)
    for bid, x in zip(ids, (0.0, 1800.0, 3600.0, 3820.0)):  # spread out: the fix lands between conv and dense
        window.editor.graph.move_block(bid, (x, 0.0))
    view = window.view
    view.centerOn(window.scene.blocks[ids[0]])
    problem = next(p for p in window.editor.analysis.problems if p.fix)
    assert window.editor.apply_fix(problem.fix)
    new = window.scene.selected_block_ids()
    assert len(new) == 1 and window.editor.graph.block(new[0]).type == "Flatten"
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    assert seen.contains(window.scene.blocks[new[0]].sceneBoundingRect())
