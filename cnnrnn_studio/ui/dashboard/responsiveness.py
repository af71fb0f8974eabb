"""Measure that the UI stays responsive while the dashboard trains, and what the GUI costs training.

``measure(dashboard, project, seconds)`` runs, in this process and in this order:

0. a short headless warm-up (torch's first-call costs are paid by neither measured run);
1. the first half of the headless run (see 3);
2. the GUI run: the dashboard trains ``project`` on its worker thread for ``seconds`` with the live
   plots on screen, while a 10 ms QTimer on the UI thread records how late each tick comes, and
   the plot widget's paint events are counted;
3. the headless run: the same engine, the same project, no GUI (a plain thread trains while this
   one waits in join(), no event loop running), for the same number
   of batches in all: half of them (by time) just before the GUI run and the rest just after, so a
   change in the machine's load during the measurement weighs on both sides alike.

Training speed is measured the same way in both: the engine's progress events are stamped with
perf_counter on the training thread as they are emitted; samples/s = batches between the first and
the last stamped event x samples per batch / seconds between them.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QStackedWidget, QWidget

from .engine import event_name, snapshot
from .history import RunHistory

PROBE_MS = 10
MANY_EPOCHS = 100000   # the runs are stopped by count or time, never by running out of epochs


class _PaintCounter(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


class _LatenessProbe(QObject):
    """A 10 ms timer on the UI thread; how late each tick arrives is how long the UI was unresponsive."""

    def __init__(self):
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.last_ns: int | None = None
        self.lateness_ms: list[float] = []
        self.recording = False

    def start(self) -> None:
        self.clock.start()
        self.last_ns = None
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        if self.recording and self.last_ns is not None:
            self.lateness_ms.append(max(0.0, (now - self.last_ns) / 1e6 - PROBE_MS))
        self.last_ns = now


def _spin(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(max(0, int(seconds * 1000)), loop.quit)
    loop.exec()


def _spin_until(predicate, timeout_s: float) -> bool:
    deadline = time.perf_counter() + timeout_s
    while not predicate():
        if time.perf_counter() > deadline:
            return False
        _spin(0.02)
    return True


def _show(dashboard: QWidget) -> None:
    """Put the dashboard and its live plots on screen (select the tabs that hold them)."""
    w: QWidget | None = dashboard.plots
    while w is not None:
        parent = w.parentWidget()
        if isinstance(parent, QStackedWidget):
            parent.setCurrentWidget(w)
        w = parent
    dashboard.window().show()


def headless_run(engine, project, *, out: Path, batches: int | None = None,
                 seconds: float | None = None) -> RunHistory:
    """Train on this thread with no GUI until ``batches`` global batches are done (or ``seconds`` passed
    since the first progress event); the events are kept in a RunHistory stamped the way the worker
    stamps them (perf_counter at emission)."""
    history = RunHistory()
    control = engine.make_control()

    def listen(event) -> None:
        now = time.perf_counter()
        history.add(event, now)
        if event_name(event) != "BatchProgress":
            return
        if batches is not None and history.global_batch >= batches:
            control.stop()
        if seconds is not None and now - history.progress_times[0][0] >= seconds:
            control.stop()

    frozen = snapshot(project)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            engine.train(frozen, epochs=MANY_EPOCHS, out=out, listener=listen, control=control)
        except BaseException as e:  # noqa: BLE001 - re-raised on the calling thread
            failure.append(e)

    # A plain thread, like the app's worker, while this thread just waits (no event loop, no GUI):
    # here training on the main thread ran 2-6x slower than on any other thread (OpenMP teams differ
    # per calling thread), which would have flattered the app.
    worker = threading.Thread(target=run, name="headless-training")
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
    return history


def _span(h: RunHistory, skip_first: int = 1) -> tuple[int, float, float]:
    """(batches, samples, seconds) between the first kept and the last progress event."""
    pts = h.progress_times[skip_first:]
    if len(pts) < 2 or not h.batches_per_epoch:
        return 0, 0.0, 0.0
    (t0, b0), (t1, b1) = pts[0], pts[-1]
    per_batch = (h.info.get("n_train") or 0) / h.batches_per_epoch
    return b1 - b0, (b1 - b0) * per_batch, t1 - t0


def measure(dashboard, project, seconds: float = 10.0) -> dict:
    """Responsiveness figures for training ``project`` in ``dashboard`` (see the module docstring).

    Returns {"ui_lateness_p99_ms", "ui_stall_max_ms", "plot_fps", "train_sps_gui", "train_sps_headless"}
    plus the context: "ratio", "batches", "probe_ticks", "seconds", "device".
    """
    app = QApplication.instance()
    assert app is not None, "measure() needs a running QApplication"
    if dashboard.is_training():
        raise RuntimeError("measure() needs an idle dashboard: a run is training")
    engine = dashboard.engine
    tmp = Path(tempfile.mkdtemp(prefix="cnnrnn-responsiveness-"))
    saved_out, saved_project = dashboard.run_out, dashboard.project
    probe = _LatenessProbe()
    painter = _PaintCounter()
    viewport = None
    try:
        # 0. warm-up, not measured
        headless_run(engine, project, batches=10, out=tmp / "warmup")
        # 1. headless, first half (the machine's load may drift: headless runs before AND after)
        head_a = headless_run(engine, project, seconds=seconds / 2, out=tmp / "headless-a")

        # 2. the GUI run
        dashboard.set_project(project)
        _show(dashboard)
        dashboard.run_out = tmp
        viewport = dashboard.plots.loss.viewport()  # pyqtgraph may replace it before the first show
        viewport.installEventFilter(painter)
        probe.start()
        if not dashboard.start_training(epochs=MANY_EPOCHS):
            raise RuntimeError("the dashboard did not start training: " + dashboard.banner.text())
        h = dashboard.history
        if not _spin_until(lambda: len(h.progress_times) >= 2 or not dashboard.is_training(), 300):
            raise RuntimeError("training did not start within 5 minutes")
        if not dashboard.is_training():
            raise RuntimeError("training ended before it could be measured: " + dashboard.banner.text())
        probe.recording = True
        paints0 = painter.count
        t0 = time.perf_counter()
        _spin(seconds)
        window = time.perf_counter() - t0
        probe.recording = False
        paints = painter.count - paints0
        dashboard.request_stop_and_wait(60000)
        probe.stop()
        gui_batches, gui_samples, gui_seconds = _span(h)
        device = h.info.get("device_name") or h.info.get("device")

        # 3. headless, second half: together with the first, as many batches as the GUI run did
        a_batches, a_samples, a_seconds = _span(head_a)
        rest = max(2, gui_batches - a_batches + 1)
        head_b = headless_run(engine, project, batches=rest + 1, out=tmp / "headless-b")
        b_batches, b_samples, b_seconds = _span(head_b)
    finally:
        probe.stop()
        if viewport is not None:
            viewport.removeEventFilter(painter)
        if dashboard.is_training():
            dashboard.request_stop_and_wait(60000)
        dashboard.run_out = saved_out
        if saved_project is not None and saved_project is not project:
            dashboard.set_project(saved_project)
        shutil.rmtree(tmp, ignore_errors=True)

    gui_sps = gui_samples / gui_seconds if gui_seconds > 0 else None
    head_seconds = a_seconds + b_seconds
    head_sps = (a_samples + b_samples) / head_seconds if head_seconds > 0 else None
    lat = np.asarray(probe.lateness_ms, dtype=np.float64)
    return {
        "ui_lateness_p99_ms": round(float(np.percentile(lat, 99)), 2) if lat.size else None,
        "ui_stall_max_ms": round(float(lat.max()), 2) if lat.size else None,
        "plot_fps": round(paints / window, 1) if window > 0 else None,
        "train_sps_gui": round(gui_sps, 1) if gui_sps else None,
        "train_sps_headless": round(head_sps, 1) if head_sps else None,
        "ratio": round(gui_sps / head_sps, 3) if gui_sps and head_sps else None,
        "batches": gui_batches,
        "batches_headless": a_batches + b_batches,
        "probe_ticks": int(lat.size),
        "seconds": round(window, 2),
        "device": device,
    }


def passes(result: dict) -> dict[str, bool]:
    """The issue's targets, checked (for the benchmark's printout)."""
    def ok(key, test):
        v = result.get(key)
        return v is not None and not (isinstance(v, float) and math.isnan(v)) and test(v)

    return {
        "ui_lateness_p99_ms <= 20": ok("ui_lateness_p99_ms", lambda v: v <= 20),
        "ui_stall_max_ms <= 50": ok("ui_stall_max_ms", lambda v: v <= 50),
        "plot_fps >= 15": ok("plot_fps", lambda v: v >= 15),
        "train_sps_gui >= 0.85 x headless": ok("ratio", lambda v: v >= 0.85),
    }
