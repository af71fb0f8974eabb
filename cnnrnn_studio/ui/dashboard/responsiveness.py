"""Measure that the UI stays responsive while the dashboard trains, and what the GUI costs training.

``measure(dashboard, project, seconds)`` runs, in this order:

1. the headless command line, `cnnrnn-studio train PROJECT --json`, in its own process, for about
   ``seconds / 2``;
2. the GUI run: the dashboard trains ``project`` on its worker thread for ``seconds`` with the live
   plots on screen, while a 10 ms QTimer on the UI thread records how late each tick comes, and
   the plot widget's paint events are counted;
3. the headless command line again for about ``seconds / 2`` (before AND after, so a change in the
   machine's load during the measurement weighs on both sides alike).

Training speed is the same figure on both sides: the samples per second of each epoch's training
pass as the engine reports it (what `train --json` prints as `samples_per_s`), median over the
epochs after the first. The GUI run gets the epoch count that fills the window, so its charts are
laid out as in a real run.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QStackedWidget, QWidget

from .engine import snapshot

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


def cli_command(*args: str) -> list[str]:
    """This installation's `cnnrnn-studio ARGS` (the frozen app is its own command line)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-c", "import sys; from cnnrnn_studio.cli import main; sys.exit(main())", *args]


def cli_epoch_speeds(project_file: Path, out: Path, seconds: float, epochs: int) -> list[float]:
    """Run `cnnrnn-studio train PROJECT --json` headless, in its own process, for about `seconds`
    (at least two epochs); the samples/s of each epoch's training pass, as it prints them."""
    cmd = cli_command("train", str(project_file), "--json", "--epochs", str(epochs), "--out", str(out))
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    speeds: list[float] = []
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    t0 = None
    try:
        for line in proc.stdout:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if row.get("final"):
                break
            if row.get("samples_per_s"):
                speeds.append(float(row["samples_per_s"]))
                t0 = t0 or time.perf_counter()
                if len(speeds) >= 3 and time.perf_counter() - t0 >= seconds:
                    break
    finally:
        proc.kill()
        proc.wait()
    return speeds


def _typical(speeds: list[float]) -> float | None:
    """The median epoch speed, leaving out the first epoch (warm-up) when there are others."""
    v = [x for x in speeds if x and math.isfinite(x)]
    v = v[1:] if len(v) > 1 else v
    return float(np.median(v)) if v else None


def measure(dashboard, project, seconds: float = 10.0) -> dict:
    """Responsiveness figures for training ``project`` in ``dashboard`` (see the module docstring).

    Returns {"ui_lateness_p99_ms", "ui_stall_max_ms", "plot_fps", "train_sps_gui", "train_sps_headless"}
    plus the context: "ratio", "epochs_gui", "epochs_headless", "probe_ticks", "seconds", "device".
    Training speed on both sides is what the engine reports per epoch for its training pass (the
    CLI's `samples_per_s`), median over the epochs after the first.
    """
    app = QApplication.instance()
    assert app is not None, "measure() needs a running QApplication"
    if dashboard.is_training():
        raise RuntimeError("measure() needs an idle dashboard: a run is training")
    tmp = Path(tempfile.mkdtemp(prefix="cnnrnn-responsiveness-"))
    saved_project = dashboard.project
    probe = _LatenessProbe()
    painter = _PaintCounter()
    viewport = None
    try:
        project_file = (Path(project.path) if project.path and Path(project.path).is_file()
                        else snapshot(project).save(tmp / "p.json"))
        # 1. the headless CLI, first half (the machine's load may drift: it runs before AND after)
        head = cli_epoch_speeds(project_file, tmp / "cli-a", seconds / 2, MANY_EPOCHS)
        # 2. the GUI run
        dashboard.set_project(project)
        _show(dashboard)
        viewport = dashboard.plots.loss.viewport()  # pyqtgraph may replace it before the first show
        viewport.installEventFilter(painter)
        probe.start()
        if not dashboard.start_training(epochs=_epochs_for(head, seconds, tmp / "cli-a"), out=tmp / "gui-run"):
            raise RuntimeError("the dashboard did not start training: " + dashboard.banner.text())
        h = dashboard.history
        if not _spin_until(lambda: len(h.progress_times) >= 2 or not dashboard.is_training(), 300):
            raise RuntimeError("training did not start within 5 minutes")
        if not dashboard.is_training():
            raise RuntimeError("training ended before it could be measured: " + dashboard.banner.text())
        probe.recording = True
        paints0 = painter.count
        t0 = time.perf_counter()
        _spin_until(lambda: not dashboard.is_training(), seconds)
        window = time.perf_counter() - t0
        probe.recording = False
        paints = painter.count - paints0
        dashboard.request_stop_and_wait(60000)
        probe.stop()
        gui = [float(x) for x in h.epoch_sps.view()]
        device = h.info.get("device_name") or h.info.get("device")
        # 3. the headless CLI, second half
        head += cli_epoch_speeds(project_file, tmp / "cli-b", seconds / 2, MANY_EPOCHS)
    finally:
        probe.stop()
        if viewport is not None:
            viewport.removeEventFilter(painter)
        if dashboard.is_training():
            dashboard.request_stop_and_wait(60000)
        if saved_project is not None and saved_project is not project:
            dashboard.set_project(saved_project)
        shutil.rmtree(tmp, ignore_errors=True)

    gui_sps, head_sps = _typical(gui), _typical(head)
    lat = np.asarray(probe.lateness_ms, dtype=np.float64)
    return {
        "ui_lateness_p99_ms": round(float(np.percentile(lat, 99)), 2) if lat.size else None,
        "ui_stall_max_ms": round(float(lat.max()), 2) if lat.size else None,
        "plot_fps": round(paints / window, 1) if window > 0 else None,
        "train_sps_gui": round(gui_sps, 1) if gui_sps else None,
        "train_sps_headless": round(head_sps, 1) if head_sps else None,
        "ratio": round(gui_sps / head_sps, 3) if gui_sps and head_sps else None,
        "epochs_gui": len(gui),
        "epochs_headless": len(head),
        "probe_ticks": int(lat.size),
        "seconds": round(window, 2),
        "device": device,
    }


def _epochs_for(cli_speeds: list[float], seconds: float, cli_run: Path) -> int:
    """Enough epochs to train through the measured window (a real run's epoch count, so the
    charts' x axis is laid out as the person sees it), capped where the charts stop fixing it.
    The training-set size comes from the headless run's summary, written before its first epoch."""
    typical = _typical(cli_speeds)
    try:
        n = int(json.loads((cli_run / "summary.json").read_text(encoding="utf-8"))["n_train"])
    except (OSError, ValueError, KeyError, TypeError):  # the count is only a hint for the charts
        n = 0
    if not typical or not n:
        return MANY_EPOCHS
    return int(min(1000, max(3, math.ceil(1.5 * seconds * typical / n) + 2)))


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
