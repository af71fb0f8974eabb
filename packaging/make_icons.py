"""Render the app icon resources/icons/app/cnnrnn-studio.svg to PNGs (16..512) and a Windows .ico.

Run with any Python that has PySide6 (QtSvg) and Pillow, e.g. the dev venv:
    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
The PNGs are committed, so a build never needs to render them. macOS's .icns is made from
them by iconutil in packaging/macos/build_app.sh.
"""

from __future__ import annotations

import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons" / "app"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path, size: int, out: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        sys.exit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(out)):
        sys.exit(f"could not write {out}")


def main() -> int:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (QPainter needs it)
    svg = ICONS / "cnnrnn-studio.svg"
    for size in SIZES:
        render(svg, size, ICONS / f"cnnrnn-studio-{size}.png")
    from PIL import Image

    # Windows wants one .ico with several sizes; each is the crisp render, not a downscale.
    images = [Image.open(ICONS / f"cnnrnn-studio-{s}.png").convert("RGBA") for s in (256, 128, 64, 48, 32, 24, 16)]
    images[0].save(ICONS / "cnnrnn-studio.ico", format="ICO",
                   sizes=[im.size for im in images], append_images=images[1:])
    print(f"wrote {len(SIZES)} PNGs and cnnrnn-studio.ico to {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
