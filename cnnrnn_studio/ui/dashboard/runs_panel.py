"""The project's training runs, read from their run folders: list, reopen, delete (after asking),
load a run's weights into the network on the canvas, and pick runs to compare.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from .engine import Engine
from ..shell.tasks import plain_message

COLUMNS = ["compare", "started", "network", "parameters", "status", "epochs", "test score", "device", "folder"]


def score_text(test: dict) -> str:
    if not test:
        return "–"
    if test.get("accuracy") is not None:
        return f"accuracy {100 * test['accuracy']:.1f}%"
    if test.get("mae") is not None:
        return f"MAE {test['mae']:.4g}"
    return "–"


def network_text(folder: Path) -> str:
    """'CNN', 'LSTM'... from the run's project.json (the block types are enough; no model is built)."""
    from .compare import family_of_types

    try:
        d = json.loads((Path(folder) / "project.json").read_text(encoding="utf-8"))
        return family_of_types({str(b.get("type")) for b in d.get("blocks", []) if isinstance(b, dict)})
    except (OSError, ValueError, AttributeError):
        return "?"


def when_text(created: str) -> str:
    try:
        return datetime.fromisoformat(created).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return created or "–"


class RunsPanel(QWidget):
    run_opened = Signal(str)           # run folder to show in Results
    weights_loaded = Signal(str)       # run folder whose weights go into the canvas model
    compare_requested = Signal(list)   # run folders (2 or more)
    run_deleted = Signal(str)

    def __init__(self, engine: Engine | None = None, parent=None):
        super().__init__(parent)
        self.engine = engine or Engine()
        self.project = None
        self.busy_run: str | None = None   # the run training now: not deletable
        self.infos: list = []

        self.title = QLabel("Runs of this project, newest first.")
        self.scope = QComboBox()
        self.scope.addItem("Runs of this network", "project")
        self.scope.addItem("All runs on the same data (any network)", "same_data")
        self.scope.setToolTip("To compare networks (say a 1-d CNN and an LSTM) trained on the same data, "
                              "show all runs on that data, tick two or more and press Compare.")
        self.scope.currentIndexChanged.connect(lambda _: self.refresh())
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _: self.open_selected())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemChanged.connect(lambda _: self._update_buttons())

        self.open_button = QPushButton("Open")
        self.open_button.setToolTip("Show this run's plots and results.")
        self.open_button.clicked.connect(self.open_selected)
        self.weights_button = QPushButton("Use these weights")
        self.weights_button.setToolTip("Load this run's trained weights into the network on the canvas.")
        self.weights_button.clicked.connect(self.load_selected_weights)
        self.compare_button = QPushButton("Compare ticked runs")
        self.compare_button.setToolTip("Tick two or more runs (say a CNN and an LSTM on the same data).")
        self.compare_button.clicked.connect(self.compare_checked)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.delete_selected)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")

        buttons = QHBoxLayout()
        for b in (self.open_button, self.weights_button, self.compare_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(refresh)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("Show:"))
        top.addWidget(self.scope)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._update_buttons()

    def set_project(self, project) -> None:
        self.project = project
        self.refresh()

    def refresh(self) -> None:
        self.message.setText("")
        self.table.blockSignals(True)
        try:
            same_data = self.scope.currentData() == "same_data" and bool(getattr(self.project, "dataset", None))
            self.infos = self.engine.list_runs(self.project, same_data=same_data) if self.project is not None else []
        except Exception as e:  # noqa: BLE001 - an unreadable runs folder is a message, not a crash
            self.infos = []
            self.message.setText(plain_message(e))
        self.table.setRowCount(len(self.infos))
        for r, info in enumerate(self.infos):
            check = QTableWidgetItem()
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            check.setCheckState(Qt.CheckState.Unchecked)
            status = info.status
            if info.stopped_early:
                status += " (early stop)"
            epochs = f"{info.epochs_run}" + (f" of {info.epochs}" if info.epochs else "")
            cells = [check, QTableWidgetItem(when_text(info.created)), QTableWidgetItem(network_text(info.folder)),
                     QTableWidgetItem(f"{info.total_params:,}" if info.total_params is not None else "–"), QTableWidgetItem(status),
                     QTableWidgetItem(epochs), QTableWidgetItem(score_text(info.test)),
                     QTableWidgetItem(info.device or "–"), QTableWidgetItem(Path(info.folder).name)]
            if info.failed:
                cells[4].setToolTip(str(info.failed))
            cells[-1].setToolTip(str(info.folder))
            for c, item in enumerate(cells):
                item.setData(Qt.ItemDataRole.UserRole, str(info.folder))
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        whose = "on this data" if self.scope.currentData() == "same_data" else "of this project"
        self.title.setText(f"{len(self.infos)} run{'s' if len(self.infos) != 1 else ''} {whose}, newest first."
                           if self.infos else "No runs yet: press Train.")
        self._update_buttons()

    # --- what is picked ---------------------------------------------------------------------
    def selected_run(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def select_run(self, run_dir: str) -> bool:
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == str(run_dir):
                self.table.selectRow(r)
                return True
        return False

    def checked_runs(self) -> list[str]:
        return [self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(self.table.rowCount())
                if self.table.item(r, 0).checkState() == Qt.CheckState.Checked]

    def set_checked(self, run_dirs: list[str]) -> None:
        wanted = {str(d) for d in run_dirs}
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in wanted
                               else Qt.CheckState.Unchecked)

    def _update_buttons(self) -> None:
        one = self.selected_run() is not None
        self.open_button.setEnabled(one)
        self.weights_button.setEnabled(one)
        self.delete_button.setEnabled(one and self.selected_run() != self.busy_run)
        self.compare_button.setEnabled(len(self.checked_runs()) >= 2)

    # --- actions ----------------------------------------------------------------------------
    def open_selected(self) -> None:
        run = self.selected_run()
        if run:
            self.run_opened.emit(run)

    def load_selected_weights(self) -> None:
        run = self.selected_run()
        if run:
            self.weights_loaded.emit(run)

    def compare_checked(self) -> None:
        runs = self.checked_runs()
        if len(runs) >= 2:
            self.compare_requested.emit(runs)

    def delete_selected(self) -> bool:
        run = self.selected_run()
        if not run:
            return False
        if self.busy_run is not None and Path(run) == Path(self.busy_run):
            self.message.setText("This run is training now: stop it before deleting it.")
            return False
        answer = QMessageBox.question(
            self, "Delete this run?",
            f"Delete the run {Path(run).name}?\n\nIts plots, results and trained weights will be gone for good.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            self.engine.delete_run(run)
        except Exception as e:  # noqa: BLE001
            self.message.setText(plain_message(e))
            return False
        self.refresh()
        self.run_deleted.emit(run)
        return True
