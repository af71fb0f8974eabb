"""Fixtures for the editor tests: an isolated data folder and settings, dialogs that never block,
and a real main window (offscreen) that is disposed of after each test."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class DialogLog:
    """Stands in for every modal dialog: records what was shown and gives scripted answers."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str, str | None]] = []
        self.infos: list[str] = []
        self.unsaved_answer = "discard"
        self.unsaved_asked = 0
        self.recover_answer = False
        self.recover_asked: list[str] = []
        self.open_path: str | None = None
        self.save_path: str | None = None
        self.export_path: str | None = None
        self.replace_answer = True          # "Replace the file?" (replacing.py)
        self.replace_asked: list[tuple[str, bool | None]] = []
        self.outside_answer = True          # "Let this project read data outside its folder?"
        self.outside_asked: list[list[tuple[str, str]]] = []


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    d = tmp_path / "data"
    monkeypatch.setenv("CNNRNN_STUDIO_DATA_DIR", str(d))
    return d


@pytest.fixture
def dialogs(monkeypatch) -> DialogLog:
    from cnnrnn_studio.ui.shell import dialogs as dlg

    log = DialogLog()

    def unsaved(parent, name):
        log.unsaved_asked += 1
        return log.unsaved_answer

    def recover(parent, text):
        log.recover_asked.append(text)
        return log.recover_answer

    monkeypatch.setattr(dlg, "show_error", lambda parent, title, message, details=None:
                        log.errors.append((title, message, details)))
    monkeypatch.setattr(dlg, "show_info", lambda parent, title, message: log.infos.append(message))
    monkeypatch.setattr(dlg, "ask_unsaved", unsaved)
    monkeypatch.setattr(dlg, "ask_recover", recover)
    monkeypatch.setattr(dlg, "ask_open_project", lambda parent, folder="": log.open_path)
    monkeypatch.setattr(dlg, "ask_save_project", lambda parent, suggested: log.save_path)
    monkeypatch.setattr(dlg, "ask_export_path", lambda parent, suggested, flt: log.export_path)
    monkeypatch.setattr(dlg, "ask_data_file", lambda parent, folder="": log.open_path)

    def replace(parent, path, ours):
        log.replace_asked.append((path, ours))
        return log.replace_answer

    def outside(parent, name, folder, files):
        log.outside_asked.append(files)
        return log.outside_answer

    monkeypatch.setattr(dlg, "ask_replace", replace)
    monkeypatch.setattr(dlg, "ask_outside_data", outside)
    return log


@pytest.fixture
def window(qapp, data_dir, dialogs, tmp_path):
    from PySide6.QtCore import QSettings

    from cnnrnn_studio.ui.shell import theme
    from cnnrnn_studio.ui.shell.app import dispose
    from cnnrnn_studio.ui.shell.main_window import MainWindow

    theme.apply(qapp, "light")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    w = MainWindow(settings, autosave_enabled=False)
    w.resize(1300, 850)
    w.show()
    qapp.processEvents()
    w.act_new.trigger()
    qapp.processEvents()
    yield w
    dispose(qapp, w)


@pytest.fixture
def editor(qapp):
    from cnnrnn_studio.ui.editor.editor import Editor

    e = Editor()
    yield e
    e.deleteLater()
