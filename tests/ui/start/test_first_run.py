"""The first run of a person who does not program: no settings yet, the gallery comes first, and
"my own image folder" leads to a trained model and a verified ONNX file with clicks only (file
pickers and the export form answered as a person would answer them)."""

from __future__ import annotations

import numpy as np
import onnx
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from cnnrnn_studio.ui.shell import dialogs as dialogs_module


def _pictures(root, size=16, per_class=12):
    """Three kinds of picture a small CNN tells apart: bright top, bright left, dark."""
    rng = np.random.default_rng(1)
    for name in ("top", "left", "dark"):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            a = rng.random((size, size)) * 40
            if name == "top":
                a[: size // 2] += 200
            elif name == "left":
                a[:, : size // 2] += 200
            Image.fromarray(a.clip(0, 255).astype("uint8")).save(root / name / f"{i}.png")
    return root


def test_first_start_shows_the_gallery_with_the_own_data_entry(qapp, data_dir, dialogs, tmp_path):
    from PySide6.QtCore import QSettings

    from cnnrnn_studio.ui.shell.app import dispose, open_initial
    from cnnrnn_studio.ui.shell.main_window import MainWindow

    settings_file = tmp_path / "fresh" / "settings.ini"
    assert not settings_file.exists()
    w = MainWindow(QSettings(str(settings_file), QSettings.IniFormat), autosave_enabled=False)
    open_initial(w, None)
    w.show()
    qapp.processEvents()
    try:
        assert w.on_start_page()
        assert w.start_page.own_data.isVisible()
        assert len(w.start_page.cards) >= 11          # the empty canvas and the ten templates
    finally:
        dispose(qapp, w)


def test_own_image_folder_to_a_trained_model_and_an_onnx_file_without_typing(
        window, qtbot, tmp_path, monkeypatch, dialogs):
    folder = _pictures(tmp_path / "my pictures")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(dialogs_module, "ask_folder", lambda *a, **k: str(folder))   # the folder picker
    monkeypatch.setattr(dialogs_module, "run_dialog", lambda dlg: True)             # the form's Export button

    # 1. the wizard, from the start page
    window.show_start_page()
    qtbot.mouseClick(window.start_page.own_data.button, Qt.LeftButton)
    wiz = window.data_wizard
    qtbot.mouseClick(wiz.data_page.folder_button, Qt.LeftButton)
    assert wiz.data_page.wait_until_idle() and wiz.data_page.error is None
    qtbot.mouseClick(wiz.button(QWizard.NextButton), Qt.LeftButton)
    qtbot.mouseClick(wiz.button(QWizard.FinishButton), Qt.LeftButton)
    project = window.editor.project
    assert project.dataset["train"] == str(folder) and project.analyze().ok

    # 2. train in the Train tab (a few epochs: the arrows of the epochs box)
    window.tabs.setCurrentWidget(window.train_tab)
    dashboard = window.dashboard()
    dashboard.epochs.setValue(8)
    qtbot.mouseClick(dashboard.train_button, Qt.LeftButton)
    assert dashboard.is_training()
    qtbot.waitUntil(lambda: not dashboard.is_training(), timeout=180000)
    h = dashboard.history
    assert h.state == "finished", dashboard.banner.text()
    accuracy = h.summary["test"]["accuracy"]
    assert accuracy >= 0.8, accuracy                   # the pictures are easy: it really learned
    assert window.model_io.weights is not None and str(window.model_io.weights.path) == h.run_dir

    # 3. File → Export → ONNX, with the form's defaults: the trained weights, next to nothing typed
    window.model_io.act_onnx.trigger()
    assert window.model_io.wait()
    assert not dialogs.errors, dialogs.errors
    report = window.model_io.last_report
    assert report.path.parent == home and report.path.suffix == ".onnx"
    assert report.max_abs_diff < 1e-4
    meta = {p.key: p.value for p in onnx.load(str(report.path)).metadata_props}
    assert meta["trained"] == "true" and "top" in meta["class_names"]
