"""The empty canvas's hint ("Drag blocks here ...") goes away with the first block. Seen under a
real window: only the regions of the new cards were repainted, so the hint's words stayed on the
canvas behind and between the cards of a whole network."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QRegion

from cnnrnn_studio.selfcheck import simulate as sim


class _Painted(QObject):
    """Collects what the viewport repaints."""

    def __init__(self) -> None:
        super().__init__()
        self.region = QRegion()

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.region = self.region.united(event.region())
        return False


def _repainted_all(qtbot, viewport, painted: _Painted) -> None:
    whole = QRegion(QRect(viewport.rect()))
    qtbot.waitUntil(lambda: whole.subtracted(painted.region).isEmpty(), timeout=5000)


def test_the_hint_is_wiped_when_the_first_block_comes_and_back_when_the_last_goes(window, qtbot):
    view = window.view
    vp = view.viewport()
    qtbot.waitExposed(window)
    painted = _Painted()
    vp.installEventFilter(painted)
    try:
        bid = sim.drop_block(window, "Dense", (0.0, 0.0))
        _repainted_all(qtbot, vp, painted)       # the whole hint is painted over, not just the card
        sim.drop_block(window, "ReLU", (220.0, 0.0))
        window.scene.select_blocks(window.editor.graph.block_ids())
        window.act_delete.trigger()
        assert len(window.editor.graph) == 0 and bid not in window.scene.blocks
        painted.region = QRegion()
        _repainted_all(qtbot, vp, painted)       # the hint comes back whole
    finally:
        vp.removeEventFilter(painted)
