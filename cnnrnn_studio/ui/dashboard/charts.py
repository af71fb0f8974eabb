"""One readable pyqtgraph chart: white background, labelled axes, a legend, the values under the
mouse, and export to PNG / CSV. Curves are created once and fed with ``set_curve`` (STYLE rule 7:
setData from a buffer, automatic peak downsampling, clipped to the view).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel

from ...project import atomic_write_text

# Colours that stay apart for the colour-blind (Okabe-Ito) and read on white.
BLUE, ORANGE, GREEN, RED, PURPLE, BROWN, PINK, GREY, YELLOW, CYAN = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#7B4FA0", "#8C564B", "#CC79A7", "#7F7F7F", "#C8A400", "#56B4E9")
PALETTE = [BLUE, ORANGE, GREEN, RED, PURPLE, CYAN, PINK, BROWN, YELLOW, GREY]

# A line's markers are drawn while it has at most this many points: past it they overlap into a
# band that hides the line (and on a live chart they were a tenth of each frame's drawing).
MARKERS_UP_TO = 60


def nice_ceil(v: float) -> float:
    """The next 'round' number at or above v (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k)."""
    if not math.isfinite(v) or v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * e >= v * (1 - 1e-9):
            return m * e
    return 10 * e


def nice_floor(v: float) -> float:
    """The 'round' number at or below v (for a lower bound above zero, such as an accuracy axis)."""
    if not math.isfinite(v) or v <= 0:
        return 0.0
    e = 10 ** math.floor(math.log10(v))
    for m in (10, 8, 6, 5, 4, 3, 2.5, 2, 1.5, 1.2, 1):
        if m * e <= v * (1 + 1e-9):
            return m * e
    return 0.0


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def fmt_value(v: float) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e5):
        return f"{v:.3g}"
    if a >= 100:
        return f"{v:,.0f}"
    return f"{v:.4g}"


class Chart(pg.PlotWidget):
    """A titled chart with named curves; the data of each curve is kept for the hover readout and export."""

    def __init__(self, title: str, x_label: str, y_label: str, *, log_y: bool = False, y_from_zero: bool = False,
                 legend_at: str = "top-right", live: bool = False, y_headroom: float = 0.08, parent=None):
        super().__init__(parent=parent, background="w")
        self.title = title
        self.x_label, self.y_label = x_label, y_label
        item = self.getPlotItem()
        item.setTitle(title, color="#222", size="11pt")
        for side, text in (("bottom", x_label), ("left", y_label)):
            axis = item.getAxis(side)
            axis.setPen(pg.mkPen("#444"))
            axis.setTextPen(pg.mkPen("#222"))
            axis.setLabel(text, color="#222")
            axis.enableAutoSIPrefix(False)  # "0.002", not "2 (x0.001)": plain numbers read best
        # A live chart repaints 20 times a second: grid lines (alpha-blended over the whole plot) and
        # axes re-laid out at every new point were most of the GUI thread's work, and that work
        # competes with training for the CPU and the GIL. So a live chart has no grid and 'sticky'
        # axis ranges that change in round steps (see fit), which lets pyqtgraph reuse its axis pictures.
        if not live:
            item.showGrid(x=True, y=True, alpha=0.15)
        item.setLogMode(y=log_y)
        offset = (-8, -8) if legend_at == "bottom-right" else (-8, 8)  # negative: from the right / bottom
        self.legend = item.addLegend(offset=offset, labelTextColor="#222", brush=pg.mkBrush(255, 255, 255, 210),
                                     pen=pg.mkPen("#bbb"))
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._names: dict[str, str] = {}
        self._data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._extent: dict[str, tuple[float, float, float, float] | None] = {}   # finite x/y min and max
        self._visible: dict[str, bool] = {}
        self._markers: dict[str, tuple[str, bool]] = {}   # key: (its symbol, drawn now?)
        self._log_y = log_y
        # A rate or a learning rate reads best from 0 (a constant one would otherwise fill the chart
        # with noise-sized ticks); until the person zooms, y runs from 0 to just above the top value.
        self._y_from_zero = y_from_zero
        self._headroom = y_headroom  # the share of the data's span kept free above it (room for a legend)
        self._live = live
        self._auto = True             # False once the person zooms or pans, until they press 'A'
        self._range: tuple[float, float, float, float] | None = None
        self.x_max_hint: float | None = None   # e.g. the number of epochs: x runs to it from the start
        self.y_at_most: float | None = None    # e.g. 100 for a percentage: the axis never goes past it
        if live:
            item.vb.disableAutoRange()
        item.vb.sigRangeChangedManually.connect(self._zoomed)
        item.autoBtn.clicked.connect(self._auto_again)
        # values under the mouse
        self._cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#999", style=Qt.PenStyle.DashLine))
        self._cursor.setVisible(False)
        item.addItem(self._cursor, ignoreBounds=True)
        self.readout = QLabel(self)
        self.readout.setStyleSheet("QLabel { background: rgba(255,255,255,225); color: #222; border: 1px solid #bbb;"
                                   " padding: 2px 4px; }")
        self.readout.setFont(QFont(self.font().family(), 8))
        self.readout.hide()
        self._proxy = pg.SignalProxy(self.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved)
        self.setToolTip("Drag to pan, wheel to zoom, right-click for more (A: fit all).")

    # --- curves -----------------------------------------------------------------------------
    def add_curve(self, key: str, name: str, pen_color: str, *, width: float = 2.0, alpha: int = 255,
                  symbol: str | None = None, dashed: bool = False, scatter: bool = False,
                  downsample: str = "peak") -> pg.PlotDataItem:
        """Create a curve once; later only ``set_curve`` feeds it.

        ``symbol``: a marker at each point while the line has at most MARKERS_UP_TO points
        (``scatter``: markers only, always). ``downsample``: how a line with more points than the
        chart has pixels is thinned: "peak" keeps each pixel column's highest and lowest value (a
        noisy series keeps its envelope), "mean" averages them (a smooth series, half the points).
        """
        c = QColor(pen_color)
        c.setAlpha(alpha)
        pen = None if scatter else pg.mkPen(c, width=width, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        kwargs = {}
        if symbol or scatter:
            kwargs.update(symbol=symbol or "o", symbolSize=6 if not scatter else 5, symbolBrush=pg.mkBrush(c),
                          symbolPen=pg.mkPen(c))
        curve = self.getPlotItem().plot([], [], pen=pen, name=name, **kwargs)
        curve.setDownsampling(auto=True, method=downsample)
        if self._live:
            # pyqtgraph keeps ~5 points per pixel by default; a live chart repaints 16 times a second
            # and its ranges are set by fit() (no auto-range loop), so ~1 per pixel ("peak": its
            # highest and lowest) draws the same picture with a fraction of the line segments.
            curve.opts["autoDownsampleFactor"] = 1.0
        curve.setClipToView(True)
        if symbol and not scatter:
            self._markers[key] = (symbol, True)
        self.curves[key] = curve
        self._names[key] = name
        self._data[key] = (np.empty(0), np.empty(0))
        self._visible[key] = True
        return curve

    def set_curve(self, key: str, x, y) -> None:
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if len(x) != len(y):  # never let a short column take the chart down
            n = min(len(x), len(y))
            x, y = x[:n], y[:n]
        self._data[key] = (x, y)
        ok = np.isfinite(x) & np.isfinite(y)  # the extent once per new data, not at every fit()
        self._extent[key] = ((float(x[ok].min()), float(x[ok].max()), float(y[ok].min()), float(y[ok].max()))
                             if ok.any() else None)
        if self._log_y:  # log10 of 0 or NaN cannot be drawn: leave a gap instead of a warning
            y = np.where(y > 0, y, np.nan)
        marker = self._markers.get(key)
        if marker is not None and marker[1] != (len(x) <= MARKERS_UP_TO):
            self._markers[key] = (marker[0], not marker[1])
            self.curves[key].setSymbol(marker[0] if not marker[1] else None)
        self.curves[key].setData(x, y, connect="finite")
        if not self._live and self._y_from_zero and self._auto:
            self.fit()

    def _bounds(self) -> tuple[float, float, float, float] | None:
        ext = [e for k, e in self._extent.items() if e is not None and self._visible.get(k)]
        if not ext:
            return None
        return (min(e[0] for e in ext), max(e[1] for e in ext), min(e[2] for e in ext), max(e[3] for e in ext))

    def fit(self) -> None:
        """Bring every point into view, changing the range only when the data left it or shrank to a
        small part of it, and then to round numbers (so axes are redrawn a few times per run)."""
        if not self._auto:
            return
        b = self._bounds()
        if b is None:
            return
        x0, x1, y0, y1 = b
        if self._range is None or not self._live:
            cur = None
        else:
            cur = self._range
        # x: from 0 (or the first point) to the hint, or to a round number past the last point
        new_x1 = self.x_max_hint if self.x_max_hint and self.x_max_hint >= x1 else None
        if new_x1 is None:
            new_x1 = cur[1] if cur is not None and x1 <= cur[1] else nice_ceil(max(x1, 1e-9) * 1.2)
        new_x0 = min(0.0, x0) if x0 >= -1e-9 else x0
        # y: round bounds with headroom; refit when out of range or when the data fill < 40% of it
        lo = 0.0 if (self._y_from_zero or y0 >= 0 and y0 <= 0.35 * y1) else y0
        top_needed = y1 + max(0.0, self._headroom - 0.08) * (y1 - lo)
        if cur is not None and cur[2] <= lo and top_needed <= cur[3] and (y1 - lo) >= 0.4 * (cur[3] - cur[2]) \
                and (lo - cur[2]) <= 0.6 * (cur[3] - cur[2]):
            new_y0, new_y1 = cur[2], cur[3]
        else:
            span = (y1 - lo) or abs(y1) or 1.0
            top = y1 + self._headroom * span
            new_y1 = nice_ceil(top) if top > 0 else top
            new_y0 = lo if lo == 0.0 else (nice_floor(lo - 0.08 * span) if lo - 0.08 * span > 0 else lo - 0.08 * span)
            if self.y_at_most is not None and y1 <= self.y_at_most:
                new_y1 = min(new_y1, self.y_at_most)   # no "120 %" above an accuracy that cannot pass 100
            if new_y1 <= new_y0:
                new_y1 = new_y0 + 1.0
        rng = (new_x0, new_x1, new_y0, new_y1)
        if rng != self._range or not self._live:
            self._range = rng
            vb = self.getPlotItem().vb
            vb.setRange(xRange=(new_x0, new_x1), yRange=(new_y0, new_y1), padding=0)

    def _zoomed(self, *_args) -> None:
        self._auto = False

    def _auto_again(self, *_args) -> None:
        self._auto = True
        self._range = None
        if self._live or self._y_from_zero:
            self.getPlotItem().vb.disableAutoRange()
            self.fit()

    def set_visible(self, key: str, visible: bool) -> None:
        """Hide a curve and its legend entry (a task without accuracy, a metric not measured)."""
        if self._visible.get(key) == visible:
            return
        self._visible[key] = visible
        curve = self.curves[key]
        curve.setVisible(visible)
        if visible:
            self.legend.addItem(curve, self._names[key])
        else:
            self.legend.removeItem(curve)

    def remove_curve(self, key: str) -> None:
        curve = self.curves.pop(key)
        self.legend.removeItem(curve)
        self.getPlotItem().removeItem(curve)
        self._names.pop(key, None)
        self._data.pop(key, None)
        self._extent.pop(key, None)
        self._visible.pop(key, None)
        self._markers.pop(key, None)

    def clear_curves(self) -> None:
        for key in list(self.curves):
            self.remove_curve(key)

    def reset_data(self) -> None:
        for key in self.curves:
            self.set_curve(key, [], [])
        self._range = None
        self._auto = True

    def series(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(name, x, y) of every visible curve: what the person sees, for export and tests."""
        return [(self._names[k], *self._data[k]) for k in self.curves if self._visible.get(k)]

    # --- export -----------------------------------------------------------------------------
    def export_png(self, path: str | Path, width: int = 1200) -> Path:
        from pyqtgraph.exporters import ImageExporter

        path = Path(path)
        exporter = ImageExporter(self.getPlotItem())
        exporter.parameters()["width"] = int(width)
        exporter.export(str(path))
        return path

    def export_csv(self, path: str | Path) -> Path:
        """One row per point: series, x, y (curves have different x, so a long table reads best)."""
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["series", self.x_label, self.y_label])
        for name, x, y in self.series():
            for xv, yv in zip(x.tolist(), y.tolist()):
                w.writerow([name, repr(xv) if not float(xv).is_integer() else int(xv), "" if math.isnan(yv) else repr(yv)])
        path = Path(path)
        atomic_write_text(path, buf.getvalue())
        return path

    # --- hover ------------------------------------------------------------------------------
    def values_at(self, x: float) -> list[tuple[str, float, float]]:
        """For each visible curve, its point nearest to ``x``: (name, x, y)."""
        out = []
        for key in self.curves:
            if not self._visible.get(key):
                continue
            xs, ys = self._data[key]
            if len(xs) == 0:
                continue
            i = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
            if i > 0 and abs(xs[i - 1] - x) < abs(xs[i] - x):
                i -= 1
            out.append((self._names[key], float(xs[i]), float(ys[i])))
        return out

    def _mouse_moved(self, args) -> None:
        pos = args[0]
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(pos):
            self._cursor.setVisible(False)
            self.readout.hide()
            return
        x = vb.mapSceneToView(pos).x()
        values = self.values_at(x)
        if not values:
            self.readout.hide()
            return
        self._cursor.setPos(x)
        self._cursor.setVisible(True)
        lines = [f"{self.x_label} {fmt_value(values[0][1])}"] + [f"{n}: {fmt_value(v)}" for n, _, v in values]
        self.readout.setText("\n".join(lines))
        self.readout.adjustSize()
        # bottom-left of the plot area, away from the legend (top-right)
        rect = vb.sceneBoundingRect()
        corner = self.mapFromScene(QPointF(rect.left(), rect.bottom()))
        self.readout.move(corner.x() + 6, corner.y() - self.readout.height() - 6)
        self.readout.show()
