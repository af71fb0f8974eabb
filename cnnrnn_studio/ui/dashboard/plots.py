"""The live plots of a run: loss, accuracy (or MAE), learning rate and throughput.

Every curve is created once; ``refresh(history)`` runs from the dashboard's ~16 Hz timer and calls
setData only when new events came in (STYLE rule 7; never a redraw per batch).
"""

from __future__ import annotations

import time

from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..shell import dialogs
from ..shell.replacing import may_write
from .charts import BLUE, GREEN, GREY, ORANGE, PURPLE, RED, Chart
from .history import RunHistory

SECONDARY_EVERY = 8   # learning-rate and speed charts: every 8th refresh (~2 per second)
EPOCH_CURVES_HZ = 2   # per-epoch curves (loss per epoch, accuracy): at most 2 updates a second


class LivePlots(QWidget):
    """Four charts in a grid, with an export row under them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.protected = lambda: []   # files a chart export never replaces (the dashboard sets: the project's)
        self.refresh_count = 0        # refreshes that pushed new data to the curves (for the fps figure)
        self._seen_revision = -1
        self._seen_epoch_revision = -1
        self._epoch_painted_at = 0.0
        self._frame = 0
        self._secondary_due = False
        self._task = None

        self.loss = Chart("Loss (lower is better)", "epoch", "loss", live=True)
        self.loss.add_curve("batch", "each batch", BLUE, width=1, alpha=60)
        self.loss.add_curve("smooth", "training (smoothed)", BLUE, width=2, downsample="mean")
        self.loss.add_curve("train", "training, per epoch", BLUE, width=1, symbol="o", dashed=True)
        self.loss.add_curve("val", "validation, per epoch", ORANGE, width=2, symbol="s")

        self.scores = Chart("Accuracy (higher is better)", "epoch", "accuracy (%)", legend_at="bottom-right",
                            live=True)
        self.scores.add_curve("train_acc", "training", BLUE, symbol="o")
        self.scores.add_curve("val_acc", "validation", ORANGE, symbol="s")
        self.scores.add_curve("val_mae", "validation MAE", ORANGE, symbol="s")
        self.scores.add_curve("val_rmse", "validation RMSE", RED, symbol="t", dashed=True)

        self.lr = Chart("Learning rate", "epoch", "learning rate", y_from_zero=True, live=True)
        self.lr.add_curve("lr", "learning rate", PURPLE)

        # the speed sits near its top from the first batches on: the legend goes above it, in room kept free
        self.speed = Chart("Training speed", "epoch", "samples per second", y_from_zero=True,
                           legend_at="top-right", live=True, y_headroom=0.6)
        self.speed.add_curve("live", "this epoch so far", GREEN, width=1.5)
        self.speed.add_curve("epoch", "per epoch", GREY, symbol="o", width=1)

        self.charts = {"loss": self.loss, "scores": self.scores, "lr": self.lr, "speed": self.speed}
        self.set_task("classification")

        grid = QGridLayout()
        grid.setSpacing(6)
        grid.addWidget(self.loss, 0, 0)
        grid.addWidget(self.scores, 0, 1)
        grid.addWidget(self.lr, 1, 0)
        grid.addWidget(self.speed, 1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)

        self.export_choice = QComboBox()
        for key, chart in self.charts.items():
            self.export_choice.addItem(chart.title.split(" (")[0], key)
        png = QPushButton("Save picture…")
        png.setToolTip("Save the chosen chart as a PNG picture.")
        png.clicked.connect(lambda: self._ask_export("png"))
        csv_button = QPushButton("Save numbers…")
        csv_button.setToolTip("Save the chosen chart's points as a CSV table (opens in any spreadsheet).")
        csv_button.clicked.connect(lambda: self._ask_export("csv"))
        hint = QLabel("Hover a chart to read its values; drag to pan, wheel to zoom, right-click → View All.")
        hint.setStyleSheet("color: #666;")
        hint.setWordWrap(True)  # a narrow window wraps the hint instead of pushing the inspector off-screen
        row = QHBoxLayout()
        row.addWidget(hint, 1)
        row.addWidget(QLabel("Export:"))
        row.addWidget(self.export_choice)
        row.addWidget(png)
        row.addWidget(csv_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid, 1)
        layout.addLayout(row)

    def set_task(self, task: str) -> None:
        if task == self._task:
            return
        self._task = task
        classification = task != "regression"
        self.scores.y_at_most = 100.0 if classification else None   # accuracy in percent
        for key in ("train_acc", "val_acc"):
            self.scores.set_visible(key, classification)
        for key in ("val_mae", "val_rmse"):
            self.scores.set_visible(key, not classification)
        if classification:
            self.scores.getPlotItem().setTitle("Accuracy (higher is better)", color="#222", size="11pt")
            self.scores.title, self.scores.y_label = "Accuracy (higher is better)", "accuracy (%)"
        else:
            self.scores.getPlotItem().setTitle("Validation error (lower is better)", color="#222", size="11pt")
            self.scores.title, self.scores.y_label = "Validation error (lower is better)", "error, target units"
        self.scores.getPlotItem().getAxis("left").setLabel(self.scores.y_label, color="#222")
        # Keep the legend off the curves: accuracy climbs to the top, an error falls to the bottom.
        if classification:
            self.scores.legend.anchor((1, 1), (1, 1), (-8, -8))
        else:
            self.scores.legend.anchor((1, 0), (1, 0), (-8, 8))

    def clear(self) -> None:
        for chart in self.charts.values():
            chart.reset_data()
        self._seen_revision = -1
        self._seen_epoch_revision = -1
        self._epoch_painted_at = 0.0

    def refresh(self, h: RunHistory) -> bool:
        """Push the history's new points to the curves; False when nothing changed since last time.

        Per-epoch curves are set only when an epoch ended: each setData costs the GUI thread time
        that training (on the other thread) would rather have.
        """
        if h.revision == self._seen_revision:
            return False
        self._seen_revision = h.revision
        self.set_task(h.task)
        self.loss.set_curve("batch", h.batch_x.view(), h.batch_loss.view())
        self.loss.set_curve("smooth", h.batch_x.view(), h.batch_loss_smooth.view())
        now = time.perf_counter()
        # Per-epoch curves: at most EPOCH_CURVES_HZ times a second (short epochs would otherwise
        # repaint the accuracy chart at every frame), always when the run has ended.
        epoch_news = h.epoch_revision != self._seen_epoch_revision and (
            not h.active or now - self._epoch_painted_at >= 1.0 / EPOCH_CURVES_HZ)
        if epoch_news:
            self._epoch_painted_at = now
        self._frame += 1
        if epoch_news:
            self._seen_epoch_revision = h.epoch_revision
            ex = h.epoch_x.view()
            self.loss.set_curve("train", ex, h.train_loss.view())
            self.loss.set_curve("val", ex, h.val_loss.view())
            if h.task == "regression":
                self.scores.set_curve("val_mae", ex, h.val_mae.view())
                self.scores.set_curve("val_rmse", ex, h.val_rmse.view())
            else:
                self.scores.set_curve("train_acc", ex, 100.0 * h.train_accuracy.view())
                self.scores.set_curve("val_acc", ex, 100.0 * h.val_accuracy.view())
            self._secondary_due = True
        # The learning rate and the speed change slowly: every 8th frame is plenty, and never in the
        # same frame as the per-epoch curves (spreading the work keeps each frame short); every
        # chart not repainted leaves the CPU to training.
        # (A finished run is drawn in full at once.)
        if not h.active or (not epoch_news and (self._secondary_due or self._frame % SECONDARY_EVERY == 0)):
            self._secondary_due = False
            self.lr.set_curve("lr", h.progress_x.view(), h.lr.view())
            self.speed.set_curve("live", h.progress_x.view(), h.throughput.view())
            self.speed.set_curve("epoch", h.epoch_x.view(), h.epoch_sps.view())
        hint = float(h.epochs) if 0 < h.epochs <= 1000 else None
        for chart in self.charts.values():
            chart.x_max_hint = hint
            chart.fit()
        self.refresh_count += 1
        return True

    def _ask_export(self, fmt: str, path: str | None = None) -> bool:
        """Save the chosen chart as a picture or its numbers as CSV; never over the project's own
        file or data, and over another file only after a yes (replacing.may_write)."""
        key = self.export_choice.currentData()
        chart = self.charts[key]
        name = chart.title.split(" (")[0].lower().replace(" ", "_")
        png = fmt == "png"
        path = path or dialogs.ask_chart_path(self, f"{name}.{fmt}",
                                              "PNG picture (*.png)" if png else "CSV table (*.csv)")
        if not path or not may_write(self, path, title="Cannot save the chart", inputs=self.protected()):
            return False
        (chart.export_png if png else chart.export_csv)(path)
        return True


