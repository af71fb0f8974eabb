"""Compare runs side by side: their curves overlaid and a table of size, cost, speed and scores.

This is where "CNN or RNN for my data?" gets its answer: train a CNN and an LSTM on the same
dataset, tick both runs, and read the table (best value of each row in bold).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from .charts import Chart, color, fmt_value
from .engine import Engine
from .history import as_float
from ..shell.tasks import plain_message
from ...blocks import FAMILIES, REGISTRY, family_of_block_types

RECURRENT = tuple(f for f in FAMILIES if any(s.family == f and s.category == "Recurrent" for s in REGISTRY.values()))


def network_family(project) -> str:
    """'CNN', 'LSTM', 'CNN + LSTM', 'MLP'...: the kind of network in a few letters."""
    if project is None:
        return "?"
    return family_of_types({b.type for b in project.graph.blocks})


def family_of_types(types: set[str]) -> str:
    """From the blocks' declared families (BlockSpec.family)."""
    return family_of_block_types(types)


@dataclass
class RunFigures:
    """What the comparison needs from one run folder (read without building the model)."""

    run_dir: str
    label: str
    family: str
    task: str | None
    params: int | None
    macs: int | None
    epochs_run: int
    seconds_per_epoch: float | None
    samples_per_s: float | None
    best_val_accuracy: tuple[float, int] | None   # (value, epoch)
    best_val_loss: tuple[float, int] | None
    best_val_mae: tuple[float, int] | None
    test: dict
    device: str | None
    metrics: list[dict]
    counted: str = "samples"   # what an accuracy counts: "samples", "time steps" or "whole strings" (CTC)


def _best(rows: list[dict], key: str, higher: bool) -> tuple[float, int] | None:
    pts = [(float(r[key]), int(r.get("epoch") or i + 1)) for i, r in enumerate(rows)
           if isinstance(r.get(key), (int, float)) and math.isfinite(float(r[key]))]
    if not pts:
        return None
    return max(pts, key=lambda p: p[0]) if higher else min(pts, key=lambda p: p[0])


def figures_of(run) -> RunFigures:
    """Figures from a Run (engine.load_run(..., with_model=False) is enough)."""
    s = run.summary or {}
    project = run.project
    macs = None
    if project is not None:
        try:
            a = project.analyze()
            macs = a.total_macs if a.ok else None
        except Exception:  # noqa: BLE001 - a figure we cannot compute is shown as '–'
            macs = None
    rows = list(run.metrics or [])
    secs = [float(r["seconds"]) for r in rows if isinstance(r.get("seconds"), (int, float))]
    timings = s.get("timings") or {}
    name = s.get("project_name") or (project.name if project is not None else "run")
    family = network_family(project)
    return RunFigures(
        run_dir=str(run.folder), label=f"{name} ({family}) · {Path(run.folder).name}", family=family,
        task=s.get("task"), params=s.get("total_params"), macs=macs, epochs_run=int(s.get("epochs_run") or len(rows)),
        seconds_per_epoch=sum(secs) / len(secs) if secs else None,
        samples_per_s=timings.get("samples_per_s"),
        best_val_accuracy=_best(rows, "val_accuracy", True), best_val_loss=_best(rows, "val_loss", False),
        best_val_mae=_best(rows, "val_mae", False), test=dict(s.get("test") or {}), device=s.get("device_name")
        or s.get("device"), metrics=rows, counted=counted_by(s))


def counted_by(summary: dict) -> str:
    """What a run's accuracy is a share of: sequences read exactly (CTC), steps (a class at every
    step: padding never counts) or samples."""
    if summary.get("task") == "ctc":
        return "whole strings"
    return "time steps" if (summary.get("dataset_info") or {}).get("per_step") else "samples"


def _with_epoch(v: tuple[float, int] | None, scale: float = 1.0, unit: str = "") -> str:
    return "–" if v is None else f"{fmt_value(v[0] * scale)}{unit} (epoch {v[1]})"


def compare_rows(figs: list[RunFigures]) -> list[tuple[str, list[str], int | None]]:
    """(row label, one text per run, index of the best run or None) for the side-by-side table."""
    def best(values: list[float | None], higher: bool) -> int | None:
        pts = [(v, i) for i, v in enumerate(values) if v is not None and math.isfinite(v)]
        if len(pts) < 2:
            return None
        return (max(pts) if higher else min(pts))[1]

    def num(v, f=lambda x: f"{x:,}"):
        return "–" if v is None else f(v)

    rows: list[tuple[str, list[str], int | None]] = [
        ("network", [f.family for f in figs], None),
        ("parameters", [num(f.params) for f in figs], best([f.params for f in figs], False)),
        ("multiply-adds per sample", [num(f.macs) for f in figs], best([f.macs for f in figs], False)),
        ("epochs run", [str(f.epochs_run) for f in figs], None),
        ("time per epoch", [num(f.seconds_per_epoch, lambda x: f"{x:.2f} s") for f in figs],
         best([f.seconds_per_epoch for f in figs], False)),
        ("training speed", [num(f.samples_per_s, lambda x: f"{x:,.0f} samples/s") for f in figs],
         best([f.samples_per_s for f in figs], True)),
    ]
    if any(f.best_val_accuracy for f in figs) and any(f.counted != "samples" for f in figs):
        rows.append(("accuracy counts", [f.counted if f.task != "regression" else "–" for f in figs], None))
    if any(f.best_val_accuracy for f in figs):
        rows.append(("best validation accuracy", [_with_epoch(f.best_val_accuracy, 100, "%") for f in figs],
                     best([f.best_val_accuracy[0] if f.best_val_accuracy else None for f in figs], True)))
    if any(f.best_val_mae for f in figs):
        rows.append(("best validation MAE", [_with_epoch(f.best_val_mae) for f in figs],
                     best([f.best_val_mae[0] if f.best_val_mae else None for f in figs], False)))
    rows.append(("best validation loss", [_with_epoch(f.best_val_loss) for f in figs],
                 best([f.best_val_loss[0] if f.best_val_loss else None for f in figs], False)))
    if any(f.test.get("accuracy") is not None for f in figs):
        acc = [f.test.get("accuracy") for f in figs]
        rows.append(("test accuracy", [num(a, lambda x: f"{100 * x:.1f}%") for a in acc], best(acc, True)))
    if any(f.test.get("cer") is not None for f in figs):
        cer = [f.test.get("cer") for f in figs]
        rows.append(("test character error rate", [num(c, lambda x: f"{x:.3f}") for c in cer], best(cer, False)))
    if any(f.test.get("mae") is not None for f in figs):
        mae = [f.test.get("mae") for f in figs]
        rows.append(("test MAE", [num(m, fmt_value) for m in mae], best(mae, False)))
    rows.append(("device", [f.device or "–" for f in figs], None))
    return rows


class CompareView(QWidget):
    def __init__(self, engine: Engine | None = None, parent=None):
        super().__init__(parent)
        self.engine = engine or Engine()
        self.figures: list[RunFigures] = []
        self.title = QLabel("Tick two or more runs in Runs and press “Compare ticked runs”.")
        self.title.setWordWrap(True)
        self.loss = Chart("Validation loss", "epoch", "loss")
        self.scores = Chart("Validation accuracy", "epoch", "accuracy (%)")
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #b00020;")
        charts = QHBoxLayout()
        charts.addWidget(self.loss)
        charts.addWidget(self.scores)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(charts, 3)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.message)
        self.title.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        for w in (self.loss, self.scores, self.table):  # shown with the first comparison
            w.hide()

    def set_runs(self, run_dirs: list[str]) -> None:
        figs, problems = [], []
        for d in run_dirs:
            try:
                figs.append(figures_of(self.engine.load_run(d, with_model=False)))
            except Exception as e:  # noqa: BLE001
                problems.append(plain_message(e))
        self.message.setText("\n".join(problems))
        self.show_figures(figs)

    def show_figures(self, figs: list[RunFigures]) -> None:
        self.figures = figs
        self.loss.clear_curves()
        self.scores.clear_curves()
        regression = any(f.task == "regression" for f in figs) and not any(f.task == "classification" for f in figs)
        metric_key, scale = ("val_mae", 1.0) if regression else ("val_accuracy", 100.0)
        self.scores.getPlotItem().setTitle("Validation MAE" if regression else "Validation accuracy",
                                           color="#222", size="11pt")
        self.scores.getPlotItem().getAxis("left").setLabel("MAE" if regression else "accuracy (%)", color="#222")
        self.scores.y_label = "MAE" if regression else "accuracy (%)"
        if regression:  # keep the legend off the curves: errors fall, accuracies climb
            self.scores.legend.anchor((1, 0), (1, 0), (-8, 8))
        else:
            self.scores.legend.anchor((1, 1), (1, 1), (-8, -8))
        for i, f in enumerate(figs):
            ep = np.array([as_float(r.get("epoch")) for r in f.metrics])
            self.loss.add_curve(f.run_dir, f.label, color(i), symbol="o")
            self.loss.set_curve(f.run_dir, ep, np.array([as_float(r.get("val_loss")) for r in f.metrics]))
            self.scores.add_curve(f.run_dir, f.label, color(i), symbol="o")
            self.scores.set_curve(f.run_dir, ep, scale * np.array([as_float(r.get(metric_key)) for r in f.metrics]))
        self.title.setText(f"Comparing {len(figs)} runs. Bold: the best value in each row." if figs else
                           "Tick two or more runs in Runs and press “Compare ticked runs”.")
        for w in (self.loss, self.scores, self.table):  # nothing to compare: no empty axes and boxes
            w.setVisible(bool(figs))
        rows = compare_rows(figs) if figs else []
        self.table.clear()
        self.table.setColumnCount(len(figs))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels([f.label for f in figs])
        self.table.setVerticalHeaderLabels([r[0] for r in rows])
        for r, (_, texts, best) in enumerate(rows):
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if best == c:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)
        for c in range(len(figs)):
            header = self.table.horizontalHeaderItem(c)
            if header is not None:
                header.setForeground(_qcolor(color(c)))


def _qcolor(name: str):
    from PySide6.QtGui import QColor

    return QColor(name)
