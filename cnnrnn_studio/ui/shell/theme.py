"""Light and dark themes that follow the system, and the colours the canvas paints with.

The app uses the Fusion style with a palette of its own so it looks the same on every OS;
`mode` is "system" (default), "light" or "dark" and is remembered in the settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from ...resources import resource


@dataclass(frozen=True)
class Theme:
    name: str
    dark: bool
    window: str
    base: str
    text: str
    muted: str
    accent: str
    canvas: str
    grid_minor: str
    grid_major: str
    card: str
    card_border: str
    card_text: str
    card_muted: str
    shape_text: str
    link: str
    link_selected: str
    error: str
    warning: str
    ok: str
    port: str


LIGHT = Theme(
    name="light", dark=False, window="#f3f4f6", base="#ffffff", text="#1f2328", muted="#5f6b7a",
    accent="#2f6fde", canvas="#f7f8fa", grid_minor="#eceef2", grid_major="#dde1e7", card="#ffffff",
    card_border="#c9ced6", card_text="#1f2328", card_muted="#5f6b7a", shape_text="#0b5394",
    link="#7d8796", link_selected="#2f6fde", error="#d93025", warning="#c77700", ok="#1e8e3e", port="#ffffff",
)
DARK = Theme(
    name="dark", dark=True, window="#202226", base="#17181b", text="#e6e8eb", muted="#9aa3ad",
    accent="#5b9cff", canvas="#1b1d21", grid_minor="#23262b", grid_major="#2c3036", card="#2a2d33",
    card_border="#454a52", card_text="#eceff2", card_muted="#a4adb8", shape_text="#8cc4ff",
    link="#8d96a3", link_selected="#5b9cff", error="#ff6b5e", warning="#f0b040", ok="#4cc26a", port="#2a2d33",
)

_current: Theme = LIGHT
_mode = "system"


def current() -> Theme:
    return _current


def mode() -> str:
    return _mode


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def apply(app: QApplication, which: str = "system") -> Theme:
    """Set the style, palette and style sheet; returns the theme now in use."""
    global _current, _mode
    _mode = which if which in ("system", "light", "dark") else "system"
    dark = system_prefers_dark() if _mode == "system" else _mode == "dark"
    _current = DARK if dark else LIGHT
    app.setStyle("Fusion")
    app.setPalette(_palette(_current))
    app.setStyleSheet(_style_sheet(_current))
    return _current


def _palette(t: Theme) -> QPalette:
    p = QPalette()
    c = QColor
    p.setColor(QPalette.Window, c(t.window))
    p.setColor(QPalette.WindowText, c(t.text))
    p.setColor(QPalette.Base, c(t.base))
    p.setColor(QPalette.AlternateBase, c(t.window))
    p.setColor(QPalette.ToolTipBase, c(t.base))
    p.setColor(QPalette.ToolTipText, c(t.text))
    p.setColor(QPalette.Text, c(t.text))
    p.setColor(QPalette.PlaceholderText, c(t.muted))
    p.setColor(QPalette.Button, c(t.window))
    p.setColor(QPalette.ButtonText, c(t.text))
    p.setColor(QPalette.Highlight, c(t.accent))
    p.setColor(QPalette.HighlightedText, c("#ffffff"))
    p.setColor(QPalette.Link, c(t.accent))
    p.setColor(QPalette.Mid, c(t.card_border))
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, c(t.muted))
    return p


def _style_sheet(t: Theme) -> str:
    path = resource("styles", "app.qss")
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    for key in sorted(vars(t), key=len, reverse=True):  # @card_border before @card
        text = text.replace("@" + key, str(getattr(t, key)))
    return text
