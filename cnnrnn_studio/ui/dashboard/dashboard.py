"""The Train tab: start, pause, resume and stop training on a background thread, watch it live,
then study the results, try the network, and compare runs.

Threads: the engine runs in a ``TrainingSession`` (a QObject on a QThread). Its events wait in one
queue that this dashboard takes at each frame of a ~16 Hz QTimer (only start, pause, resume, the end
and a failure wake it at once); they go into a ``RunHistory`` buffer (cheap appends), and the
frame pushes the buffer to the progress bars and plots with setData. The run trains a SNAPSHOT of the project taken
when Train is pressed, so editing the graph meanwhile cannot change the running model; the next
Train starts a new run from the edited graph.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSpinBox, QTabWidget,
                               QVBoxLayout, QWidget)

from ...train import events
from .compare import CompareView
from .data_preview import DataPreview
from .engine import Engine, snapshot
from .evaluation import EvaluationPanel
from .gradients import GradientFlowView
from .history import RunHistory, history_from_metrics
from .plots import LivePlots
from .progress import ElidedLabel, ProgressPanel, memory_text, short_device_name
from .runs_panel import RunsPanel
from ..shell.replacing import project_inputs
from ..shell.tasks import BackgroundTask, plain_message, settle_gui_thread
from .try_it import TryItPanel
from .worker import TrainingSession

log = logging.getLogger(__name__)

REFRESH_MS = 62          # ~16 refreshes per second: the target is 15, and each one costs training CPU
DEVICES = [("Auto (best available)", "auto"), ("CPU", "cpu"), ("NVIDIA GPU (CUDA)", "cuda"),
           ("Apple GPU (MPS)", "mps")]

_BANNER_INFO = "QLabel { background: #fff6d5; border: 1px solid #e0c060; padding: 4px 8px; color: #333; }"
_BANNER_ERROR = "QLabel { background: #fde8e8; border: 1px solid #d08080; padding: 4px 8px; color: #8a1020; }"
_BANNER_OK = "QLabel { background: #e6f4ea; border: 1px solid #80b890; padding: 4px 8px; color: #1e4d2b; }"


class TrainingDashboard(QWidget):
    training_started = Signal()
    training_finished = Signal(str)     # the run folder ('' when the run never got one)
    weights_loaded = Signal(str)        # load this run folder's weights into the canvas model
    run_opened = Signal(str)
    #: the person changed the epochs or the device here: {"epochs": 30} for the project's training
    #: section, which the main window writes as one undoable edit (one source of truth)
    training_settings_edited = Signal(dict)

    def __init__(self, parent: QWidget | None = None, *, engine: Engine | None = None):
        super().__init__(parent)
        self.engine = engine or Engine()
        self.project = None
        self.history = RunHistory()      # the run training now (or the last one trained here)
        self.view_history = self.history  # what the plots show: the live run, or a reopened one
        self.session: TrainingSession | None = None
        self.last_run = None                 # the engine's Run of the last run that finished here
        self.default_device = "auto"         # where to train when the project does not say (the settings)
        self._error_shown = False
        self._stop_requested = False
        self._memory_checked = 0.0
        self._preview_pending = False

        # --- controls ------------------------------------------------------------------------
        self.train_button = QPushButton("▶  Train")
        self.train_button.setToolTip("Train the network on its data (F5). A new run starts each time.")
        self.pause_button = QPushButton("❚❚  Pause")
        self.pause_button.setToolTip("Pause after the current batch (F6).")
        self.resume_button = QPushButton("▶  Resume")
        self.resume_button.setToolTip("Carry on training (F6).")
        self.stop_button = QPushButton("■  Stop")
        self.stop_button.setToolTip("Stop after the current batch and keep the last finished epoch (Shift+F5).")
        self.train_button.clicked.connect(self.start_training)
        self.pause_button.clicked.connect(self.pause_training)
        self.resume_button.clicked.connect(self.resume_training)
        self.stop_button.clicked.connect(self.stop_training)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100000)
        self.epochs.setValue(20)
        self.epochs.setPrefix("epochs: ")
        self.epochs.setToolTip("How many passes over the training data (the project's Epochs setting).")
        self.epochs.setKeyboardTracking(False)  # typed digits count once, when typing ends
        self._syncing = False
        self.epochs.valueChanged.connect(self._epochs_edited)
        self.device = QComboBox()
        for label, value in DEVICES:
            self.device.addItem(label, value)
        self.device.setToolTip("Where to train. Auto picks an NVIDIA GPU, then an Apple GPU, then the CPU.")
        self.device.activated.connect(self._device_edited)
        # An imported network starts from its imported weights unless this is switched off.
        self.start_weights: Path | None = None
        self.start_from = QCheckBox("Start from the imported weights")
        self.start_from.setObjectName("start_from_imported")
        self.start_from.setChecked(True)
        self.start_from.setToolTip("On: training starts from the weights that came with the imported model "
                                   "(fine-tuning). Off: from fresh, random weights.")
        self.start_from.hide()
        self.device_label = ElidedLabel("")  # a long device name ends in "…", never widens the window
        self.state_label = QLabel("Ready.")
        self.state_label.setStyleSheet("font-weight: bold;")

        bar = QHBoxLayout()
        for w in (self.train_button, self.pause_button, self.resume_button, self.stop_button):
            bar.addWidget(w)
        bar.addSpacing(12)
        bar.addWidget(self.epochs)
        bar.addWidget(QLabel("on"))
        bar.addWidget(self.device)
        bar.addWidget(self.start_from)
        bar.addSpacing(12)
        bar.addWidget(self.state_label)
        bar.addStretch(1)
        bar.addWidget(self.device_label)

        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.progress = ProgressPanel()

        # --- the tabs ------------------------------------------------------------------------
        self.data_preview = DataPreview(self.engine)
        self.plots = LivePlots()
        self.plots.protected = lambda: project_inputs(self.project)
        self.gradients = GradientFlowView()
        self.results = EvaluationPanel(self.engine)
        self.try_it = TryItPanel()
        self.runs = RunsPanel(self.engine)
        self.compare = CompareView(self.engine)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.data_preview, "Data")
        self.tabs.addTab(self.plots, "Live plots")
        self.tabs.addTab(self.gradients, "Gradient flow")
        self.tabs.addTab(self.results, "Results")
        self.tabs.addTab(self.try_it, "Try it")
        self.tabs.addTab(self.runs, "Runs")
        self.tabs.addTab(self.compare, "Compare")
        self.tabs.currentChanged.connect(lambda _: self._tick())

        self.runs.run_opened.connect(self.open_run)
        self.runs.weights_loaded.connect(self.weights_loaded)
        self.runs.compare_requested.connect(self.compare_runs)
        self.runs.run_deleted.connect(self._run_deleted)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.progress)
        layout.addWidget(self.tabs, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)

        for keys, slot in (("F5", self.start_training), ("F6", self._toggle_pause), ("Shift+F5", self.stop_training)):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)  # active while the Train tab is shown
            sc.activated.connect(slot)
        self._update_controls()

    # --- the project ---------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """The project whose network trains next (called by the editor when the project changes)."""
        if project is not self.project and not self.is_training():
            # Another project: the last run's bars and message belong to the old one.
            self.progress.clear()
            self.banner.hide()
            self.state_label.setText("Ready.")
            self.results.clear()
            self.try_it.clear()
            self.device_label.setText("")
            self.history.reset()
            self.view_history = self.history
            self.plots.clear()
            self.gradients.clear()
        self.project = project
        self.show_training_settings()
        self.runs.busy_run = self.history.run_dir if self.is_training() else None
        self.runs.set_project(project)
        if self.isVisible():
            self.data_preview.load(project)
        else:
            self._preview_pending = True  # load the data when the tab is first looked at
        self._update_controls()

    def show_training_settings(self) -> None:
        """Show the project's epochs and device (again, after they were changed elsewhere)."""
        from ...project.training import TrainConfig

        training = (self.project.training or {}) if self.project is not None else {}
        epochs = training.get("epochs")
        if not (isinstance(epochs, int) and not isinstance(epochs, bool) and epochs >= 1):
            epochs = TrainConfig().epochs  # what training will use when the project says nothing
        device = training.get("device") or "auto"
        if device == "auto":  # the project leaves it open: the person's setting (Edit → Settings)
            device = self.default_device
        self._syncing = True
        try:
            self.epochs.setValue(epochs)
            i = self.device.findData(device if isinstance(device, str) else "auto")
            self.device.setCurrentIndex(max(0, i))
        finally:
            self._syncing = False
        self._show_plan()
        self.data_preview.refresh_augmented(self.project)  # augmentation edited in the Data section

    def _show_plan(self) -> None:
        """Before any run, the bars read what pressing Train will do ("Epoch 0 of 30")."""
        if self.view_history.started_at is None and not self.is_training():
            self.progress.show_plan(self.epochs.value())

    def _epochs_edited(self, value: int) -> None:
        self._show_plan()
        if not self._syncing:
            self.training_settings_edited.emit({"epochs": int(value)})

    def _device_edited(self, index: int) -> None:
        if not self._syncing:
            self.training_settings_edited.emit({"device": self.device.itemData(index)})

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._preview_pending:
            self._preview_pending = False
            self.data_preview.load(self.project)

    # --- training --------------------------------------------------------------------------------
    def is_training(self) -> bool:
        return self.session is not None and self.session.is_running()

    def start_training(self, **overrides: Any) -> bool:
        """Start a new run on a snapshot of the project; False (with a message) if it cannot start.

        ``overrides`` go to the engine as they are (tests, the responsiveness benchmark: epochs=...).
        """
        if self.is_training():
            return False
        if self.project is None:
            self._show_banner("Open or create a project first.", _BANNER_ERROR)
            return False
        analysis = self.project.analyze()
        if not analysis.ok:
            problems = "\n".join(f"• {p}" for p in analysis.errors[:6])
            self._show_banner("The network has problems to fix before it can train:\n" + problems, _BANNER_ERROR)
            return False
        if self.project.dataset is None:
            self._show_banner("Choose a dataset for this project before training.", _BANNER_ERROR)
            return False
        options: dict[str, Any] = {"epochs": self.epochs.value(), "device": self.device.currentData()}
        if self.start_weights is not None and self.start_from.isChecked():
            options["init_weights"] = str(self.start_weights)
        options.update(overrides)
        frozen = snapshot(self.project)  # edits made from now on do not reach this run

        self.history.reset()
        self.view_history = self.history
        self.plots.clear()
        self.gradients.clear()
        self.progress.clear()
        self._error_shown = False
        self._stop_requested = False
        session = TrainingSession(self.engine, frozen, options, parent=self)
        session.events_waiting.connect(self._take_events)
        session.run_returned.connect(self._on_run_returned)
        session.error.connect(self._on_error)
        session.ended.connect(self._on_ended)
        self.session = session
        self.history.state = "starting"
        self._show_banner("Training a snapshot of the network as it was when you pressed Train: you can keep "
                          "editing, and your changes apply to the next run.", _BANNER_INFO)
        self.state_label.setText("Starting…")
        session.start()
        self._timer.start()
        self._update_controls()
        self.training_started.emit()
        if self.tabs.currentWidget() not in (self.plots, self.gradients):  # a new run: show it live
            self.tabs.setCurrentWidget(self.plots)
        return True

    def set_start_weights(self, path: Path | None, label: str = "") -> None:
        """Weights that came with an imported model: the next runs start from them while the
        "Start from the imported weights" switch is on (None: fresh weights, the switch hidden)."""
        self.start_weights = Path(path) if path is not None else None
        self.start_from.setVisible(self.start_weights is not None)
        self.start_from.setChecked(True)
        if self.start_weights is not None:
            self.start_from.setToolTip(f"On: training starts from the weights {label} ({self.start_weights.name}), "
                                       "fine-tuning them. Off: from fresh, random weights.")

    def pause_training(self) -> None:
        if self.is_training() and self.history.state == "running":
            self.session.pause()
            self.state_label.setText("Pausing after this batch…")
            self._update_controls(pausing=True)

    def resume_training(self) -> None:
        if self.is_training():
            self.session.resume()
            self.state_label.setText("Training…")
            self._update_controls()

    def stop_training(self) -> None:
        if self.is_training():
            self._stop_requested = True
            self.session.stop()
            self.state_label.setText("Stopping after this batch…")
            self._update_controls()

    def _toggle_pause(self) -> None:
        if self.history.state == "paused":
            self.resume_training()
        else:
            self.pause_training()

    def request_stop_and_wait(self, timeout_ms: int = 10000) -> bool:
        """Stop the run and wait for its thread to end (the window is closing). True when no thread is left."""
        if not self.is_training():
            return True
        self.stop_training()
        ok = self.session.wait(timeout_ms) if self.session is not None else True
        return ok and not self.is_training()

    def confirm_stop_for_close(self) -> bool:
        """Ask before closing while training; on yes stop cleanly. True: the window may close."""
        if not self.is_training():
            return True
        answer = QMessageBox.question(
            self, "Training is running",
            "A network is training. Stop it and close?\n\nThe last finished epoch's weights are kept in its run folder.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        if not self.request_stop_and_wait(30000):
            QMessageBox.warning(self, "Still stopping", "Training did not stop in time; try closing again in a moment.")
            return False
        return True

    def closeEvent(self, event) -> None:  # only when the dashboard is a window of its own
        if self.confirm_stop_for_close():
            event.accept()
        else:
            event.ignore()

    # --- events from the training thread (queued to this thread) -------------------------------
    @Slot(object)
    @Slot()
    def _take_events(self) -> None:
        """Handle the run's queued events in order (at each frame, and at once for the rare ones)."""
        if self.session is not None:
            for item in self.session.take_events():
                self._on_event(item)

    def _on_event(self, item: tuple[float, events.Event]) -> None:
        at, event = item
        self.history.add(event, at)
        if isinstance(event, events.RunStarted):
            settle_gui_thread()  # torch is loaded now: keep this thread off the training thread's cores
            text = short_device_name(str(getattr(event, "device_name", "") or getattr(event, "device", "")))
            self.device_label.setText(text)
            self.device_label.setToolTip(f"{text}\n{event.n_train:,} training, {event.n_val:,} validation and "
                                         f"{event.n_test:,} test samples; {event.total_params:,} parameters.")
            self.runs.busy_run = self.history.run_dir
            self._memory_checked = 0.0
            self.state_label.setText("Training…")
        elif isinstance(event, events.Paused):
            self.state_label.setText("Paused.")
        elif isinstance(event, events.Resumed):
            self.state_label.setText("Training…")
        elif isinstance(event, events.Failed):
            self._show_failure(str(event.message))
        elif isinstance(event, events.Finished):
            self.state_label.setText("Stopped." if self.history.state == "stopped" else "Finished.")
        if isinstance(event, (events.RunStarted, events.Paused, events.Resumed, events.Finished, events.Failed)):
            self._update_controls()

    @Slot(object)
    def _on_run_returned(self, run) -> None:
        self.last_run = run
        try:
            self.results.show_run(run)
            self._try_run(run, getattr(run, "dataset", None), self.history.task)
        except Exception as e:  # noqa: BLE001 - a view that cannot show a run must not take the app down
            log.exception("showing the run failed")
            self._show_banner(f"The run finished, but its results cannot be shown: {plain_message(e)}", _BANNER_ERROR)

    @Slot(str)
    def _on_error(self, message: str) -> None:
        if self.history.state != "failed":
            self.history.end("failed", message)
        self._show_failure(message)

    @Slot()
    def _on_ended(self) -> None:
        self._timer.stop()
        self._tick()   # the last frame, with what the run queued after its last signal
        if self.session is not None:
            self.session.deleteLater()
        self.session = None
        h = self.history
        if h.state in ("running", "paused", "starting"):  # the engine ended without a final event
            h.end("stopped" if self._stop_requested else "finished")
        if h.state == "finished":
            self._show_banner(f"Training finished: {self._score_text()}", _BANNER_OK)
            self.state_label.setText("Finished.")
            if self.last_run is not None:
                self.tabs.setCurrentWidget(self.results)
        elif h.state == "stopped":
            epochs = len(h.epoch_x)
            self._show_banner(f"Stopped by you after {epochs} finished epoch{'s' if epochs != 1 else ''}; "
                              f"those weights are kept. {self._score_text()}", _BANNER_INFO)
            self.state_label.setText("Stopped.")
        else:
            self.state_label.setText("Stopped by a problem.")
        self.runs.busy_run = None
        self.runs.refresh()
        self._update_controls()
        self.training_finished.emit(h.run_dir or "")

    def _score_text(self) -> str:
        test = (self.history.summary or {}).get("test") or {}
        if test.get("accuracy") is not None and test.get("cer") is not None:  # CTC: whole strings read
            return (f"test strings read exactly {100 * test['accuracy']:.1f}%, character error rate "
                    f"{test['cer']:.3f}.")
        if test.get("accuracy") is not None:
            return f"test accuracy {100 * test['accuracy']:.1f}%."
        if test.get("mae") is not None:
            return f"test mean absolute error {test['mae']:.4g}."
        return ""

    def _show_failure(self, message: str) -> None:
        if self._error_shown:
            return
        self._error_shown = True
        h = self.history
        kept = ""
        if h.run_dir and len(h.epoch_x):
            kept = f" The weights of epoch {int(h.epoch_x.last())}, the last good one, are kept in {h.run_dir}."
        self._show_banner(f"Training stopped: {message}{kept} Fix the problem and press Train to start again.",
                          _BANNER_ERROR)
        self.state_label.setText("Stopped by a problem.")

    def _show_banner(self, text: str, style: str) -> None:
        self.banner.setText(text)
        self.banner.setStyleSheet(style)
        self.banner.show()

    # --- the ~16 Hz refresh --------------------------------------------------------------------
    @Slot()
    def _tick(self) -> None:
        self._take_events()
        h = self.history
        now = time.perf_counter()
        self.progress.refresh(h, now)
        # Charts nobody can see are not redrawn: they catch up from the buffer when shown.
        if self.plots.isVisible():
            self.plots.refresh(self.view_history)
        if self.gradients.isVisible():
            self.gradients.refresh(self.view_history)
        if now - self._memory_checked >= 1.0 and h.info.get("device"):
            self._memory_checked = now
            mem = memory_text(str(h.info.get("device")))
            name = short_device_name(str(h.info.get("device_name") or h.info.get("device")))
            self.device_label.setText(f"{name} · {mem}" if mem else name)

    def _update_controls(self, pausing: bool = False) -> None:
        training = self.is_training()
        paused = self.history.state == "paused"
        self.train_button.setEnabled(not training and self.project is not None)
        self.pause_button.setEnabled(training and not paused and not pausing and not self._stop_requested)
        self.resume_button.setEnabled(training and (paused or pausing) and not self._stop_requested)
        self.stop_button.setEnabled(training and not self._stop_requested)
        self.pause_button.setVisible(not (paused or pausing))
        self.resume_button.setVisible(paused or pausing)
        self.epochs.setEnabled(not training)
        self.device.setEnabled(not training)

    # --- runs ------------------------------------------------------------------------------------
    def open_run(self, run_dir: str) -> None:
        """Show a finished run's plots and results, and make it the network to try."""
        engine = self.engine
        task = BackgroundTask(lambda: engine.load_run(run_dir))
        task.done.connect(self._run_loaded)
        task.failed.connect(lambda msg: self._show_banner(f"The run cannot be opened: {msg}", _BANNER_ERROR))
        task.start()
        self.state_label.setText("Opening the run…")

    def _run_loaded(self, run) -> None:
        self.state_label.setText("Ready." if not self.is_training() else self.state_label.text())
        if not self.is_training():  # a live run keeps the plots
            self.view_history = history_from_metrics(run.metrics or [], (run.summary or {}).get("task"))
            self.plots.clear()
            self.gradients.clear()
        self.results.show_run(run)
        self._try_run(run, None)
        # The run's test samples (for Results' gallery and for Try it): loaded once, in the background.
        if run.project is not None and self.project is not None and self.project.refused_data:
            # the person chose not to let this project read data outside its folder: nor do its runs
            from ...project.fit import outside_data

            base = (run.summary or {}).get("base_dir")
            run.project.refused_data = frozenset(p for _, p in outside_data(run.project, Path(base) if base else None))
        engine = self.engine
        ds_task = BackgroundTask(lambda: engine.load_run_dataset(run))
        ds_task.done.connect(lambda ds, r=run: self._opened_dataset(r, ds))
        ds_task.failed.connect(lambda msg, r=run: self.results.dataset_failed(r, msg))
        ds_task.start()
        self.tabs.setCurrentWidget(self.results)
        self.run_opened.emit(str(run.folder))

    def _opened_dataset(self, run, dataset) -> None:
        self.results.set_dataset(run, dataset)
        if self.try_it.model is run.model:
            self._try_run(run, dataset)

    def _try_run(self, run, dataset, default_task: str = "classification") -> None:
        summary = run.summary or {}
        self.try_it.set_model(run.model, dataset, summary.get("task", default_task), summary.get("class_names"),
                              source=f"run {Path(run.folder).name}", run=run)

    def compare_runs(self, run_dirs: list[str]) -> None:
        self.compare.set_runs(list(run_dirs))
        self.tabs.setCurrentWidget(self.compare)

    def _run_deleted(self, run_dir: str) -> None:
        if self.last_run is not None and Path(self.last_run.folder) == Path(run_dir):
            self.last_run = None

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """The window is closing: stop a run and join every thread this tab started (no terminate())."""
        self._timer.stop()
        ok = self.request_stop_and_wait(timeout_ms)
        return self.wait_for_background(timeout_ms) and ok

    def wait_for_background(self, timeout_ms: int = 30000) -> bool:
        """Join the loading threads (tests; closing)."""
        from ..shell.tasks import wait_all

        return wait_all(timeout_ms)
