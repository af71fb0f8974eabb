"""Block and category icons, drawn with QPainter at run time from the block declarations.

Each block type gets a small white glyph on its category colour (BlockSpec.color), so the
palette, the canvas cards and the thumbnails all share one picture per block. The glyph is
declared with the block (BlockSpec.glyph, strokes in unit coordinates); this module paints it.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

# CATEGORY_GLYPH (which block's glyph stands for a category) is declared with the categories.
from ...blocks import CATEGORY_GLYPH, REGISTRY, by_category


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

    def rect(fx: float, fy: float, fw: float, fh: float) -> QRectF:
        return QRectF(x + fx * w, y + fy * h, fw * w, fh * h)

    spec = REGISTRY.get(type_id)
    strokes = spec.glyph if spec is not None else ()
    # One loop over the strokes the block declares (blocks/glyphs.py describes them).
    for stroke in strokes:
        match stroke:
            case ("line", x0, y0, x1, y1):
                p.drawLine(pt(x0, y0), pt(x1, y1))
            case ("rect", fx, fy, fw, fh, fill):
                p.setBrush(QColor(color) if fill else Qt.NoBrush)
                p.drawRect(rect(fx, fy, fw, fh))
            case ("oval", fx, fy, fw, fh, fill):
                p.setBrush(QColor(color) if fill else Qt.NoBrush)
                p.drawEllipse(rect(fx, fy, fw, fh))
            case ("dot", cx, cy, rx, ry, fill):
                p.setBrush(QColor(color) if fill else Qt.NoBrush)
                p.drawEllipse(pt(cx, cy), rx * w, ry * h)
            case ("polyline", points):
                p.drawPolyline([pt(fx, fy) for fx, fy in points])
            case ("path", points):
                path = QPainterPath()
                for i, (fx, fy) in enumerate(points):
                    path.moveTo(pt(fx, fy)) if i == 0 else path.lineTo(pt(fx, fy))
                p.setBrush(Qt.NoBrush)
                p.drawPath(path)
            case ("arc", fx, fy, fw, fh, start, span):
                path = QPainterPath()
                path.arcMoveTo(rect(fx, fy, fw, fh), start)
                path.arcTo(rect(fx, fy, fw, fh), start, span)
                p.setBrush(Qt.NoBrush)
                p.drawPath(path)
    if not strokes:  # unknown type: a question mark
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
