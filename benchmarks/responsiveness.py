"""Measure that the UI stays responsive while the dashboard trains, and what the GUI costs training.

``measure(dashboard, project, seconds)`` compares two runs of the same project, taken in turns:

* the GUI run: the dashboard trains ``project`` on its worker thread with the live plots on screen,
  while a 10 ms QTimer on the UI thread records how late each tick comes and the loss chart's
  paint events are counted;
* the headless run: the same engine `cnnrnn-studio train` runs, in its own process
  (benchmarks/headless_train.py, which prints a line per batch event).

Both start, warm up (one epoch each), and then take turns of a few epochs each: while one
trains the other is held (the GUI run paused with its Pause button, the headless process stopped
by the system), in the order G C C G G C ..., until the GUI run has trained ``seconds`` in all and
the headless run as long. Taking turns is what makes the figure hold on a machine whose speed
drifts: on the 2-core VM where this was built, the CLI alone ran at 12,300 samples/s in one 5 s
run and 15,300 in the next, and within one measurement the turns of either side ranged from 9,700
to 18,600. Where a process cannot be stopped (Windows), or the epochs are too long for turns, it
is one turn each: headless, GUI, headless.

Training speed is the same figure on both sides, counted per batch: in each turn, the batches
between the first and the last batch event inside it, times the samples per batch (training
examples / batches per epoch), over the time between those two events (see batch_speed). A turn
in which no epoch finishes still gives a figure (counting whole epochs gave none on a busy
machine). A side's speed is the mean of its turns' speeds (see side_speed). The GUI run gets the
epoch count that fills the time, so its charts are laid out as in a real run.

Lives in benchmarks/, not in the product (STYLE rule 12): benchmarks/ui_responsiveness.py prints
these figures, and `cnnrnn-studio gui --self-test` prints them as information when it runs from a
source checkout (where this module can be imported); it never fails on them.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QStackedWidget, QTabWidget, QWidget

from cnnrnn_studio.ui.dashboard.engine import snapshot

PROBE_MS = 10
MANY_EPOCHS = 100000   # the runs are stopped by count or time, never by running out of epochs
TURN_EPOCHS = 4       # epochs per turn (at least MIN_TURN_S seconds)
MIN_TURN_S = 1.0
CAN_HOLD = hasattr(signal, "SIGSTOP")   # POSIX: a process can be stopped and continued


class _PaintCounter(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


class _LatenessProbe(QObject):
    """A 10 ms timer on the UI thread; how late each tick arrives is how long the UI was unresponsive.

    Each tick only appends the time: every tick takes the GIL from the training thread, and the
    lateness is worked out afterwards (with the tick doing that arithmetic and calling Qt for the
    clock, the probe alone cost training about 2 %; this way under 1 %, measured A/B).
    """

    def __init__(self):
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self._stamps: list[float] = []      # perf_counter of every tick
        self._turns: list[int] = []         # where in _stamps each recording turn began
        append, clock = self._stamps.append, time.perf_counter
        self.timer.timeout.connect(lambda: append(clock()))

    def start(self) -> None:
        """Record from now on (again); the ticks of every turn go into one list."""
        self._turns.append(len(self._stamps))
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    @property
    def lateness_ms(self) -> list[float]:
        """How late each tick came after the one before it in its turn (ms, never below 0)."""
        out: list[float] = []
        ends = self._turns[1:] + [len(self._stamps)]
        for begin, end in zip(self._turns, ends):
            ticks = np.asarray(self._stamps[begin:end])
            out += np.maximum(0.0, np.diff(ticks) * 1000.0 - PROBE_MS).tolist()
        return out


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
            tabs = parent.parentWidget()
            # through a tab widget when there is one, so its tab bar says which page is shown
            (tabs if isinstance(tabs, QTabWidget) else parent).setCurrentWidget(w)
        w = parent
    dashboard.window().show()


def headless_command(*args: str) -> list[str]:
    """`python benchmarks/headless_train.py ARGS`: the engine `cnnrnn-studio train` runs, printing
    one line per batch event (see that script)."""
    return [sys.executable, str(Path(__file__).with_name("headless_train.py")), *args]


def _headless_env() -> dict[str, str]:
    """This process's environment, with the cnnrnn_studio it imported first on the child's path
    (so both sides run the same code even where another copy is installed)."""
    import cnnrnn_studio

    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    root = str(Path(cnnrnn_studio.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


class CliRun:
    """The project trained headless in its own process, which can be held and let go.

    A reader thread notes when each line arrives: every batch line as (arrived, global batch), so
    the samples trained inside a turn are counted batch by batch; every epoch line after the first
    as (arrived, epoch seconds), for the length of a typical epoch. Where a process cannot be
    stopped (no SIGSTOP), ``hold`` ends it and ``go`` starts a new one (its first epoch, a warm-up,
    is not counted).
    """

    def __init__(self, project_file: Path, out: Path):
        self.project_file, self.out = project_file, out
        self.rows: list[tuple[float, float]] = []          # (arrived, epoch seconds), epoch 1 left out
        self.batches: list[tuple[float, int]] = []         # (arrived, global batch) of the counted epochs
        self.n_train = 0
        self.batches_per_epoch = 0
        self.proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self._held = False
        self._starts = 0
        self.go()

    def _start(self) -> None:
        self._starts += 1
        cmd = headless_command(str(self.project_file), str(self.out / f"cli-{self._starts}"), str(MANY_EPOCHS))
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     env=_headless_env())
        self._reader = threading.Thread(target=self._read, args=(self.proc,), daemon=True,
                                        name="cli-speed-reader")
        self._reader.start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            arrived = time.perf_counter()
            try:
                row = json.loads(line)
            except ValueError:
                continue
            kind, epoch = row.get("event"), int(row.get("epoch") or 0)
            if kind == "started":
                self.n_train, self.batches_per_epoch = int(row["n_train"]), int(row["batches"])
            elif kind == "batch" and epoch > 1:
                self.batches.append((arrived, (epoch - 1) * int(row["batches"]) + int(row["batch"])))
            elif kind == "epoch" and epoch > 1 and row.get("seconds") is not None:
                self.rows.append((arrived, float(row["seconds"])))

    def epochs(self) -> int:
        return len(self.rows)

    def typical_epoch_s(self) -> float:
        return float(np.median([s for _, s in self.rows])) if self.rows else math.inf

    def samples_per_batch(self) -> float:
        return self.n_train / self.batches_per_epoch if self.batches_per_epoch else 0.0

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def hold(self) -> None:
        if self._held or not self.alive():
            return
        self._held = True
        if CAN_HOLD:
            os.kill(self.proc.pid, signal.SIGSTOP)
        else:
            self._end()

    def go(self) -> bool:
        """Let it train again; True when that took a new process (which warms up first)."""
        started = self.proc is None or (self._held and not CAN_HOLD)
        if started:
            self._start()
        elif self._held and self.alive():
            os.kill(self.proc.pid, signal.SIGCONT)
        self._held = False
        return started

    def _end(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()   # SIGKILL ends a stopped process too
        self.proc.wait()
        if self._reader is not None:
            self._reader.join(10)

    def close(self) -> None:
        self._end()
        self._held = False

    def speed_in(self, turn: tuple[float, float]) -> float | None:
        """Samples per second trained inside ``turn`` ((start, end)), counted batch by batch."""
        return batch_speed(self.batches, self.samples_per_batch(), turn)


def batch_speed(points: list[tuple[float, int]], samples_per_batch: float,
                turn: tuple[float, float]) -> float | None:
    """Samples per second inside ``turn``: (global batches between the first and the last batch
    event in it) x samples per batch / (time between those two events). None when fewer than two
    batch events fell in the turn. Only events inside the turn count, so the time a side was held
    (before the turn's first event) is never counted."""
    a, b = turn
    inside = [(t, g) for t, g in points if a <= t <= b]
    if len(inside) < 2 or samples_per_batch <= 0:
        return None
    (t0, g0), (t1, g1) = inside[0], inside[-1]
    if t1 <= t0 or g1 <= g0:
        return None
    return (g1 - g0) * samples_per_batch / (t1 - t0)


def _set_running(dashboard, running: bool) -> bool:
    """Resume or pause the dashboard's run (its own buttons' slots); False when the run has ended."""
    h = dashboard.history
    want = "running" if running else "paused"
    if h.state == want:
        return dashboard.is_training()
    if running:
        dashboard.resume_training()
    else:
        dashboard.pause_training()
    _spin_until(lambda: h.state == want or not dashboard.is_training(), 120)
    return dashboard.is_training()


def measure(dashboard, project, seconds: float = 10.0) -> dict:
    """Responsiveness figures for training ``project`` in ``dashboard`` (see the module docstring).

    Returns {"ui_lateness_p99_ms", "ui_stall_max_ms", "plot_fps", "train_sps_gui", "train_sps_headless"}
    plus the context: "ratio", "batches_gui", "batches_headless", "turns" (each turn's side and
    samples/s, in order), "probe_ticks", "gui_seconds", "device". A figure is None only when it
    could not be measured at all (e.g. no batch event came in any turn of that side).
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
    cli = None
    log: list[tuple[str, tuple[float, float]]] = []   # (side, (start, end)) of every turn
    gui_time = 0.0
    paints = 0
    try:
        project_file = (Path(project.path) if project.path and Path(project.path).is_file()
                        else snapshot(project).save(tmp / "p.json"))
        # 1. the headless run warms up (its first epoch, and one more to time), then is held
        cli = CliRun(project_file, tmp)
        if not _spin_until(lambda: cli.epochs() >= 1 or not cli.alive(), 300) or cli.epochs() < 1:
            raise RuntimeError("the headless run did not train within 5 minutes")
        cli.hold()
        # 2. the GUI run warms up (its first epoch), on screen
        dashboard.set_project(project)
        _show(dashboard)
        viewport = dashboard.plots.loss.viewport()  # pyqtgraph may replace it before the first show
        viewport.installEventFilter(painter)
        if not dashboard.start_training(epochs=_epochs_for(cli, seconds), out=tmp / "gui-run"):
            raise RuntimeError("the dashboard did not start training: " + dashboard.banner.text())
        h = dashboard.history
        if not _spin_until(lambda: len(h.epoch_sps) >= 1 or not dashboard.is_training(), 300):
            raise RuntimeError("training did not start within 5 minutes")
        if not dashboard.is_training():
            raise RuntimeError("training ended before it could be measured: " + dashboard.banner.text())
        # 3. the turns
        order = turn_order(seconds, cli.typical_epoch_s(), CAN_HOLD)
        gui_share = seconds / order.count("gui")
        cli_share = seconds / order.count("cli")
        for side in order:
            if side == "cli":
                if cli.go():   # a new process (no SIGSTOP here): its warm-up epoch is not timed
                    n = cli.epochs()
                    _spin_until(lambda: cli.epochs() > n or not cli.alive(), 300)
                if not cli.alive():
                    break
                t0 = time.perf_counter()
                _spin(cli_share)
                log.append(("cli", (t0, time.perf_counter())))
                cli.hold()
                continue
            if not _set_running(dashboard, True):
                break
            paints0 = painter.count
            probe.start()   # the probe ticks only in the GUI's turns: in the CLI's it would take its CPU
            t0 = time.perf_counter()
            _spin_until(lambda: not dashboard.is_training(), gui_share)
            t1 = time.perf_counter()
            gui_time += t1 - t0
            probe.stop()
            paints += painter.count - paints0
            log.append(("gui", (t0, t1)))
            if not _set_running(dashboard, False):
                break
        dashboard.request_stop_and_wait(60000)
        device = h.info.get("device_name") or h.info.get("device")
        gui_points = list(h.progress_times)   # (emitted, global batch) of every batch event
        gui_spb = (h.info.get("n_train") or 0) / h.batches_per_epoch if h.batches_per_epoch else 0.0
        turns = [(side, batch_speed(gui_points, gui_spb, turn) if side == "gui" else cli.speed_in(turn))
                 for side, turn in log]
        batches = {side: sum(_batches_in(gui_points if side == "gui" else cli.batches, turn)
                             for s, turn in log if s == side) for side in ("gui", "cli")}
    finally:
        probe.stop()
        if cli is not None:
            cli.close()
        if viewport is not None:
            viewport.removeEventFilter(painter)
        if dashboard.is_training():
            dashboard.request_stop_and_wait(60000)
        if saved_project is not None and saved_project is not project:
            dashboard.set_project(saved_project)
        shutil.rmtree(tmp, ignore_errors=True)

    gui_sps, head_sps = side_speed(turns, "gui"), side_speed(turns, "cli")
    lat = np.asarray(probe.lateness_ms, dtype=np.float64)
    return {
        "ui_lateness_p99_ms": round(float(np.percentile(lat, 99)), 2) if lat.size else None,
        "ui_stall_max_ms": round(float(lat.max()), 2) if lat.size else None,
        "plot_fps": round(paints / gui_time, 1) if gui_time > 0 else None,
        "train_sps_gui": round(gui_sps, 1) if gui_sps else None,
        "train_sps_headless": round(head_sps, 1) if head_sps else None,
        "ratio": round(gui_sps / head_sps, 3) if gui_sps and head_sps else None,
        "batches_gui": batches["gui"],
        "batches_headless": batches["cli"],
        "turns": [[side, round(v, 1) if v else None] for side, v in turns],
        "probe_ticks": int(lat.size),
        "gui_seconds": round(gui_time, 2),   # how long the GUI run trained while measured
        "device": device,
    }


def _batches_in(points: list[tuple[float, int]], turn: tuple[float, float]) -> int:
    """How many batches the events inside ``turn`` span (what batch_speed counts)."""
    inside = [g for t, g in points if turn[0] <= t <= turn[1]]
    return max(0, inside[-1] - inside[0]) if len(inside) >= 2 else 0


def turn_order(seconds: float, epoch_s: float, can_hold: bool = True) -> list[str]:
    """The turns, "gui" and "cli", in the order G C C G G C C G ...: as many GUI turns as CLI
    turns, and their mean position in time the same, so a steady drift of the machine's speed
    weighs on both sides alike. Each turn holds about TURN_EPOCHS epochs (at least MIN_TURN_S).
    One turn each, C G C, when the epochs are too long for that or a process cannot be held."""
    turn_s = max(MIN_TURN_S, TURN_EPOCHS * epoch_s) if math.isfinite(epoch_s) else math.inf
    pairs = int(seconds // turn_s) if can_hold and math.isfinite(turn_s) else 0
    if pairs < 2:
        return ["cli", "gui", "cli"]
    return [side for k in range(pairs) for side in (("gui", "cli") if k % 2 == 0 else ("cli", "gui"))]


def side_speed(turns: list[tuple[str, float | None]], side: str) -> float | None:
    """One side's speed: the mean of its turns' speeds (turns without one left out). Every turn
    weighs the same, and with the turns in turn_order a steady drift cancels out."""
    speeds = [v for s, v in turns if s == side and v and math.isfinite(v)]
    return float(np.mean(speeds)) if speeds else None


def _epochs_for(cli: CliRun, seconds: float) -> int:
    """Enough epochs to train through the measured time (a real run's epoch count, so the charts'
    x axis is laid out as the person sees it), capped where the charts stop fixing it. Three times
    what the headless warm-up suggests: on a busy machine the speed swings that much between the
    warm-up and the turns, and a GUI run that ends early cuts the last turns off."""
    epoch_s = cli.typical_epoch_s()
    if not math.isfinite(epoch_s) or epoch_s <= 0:
        return MANY_EPOCHS
    return int(min(1000, max(3, math.ceil(3 * seconds / epoch_s) + 2)))


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
