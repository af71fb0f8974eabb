"""The Results tab: what a finished run scored on its test data, as a confusion matrix
(classification), predicted-vs-true and forecast plots (regression), or the sequences read
against the true ones with the character error rate (CTC)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QStackedWidget, QVBoxLayout, QWidget

from .confusion import ConfusionView
from .engine import Engine
from .regression import RegressionView


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


def ctc_text(ev: dict) -> str:
    """A CTC run's test scores and its first read vs true strings, as plain text."""
    acc, cer = ev.get("accuracy"), ev.get("cer")
    lines = [f"{ev.get('n', 0):,} test sequences: read exactly {'-' if acc is None else f'{100 * acc:.1f}%'}, "
             f"character error rate {'-' if cer is None else f'{cer:.3f}'}.", "",
             f"{'read':<24} {'true':<24} edits"]
    read, true, dist = ev.get("read") or [], ev.get("true") or [], ev.get("edit_distances") or []
    for r, t, d in list(zip(read, true, dist))[:CTC_ROWS]:
        lines.append(f"{r:<24} {t:<24} {d}{'' if d else '  ok'}")
    if len(read) > CTC_ROWS:
        lines.append(f"... and {len(read) - CTC_ROWS:,} more (evaluation.json has them all)")
    return "\n".join(lines)


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
        self.ctc = QPlainTextEdit()   # CTC: no confusion matrix (symbols are not aligned); scores and strings
        self.ctc.setReadOnly(True)
        self.stack = QStackedWidget()
        for w in (self.empty, self.confusion, self.regression, self.ctc):
            self.stack.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.stack, 1)

    def clear(self) -> None:
        """Another project: the last run's scores and confusion matrix are not this one's."""
        self.run = None
        self.headline.setText(NO_RESULTS)
        self.empty.setText("")
        self.stack.setCurrentWidget(self.empty)

    def show_run(self, run) -> None:
        self.run = run
        self.headline.setText(run_headline(run))
        ev = run.evaluation or {}
        task = (run.summary or {}).get("task") or ev.get("task")
        dataset = getattr(run, "dataset", None)
        if not ev:
            self.empty.setText("This run has no test results (it stopped before training ended, or it has no test data).")
            self.stack.setCurrentWidget(self.empty)
            return
        if task == "ctc":
            self.ctc.setPlainText(ctc_text(ev))
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
        if self.stack.currentWidget() is self.regression:
            self.regression.set_evaluation(run.evaluation or {}, dataset)
        elif self.stack.currentWidget() is self.ctc:
            return
        else:
            self.confusion.set_dataset(dataset)

    def dataset_failed(self, run, message: str) -> None:
        if run is self.run:
            self.headline.setText(self.headline.text() + f"\nThe test samples cannot be shown: {message}")
