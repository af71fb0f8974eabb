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


TIME_EXPLANATION = (
    "Through time: how much each time step of the input still moves the loss (log scale; right = the "
    "latest steps). In a plain RNN the gradient shrinks at every step back, so the first steps get next to "
    "nothing and the network cannot learn from them; an LSTM's or GRU's gated memory keeps the curve flatter."
)


class GradientFlowView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.chart = Chart("Gradient flow (log scale)", "epoch", "gradient size (L2 norm)", log_y=True)
        self.time_chart = Chart("Gradient through time (log scale)", "time step of the input",
                                "gradient size", log_y=True, legend_at="bottom-right")
        self.time_chart.add_curve("first", "first epoch", "#9a9a9a", width=1.5)
        self.time_chart.add_curve("latest", "latest epoch", "#0072B2", width=2.5)
        self.time_explanation = QLabel(TIME_EXPLANATION)
        self.time_explanation.setWordWrap(True)
        self.time_explanation.setStyleSheet("color: #333;")
        self.time_verdict = QLabel("")
        self.time_verdict.setWordWrap(True)
        self._time_parts = (self.time_explanation, self.time_chart, self.time_verdict)
        for w in self._time_parts:
            w.setVisible(False)
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
        layout.addWidget(self.time_explanation)
        layout.addWidget(self.time_chart, 1)
        layout.addWidget(self.time_verdict)

    def clear(self) -> None:
        self.chart.clear_curves()
        self._blocks = []
        self._seen_revision = -1
        self.verdict.setText("Gradients appear after the first epoch.")
        self.time_chart.reset_data()
        for w in self._time_parts:
            w.setVisible(False)

    def refresh(self, h: RunHistory) -> bool:
        if h.epoch_revision == self._seen_revision:  # gradients change only when an epoch ends
            return False
        self._seen_revision = h.epoch_revision
        self.show_norms(h.grad_norms)
        self.show_time_grads(h.time_grads)
        return True

    def show_time_grads(self, per_epoch: list[tuple[int, list[float]]]) -> None:
        """``per_epoch``: [(epoch, gradient size at each time step)]; hidden for inputs without time."""
        for w in self._time_parts:
            w.setVisible(bool(per_epoch))
        if not per_epoch:
            return
        for key, (_, values) in (("first", per_epoch[0]), ("latest", per_epoch[-1])):
            y = np.maximum(np.asarray(values, float), 1e-30)   # log scale: no zeros
            self.time_chart.set_curve(key, np.arange(1, len(y) + 1, dtype=float), y)
        self.time_chart.set_visible("first", len(per_epoch) > 1)
        self.time_verdict.setText(time_verdict(per_epoch[-1][1]))

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


def time_verdict(values: list[float]) -> str:
    """One plain sentence: how much less gradient the first steps get than the last ones."""
    v = np.asarray([x for x in values if math.isfinite(x)], float)
    if v.size < 4:
        return ""
    k = max(1, v.size // 10)
    first, last = float(v[:k].mean()), float(v[-k:].mean())
    if last <= 0:
        return "The last time steps get no gradient: the output does not depend on them."
    if first <= 0:
        return "The first time steps get no gradient at all: the network cannot learn from them."
    ratio = last / first
    if ratio >= 1e6:
        return (f"Latest epoch: the first tenth of the time steps gets about 10^{int(math.log10(ratio))} times less "
                "gradient than the last tenth (a 1 with that many zeros): the gradient has vanished, and the "
                "network cannot learn from the start of a sequence.")
    if ratio >= 100:
        return (f"Latest epoch: the first tenth of the time steps gets {ratio:,.0f} times less gradient than the "
                "last tenth: it fades with distance, but the early steps still reach the network.")
    if ratio >= 1:
        return (f"Latest epoch: the first tenth of the time steps gets {ratio:,.1f} times less gradient than the "
                "last tenth: the early steps still count.")
    return (f"Latest epoch: the first tenth of the time steps gets {1 / ratio:,.1f} times more gradient than the "
            "last tenth.")
