"""The person's settings: where to train, the theme, how often to autosave. They live in the
user's config folder (platformdirs), in one INI file that also keeps the window layout and the
recent files, and Edit → Settings… changes them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import platformdirs
from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from ...resources import APP_NAME
from . import autosave

DEVICES = [("Auto: an NVIDIA GPU, then an Apple GPU, then the CPU", "auto"), ("CPU", "cpu"),
           ("NVIDIA GPU (CUDA)", "cuda"), ("Apple GPU (MPS)", "mps")]
THEMES = [("Follow the system", "system"), ("Light", "light"), ("Dark", "dark")]
DEFAULTS = {"device": "auto", "theme": "system", "autosave_minutes": 1}


def config_dir() -> Path:
    """Where the settings file lives. CNNRNN_STUDIO_CONFIG_DIR overrides it; with only
    CNNRNN_STUDIO_DATA_DIR set (tests, the self-test) the settings stay in that folder too."""
    override = os.environ.get("CNNRNN_STUDIO_CONFIG_DIR")
    if override:
        return Path(override)
    if os.environ.get("CNNRNN_STUDIO_DATA_DIR"):
        return autosave.data_dir()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def open_settings() -> QSettings:
    """The settings file (INI). Settings an earlier version kept in the data folder move over once."""
    path = config_dir() / "settings.ini"
    old = autosave.data_dir() / "settings.ini"
    if not path.exists() and old.exists() and old != path:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(old, path)
        except OSError:
            pass  # then the defaults: never a reason not to start
    return QSettings(str(path), QSettings.IniFormat)


def value(settings: QSettings, key: str):
    """A setting, checked: anything unreadable falls back to its default."""
    raw = settings.value(key, DEFAULTS[key])
    if key == "device":
        return raw if raw in {v for _, v in DEVICES} else DEFAULTS[key]
    if key == "theme":
        return raw if raw in {v for _, v in THEMES} else DEFAULTS[key]
    try:
        minutes = int(raw)
    except (TypeError, ValueError):
        return DEFAULTS[key]
    return minutes if 0 <= minutes <= 60 else DEFAULTS[key]


class SettingsDialog(QDialog):
    """Edit → Settings…: three choices, no typing. OK stores them; the window applies them."""

    applied = Signal(dict)

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.device = QComboBox()
        for label, v in DEVICES:
            self.device.addItem(label, v)
        self.device.setToolTip("Where new projects train. A project whose training settings name a device "
                               "keeps its own.")
        self.theme = QComboBox()
        for label, v in THEMES:
            self.theme.addItem(label, v)
        self.autosave = QSpinBox()
        self.autosave.setRange(0, 60)
        self.autosave.setSuffix(" min")
        self.autosave.setSpecialValueText("off")
        self.autosave.setToolTip("How often unsaved work is saved aside, so it can be recovered after a crash.")
        self.device.setCurrentIndex(max(0, self.device.findData(value(settings, "device"))))
        self.theme.setCurrentIndex(max(0, self.theme.findData(value(settings, "theme"))))
        self.autosave.setValue(value(settings, "autosave_minutes"))
        form = QFormLayout()
        form.addRow("Train on", self.device)
        form.addRow("Theme", self.theme)
        form.addRow("Autosave every", self.autosave)
        where = QLabel(f"Kept in {Path(settings.fileName()).parent}")
        where.setProperty("role", "muted")
        where.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(where)
        lay.addWidget(buttons)

    def chosen(self) -> dict:
        return {"device": self.device.currentData(), "theme": self.theme.currentData(),
                "autosave_minutes": self.autosave.value()}

    def accept(self) -> None:
        chosen = self.chosen()
        for k, v in chosen.items():
            self.settings.setValue(k, v)
        self.settings.sync()
        self.applied.emit(chosen)
        super().accept()
