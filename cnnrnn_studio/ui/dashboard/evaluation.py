"""The Results tab: what a finished run scored on its test data, as a confusion matrix
(classification, per sample or per step), predicted-vs-true, forecast and along-the-steps plots
(regression), or the sequences read against the true ones with the character error rate (CTC);
and for a run that writes text, a few passages it wrote."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QGroupBox, QHeaderView, QLabel, QPlainTextEdit, QStackedWidget,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from .confusion import ConfusionView
from .engine import Engine
from .regression import RegressionView
from ..shell.tasks import BackgroundTask


def run_headline(run) -> str:
    s = run.summary or {}
    folder = Path(run.folder).name
    n = s.get("epochs_run", len(run.metrics or []))
    how = {"stopped": "stopped by you", "failed": "stopped by a problem", "diverged": "stopped: training diverged",
           "interrupted": "interrupted (its process ended)", "running": "still running"}.get(s.get("status"),
                                                                                            "finished")
    if s.get("stopped_early"):
        how = "stopped early (validation loss stopped improving)"
    weights = s.get("weights") or {}
    which = ""
    if weights.get("epoch") is not None:
        which = (f"; the weights are the best epoch's ({weights['epoch']})" if weights.get("which") == "best"
                 else f"; the weights are from epoch {weights['epoch']}")
    return f"Run {folder}: {how} after {n} epoch{'s' if n != 1 else ''}{which}."


CTC_ROWS = 200  # read vs true strings listed in the Results tab
WRONG_BACKGROUND = "#fde7ea"


def ctc_score_text(ev: dict) -> str:
    """A CTC run's test scores in one sentence."""
    acc, cer = ev.get("accuracy"), ev.get("cer")
    return (f"{ev.get('n', 0):,} test sequences: read exactly {'-' if acc is None else f'{100 * acc:.1f}%'}, "
            f"character error rate {'-' if cer is None else f'{cer:.3f}'} "
            "(wrong, missing or extra symbols per symbol of the true strings).")


def ctc_rows(ev: dict, limit: int = CTC_ROWS) -> list[tuple[str, str, int]]:
    """(read, true, edit distance) of the first ``limit`` test sequences."""
    read, true, dist = ev.get("read") or [], ev.get("true") or [], ev.get("edit_distances") or []
    return [(str(r), str(t), int(d)) for r, t, d in list(zip(read, true, dist))[:limit]]


class CtcView(QWidget):
    """A CTC run's results: exact-string accuracy and CER, and a table of read vs true strings
    (no confusion matrix: the symbols read are not aligned with the steps)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.summary = QLabel("")
        self.summary.setStyleSheet("font-weight: bold;")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["read", "true", "edits", "result"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.more = QLabel("")
        self.more.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.more)

    def set_evaluation(self, ev: dict) -> None:
        self.summary.setText(ctc_score_text(ev))
        rows = ctc_rows(ev)
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels([f"#{i}" for i in range(len(rows))])
        for r, (read, true, dist) in enumerate(rows):
            result = "right" if dist == 0 else f"wrong ({dist} edit{'s' if dist != 1 else ''})"
            for c, text in enumerate((read or "(nothing)", true, str(dist), result)):
                item = QTableWidgetItem(text)
                if dist:  # marked by words and colour, not colour alone
                    item.setBackground(QColor(WRONG_BACKGROUND))
                self.table.setItem(r, c, item)
        total = len(ev.get("read") or [])
        self.more.setText(f"... and {total - CTC_ROWS:,} more (evaluation.json has them all)"
                          if total > CTC_ROWS else "")

    def row_texts(self, row: int) -> list[str]:
        """What one row of the table says (read, true, edits, result)."""
        return [self.table.item(row, c).text() for c in range(self.table.columnCount())]


GENERATED_SAMPLES = 3
GENERATED_LENGTH = 200
GENERATED_TEMPERATURE = 0.8


GENERATED_FORECAST = 12   # steps a next-value run forecasts after the end of its data


class GeneratedSamples(QGroupBox):
    """For a run that generates: a few passages a text model writes, or a next-value model's
    closed-loop forecast after the end of its data; made off the GUI thread with train.generate
    (the same code as `cnnrnn-studio generate`)."""

    generated = Signal(list)   # the passages (or the forecast's values as one text), once made

    def __init__(self, parent=None):
        super().__init__("Generated samples", parent)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setMaximumHeight(160)
        self.samples: list[str] = []
        self.kind: str | None = None
        self._run = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.text)
        self.hide()

    def set_run(self, run) -> None:
        """Generate for ``run`` (None: nothing); a series run needs its data loaded (run.dataset)."""
        from ...train.generate import generation_kind

        self._run, self.samples = run, []
        self.text.setPlainText("")
        kind = self.kind = generation_kind(run) if run is not None else None
        if kind is None:
            self.hide()
            return
        self.show()
        if kind == "text":
            self.note.setText(f"Writing {GENERATED_SAMPLES} passages of {GENERATED_LENGTH} characters "
                              f"(temperature {GENERATED_TEMPERATURE}, each from a random first character)…")
        else:
            self.note.setText(f"Forecasting {GENERATED_FORECAST} steps after the end of the data…")

        def work() -> list[dict]:
            from ...train.generate import generate

            if kind == "values":
                return [generate(run, length=GENERATED_FORECAST)]
            return [generate(run, length=GENERATED_LENGTH, temperature=GENERATED_TEMPERATURE, seed=seed)
                    for seed in range(GENERATED_SAMPLES)]

        task = BackgroundTask(work)
        task.done.connect(lambda results, r=run: self._written(r, results))
        task.failed.connect(lambda message, r=run: self._failed(r, message))
        task.start()

    def _written(self, run, results: list[dict]) -> None:
        if run is not self._run:   # another run was opened meanwhile
            return
        if self.kind == "values":
            from ...train.generate import format_values

            self.samples = [format_values(results[0]["generated"])]
            name = results[0].get("target_name") or "the series"
            self.note.setText(f"The next {GENERATED_FORECAST} values of {name} after the end of the data, each "
                              "prediction fed back as the next input (Try it > Generate draws them):")
            self.text.setPlainText(self.samples[0])
        else:
            self.samples = [r["start"] + r["generated"] for r in results]
            self.note.setText(f"{len(self.samples)} passages the network wrote (temperature {GENERATED_TEMPERATURE}; "
                              "Try it > Generate writes more, with your own start and temperature):")
            self.text.setPlainText("\n\n".join(f"{i + 1}. {t}" for i, t in enumerate(self.samples)))
        self.generated.emit(list(self.samples))

    def _failed(self, run, message: str) -> None:
        if run is self._run:
            self.note.setText(f"Nothing could be generated: {message}")


NO_RESULTS = "Results appear here when a run finishes (or when you open one in Runs)."


class EvaluationPanel(QWidget):
    def __init__(self, engine: Engine | None = None, parent=None):
        super().__init__(parent)
        self.engine = engine or Engine()
        self.run = None
        self.headline = QLabel(NO_RESULTS)
        self.headline.setWordWrap(True)
        self.confusion = ConfusionView()
        self.regression = RegressionView()
        self.empty = QLabel("")
        self.ctc = CtcView()
        self.generated = GeneratedSamples()
        self.stack = QStackedWidget()
        for w in (self.empty, self.confusion, self.regression, self.ctc):
            self.stack.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.generated)

    def clear(self) -> None:
        """Another project: the last run's scores and confusion matrix are not this one's."""
        self.run = None
        self.headline.setText(NO_RESULTS)
        self.empty.setText("")
        self.stack.setCurrentWidget(self.empty)
        self.generated.set_run(None)

    def show_run(self, run) -> None:
        self.run = run
        self.headline.setText(run_headline(run))
        ev = run.evaluation or {}
        task = (run.summary or {}).get("task") or ev.get("task")
        dataset = getattr(run, "dataset", None)
        self.generated.set_run(run)
        if not ev:
            self.empty.setText("This run has no test results (it stopped before training ended, or it has no test data).")
            self.stack.setCurrentWidget(self.empty)
            return
        if task == "ctc":
            self.ctc.set_evaluation(ev)
            self.stack.setCurrentWidget(self.ctc)
        elif task == "regression":
            self.regression.set_evaluation(ev, dataset)
            self.stack.setCurrentWidget(self.regression)
        else:
            self.confusion.set_evaluation(ev, dataset, (run.summary or {}).get("class_names"))
            self.stack.setCurrentWidget(self.confusion)

    def set_dataset(self, run, dataset) -> None:
        """The test samples behind the scores (the gallery, the forecast), once they are loaded."""
        if run is not self.run:
            return
        run.dataset = dataset
        if self.generated.kind is None:   # a series run can forecast once its data is known
            self.generated.set_run(run)
        if self.stack.currentWidget() is self.regression:
            self.regression.set_evaluation(run.evaluation or {}, dataset)
        elif self.stack.currentWidget() is self.ctc:
            return
        else:
            self.confusion.set_dataset(dataset)

    def dataset_failed(self, run, message: str) -> None:
        if run is self.run:
            self.headline.setText(self.headline.text() + f"\nThe test samples cannot be shown: {message}")
