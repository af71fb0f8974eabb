"""Block and category icons, drawn with QPainter at run time from the block declarations.

Each block type gets a small white glyph on its category colour (BlockSpec.color), so the
palette, the canvas cards and the thumbnails all share one picture per block.
"""

from __future__ import annotations

import math
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from ...blocks import REGISTRY, by_category

CATEGORY_GLYPH = {
    "Input/Output": "Input", "Convolution": "Conv2d", "Pooling": "MaxPool2d", "Dense": "Dense",
    "Recurrent": "LSTM", "Normalization": "BatchNorm", "Regularization": "Dropout", "Activation": "ReLU",
    "Merge": "Add", "Reshape": "Flatten",
}


def category_color(category: str) -> str:
    specs = by_category().get(category) or []
    return specs[0].color if specs else "#607d8b"


def paint_glyph(p: QPainter, r: QRectF, type_id: str, color: QColor | str = "#ffffff") -> None:
    """Draw the glyph of `type_id` inside `r` with strokes of `color` (no background)."""
    pen = QPen(QColor(color), max(1.2, r.width() * 0.08), Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
    p.save()
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(pen)
    p.setBrush(Qt.NoBrush)
    x, y, w, h = r.x(), r.y(), r.width(), r.height()

    def pt(fx: float, fy: float) -> QPointF:
        return QPointF(x + fx * w, y + fy * h)

    def curve(fn, x0=0.1, x1=0.9) -> None:
        path = QPainterPath()
        for i in range(25):
            fx = x0 + (x1 - x0) * i / 24
            q = pt(fx, fn((fx - 0.5) * 2))
            path.moveTo(q) if i == 0 else path.lineTo(q)
        p.drawPath(path)

    t = type_id
    if t == "Input":
        p.drawLine(pt(0.12, 0.5), pt(0.62, 0.5))
        p.drawLine(pt(0.45, 0.32), pt(0.63, 0.5))
        p.drawLine(pt(0.45, 0.68), pt(0.63, 0.5))
        p.drawLine(pt(0.82, 0.2), pt(0.82, 0.8))
    elif t == "Output":
        p.drawEllipse(QRectF(x + 0.18 * w, y + 0.18 * h, 0.64 * w, 0.64 * h))
        p.setBrush(QColor(color))
        p.drawEllipse(pt(0.5, 0.5), 0.09 * w, 0.09 * h)
    elif t in ("Conv1d", "Conv2d"):
        rows = 1 if t == "Conv1d" else 3
        for i in range(3):
            for j in range(rows):
                cy = 0.5 if rows == 1 else 0.2 + j * 0.22
                p.drawRect(QRectF(x + (0.16 + i * 0.24) * w, y + (cy - 0.08) * h, 0.18 * w, 0.18 * h)
                           if rows == 3 else QRectF(x + (0.14 + i * 0.25) * w, y + 0.36 * h, 0.2 * w, 0.28 * h))
    elif t.startswith(("MaxPool", "AvgPool", "MinPool")) or t.startswith("Global"):
        big = QRectF(x + 0.12 * w, y + 0.12 * h, 0.48 * w, 0.48 * h)
        p.drawRect(big)
        p.drawLine(pt(0.36, 0.12), pt(0.36, 0.6))
        p.drawLine(pt(0.12, 0.36), pt(0.6, 0.36))
        p.setBrush(QColor(color))
        small = 0.22 if not t.startswith("Global") else 0.16
        p.drawRect(QRectF(x + (0.86 - small) * w, y + (0.86 - small) * h, small * w, small * h))
    elif t == "Dense":
        left = [0.25, 0.5, 0.75]
        right = [0.35, 0.65]
        for a in left:
            for b in right:
                p.drawLine(pt(0.22, a), pt(0.78, b))
        p.setBrush(QColor(color))
        for a in left:
            p.drawEllipse(pt(0.22, a), 0.07 * w, 0.07 * h)
        for b in right:
            p.drawEllipse(pt(0.78, b), 0.07 * w, 0.07 * h)
    elif t in ("RNN", "LSTM", "GRU"):
        path = QPainterPath()
        path.arcMoveTo(QRectF(x + 0.2 * w, y + 0.2 * h, 0.6 * w, 0.6 * h), 60)
        path.arcTo(QRectF(x + 0.2 * w, y + 0.2 * h, 0.6 * w, 0.6 * h), 60, 300)
        p.drawPath(path)
        end = path.currentPosition()
        p.drawLine(end, end + QPointF(0.16 * w, -0.02 * h))
        p.drawLine(end, end + QPointF(0.02 * w, -0.16 * h))
        if t != "RNN":
            p.drawLine(pt(0.5, 0.38), pt(0.5, 0.62) if t == "LSTM" else pt(0.5, 0.55))
    elif t == "Embedding":
        for i, fy in enumerate((0.3, 0.5, 0.7)):
            p.drawLine(pt(0.15, fy), pt(0.35, fy))
            p.drawRect(QRectF(x + 0.5 * w, y + (fy - 0.07) * h, (0.2 + 0.1 * i) * w, 0.14 * h))
    elif t in ("BatchNorm", "LayerNorm"):
        curve(lambda u: 0.78 - 0.55 * math.exp(-4 * u * u))
        p.drawLine(pt(0.1, 0.82), pt(0.9, 0.82))
    elif t == "Dropout":
        for i in range(3):
            for j in range(3):
                c = pt(0.25 + i * 0.25, 0.25 + j * 0.25)
                if (i + j) % 2 == 0:
                    p.setBrush(QColor(color))
                else:
                    p.setBrush(Qt.NoBrush)
                p.drawEllipse(c, 0.08 * w, 0.08 * h)
    elif t == "ReLU":
        p.drawPolyline([pt(0.1, 0.7), pt(0.5, 0.7), pt(0.88, 0.2)])
    elif t == "LeakyReLU":
        p.drawPolyline([pt(0.1, 0.8), pt(0.5, 0.7), pt(0.88, 0.2)])
    elif t in ("Tanh", "Sigmoid"):
        lo = 0.8 if t == "Tanh" else 0.75
        curve(lambda u: lo - (lo - 0.2) / (1 + math.exp(-5 * u)))
        if t == "Tanh":
            p.drawLine(pt(0.1, 0.5), pt(0.9, 0.5))
    elif t == "GELU":
        curve(lambda u: 0.72 - 0.5 * max(u, 0) ** 1.0 * (0.5 + 0.5 * math.tanh(3 * u)) - 0.04 * math.exp(-8 * (u + 0.3) ** 2))
    elif t == "Softmax":
        for i, hh in enumerate((0.2, 0.5, 0.3)):
            p.drawRect(QRectF(x + (0.18 + i * 0.23) * w, y + (0.8 - hh) * h, 0.16 * w, hh * h))
    elif t == "Add":
        p.drawLine(pt(0.5, 0.22), pt(0.5, 0.78))
        p.drawLine(pt(0.22, 0.5), pt(0.78, 0.5))
    elif t == "Concat":
        p.drawRect(QRectF(x + 0.18 * w, y + 0.22 * h, 0.28 * w, 0.56 * h))
        p.drawRect(QRectF(x + 0.54 * w, y + 0.22 * h, 0.28 * w, 0.56 * h))
    elif t == "Flatten":
        p.drawRect(QRectF(x + 0.12 * w, y + 0.15 * h, 0.3 * w, 0.3 * h))
        p.drawLine(pt(0.27, 0.52), pt(0.27, 0.68))
        p.drawLine(pt(0.12, 0.8), pt(0.88, 0.8))
        p.drawLine(pt(0.55, 0.3), pt(0.85, 0.3))
    elif t == "ToSequence":
        for i in range(3):
            p.drawLine(pt(0.2 + i * 0.15, 0.2), pt(0.2 + i * 0.15, 0.8))
        p.drawLine(pt(0.68, 0.5), pt(0.88, 0.5))
        p.drawLine(pt(0.78, 0.4), pt(0.88, 0.5))
        p.drawLine(pt(0.78, 0.6), pt(0.88, 0.5))
    else:  # unknown type: a question mark
        f = p.font()
        f.setPixelSize(int(h * 0.7))
        p.setFont(f)
        p.drawText(r, Qt.AlignCenter, "?")
    p.restore()


def _tile(type_id: str, color: str, size: int, ratio: float) -> QPixmap:
    pm = QPixmap(int(size * ratio), int(size * ratio))
    pm.setDevicePixelRatio(ratio)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(Qt.NoPen)
    p.setBrush(QBrush(QColor(color)))
    p.drawRoundedRect(QRectF(0.5, 0.5, size - 1, size - 1), size * 0.22, size * 0.22)
    paint_glyph(p, QRectF(size * 0.14, size * 0.14, size * 0.72, size * 0.72), type_id)
    p.end()
    return pm


@lru_cache(maxsize=None)
def block_icon(type_id: str) -> QIcon:
    spec = REGISTRY.get(type_id)
    color = spec.color if spec else "#9e9e9e"
    icon = QIcon()
    for size in (16, 24, 32, 48):
        icon.addPixmap(_tile(type_id, color, size, 2.0))
    return icon


@lru_cache(maxsize=None)
def category_icon(category: str) -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32):
        icon.addPixmap(_tile(CATEGORY_GLYPH.get(category, "?"), category_color(category), size, 2.0))
    return icon


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 32, 64, 128, 256):
        pm = QPixmap(size, size)
        pm.fill(Qt.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#2f6fde"))
        p.drawRoundedRect(QRectF(0, 0, size, size), size * 0.2, size * 0.2)
        pen = QPen(QColor("#ffffff"), size * 0.06, Qt.SolidLine, Qt.RoundCap)
        p.setPen(pen)
        pts = [QPointF(size * 0.22, size * 0.3), QPointF(size * 0.22, size * 0.7), QPointF(size * 0.5, size * 0.5),
               QPointF(size * 0.78, size * 0.5)]
        p.drawLine(pts[0], pts[2])
        p.drawLine(pts[1], pts[2])
        p.drawLine(pts[2], pts[3])
        p.setBrush(QColor("#ffffff"))
        for q in pts:
            p.drawEllipse(q, size * 0.08, size * 0.08)
        p.end()
        icon.addPixmap(pm)
    return icon
