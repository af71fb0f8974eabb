"""Where the run is: epoch and batch bars, elapsed time, time left, speed, and the device."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QWidget

from .history import RunHistory


def fmt_duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Bar(QWidget):
    """A progress bar that repaints with the rest of the frame.

    QProgressBar.setValue repaints at once, on its own: measured here, the epoch and batch bars
    (with their labels) caused ~5 separate repaints of the window per refresh, which took more of
    the GUI thread than the charts and slowed training on the other thread by a fifth. This one
    only asks for an update(), and is opaque, so its parents are not repainted beneath it.
    """

    def __init__(self, text_format: str, parent=None):
        super().__init__(parent)
        self._format = text_format
        self._value, self._maximum = 0, 1
        self._plan: str | None = None  # shown instead of "%v of %m" before a run says its sizes
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(160, self.fontMetrics().height() + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(60, self.fontMetrics().height() + 8)

    def set_plan(self, text: str | None) -> None:
        if text != self._plan:
            self._plan = text
            self.update()

    def setRange(self, minimum: int, maximum: int) -> None:  # noqa: N802 - QProgressBar's name
        self.set_plan(None)
        if max(1, int(maximum)) != self._maximum:
            self._maximum = max(1, int(maximum))
            self.update()

    def setValue(self, value: int) -> None:  # noqa: N802
        if int(value) != self._value:
            self._value = int(value)
            self.update()

    def value(self) -> int:
        return self._value

    def maximum(self) -> int:
        return self._maximum

    def text(self) -> str:
        if self._plan is not None:
            return self._plan
        return self._format.replace("%v", str(self._value)).replace("%m", str(self._maximum))

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        pal = self.palette()
        r = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Window))
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.setBrush(pal.color(QPalette.ColorRole.Base))
        p.drawRoundedRect(r, 3, 3)
        share = min(1.0, max(0.0, self._value / self._maximum))
        filled = r.adjusted(1, 1, -1, -1).adjusted(0, 0, -(r.width() - 2) * (1 - share), 0)
        if share > 0:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(pal.color(QPalette.ColorRole.Highlight))
            p.drawRoundedRect(filled, 2, 2)
        # the text in two colours, so every letter reads on the part it sits on
        text, align = self.text(), Qt.AlignmentFlag.AlignCenter
        p.setPen(pal.color(QPalette.ColorRole.Text))
        p.setClipRect(QRectF(filled.right(), 0, self.width(), self.height()))
        p.drawText(self.rect(), align, text)
        p.setPen(pal.color(QPalette.ColorRole.HighlightedText))
        p.setClipRect(QRectF(0, 0, filled.right(), self.height()))
        p.drawText(self.rect(), align, text)
        p.end()


class _Fixed(QWidget):
    """A line of text of fixed width. A QLabel's setText also asks its layout to check the sizes,
    and that repainted the whole Train tab at every refresh (measured); this only repaints itself."""

    def __init__(self, text: str, widest: str):
        super().__init__()
        self._text = text
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setFixedSize(self.fontMetrics().horizontalAdvance(widest) + 8, self.fontMetrics().height() + 8)

    def setText(self, text: str) -> None:  # noqa: N802 - QLabel's name
        if text != self._text:
            self._text = text
            self.update()

    def text(self) -> str:
        return self._text

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        p.drawText(self.rect().adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                   self._text)
        p.end()


def short_device_name(name: str) -> str:
    """ "CPU: Intel(R) Xeon(R) Processor (2 threads)" -> "CPU: Intel Xeon (2 threads)": the marks
    and filler words go, so the name fits next to the controls."""
    import re

    name = re.sub(r"\((R|TM|tm|r)\)|\bProcessor\b|\bCPU @ [\d.]+GHz", "", name)
    return re.sub(r"\s+", " ", name).strip()


class ElidedLabel(QWidget):
    """One line of text that ends in "…" when it does not fit (the whole text in the tooltip)."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self._text = text
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def setText(self, text: str) -> None:  # noqa: N802 - QLabel's name
        if text != self._text:
            self._text = text
            self.updateGeometry()
            self.update()

    def text(self) -> str:
        return self._text

    def shown_text(self) -> str:
        return self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, max(0, self.width() - 4))

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance(self._text) + 8, self.fontMetrics().height() + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(60, self.fontMetrics().height() + 4)

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        p.drawText(self.rect(), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, self.shown_text())
        p.end()


class ProgressPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.epoch_bar = Bar("Epoch %v of %m")
        self.batch_bar = Bar("Batch %v of %m")
        self.elapsed = _Fixed("Elapsed –", "Elapsed 00:00:00")
        self.eta = _Fixed("Left –", "Left 00:00:00 (paused)")
        self.speed = _Fixed("– samples/s", "000,000,000 samples/s")
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

    def show_plan(self, epochs: int) -> None:
        """No run yet: the epochs about to be trained, and no batch count (the data decides it)."""
        self.clear()
        self.epoch_bar.setRange(0, epochs)
        self.batch_bar.set_plan("Batches: counted when training starts")

    def refresh(self, h: RunHistory, now: float | None = None) -> None:
        if h.started_at is None:
            return
        epochs = max(1, h.epochs)
        self.epoch_bar.setRange(0, epochs)   # the widgets repaint only what changed
        self.epoch_bar.setValue(min(epochs, max(0, h.epoch if h.active else len(h.epoch_x))))
        batches = max(1, h.batches_per_epoch)
        self.batch_bar.setRange(0, batches)
        self.batch_bar.setValue(min(batches, h.batch))
        self.elapsed.setText(f"Elapsed {fmt_duration(h.elapsed(now))}")
        if h.active:
            self.eta.setText("Left " + ("(paused)" if h.state == "paused" else fmt_duration(h.eta(now))))
        else:
            self.eta.setText("Left 0:00" if h.state == "finished" else "Left –")
        sps = h.samples_per_s
        self.speed.setText(f"{sps:,.0f} samples/s" if math.isfinite(sps) else "– samples/s")


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
