"""Settings (device, theme, autosave interval) are chosen in a form, kept in the user's config
folder, and applied at once; the title and the About box say which version this is."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from cnnrnn_studio import __version__
from cnnrnn_studio.ui.shell import preferences, theme


def test_the_settings_live_in_the_config_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNRNN_STUDIO_DATA_DIR", raising=False)
    monkeypatch.setenv("CNNRNN_STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    s = preferences.open_settings()
    s.setValue("device", "cpu")
    s.sync()
    assert (tmp_path / "config" / "settings.ini").is_file()
    assert preferences.value(preferences.open_settings(), "device") == "cpu"


def test_settings_of_an_earlier_version_move_over(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNRNN_STUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CNNRNN_STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "data").mkdir()
    old = QSettings(str(tmp_path / "data" / "settings.ini"), QSettings.IniFormat)
    old.setValue("theme", "dark")
    old.sync()
    assert preferences.value(preferences.open_settings(), "theme") == "dark"


def test_unreadable_values_fall_back_to_the_defaults(tmp_path):
    s = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    for key, bad in (("device", "quantum"), ("theme", 7), ("autosave_minutes", "soon")):
        s.setValue(key, bad)
        assert preferences.value(s, key) == preferences.DEFAULTS[key]
    s.setValue("autosave_minutes", 5)
    assert preferences.value(s, "autosave_minutes") == 5


def test_the_form_stores_and_the_window_applies(window, qapp, monkeypatch):
    from cnnrnn_studio.ui.shell import dialogs

    window.docs.new_from_template("digits_cnn", ask=False)
    dashboard = window.dashboard()
    assert dashboard.device.currentData() == "auto"

    def fill_in(dlg):
        dlg.device.setCurrentIndex(dlg.device.findData("cpu"))
        dlg.theme.setCurrentIndex(dlg.theme.findData("dark"))
        dlg.autosave.setValue(5)
        dlg.accept()
        return True

    monkeypatch.setattr(dialogs, "run_dialog", fill_in)
    window.act_settings.trigger()
    try:
        s = window.settings
        assert (s.value("device"), s.value("theme"), int(s.value("autosave_minutes"))) == ("cpu", "dark", 5)
        assert theme.mode() == "dark" and qapp.palette().window().color().name() == theme.DARK.window
        assert dashboard.default_device == "cpu" and dashboard.device.currentData() == "cpu"
        # a project that names its own device keeps it
        window.editor.project.training = {**window.editor.project.training, "device": "auto"}
        window.docs.new_from_template("gru_forecaster", ask=False)
        assert dashboard.device.currentData() == "cpu"
    finally:
        theme.apply(qapp, "light")


def test_autosave_interval_follows_the_setting(qapp, data_dir, dialogs, tmp_path):
    from cnnrnn_studio.ui.shell.app import dispose
    from cnnrnn_studio.ui.shell.main_window import MainWindow

    s = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    s.setValue("autosave_minutes", 3)
    w = MainWindow(s, autosave_enabled=True)
    try:
        assert w.autosaver.timer.interval() == 3 * 60_000 and w.autosaver.timer.isActive()
        w.apply_settings({"autosave_minutes": 0})
        assert not w.autosaver.timer.isActive()
    finally:
        dispose(qapp, w)


def test_title_and_about_name_the_version_and_the_device(window, dialogs):
    assert __version__ in window.windowTitle()
    window.act_about.trigger()
    window._about_task.wait() if getattr(window, "_about_task", None) else None
    text = dialogs.infos[-1]
    assert f"CNN-RNN Studio {__version__}" in text
    assert "Training on: CPU" in text            # no GPU here
    for name in ("PyTorch", "Qt", "ONNX", "ONNX Runtime"):
        assert name in text
