"""The GUI-side buffer of one training run: events go in as they arrive, the ~16 Hz timer reads
arrays out. Adding an event is a few list appends (cheap on the GUI thread); nothing here touches
a widget, so it is tested without Qt.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from ...train import events

SMOOTHING = 0.9  # exponential moving average of the batch loss (bias-corrected, as TensorBoard does)


class Series:
    """A growing float64 array: appends are amortised O(1), ``view()`` costs nothing (no copy per frame)."""

    __slots__ = ("_data", "_n")

    def __init__(self, capacity: int = 256):
        self._data = np.empty(capacity, dtype=np.float64)
        self._n = 0

    def append(self, value: float) -> None:
        if self._n == len(self._data):
            bigger = np.empty(2 * len(self._data), dtype=np.float64)
            bigger[: self._n] = self._data[: self._n]
            self._data = bigger
        self._data[self._n] = value
        self._n += 1

    def view(self) -> np.ndarray:
        return self._data[: self._n]

    def last(self, default: float = math.nan) -> float:
        return float(self._data[self._n - 1]) if self._n else default

    def __len__(self) -> int:
        return self._n


def _num(value: Any) -> float:
    """None (a metric this task does not have) becomes NaN, which pyqtgraph leaves as a gap."""
    return math.nan if value is None else float(value)


class RunHistory:
    """Everything the live views show about the current run."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        # Bumped by every event and every reset (never goes back): views redraw only when it moved.
        self.revision = getattr(self, "revision", 0) + 1
        self.epoch_revision = self.revision   # moves only with per-epoch data (EpochDone, a reset)
        self.state = "idle"         # idle | running | paused | finished | stopped | failed
        self.info: dict[str, Any] = {}  # RunStarted's fields
        self.run_dir: str | None = None
        self.message = ""           # Failed's message
        self.summary: dict = {}
        self.epochs = 0
        self.batches_per_epoch = 0
        self.epoch = 0              # the epoch now running (1-based)
        self.batch = 0              # batches done in it
        self.samples_per_s = math.nan
        # per batch
        self.batch_x = Series(1024)        # fractional epoch: 2.5 = half way through epoch 3
        self.batch_loss = Series(1024)
        self.batch_loss_smooth = Series(1024)
        self._ema = 0.0
        self._ema_n = 0
        # per progress event
        self.progress_x = Series()
        self.lr = Series()
        self.throughput = Series()
        self.progress_times: list[tuple[float, int]] = []  # (perf_counter when emitted, global batch)
        # per epoch
        self.epoch_x = Series()
        self.train_loss = Series()
        self.val_loss = Series()
        self.train_accuracy = Series()
        self.val_accuracy = Series()
        self.val_mae = Series()
        self.val_rmse = Series()
        self.epoch_sps = Series()
        self.grad_norms: dict[str, list[tuple[int, float]]] = {}
        self.time_grads: list[tuple[int, list[float]]] = []   # (epoch, |dloss/dx_t| for each step t)
        # clock (perf_counter seconds)
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self._paused_at: float | None = None
        self._paused_total = 0.0

    # --- feeding --------------------------------------------------------------------------
    def add(self, event: events.Event, at: float | None = None) -> None:
        """Take one engine event; ``at`` is when the engine emitted it (perf_counter). The one
        place that tells the engine's event classes apart."""
        at = time.perf_counter() if at is None else at
        match event:
            case events.RunStarted():
                self._run_started(event, at)
            case events.EpochStarted():
                self._epoch_started(event)
            case events.BatchProgress():
                self._batch_progress(event, at)
            case events.EpochDone():
                self._epoch_done(event)
            case events.Paused():
                self._paused(at)
            case events.Resumed():
                self._resumed(at)
            case events.Finished():
                self._finished(event, at)
            case events.Failed():
                self._failed(event, at)
            case _:
                return
        self.revision += 1

    def _run_started(self, ev: events.RunStarted, at: float) -> None:
        self.reset()
        self.info = {k: getattr(ev, k) for k in (
            "run_dir", "epochs", "batches_per_epoch", "device", "device_name", "n_train", "n_val",
            "n_test", "total_params", "task", "class_names")}
        self.run_dir = str(ev.run_dir) if ev.run_dir else None
        self.epochs = int(ev.epochs)
        self.batches_per_epoch = int(ev.batches_per_epoch)
        self.state = "running"
        self.started_at = at

    def _epoch_started(self, ev: events.EpochStarted) -> None:
        self.epoch = int(ev.epoch)
        self.epochs = int(ev.epochs) or self.epochs
        self.batch = 0

    def _batch_progress(self, ev: events.BatchProgress, at: float) -> None:
        self.epoch, self.batch = int(ev.epoch), int(ev.batch)
        batches = max(1, int(ev.batches))
        self.batches_per_epoch = batches
        losses = list(ev.losses)
        first = self.batch - len(losses) + 1
        for i, loss in enumerate(losses):
            loss = float(loss)
            self.batch_x.append(self.epoch - 1 + (first + i) / batches)
            self.batch_loss.append(loss)
            if math.isfinite(loss):
                self._ema = SMOOTHING * self._ema + (1 - SMOOTHING) * loss
                self._ema_n += 1
            self.batch_loss_smooth.append(self._ema / (1 - SMOOTHING ** self._ema_n) if self._ema_n else math.nan)
        x = self.epoch - 1 + self.batch / batches
        self.progress_x.append(x)
        self.lr.append(float(ev.lr))
        self.samples_per_s = float(ev.samples_per_s)
        self.throughput.append(self.samples_per_s)
        self.progress_times.append((at, (self.epoch - 1) * batches + self.batch))

    def _epoch_done(self, ev: events.EpochDone) -> None:
        self.epoch_revision = self.revision + 1
        self.epoch_x.append(int(ev.epoch))
        self.train_loss.append(_num(ev.train_loss))
        self.val_loss.append(_num(ev.val_loss))
        self.train_accuracy.append(_num(ev.train_accuracy))
        self.val_accuracy.append(_num(ev.val_accuracy))
        self.val_mae.append(_num(ev.val_mae))
        self.val_rmse.append(_num(ev.val_rmse))
        self.epoch_sps.append(_num(ev.samples_per_s))
        for block, value in (ev.grad_norms or {}).items():
            self.grad_norms.setdefault(str(block), []).append((int(ev.epoch), float(value)))
        if ev.time_grads:
            self.time_grads.append((int(ev.epoch), [float(v) for v in ev.time_grads]))

    def _paused(self, at: float) -> None:
        self.state = "paused"
        self._paused_at = at

    def _resumed(self, at: float) -> None:
        self.state = "running"
        if self._paused_at is not None:
            self._paused_total += max(0.0, at - self._paused_at)
        self._paused_at = None

    def _finished(self, ev: events.Finished, at: float) -> None:
        self.summary = dict(ev.summary or {})
        self.run_dir = str(ev.run_dir) if ev.run_dir else self.run_dir
        self.end("stopped" if ev.stopped_by_user else "finished", at=at)

    def _failed(self, ev: events.Failed, at: float) -> None:
        if ev.run_dir:
            self.run_dir = str(ev.run_dir)
        self.end("failed", str(ev.message), at=at)

    def end(self, state: str, message: str | None = None, at: float | None = None) -> None:
        """The run is over (its final event, or the thread ended without one): the clock stops."""
        at = time.perf_counter() if at is None else at
        if self._paused_at is not None:
            self._paused_total += max(0.0, at - self._paused_at)
            self._paused_at = None
        self.ended_at = at
        self.state = state
        if message is not None:
            self.message = message
        self.revision += 1

    # --- reading --------------------------------------------------------------------------
    @property
    def task(self) -> str:
        return self.info.get("task") or "classification"

    @property
    def active(self) -> bool:
        return self.state in ("running", "paused")

    def elapsed(self, now: float | None = None) -> float:
        """Seconds of training so far, pauses excluded."""
        if self.started_at is None:
            return 0.0
        end = self.ended_at if self.ended_at is not None else (time.perf_counter() if now is None else now)
        paused = self._paused_total + (max(0.0, end - self._paused_at) if self._paused_at is not None else 0.0)
        return max(0.0, end - self.started_at - paused)

    def fraction_done(self) -> float:
        if not self.epochs or not self.batches_per_epoch or self.epoch < 1:
            return 0.0
        done = (self.epoch - 1 + min(self.batch, self.batches_per_epoch) / self.batches_per_epoch) / self.epochs
        return min(1.0, max(0.0, done))

    def eta(self, now: float | None = None) -> float | None:
        """Seconds left at the pace so far; None before there is a pace to go by."""
        f = self.fraction_done()
        if f <= 0 or not self.active:
            return None
        return self.elapsed(now) * (1 - f) / f

    def measured_samples_per_s(self, skip_first: int = 1) -> float | None:
        """Training speed from the progress events' own timestamps: (global batches done between the
        first kept event and the last) x (samples per batch) / (time between them)."""
        pts = self.progress_times[skip_first:]
        if len(pts) < 2 or not self.batches_per_epoch:
            return None
        (t0, b0), (t1, b1) = pts[0], pts[-1]
        n_train = self.info.get("n_train") or 0
        if t1 <= t0 or b1 <= b0 or not n_train:
            return None
        return (b1 - b0) * (n_train / self.batches_per_epoch) / (t1 - t0)

    @property
    def global_batch(self) -> int:
        return self.progress_times[-1][1] if self.progress_times else 0


def history_from_metrics(rows: list[dict], task: str | None = None) -> RunHistory:
    """A finished run's metrics.csv rows as a RunHistory, so a reopened run shows in the same plots
    (per-epoch points only: batch losses are not kept in the run folder)."""
    h = RunHistory()
    if task is None:
        task = "regression" if any(r.get("val_mae") not in (None, "") for r in rows) else "classification"
    h.info["task"] = task
    h.state = "finished"
    columns = (("epoch", h.epoch_x), ("train_loss", h.train_loss), ("val_loss", h.val_loss),
               ("train_accuracy", h.train_accuracy), ("val_accuracy", h.val_accuracy), ("val_mae", h.val_mae),
               ("val_rmse", h.val_rmse), ("samples_per_s", h.epoch_sps))
    for r in rows:
        for name, series in columns:
            series.append(as_float(r.get(name)))
        h.progress_x.append(as_float(r.get("epoch")))   # one learning-rate point per epoch
        h.lr.append(as_float(r.get("lr")))
        h.throughput.append(math.nan)
    h.epochs = len(rows)
    h.revision += 1
    h.epoch_revision = h.revision
    return h


def as_float(v: Any) -> float:
    """A metrics.csv cell as a number (NaN when empty or not a number)."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan
