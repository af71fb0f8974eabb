"""Pictures of a network: PNG and SVG export of the canvas, and template thumbnails."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem

from ....errors import StudioError
from ....project import Project
from ...shell import theme
from ..layout import fitted_positions
from .scene import GraphScene


class ExportError(StudioError):
    """The picture could not be written (folder missing, read-only, disk full)."""


def _render(scene: GraphScene, painter: QPainter, target: QRectF, source: QRectF) -> None:
    selected = scene.selectedItems()
    grid = scene.show_grid
    scene.show_grid = False  # a picture for a report: no grid, no selection outline
    for it in selected:
        it.setSelected(False)
    cached = [(it, it.cacheMode()) for it in scene.items() if it.cacheMode() != QGraphicsItem.NoCache]
    for it, _mode in cached:  # draw vectors and text, not the cards' screen-resolution pixmaps
        it.setCacheMode(QGraphicsItem.NoCache)
    try:
        painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
        scene.render(painter, target, source, Qt.KeepAspectRatio)
    finally:
        scene.show_grid = grid
        for it, mode in cached:
            it.setCacheMode(mode)
        for it in selected:
            it.setSelected(True)


def render_image(scene: GraphScene, scale: float = 2.0) -> QImage:
    source = scene.content_rect()
    w, h = max(1, int(source.width() * scale)), max(1, int(source.height() * scale))
    img = QImage(w, h, QImage.Format_ARGB32_Premultiplied)
    img.fill(QColor(theme.current().canvas))
    p = QPainter(img)
    _render(scene, p, QRectF(0, 0, w, h), source)
    p.end()
    return img


def save_png(scene: GraphScene, path: str | Path, scale: float = 2.0) -> Path:
    path = Path(path)
    img = render_image(scene, scale)
    tmp = path.with_name(f".{path.name}.tmp.png")
    if not img.save(str(tmp), "PNG"):
        raise ExportError("the picture could not be written there (is the folder writable and the disk not full?).",
                          where=str(path))
    try:
        tmp.replace(path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"the picture could not be saved ({e.strerror}).", where=str(path)) from None
    return path


def save_svg(scene: GraphScene, path: str | Path, title: str = "") -> Path:
    path = Path(path)
    source = scene.content_rect()
    tmp = path.with_name(f".{path.name}.tmp.svg")
    gen = QSvgGenerator()
    gen.setFileName(str(tmp))
    gen.setSize(QSize(int(source.width()), int(source.height())))
    gen.setViewBox(QRectF(0, 0, source.width(), source.height()))
    gen.setTitle(title or "CNN-RNN Studio network")
    gen.setDescription("Exported from CNN-RNN Studio")
    p = QPainter()
    if not p.begin(gen):
        raise ExportError("the SVG file could not be written there.", where=str(path))
    p.fillRect(QRectF(0, 0, source.width(), source.height()), QColor(theme.current().canvas))
    _render(scene, p, QRectF(0, 0, source.width(), source.height()), source)
    p.end()
    try:
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise ExportError("the SVG file could not be written there.", where=str(path))
        tmp.replace(path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"the SVG file could not be saved ({e.strerror}).", where=str(path)) from None
    return path


def thumbnail(project: Project, size: QSize, ratio: float = 2.0) -> QPixmap:
    """A picture of a project's network laid out to fill `size` (for the template gallery)."""
    from ..editor import Editor

    graph = project.graph.copy()
    for bid, pos in fitted_positions(graph, size.width() * 2.4, size.height() * 2.4, max_scale=10).items():
        graph.move_block(bid, pos)
    editor = Editor()
    editor.set_project(Project(graph))
    scene = GraphScene(editor)
    scene.show_grid = False
    pm = QPixmap(int(size.width() * ratio), int(size.height() * ratio))
    pm.setDevicePixelRatio(ratio)
    pm.fill(QColor(theme.current().canvas))
    p = QPainter(pm)
    source = scene.content_rect()
    target = QRectF(6, 6, size.width() - 12, size.height() - 12)
    _render(scene, p, target, source)
    p.end()
    scene.clear()
    editor.deleteLater()
    return pm
