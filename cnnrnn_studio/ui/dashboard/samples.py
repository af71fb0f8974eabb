"""Pictures of single samples for the data preview, the confusion-matrix gallery and "try it":
an image as pixels, an image sequence as a strip of frames, a sequence as a small line plot, a
text as its words. Drawn with QPainter (no plot widget per sample: a gallery holds dozens).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap

from .charts import PALETTE

MAX_FRAMES = 8


def to_numpy(x: Any) -> np.ndarray:
    """A torch tensor or array-like as a float32 numpy array (no torch import needed here)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float32)


def image_to_qimage(img: np.ndarray) -> QImage:
    """[C, H, W] (or [H, W]) -> an 8-bit image, contrast stretched per picture (the data may be standardised)."""
    img = np.asarray(img, dtype=np.float32)
    if img.ndim == 2:
        img = img[None]
    if img.shape[0] not in (1, 3):
        img = img[:1]
    lo, hi = float(np.nanmin(img)), float(np.nanmax(img))
    scaled = np.zeros_like(img) if hi - lo < 1e-12 else (img - lo) / (hi - lo)
    data = np.ascontiguousarray((np.nan_to_num(scaled) * 255).clip(0, 255).astype(np.uint8))
    c, h, w = data.shape
    if c == 1:
        q = QImage(data[0].tobytes(), w, h, w, QImage.Format.Format_Grayscale8)
    else:
        rgb = np.ascontiguousarray(data.transpose(1, 2, 0))
        q = QImage(rgb.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888)
    return q.copy()  # own the pixels: the numpy buffer goes away


def _image_pixmap(img: np.ndarray, size: int) -> QPixmap:
    q = image_to_qimage(img)
    # Nearest neighbour: an 8x8 digit should look like 64 crisp pixels, not a blur.
    return QPixmap.fromImage(q.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                      Qt.TransformationMode.FastTransformation))


def _strip_pixmap(frames: np.ndarray, size: int) -> QPixmap:
    """The first frames of an image sequence side by side."""
    n = min(len(frames), MAX_FRAMES)
    step = max(1, len(frames) // n) if n else 1
    chosen = [frames[i] for i in range(0, len(frames), step)][:n]
    tile = max(8, size // 2)
    pm = QPixmap(tile * max(1, len(chosen)) + max(0, len(chosen) - 1), tile)
    pm.fill(QColor("#888"))
    p = QPainter(pm)
    for i, frame in enumerate(chosen):
        p.drawPixmap(i * (tile + 1), 0, _image_pixmap(frame, tile))
    p.end()
    return pm


def _sequence_pixmap(seq: np.ndarray, size: int, channel_names: list[str] | None = None) -> QPixmap:
    """[T, F] as one line per feature (at most 6), each scaled to the box."""
    seq = np.asarray(seq, dtype=np.float32)
    if seq.ndim == 1:
        seq = seq[:, None]
    w, h = int(size * 1.6), size
    pm = QPixmap(w, h)
    pm.fill(QColor("white"))
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor("#ccc"), 1))
    p.drawRect(0, 0, w - 1, h - 1)
    t = len(seq)
    finite = seq[np.isfinite(seq)]
    if t >= 1 and finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        span = hi - lo if hi - lo > 1e-12 else 1.0
        xs = 2 + (w - 4) * np.arange(t) / max(1, t - 1)
        for f in range(min(seq.shape[1], 6)):
            v = seq[:, f]
            ok = np.isfinite(v)  # a missing value is bridged, as before
            if not ok.any():
                continue
            ys = h - 3 - (h - 6) * (v[ok] - lo) / span
            p.setPen(QPen(QColor(PALETTE[f % len(PALETTE)]), 1.2))
            p.drawPath(pg.arrayToQPath(xs[ok], ys))  # one numpy call, not a point at a time
    p.end()
    return pm


def _text_pixmap(text: str, size: int) -> QPixmap:
    w, h = int(size * 2.4), size
    pm = QPixmap(w, h)
    pm.fill(QColor("white"))
    p = QPainter(pm)
    p.setPen(QPen(QColor("#ccc"), 1))
    p.drawRect(0, 0, w - 1, h - 1)
    p.setPen(QColor("#222"))
    f = QFont()
    f.setPointSize(8)
    p.setFont(f)
    p.drawText(QRectF(4, 2, w - 8, h - 4), Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft, text)
    p.end()
    return pm


def sample_pixmap(x: Any, kind: str, size: int = 64, vocab: list[str] | None = None) -> QPixmap:
    """A picture of one sample of the given kind (see the module docstring)."""
    if kind == "tokens":
        ids = to_numpy(x).astype(int).reshape(-1)
        if not vocab:
            return _text_pixmap(" ".join(str(i) for i in ids if i), size)
        from ...data.text import decode_tokens

        return _text_pixmap(decode_tokens(ids, vocab), size)
    arr = to_numpy(x)
    if kind == "image":
        return _image_pixmap(arr, size)
    if kind == "image_sequence":
        return _strip_pixmap(arr, size)
    if kind == "sequence":
        return _sequence_pixmap(arr, size)
    # vector: a bar-like line over the features
    return _sequence_pixmap(arr.reshape(-1), size)
