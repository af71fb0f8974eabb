"""File → Export (ONNX, PyTorch code, a torchrun training folder), File → Import ONNX and
File → Load weights, over the core's `export` package.

The window keeps one "weights in use" source for the network on the canvas: the last run trained
here, a run whose "Use these weights" was pressed, a loaded .safetensors file, or the weights that
came with an imported ONNX model. Exports take it by default. The slow work (torch, onnxruntime,
reading data) runs on a background thread (`BackgroundTask`), so the window never freezes, and
every failure is one plain sentence in a dialog; nothing is written halfway (the core writes to a
temporary file and renames).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

from . import autosave, dialogs
from .replacing import is_studio_onnx, is_studio_python, may_fill_folder, may_write

UNTRAINED = "untrained"


@dataclass
class WeightsSource:
    """Where the canvas network's weights come from (a run folder or a .safetensors file)."""

    path: Path
    label: str          # for people: "run Digits-CNN-20261130-101500", "file my.safetensors"
    imported: bool = False  # came with an imported ONNX model: training starts from it by default

    @staticmethod
    def of(path: str | Path) -> "WeightsSource":
        p = Path(path)
        return WeightsSource(p, f"run {p.name}" if p.is_dir() else f"file {p.name}")


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text).strip("_") or "network"


class OnnxExportDialog(QDialog):
    """Where to, which weights, and whether to add class probabilities. No typing needed."""

    def __init__(self, parent: QWidget | None, suggested: Path, weights: WeightsSource | None,
                 classifier: bool):
        super().__init__(parent)
        self.setWindowTitle("Export the network as ONNX")
        self.path_label = QLineEdit(str(suggested))  # typed or chosen: `path` reads it
        self.path_label.setToolTip("Type a file name or a full path, or press Choose…")
        self._folder = suggested.parent
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_path)
        row = QHBoxLayout()
        row.addWidget(self.path_label, 1)
        row.addWidget(choose)
        self.weights = QComboBox()
        if weights is not None:
            self.weights.addItem(f"Trained weights ({weights.label})", str(weights.path))
        self.weights.addItem("Untrained (freshly initialised): only to try the file out", UNTRAINED)
        self.weights.addItem("Weights from a file or run folder…", "choose")
        self.weights.activated.connect(self._weights_chosen)
        self.probabilities = QCheckBox("Also output the class probabilities (softmax) as a second output")
        self.probabilities.setEnabled(classifier)
        self.note = QLabel("The file is checked with onnx and run with onnxruntime against the studio's own "
                           "model before it is reported as saved.")
        self.note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Save to", row)
        form.addRow("Weights", self.weights)
        form.addRow("", self.probabilities)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.note)
        lay.addWidget(buttons)
        self.resize(640, self.sizeHint().height())

    @property
    def path(self) -> Path:
        """What the "Save to" box says: a bare name goes in the suggested folder; .onnx is added."""
        text = self.path_label.text().strip() or "network.onnx"
        p = Path(text).expanduser()
        if not p.is_absolute():
            p = self._folder / p
        return p if p.suffix.lower() == ".onnx" else p.with_name(p.name + ".onnx")

    def _choose_path(self) -> None:
        path = dialogs.ask_save_file(self, "Export the network as ONNX", str(self.path), "ONNX models (*.onnx)")
        if path:
            self.path_label.setText(path)

    def _weights_chosen(self, index: int) -> None:
        if self.weights.itemData(index) != "choose":
            return
        path = dialogs.ask_weights_file(self, str(self.path.parent))
        if not path:
            self.weights.setCurrentIndex(0)
            return
        source = WeightsSource.of(path)
        self.weights.insertItem(0, f"Trained weights ({source.label})", str(source.path))
        self.weights.setCurrentIndex(0)

    def chosen_weights(self) -> str | None:
        data = self.weights.currentData()
        return None if data in (UNTRAINED, "choose") else data


class ModelIO(QObject):
    """The export / import / weights actions of one main window."""

    weights_changed = Signal(object)     # WeightsSource or None
    finished = Signal(str, bool, str)    # what ('onnx', 'python', 'torchrun', 'import', 'weights'), ok, message

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.weights: WeightsSource | None = None
        self._task = None
        self.last_report: Any = None
        w = window
        self.act_onnx = w.add_export_action("Network as &ONNX (verified)…", self.export_onnx_dialog)
        self.act_onnx.setShortcut(QKeySequence("Ctrl+E"))
        self.act_onnx.setStatusTip("Save the network as one ONNX file, checked with onnxruntime")
        self.act_python = w.add_export_action("Network as &PyTorch code…", self.export_python_dialog)
        self.act_torchrun = w.add_export_action("Training folder for a &cluster (torchrun, DDP)…",
                                                self.export_torchrun_dialog)
        self.act_import = QAction("&Import ONNX model…", w)
        self.act_import.setStatusTip("Turn an ONNX model into blocks on the canvas, with its weights")
        self.act_import.triggered.connect(lambda _=False: self.import_onnx_dialog())
        self.act_load_weights = QAction("Load &weights…", w)
        self.act_load_weights.setStatusTip("Use trained weights (.safetensors or a run folder) for this network")
        self.act_load_weights.triggered.connect(lambda _=False: self.load_weights_dialog())
        w.add_file_actions([self.act_import, self.act_load_weights])
        self.status = QLabel("")
        self.status.setObjectName("weights_status")
        w.statusBar().addPermanentWidget(self.status)
        w.editor.project_replaced.connect(lambda _p: self.set_weights(None))
        self._actions = [self.act_onnx, self.act_python, self.act_torchrun, self.act_import, self.act_load_weights]

    # --- the weights in use -------------------------------------------------------------------------
    def set_weights(self, source: WeightsSource | str | Path | None) -> None:
        if source is not None and not isinstance(source, WeightsSource):
            source = WeightsSource.of(source)
        self.weights = source
        self.status.setText(f"Weights: {source.label}" if source else "")
        self.status.setToolTip(str(source.path) if source else "")
        self.weights_changed.emit(source)

    def attach_dashboard(self, dashboard) -> None:
        """A finished run, or a run's "Use these weights", gives the canvas network its weights."""
        if hasattr(dashboard, "weights_loaded"):
            dashboard.weights_loaded.connect(self._run_weights_chosen)
        if hasattr(dashboard, "training_finished"):
            dashboard.training_finished.connect(self._run_finished)
        if hasattr(dashboard, "set_start_weights"):  # an imported network trains on from its weights
            def start_from(source: WeightsSource | None) -> None:
                imported = source is not None and source.imported
                dashboard.set_start_weights(source.path if imported else None, source.label if imported else "")

            self.weights_changed.connect(start_from)
            start_from(self.weights)

    def _run_finished(self, run_dir: str) -> None:
        from ...compile.weights import WEIGHTS_FILE

        if run_dir and (Path(run_dir) / WEIGHTS_FILE).is_file():
            self.set_weights(run_dir)

    def _run_weights_chosen(self, run_dir: str) -> None:
        self.load_weights(run_dir)

    # --- running work off the GUI thread -----------------------------------------------------------------
    def busy(self) -> bool:
        return self._task is not None and self._task.is_running()

    def _run(self, what: str, work: Callable[[], Any], done: Callable[[Any], str]) -> bool:
        from .tasks import BackgroundTask

        if self.busy():
            self.window.statusBar().showMessage("Please wait: the last export or import is still running.", 5000)
            return False
        for a in self._actions:
            a.setEnabled(False)
        self.window.statusBar().showMessage("Working… (the window stays usable)")
        t0 = time.perf_counter()
        task = BackgroundTask(work, self)

        def ok(result: Any) -> None:
            try:
                message = done(result)
            except Exception as e:  # noqa: BLE001 - a failure in the follow-up is still a message
                from .tasks import plain_message

                failed(plain_message(e))
                return
            self.window.show_status(f"{message.splitlines()[0]} ({time.perf_counter() - t0:.1f} s)", 10000)
            self.finished.emit(what, True, message)
            dialogs.show_info(self.window, _TITLES[what], message)

        def failed(message: str) -> None:
            self.window.show_status(message.splitlines()[0] if message else message, 10000)
            self.finished.emit(what, False, message)
            dialogs.show_error(self.window, f"{_TITLES[what]}: not done", message)

        def ended() -> None:
            for a in self._actions:
                a.setEnabled(True)

        task.done.connect(ok)
        task.failed.connect(failed)
        task.ended.connect(ended)
        self._task = task.start()
        return True

    def wait(self, timeout_ms: int = 120000) -> bool:
        """Block until the running job has ended and reported (tests, the self-test)."""
        return self._task is None or self._task.wait(timeout_ms)

    def _project_copy(self):
        """The network as it is now: later edits on the canvas do not touch a running export."""
        return self.window.editor.project.copy()

    def _suggested(self, suffix: str) -> Path:
        p = self.window.editor.project
        return self.window.docs.default_folder() / f"{_safe_name(p.name)}{suffix}"

    def _network_ok(self) -> bool:
        a = self.window.editor.analysis
        if not len(self.window.editor.graph):
            dialogs.show_error(self.window, "Nothing to export", "The canvas is empty.")
            return False
        if not a.ok:
            dialogs.show_error(self.window, "The network has problems",
                               "Fix the problems listed under Messages first; then export.")
            return False
        return True

    # --- ONNX ------------------------------------------------------------------------------------------
    def export_onnx_dialog(self) -> bool:
        if not self._network_ok():
            return False
        classifier = (self.window.editor.analysis.task or "classification") == "classification"
        dlg = OnnxExportDialog(self.window, self._suggested(".onnx"), self.weights, classifier)
        if not dialogs.run_dialog(dlg):
            return False
        if not self._may_write(dlg.path, "ONNX export: not done", is_studio_onnx, dlg.chosen_weights()):
            return False
        return self.export_onnx(dlg.path, weights=dlg.chosen_weights(), probabilities=dlg.probabilities.isChecked())

    def export_onnx(self, path: str | Path, weights: str | Path | None = "current", probabilities: bool = False) -> bool:
        """Export and verify in the background; weights="current" takes the weights in use."""
        from ...interop.onnx import export_onnx

        if weights == "current":
            weights = self.weights.path if self.weights else None
        project = self._project_copy()

        def done(report) -> str:
            self.last_report = report
            return report.summary() + "".join(f"\n\nNote: {w}" for w in report.warnings)

        # force: the dialog's caller has asked about replacing an existing file (_may_write); the
        # core still never replaces the export's own inputs
        return self._run("onnx", lambda: export_onnx(project, path, weights=weights, probabilities=probabilities,
                                                     force=True), done)

    # --- PyTorch code ----------------------------------------------------------------------------------
    def export_python_dialog(self) -> bool:
        if not self._network_ok():
            return False
        path = dialogs.ask_save_file(self.window, "Export the network as PyTorch code", str(self._suggested(".py")),
                                     "Python files (*.py)")
        if not path or not self._may_write(path, "PyTorch code: not done", is_studio_python):
            return False
        return self.export_python(path)

    def export_python(self, path: str | Path) -> bool:
        from ...compile.codegen import python_source
        from ...files import atomic_write_bytes
        from ...interop.errors import ExportError

        project = self._project_copy()

        def work() -> Path:
            return atomic_write_bytes(path, python_source(project).encode("utf-8"), ExportError)

        return self._run("python", work, lambda p: (
            f"Wrote {p}: the network as a readable PyTorch module, with load_weights() for the studio's "
            ".safetensors files."))

    # --- torchrun folder -------------------------------------------------------------------------------
    def export_torchrun_dialog(self) -> bool:
        if not self._network_ok():
            return False
        folder = dialogs.ask_folder(self.window, "Choose an empty folder for the training script",
                                    str(self._suggested("").parent))
        if not folder:
            return False
        from ...interop.torchrun import MARKER, OUTPUT_FILES, studio_files

        target = Path(folder) / f"{_safe_name(self.window.editor.project.name)}-ddp"
        ours = studio_files(target) if target.is_dir() else set()
        if not may_fill_folder(self.window, target, (*OUTPUT_FILES, MARKER), ours | ({MARKER} if ours else set()),
                               title="Training folder for a cluster: not done"):
            return False
        return self.export_torchrun(target)

    def export_torchrun(self, out_dir: str | Path) -> bool:
        from ...interop.torchrun import export_torchrun_script

        weights = self.weights.path if self.weights else None
        project = self._project_copy()
        # The app's own confirmations (replacing files, data outside the project) are its to ask.
        return self._run("torchrun", lambda: export_torchrun_script(project, out_dir, weights=weights, force=True,
                                                                    allow_outside_data=True),
                         lambda report: report.summary())

    def _may_write(self, path: str | Path, title: str, own, weights: str | Path | None = None) -> bool:
        """replacing.may_write for an export of the canvas network: never over the project's file,
        data or weights; over a file the studio did not write only after a yes."""
        from ...data.files import data_paths
        from ...interop.onnx import command_inputs

        project = self.window.editor.project
        if weights is None and self.weights is not None:
            weights = self.weights.path
        inputs = command_inputs(project, weights) + [p for _, p in data_paths(project.dataset, project.base_dir)]
        return may_write(self.window, path, title=title, own=own, inputs=inputs)

    # --- import ----------------------------------------------------------------------------------------
    def import_onnx_dialog(self) -> bool:
        if not self.window.docs.maybe_save():
            return False
        path = dialogs.ask_open_file(self.window, "Import an ONNX model", str(self.window.docs.default_folder()),
                                     "ONNX models (*.onnx);;All files (*)")
        return self.import_onnx(path) if path else False

    def import_onnx(self, path: str | Path) -> bool:
        """The model becomes the canvas network (unsaved); its weights become the weights in use."""
        from ...interop.onnx_import import import_onnx
        from ...compile.weights import save_weights

        src = Path(path)

        def work():
            notes: list[str] = []
            project, state = import_onnx(src, warnings=notes)
            weights = None
            if state:
                folder = autosave.data_dir() / "imported"
                folder.mkdir(parents=True, exist_ok=True)
                weights = save_weights(state, folder / f"{_safe_name(src.stem)}-{time.strftime('%Y%m%d-%H%M%S')}"
                                                        ".safetensors", {"source": src.name})
            return project, weights, notes

        def done(result) -> str:
            project, weights, notes = result
            from ..editor.editor import lay_out_unplaced

            lay_out_unplaced(project, self.window.view_size())
            self.window.docs.show(project, modified=True)
            if weights is not None:
                self.set_weights(WeightsSource(Path(weights), f"imported from {src.name}", imported=True))
            n = len(project.graph) - 2
            return (f"Imported {src.name}: {n} block{'s' if n != 1 else ''}, checked against onnxruntime."
                    + (" Its weights are in use: export or try the network as it is." if weights else "")
                    + "".join(f"\n\nNote: {m}" for m in notes)
                    + "\n\nSave the project to keep it.")

        return self._run("import", work, done)

    # --- weights ---------------------------------------------------------------------------------------
    def load_weights_dialog(self) -> bool:
        if not self._network_ok():
            return False
        path = dialogs.ask_weights_file(self.window, str(self._suggested("").parent))
        return self.load_weights(path) if path else False

    def load_weights(self, path: str | Path) -> bool:
        """Check that the file fits the network (names and shapes; mismatches listed), then use it."""
        from ...compile.weights import load_weights

        project = self._project_copy()

        def work() -> Path:
            load_weights(project.build_model(), path)
            return Path(path)

        def done(p: Path) -> str:
            self.set_weights(p)
            return (f"The network now uses the weights of {self.weights.label}. File → Export takes them, "
                    "and the Try it tab of a run shows what they predict.")

        return self._run("weights", work, done)


_TITLES = {"onnx": "ONNX export", "python": "PyTorch code", "torchrun": "Training folder for a cluster",
           "import": "ONNX import", "weights": "Weights"}
