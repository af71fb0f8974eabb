"""After a classification run: the confusion matrix as a heatmap (rows = true class, columns =
predicted class), the test samples behind a clicked cell with their true and predicted labels, and
precision / recall / F1 per class.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QListView, QListWidget, QListWidgetItem,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from .samples import sample_pixmap

MAX_SAMPLES = 120


def _mix(a: QColor, b: QColor, f: float) -> QColor:
    f = min(1.0, max(0.0, f))
    return QColor(round(a.red() + (b.red() - a.red()) * f), round(a.green() + (b.green() - a.green()) * f),
                  round(a.blue() + (b.blue() - a.blue()) * f))


WHITE, GOOD, BAD = QColor("#ffffff"), QColor("#0b559f"), QColor("#c0392b")


class ConfusionView(QWidget):
    cell_selected = Signal(int, int)   # true class, predicted class

    def __init__(self, parent=None):
        super().__init__(parent)
        self.evaluation: dict = {}
        self.dataset = None
        self.class_names: list[str] = []
        self.selected: tuple[int, int] | None = None
        self.unit = "test samples"

        self.summary = QLabel("")
        self.summary.setStyleSheet("font-weight: bold;")
        self.summary.setWordWrap(True)
        hint = QLabel("Rows: the true class. Columns: what the network said. The diagonal is right; "
                      "click any cell to see its test samples.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        self.matrix = QTableWidget(0, 0)
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix.setStyleSheet("QTableWidget::item:selected { border: 3px solid #f1c40f; }")
        self.matrix.cellClicked.connect(self.select_cell)

        self.per_class = QTableWidget(0, 5)
        self.per_class.setHorizontalHeaderLabels(["class", "precision", "recall", "F1", "test samples"])
        self.per_class.verticalHeader().setVisible(False)
        self.per_class.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.per_class.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.per_class.setToolTip("Precision: of the samples it called this class, the share that were. "
                                  "Recall: of the samples of this class, the share it found. F1: both in one number.")

        self.cell_title = QLabel("Click a cell of the matrix.")
        self.cell_title.setWordWrap(True)
        self.gallery = QListWidget()
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setIconSize(QSize(72, 72))
        self.gallery.setSpacing(4)
        self.gallery.setWordWrap(True)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.summary)
        ll.addWidget(hint)
        ll.addWidget(self.matrix, 3)
        ll.addWidget(self.per_class, 2)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.cell_title)
        rl.addWidget(self.gallery, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

    # --- data -------------------------------------------------------------------------------
    def set_evaluation(self, evaluation: dict, dataset=None, class_names: list[str] | None = None) -> None:
        self.evaluation = evaluation or {}
        self.dataset = dataset
        cm = self.evaluation.get("confusion_matrix") or []
        names = (class_names or self.evaluation.get("class_names")
                 or (dataset.class_names if dataset is not None and dataset.class_names else None)
                 or [str(i) for i in range(len(cm))])
        self.class_names = [str(n) for n in names]
        self.selected = None
        per_step = bool(self.evaluation.get("per_step"))
        self.unit = "test time steps" if per_step else "test samples"   # what the matrix counts
        self.per_class.setHorizontalHeaderItem(4, QTableWidgetItem(self.unit))
        self._fill_matrix(cm)
        self._fill_per_class(self.evaluation.get("per_class") or [])
        acc = self.evaluation.get("accuracy")
        n = self.evaluation.get("n", sum(sum(r) for r in cm))
        parts = []
        if acc is not None:
            parts.append(f"Test accuracy {100 * acc:.1f}% on {n:,} {self.unit}"
                         + (" (padding and unlabelled steps not counted)" if per_step else ""))
        if self.evaluation.get("macro_f1") is not None:
            parts.append(f"average F1 {self.evaluation['macro_f1']:.3f}")
        self.summary.setText(", ".join(parts) + ("." if parts else ""))
        self.gallery.clear()
        self.cell_title.setText("Click a cell of the matrix.")

    def set_dataset(self, dataset) -> None:
        """The test samples arrived (loaded in the background): show the selected cell's now."""
        self.dataset = dataset
        if self.selected is not None:
            self.select_cell(*self.selected)

    def _fill_matrix(self, cm: list[list[int]]) -> None:
        k = len(cm)
        self.matrix.clear()
        self.matrix.setRowCount(k)
        self.matrix.setColumnCount(k)
        self.matrix.setHorizontalHeaderLabels([f"said {n}" for n in self.class_names[:k]])
        self.matrix.setVerticalHeaderLabels([f"is {n}" for n in self.class_names[:k]])
        for r, row in enumerate(cm):
            total = sum(row) or 1
            for c, count in enumerate(row):
                f = count / total
                item = QTableWidgetItem(str(count))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                bg = _mix(WHITE, GOOD if r == c else BAD, f if r == c else min(1.0, 2.5 * f))
                item.setBackground(QBrush(bg))
                item.setForeground(QBrush(QColor("white" if bg.lightness() < 140 else "#222")))
                item.setToolTip(f"{count} {self.unit} of class '{self._name(r)}' were classified as "
                                f"'{self._name(c)}' ({100 * count / total:.0f}% of that class).")
                self.matrix.setItem(r, c, item)

    def _fill_per_class(self, rows: list[dict]) -> None:
        self.per_class.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = [str(row.get("class", r)), f"{row.get('precision', 0):.3f}", f"{row.get('recall', 0):.3f}",
                      f"{row.get('f1', 0):.3f}", f"{int(row.get('support', 0)):,}"]
            for c, v in enumerate(values):
                item = QTableWidgetItem(v)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.per_class.setItem(r, c, item)

    def _name(self, i: int) -> str:
        return self.class_names[i] if 0 <= i < len(self.class_names) else str(i)

    def _targets(self) -> list[int]:
        t = self.evaluation.get("targets")
        if t is not None:
            return [int(v) for v in t]
        if self.dataset is not None:
            return [int(v) for v in self.dataset.test.y.tolist()]
        return []

    def samples_for_cell(self, true_class: int, predicted: int) -> list[int]:
        """Test-set positions of the samples of class ``true_class`` that were predicted ``predicted``."""
        preds = [int(p) for p in self.evaluation.get("predictions") or []]
        targets = self._targets()
        hits = [i for i, (t, p) in enumerate(zip(targets, preds)) if t == true_class and p == predicted]
        of_step = self.evaluation.get("sample_of_step")
        if of_step is not None:  # per-step scores list steps: show the samples they belong to
            return sorted({int(of_step[i]) for i in hits})
        return hits

    # --- clicking ---------------------------------------------------------------------------
    def select_cell(self, true_class: int, predicted: int) -> None:
        self.selected = (true_class, predicted)
        if self.matrix.currentRow() != true_class or self.matrix.currentColumn() != predicted:
            self.matrix.setCurrentCell(true_class, predicted)
        idx = self.samples_for_cell(true_class, predicted)
        what = ("correctly classified" if true_class == predicted else f"classified as '{self._name(predicted)}'")
        steps = " with steps" if self.evaluation.get("per_step") else ""
        self.cell_title.setText(f"{len(idx):,} test samples{steps} of class '{self._name(true_class)}' {what}"
                                + (f" (the first {MAX_SAMPLES} shown)" if len(idx) > MAX_SAMPLES else "") + ".")
        self.gallery.clear()
        if not idx:
            pass
        elif self.dataset is None:
            self.cell_title.setText(self.cell_title.text() + " Loading the test samples…")
        else:
            test = self.dataset.test
            for i in idx[:MAX_SAMPLES]:
                pm = sample_pixmap(test.x[i], self.dataset.kind, 72, self.dataset.vocab)
                item = QListWidgetItem(QIcon(pm), f"#{i}\ntrue {self._name(true_class)}\nsaid {self._name(predicted)}")
                item.setData(Qt.ItemDataRole.UserRole, i)
                item.setToolTip(f"test sample {i}: true class '{self._name(true_class)}', "
                                f"predicted '{self._name(predicted)}'")
                self.gallery.addItem(item)
        self.cell_selected.emit(true_class, predicted)

    def shown_samples(self) -> list[int]:
        return [self.gallery.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.gallery.count())]
