"""After a regression run: predicted against true values (points on the diagonal are perfect) and,
for forecasting, the forecast drawn over the real series.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

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
        row = QHBoxLayout()
        row.addWidget(self.scatter, 1)
        row.addWidget(self.forecast, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addLayout(row, 1)

    def set_evaluation(self, evaluation: dict, dataset=None) -> None:
        ev = evaluation or {}
        pred = np.asarray(ev.get("predictions") or [], dtype=np.float64)
        true = np.asarray(ev.get("targets") or [], dtype=np.float64)
        if pred.ndim == 3 and true.shape == pred.shape:  # per step [N][T][k]: each counted step is a point
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
