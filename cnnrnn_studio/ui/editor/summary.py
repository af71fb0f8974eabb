"""The model summary: one row per block (output shape, parameters, multiply-adds) and totals.

Refreshed only while visible (and when shown), so editing a large network stays fast.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from ...blocks import REGISTRY
from ...graph import Analysis, summary_rows
from ...kinds import format_shape
from ..shell import theme
from .editor import Editor

HEADERS = ("Block", "Type", "Output shape", "Parameters", "Multiply-adds")


def _shape(dims) -> str:
    return "—" if dims is None else format_shape(dims)


class SummaryModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple] = []
        self.ok_rows: list[bool] = []

    def set_rows(self, rows: list[dict], a: Analysis) -> None:
        self.beginResetModel()
        self.rows = [(r["id"], (REGISTRY[r["type"]].label if r["type"] in REGISTRY else r["type"])
                      + (" (frozen)" if r.get("frozen") else ""),
                      _shape(r["output_shape"]), r["params"], r["macs"]) for r in rows]
        self.ok_rows = [r["ok"] for r in rows]
        self.rows.append(("Total", "", "", a.total_params, a.total_macs))
        self.ok_rows.append(True)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        row, col = index.row(), index.column()
        value = self.rows[row][col]
        if role == Qt.DisplayRole:
            return f"{value:,}" if isinstance(value, int) else value
        if role == Qt.TextAlignmentRole and col >= 3:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.FontRole and (row == len(self.rows) - 1 or col == 2):
            f = QFont("DejaVu Sans Mono") if col == 2 else QFont()
            f.setBold(row == len(self.rows) - 1)
            return f
        if role == Qt.ForegroundRole and not self.ok_rows[row]:
            return QBrush(QColor(theme.current().error))
        return None


def totals_text(a: Analysis) -> str:
    """'11,178,051 parameters: 1,539 trainable, 11,176,512 frozen (60 blocks, kept as they are).'"""
    text = f"{a.total_params:,} parameters: {a.trainable_params:,} trainable, {a.frozen_params:,} frozen"
    if a.frozen:
        n = len(a.frozen)
        text += f" ({n} frozen block{'s' if n != 1 else ''}: training leaves their weights as they are)"
    return text + "."


class SummaryView(QWidget):
    def __init__(self, editor: Editor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("summary")
        self.editor = editor
        self.model = SummaryModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.note = QLabel("Each row is one block, in the order data flows. Multiply-adds count the work for one "
                           "sample; parameters are the weights training will learn.")
        self.note.setWordWrap(True)
        self.note.setProperty("role", "muted")
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addWidget(self.table, 1)
        self.totals = QLabel("")  # trainable vs frozen parameters
        self.totals.setObjectName("summary_totals")
        self.totals.setWordWrap(True)
        lay.addWidget(self.totals)
        self._stale = True
        editor.analysis_changed.connect(self._changed)

    def _changed(self, _a) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        a = self.editor.analysis
        self.model.set_rows(summary_rows(self.editor.graph, a), a)
        self.totals.setText(totals_text(a))
        self._stale = False

    def showEvent(self, event) -> None:
        if self._stale:
            self.refresh()
        super().showEvent(event)
