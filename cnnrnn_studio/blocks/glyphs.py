"""Icon glyphs as data: strokes in unit coordinates of the icon square (0..1, y down).

A block declares `glyph=(line(...), rect(...), ...)`; ui/icons.py paints any such tuple with
QPainter, so the block library needs no Qt. Strokes use the glyph colour; `fill=True` fills too.

    ("line", x0, y0, x1, y1)
    ("rect", x, y, w, h, fill)            a rectangle from its top-left corner
    ("oval", x, y, w, h, fill)            an ellipse inside that rectangle
    ("dot", cx, cy, rx, ry, fill)         an ellipse around a centre
    ("polyline", ((x, y), ...))           straight segments
    ("path", ((x, y), ...))               a smooth-looking curve sampled at many points
    ("arc", x, y, w, h, start, span)      part of the ellipse in that rectangle, angles in degrees
"""

from __future__ import annotations

import math
from typing import Callable

Stroke = tuple


def line(x0: float, y0: float, x1: float, y1: float) -> Stroke:
    return ("line", x0, y0, x1, y1)


def rect(x: float, y: float, w: float, h: float, fill: bool = False) -> Stroke:
    return ("rect", x, y, w, h, fill)


def oval(x: float, y: float, w: float, h: float, fill: bool = False) -> Stroke:
    return ("oval", x, y, w, h, fill)


def dot(cx: float, cy: float, r: float, fill: bool = True) -> Stroke:
    return ("dot", cx, cy, r, r, fill)


def polyline(*points: tuple[float, float]) -> Stroke:
    return ("polyline", tuple(points))


def curve(fn: Callable[[float], float], x0: float = 0.1, x1: float = 0.9, n: int = 25) -> Stroke:
    """The graph of y = fn(u) for u = -1..1 drawn between x0 and x1 (u = 0 at the centre)."""
    pts = []
    for i in range(n):
        fx = x0 + (x1 - x0) * i / (n - 1)
        pts.append((fx, fn((fx - 0.5) * 2)))
    return ("path", tuple(pts))


def arc(x: float, y: float, w: float, h: float, start: float, span: float) -> Stroke:
    return ("arc", x, y, w, h, start, span)


# Curves several blocks share.
def bell(u: float) -> float:
    return 0.78 - 0.55 * math.exp(-4 * u * u)


def s_curve(lo: float) -> Callable[[float], float]:
    return lambda u: lo - (lo - 0.2) / (1 + math.exp(-5 * u))


def gelu(u: float) -> float:
    return 0.72 - 0.5 * max(u, 0) ** 1.0 * (0.5 + 0.5 * math.tanh(3 * u)) - 0.04 * math.exp(-8 * (u + 0.3) ** 2)


def hard_swish(u: float) -> float:
    x = 4.5 * u  # -4.5..4.5, so the dip (-3..0) and the straight part both show
    return 0.62 - 0.09 * x * min(max(x + 3, 0), 6) / 6


def silu(u: float) -> float:
    x = 4.5 * u  # the same range as hard_swish: the smooth dip below zero shows
    return 0.62 - 0.09 * x / (1 + math.exp(-x))


def window_grid(small: float) -> tuple[Stroke, ...]:
    """Pooling: a 2x2 window and the one value it keeps."""
    return (rect(0.12, 0.12, 0.48, 0.48), line(0.36, 0.12, 0.36, 0.6), line(0.12, 0.36, 0.6, 0.36),
            rect(0.86 - small, 0.86 - small, small, small, fill=True))


def loop_arrow() -> tuple[Stroke, ...]:
    """Recurrent: a circle that feeds back into itself, the arrow head at angle 0 (right)."""
    return (arc(0.2, 0.2, 0.6, 0.6, 60, 300), line(0.8, 0.5, 0.96, 0.48), line(0.8, 0.5, 0.82, 0.34))
