"""Links the canvas refuses while dragging, each with a reason a person understands."""

from cnnrnn_studio.graph import Graph
from cnnrnn_studio.ui.editor.linking import link_refusal


def net() -> Graph:
    g = Graph()
    g.add_block("Input", {"kind": "vector", "shape": [4]}, "in")
    g.add_block("Dense", {}, "d1")
    g.add_block("Add", {}, "add")
    g.add_block("ReLU", {}, "r")
    g.add_block("Output", {}, "out")
    g.add_link("in", "d1")
    g.add_link("d1", "add")
    g.add_link("add", "r")
    return g


def test_a_good_link_is_allowed():
    assert link_refusal(net(), "r", "out") is None
    assert link_refusal(net(), "in", "add") is None  # merges take many inputs


def test_reasons():
    g = net()
    assert "is the Input" in link_refusal(g, "r", "in")
    assert "is the Output" in link_refusal(g, "out", "r")
    assert "already linked" in link_refusal(g, "in", "d1")
    assert "one input ('in')" in link_refusal(g, "r", "d1")
    assert "loop" in link_refusal(g, "r", "add")
    assert "itself" in link_refusal(g, "r", "r")
    assert link_refusal(g, "r", "nope") is not None


def test_a_refused_link_reason_is_drawn_in_a_box_of_its_own(window):
    from cnnrnn_studio.selfcheck import simulate as sim

    a = sim.drop_block(window, "Dense", (0.0, 0.0))
    b = sim.drop_block(window, "Dense", (400.0, 0.0))
    assert window.editor.link(a, b)
    scene = window.scene
    port = scene.blocks[a].out_port
    scene.start_link_drag(port, port.scenePos())
    scene.update_link_drag(scene.blocks[b].sceneBoundingRect().center())  # a second a -> b: refused
    pending = scene._pending
    assert "already linked" in pending.label.toPlainText()
    assert pending.bubble.rect().width() <= 300  # a long reason wraps
    assert pending.bubble.isVisible() and pending.bubble.brush().color().alpha() == 255  # reads over the cards
    assert pending.label.parentItem() is pending.bubble
    scene.finish_link_drag(scene.blocks[b].sceneBoundingRect().center())
    assert scene._pending is None


def test_an_output_port_can_be_grabbed_a_few_pixels_off_at_78_percent(window):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QTransform

    from cnnrnn_studio.selfcheck import simulate as sim
    from cnnrnn_studio.ui.editor.canvas.items import PortItem

    a = sim.drop_block(window, "Dense", (0.0, 0.0))
    port = window.scene.blocks[a].out_port
    zoom = 0.78
    for dx, dy in ((7, 0), (0, 7), (5, -5)):  # screen pixels off the port's centre
        off = port.scenePos() + QPointF(dx / zoom, dy / zoom)
        item = window.scene.itemAt(off, QTransform.fromScale(zoom, zoom))
        assert isinstance(item, PortItem) and item is port, (dx, dy, item)
