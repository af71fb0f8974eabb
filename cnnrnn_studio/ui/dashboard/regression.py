"""After a regression run: predicted against true values (points on the diagonal are perfect) and,
for forecasting, the forecast drawn over the real series; for a value at every time step, the
predicted and true values along the steps of a test sample the person picks.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from .charts import BLUE, GREY, ORANGE, Chart, fmt_value


class RegressionView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.summary = QLabel("")
        self.summary.setStyleSheet("font-weight: bold;")
        self.summary.setWordWrap(True)
        self.scatter = Chart("Predicted against true (test samples)", "true value", "predicted value",
                             legend_at="bottom-right")
        self.scatter.add_curve("perfect", "perfect prediction", GREY, width=1, dashed=True)
        self.scatter.add_curve("points", "test samples", BLUE, scatter=True)
        self.forecast = Chart("Forecast over the series", "time step", "value")
        self.forecast.add_curve("series", "real series", GREY, width=1.5)
        self.forecast.add_curve("forecast", "forecast (test)", ORANGE, width=2, symbol="o")
        self.forecast.hide()
        # per-step regression: one test sample along its steps (padding and unlabelled steps left out)
        self.steps = Chart("Along the steps of test sample #0", "time step", "value")
        self.steps.add_curve("true", "true", GREY, width=1.5, symbol="o")
        self.steps.add_curve("predicted", "predicted", ORANGE, width=2, symbol="o")
        self.step_sample = QSpinBox()
        self.step_sample.setPrefix("test sample #")
        self.step_sample.valueChanged.connect(self.show_step_sample)
        self.steps_box = QWidget()
        steps_layout = QVBoxLayout(self.steps_box)
        steps_layout.setContentsMargins(0, 0, 0, 0)
        steps_layout.addWidget(self.step_sample)
        steps_layout.addWidget(self.steps, 1)
        self.steps_box.hide()
        self._step_pred = self._step_true = np.zeros((0, 0, 1))
        row = QHBoxLayout()
        row.addWidget(self.scatter, 1)
        row.addWidget(self.forecast, 2)
        row.addWidget(self.steps_box, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addLayout(row, 1)

    def set_evaluation(self, evaluation: dict, dataset=None) -> None:
        ev = evaluation or {}
        pred = np.asarray(ev.get("predictions") or [], dtype=np.float64)
        true = np.asarray(ev.get("targets") or [], dtype=np.float64)
        per_step = pred.ndim == 3 and true.shape == pred.shape
        self._set_steps(pred if per_step else None, true if per_step else None)
        if per_step:  # [N][T][k]: each counted step is a point
            pred, true = pred.reshape(-1, pred.shape[-1]), true.reshape(-1, true.shape[-1])
            keep = ~np.isnan(true).any(axis=1)
            pred, true = pred[keep], true[keep]
        if pred.ndim == 1:
            pred = pred[:, None]
        if true.ndim == 1:
            true = true[:, None]
        parts = []
        if ev.get("mae") is not None:
            parts.append(f"Test mean absolute error {fmt_value(ev['mae'])}")
        if ev.get("rmse") is not None:
            parts.append(f"root mean squared error {fmt_value(ev['rmse'])}")
        n = len(true)
        self.summary.setText((", ".join(parts) + f" on {n:,} test {'time steps' if ev.get('per_step') else 'samples'} (in the targets' own units).")
                             if parts else "")
        if n and pred.size:
            t, p = true[:, 0], pred[:, 0]
            order = np.argsort(t)
            self.scatter.set_curve("points", t[order], p[order])
            lo = float(np.nanmin([t.min(), p.min()]))
            hi = float(np.nanmax([t.max(), p.max()]))
            self.scatter.set_curve("perfect", [lo, hi], [lo, hi])
        else:
            self.scatter.reset_data()
        meta = getattr(dataset, "meta", None) or {}
        series = meta.get("series")
        rows = (meta.get("target_rows") or {}).get("test")
        if series and rows and n and len(rows) == n:
            s = np.asarray(series, dtype=np.float64)
            self.forecast.set_curve("series", np.arange(len(s), dtype=np.float64), s)
            rows_a = np.asarray(rows, dtype=np.float64)
            order = np.argsort(rows_a)
            self.forecast.set_curve("forecast", rows_a[order], pred[order, 0])
            self.forecast.show()
        else:
            self.forecast.hide()

    # --- per step -------------------------------------------------------------------------------
    def _set_steps(self, pred: np.ndarray | None, true: np.ndarray | None) -> None:
        if pred is None or true is None or not len(pred):
            self._step_pred = self._step_true = np.zeros((0, 0, 1))
            self.steps_box.hide()
            return
        self._step_pred, self._step_true = pred, true
        self.steps_box.show()
        self.step_sample.blockSignals(True)
        self.step_sample.setRange(0, len(pred) - 1)
        self.step_sample.setValue(min(self.step_sample.value(), len(pred) - 1))
        self.step_sample.blockSignals(False)
        self.show_step_sample(self.step_sample.value())

    def show_step_sample(self, index: int) -> None:
        """Predicted and true values (the first target) along the counted steps of one test sample."""
        if not len(self._step_pred):
            return
        index = max(0, min(int(index), len(self._step_pred) - 1))
        if self.step_sample.value() != index:
            self.step_sample.setValue(index)   # comes back here through valueChanged
            return
        true = self._step_true[index, :, 0]
        known = np.isfinite(true)
        pred = np.where(known, self._step_pred[index, :, 0], np.nan)  # padding steps have no prediction to show
        steps = np.arange(len(true), dtype=np.float64)
        self.steps.set_curve("true", steps, true)
        self.steps.set_curve("predicted", steps, pred)
        self.steps.getPlotItem().setTitle(f"Along the steps of test sample #{index} ({int(known.sum())} steps)",
                                          color="#222", size="11pt")
        self.steps.fit()
