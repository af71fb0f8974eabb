"""Gradient flow: each layer's gradient size over the epochs, on a log scale.

When the blocks near the input get gradients hundreds of times smaller than the ones near the
output, they barely learn (vanishing gradients). This view shows it on the person's own run, one
line per block, and says in one sentence how far apart the lines are.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .charts import Chart, fmt_value
from .history import RunHistory

EXPLANATION = (
    "Each line is one block's gradient size (how strongly training changes it), darker = nearer the input. "
    "A line that falls 100 times or more below the others means that block has almost stopped learning: a "
    "\u201cvanishing gradient\u201d, the classic trouble of plain RNNs on long sequences (LSTM and GRU gates "
    "were made to ease it), also seen in deep stacks without normalisation or skip connections."
)


class GradientFlowView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.chart = Chart("Gradient flow (log scale)", "epoch", "gradient size (L2 norm)", log_y=True)
        self._blocks: list[str] = []
        self._seen_revision = -1
        self._cmap = pg.colormap.get("plasma")
        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        explanation.setStyleSheet("color: #333;")
        self.verdict = QLabel("Gradients appear after the first epoch.")
        self.verdict.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(explanation)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.verdict)

    def clear(self) -> None:
        self.chart.clear_curves()
        self._blocks = []
        self._seen_revision = -1
        self.verdict.setText("Gradients appear after the first epoch.")

    def refresh(self, h: RunHistory) -> bool:
        if h.revision == self._seen_revision:
            return False
        self._seen_revision = h.revision
        self.show_norms(h.grad_norms)
        return True

    def show_norms(self, norms: dict[str, list[tuple[int, float]]]) -> None:
        """``norms``: block id -> [(epoch, norm)], blocks in network order (input first)."""
        if list(norms) != self._blocks:
            # New blocks: create their curves once (colours by depth need the full list).
            self.chart.clear_curves()
            self._blocks = list(norms)
            n = max(1, len(self._blocks) - 1)
            for i, block in enumerate(self._blocks):
                c = self._cmap.map(0.85 * i / n, mode="qcolor")
                self.chart.add_curve(block, block, c.name(), width=2, symbol="o")
        for block, points in norms.items():
            if points:
                xs, ys = zip(*points)
                self.chart.set_curve(block, np.array(xs, float), np.array(ys, float))
        self.verdict.setText(verdict(norms))


def verdict(norms: dict[str, list[tuple[int, float]]]) -> str:
    """One plain sentence about the latest epoch: how far apart the largest and smallest gradients are."""
    latest = {b: pts[-1][1] for b, pts in norms.items() if pts and math.isfinite(pts[-1][1])}
    if len(latest) < 2:
        return "Gradients appear after the first epoch."
    lo_block = min(latest, key=latest.get)
    hi_block = max(latest, key=latest.get)
    lo, hi = latest[lo_block], latest[hi_block]
    if lo <= 0:
        return (f"Latest epoch: '{lo_block}' got no gradient at all, so it is not learning "
                f"(largest: '{hi_block}', {fmt_value(hi)}).")
    ratio = hi / lo
    text = (f"Latest epoch: largest gradient in '{hi_block}' ({fmt_value(hi)}), smallest in '{lo_block}' "
            f"({fmt_value(lo)}), {ratio:,.0f} times smaller.")
    if ratio >= 1000:
        text += " That is a vanishing gradient: the early layers learn very slowly."
    return text
