"""Where the run is: epoch and batch bars, elapsed time, time left, speed, and the device."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

from .history import RunHistory


def fmt_duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.epoch_bar = QProgressBar()
        self.epoch_bar.setFormat("Epoch %v of %m")
        self.batch_bar = QProgressBar()
        self.batch_bar.setFormat("Batch %v of %m")
        for bar in (self.epoch_bar, self.batch_bar):
            bar.setRange(0, 1)
            bar.setValue(0)
            bar.setTextVisible(True)
        self.elapsed = QLabel("Elapsed –")
        self.eta = QLabel("Left –")
        self.speed = QLabel("– samples/s")
        self.elapsed.setToolTip("Training time so far (pauses not counted).")
        self.eta.setToolTip("Estimated time until the last epoch ends, at the speed so far.")
        self.speed.setToolTip("Training samples processed per second in this epoch.")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.epoch_bar, 0, 0)
        grid.addWidget(self.batch_bar, 0, 1)
        grid.addWidget(self.elapsed, 0, 2)
        grid.addWidget(self.eta, 0, 3)
        grid.addWidget(self.speed, 0, 4)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 3)

    def clear(self) -> None:
        for bar in (self.epoch_bar, self.batch_bar):
            bar.setRange(0, 1)
            bar.setValue(0)
        self.elapsed.setText("Elapsed –")
        self.eta.setText("Left –")
        self.speed.setText("– samples/s")

    def refresh(self, h: RunHistory, now: float | None = None) -> None:
        if h.started_at is None:
            return
        epochs = max(1, h.epochs)
        _set_bar(self.epoch_bar, epochs, min(epochs, max(0, h.epoch if h.active else len(h.epoch_x))))
        batches = max(1, h.batches_per_epoch)
        _set_bar(self.batch_bar, batches, min(batches, h.batch))
        _set_text(self.elapsed, f"Elapsed {fmt_duration(h.elapsed(now))}")
        if h.active:
            _set_text(self.eta, "Left " + ("(paused)" if h.state == "paused" else fmt_duration(h.eta(now))))
        else:
            _set_text(self.eta, "Left 0:00" if h.state == "finished" else "Left –")
        sps = h.samples_per_s
        _set_text(self.speed, f"{sps:,.0f} samples/s" if math.isfinite(sps) else "– samples/s")


# Called 20 times a second: touch a widget only when what it shows changes (each call into Qt
# costs the GUI thread, and a repaint more).
def _set_bar(bar: QProgressBar, maximum: int, value: int) -> None:
    if bar.maximum() != maximum:
        bar.setRange(0, maximum)
    if bar.value() != value:
        bar.setValue(value)


def _set_text(label: QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


def memory_text(device: str | None) -> str:
    """Memory in use on the training device, for the status area ('' when unknown).

    Called at most once a second from the GUI thread, and only after the engine loaded torch.
    """
    import sys

    try:
        if device and device.startswith("cuda") and "torch" in sys.modules:
            import torch

            index = torch.device(device).index or 0
            free, total = torch.cuda.mem_get_info(index)
            used = torch.cuda.memory_allocated(index)
            return f"{used / 2**30:.2f} GB used by training, {(total - free) / 2**30:.1f} of {total / 2**30:.0f} GB in use"
        if device and device.startswith("mps") and "torch" in sys.modules:
            import torch

            return f"{torch.mps.current_allocated_memory() / 2**30:.2f} GB in use"
        with open("/proc/self/statm") as f:  # Linux: resident pages of this process
            import os

            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        return f"app memory {rss / 2**30:.2f} GB"
    except Exception:  # noqa: BLE001 - a figure for a status line; never worth an error
        return ""
