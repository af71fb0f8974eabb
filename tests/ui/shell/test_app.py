"""Start-up without torch, the error dialog instead of a crash, themes, the binding guard,
and the `gui` command: --screenshot and --self-test in fresh processes."""

import json
import os
import subprocess
import sys

from PySide6.QtGui import QImage

from cnnrnn_studio.errors import ProjectError
from cnnrnn_studio.ui.shell import crash, theme


def run_cli(*args, env_extra=None, timeout=300):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "cnnrnn_studio.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_the_editor_starts_without_importing_torch(tmp_path):
    code = ("import os, sys; os.environ['QT_QPA_PLATFORM']='offscreen'\n"
            "from PySide6.QtWidgets import QApplication; app = QApplication([])\n"
            "from cnnrnn_studio.ui.shell.main_window import MainWindow\n"
            "w = MainWindow(autosave_enabled=False); w.show_start_page(); w.show(); app.processEvents()\n"
            "w.docs.new_from_template('digits_cnn', ask=False); app.processEvents()\n"
            "print('torch' in sys.modules)\n"
            "from cnnrnn_studio.ui.shell.app import dispose; dispose(app, w)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, CNNRNN_STUDIO_DATA_DIR=str(tmp_path)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "False"


def test_screenshot_of_a_template_and_of_the_start_page(tmp_path):
    for arg, name in (("lenet5", "t.png"), (None, "start.png")):
        out = tmp_path / name
        r = run_cli("gui", *([arg] if arg else []), "--screenshot", str(out),
                    env_extra={"CNNRNN_STUDIO_DATA_DIR": str(tmp_path / "d")})
        assert r.returncode == 0, r.stderr
        img = QImage(str(out))
        assert (img.width(), img.height()) == (1600, 1000)


def test_screenshot_of_a_broken_file_fails_with_the_reason(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    r = run_cli("gui", str(bad), "--screenshot", str(tmp_path / "x.png"),
                env_extra={"CNNRNN_STUDIO_DATA_DIR": str(tmp_path / "d")})
    assert r.returncode == 1 and "bad.json" in r.stderr and not (tmp_path / "x.png").exists()


def test_self_test_passes(tmp_path):
    r = run_cli("gui", "--self-test", env_extra={"CNNRNN_STUDIO_DATA_DIR": str(tmp_path / "d")}, timeout=600)
    lines = r.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert result["self_test"] == "passed" and result["failed"] == 0
    names = [s["name"] for s in result["steps"]]
    from cnnrnn_studio.project import list_templates

    # every template is built from an empty canvas by mouse and keyboard, the CRNN + CTC reader too
    assert sorted(n for n in names if n.startswith("build '")) == \
        sorted(f"build '{t.id}' from an empty canvas" for t in list_templates())
    assert "build 'crnn_ctc' from an empty canvas" in names
    assert any("ONNX" in n for n in names) and any("train one epoch" in n for n in names)
    # the responsiveness figures are printed as information (null where not measured), never judged
    for key in ("ui_lateness_p99_ms", "ui_stall_max_ms", "plot_fps", "train_sps_gui", "train_sps_headless"):
        assert key in result, key
    assert all(line.startswith("PASS") for line in lines[:-1] if line[:4] in ("PASS", "FAIL"))


def test_unexpected_errors_become_a_dialog_with_details_and_are_logged(data_dir):
    shown = []
    crash.setup_logging()
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError:
        crash.handle(*sys.exc_info(), show=lambda t, m, d: shown.append((t, m, d)))
    title, message, details = shown[-1]
    assert "went wrong" in title and "ZeroDivisionError: boom" in message
    assert "Traceback" in details and "boom" in details
    try:
        raise ProjectError("the file is empty.", where="x.json")
    except ProjectError:
        crash.handle(*sys.exc_info(), show=lambda t, m, d: shown.append((t, m, d)))
    assert shown[-1][1] == "x.json: the file is empty." and shown[-1][2] is None
    for h in __import__("logging").getLogger("cnnrnn_studio").handlers:
        h.flush()
    assert "boom" in crash.log_file().read_text()


def test_themes(qapp):
    t = theme.apply(qapp, "dark")
    assert t.dark and qapp.palette().window().color().name() == theme.DARK.window
    assert "@" not in qapp.styleSheet()
    t = theme.apply(qapp, "light")
    assert not t.dark and qapp.palette().base().color().name() == "#ffffff"
    assert theme.apply(qapp, "system") in (theme.LIGHT, theme.DARK)


def test_void_qt_calls_do_not_use_up_none():
    """PySide6 6.12.0 on CPython 3.11 loses a reference to None per void call (and the interpreter
    aborts once None's count runs out); pyproject.toml pins PySide6 below 6.12 for that. Many calls
    (and many plot updates, which make several such calls each) must leave None's count intact:
    this fails if the pin is lifted onto a binding with the defect."""
    import pyqtgraph as pg
    from PySide6.QtCore import QPointF

    p = QPointF()
    item = pg.PlotDataItem()
    before = sys.getrefcount(None)
    for _ in range(5000):
        p.setX(1.0)
        item.setData([1.0, 2.0], [3.0, 4.0])
    after = sys.getrefcount(None)
    assert after > before - 1000, "each void Qt call loses a reference to None"
    assert after > 1000 and sys.getrefcount(True) > 100
