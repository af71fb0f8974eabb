"""Autosave to the data folder, recovery offered after a crash, nothing left after a clean exit."""

import json
import subprocess
import sys
import textwrap

from cnnrnn_studio.ui.shell import autosave
from cnnrnn_studio.selfcheck import simulate as sim
from cnnrnn_studio.ui.shell.app import offer_recovery


def test_autosave_writes_only_changed_work_and_a_clean_stop_removes_it(qapp, data_dir):
    from cnnrnn_studio.ui.editor.editor import Editor

    ed = Editor()
    saver = autosave.Autosaver(ed)
    saver.start()
    assert not saver.save_now()  # nothing changed yet
    ed.add_block("Dense", (0, 0))
    assert saver.save_now()
    record = json.loads(saver.file.read_text())
    assert record["project"]["blocks"][0]["type"] == "Dense"
    assert not saver.save_now()  # unchanged since the last autosave
    assert autosave.find_recoverable() == []  # our own, live session: not a crash
    saver.stop()
    assert not saver.file.exists() and not list(autosave.autosave_dir().glob("*.lock"))
    ed.deleteLater()


CRASHER = textwrap.dedent("""
    import os
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from cnnrnn_studio.ui.editor.editor import Editor
    from cnnrnn_studio.ui.shell.autosave import Autosaver
    ed = Editor()
    ed.project.name = "Lost work"
    s = Autosaver(ed)
    s.start()
    ed.add_block("Input", (0, 0))
    ed.add_block("LSTM", (220, 0))
    ed.link("input1", "lstm1")
    assert s.save_now()
    os._exit(3)  # a crash: no clean stop
""")


def test_after_a_crash_the_work_is_offered_back(window, dialogs, data_dir):
    r = subprocess.run([sys.executable, "-c", CRASHER], capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr
    found = autosave.find_recoverable()
    assert len(found) == 1 and found[0].name == "Lost work"
    dialogs.recover_answer = True
    offer_recovery(window)
    assert "Lost work" in dialogs.recover_asked[0]
    g = window.editor.graph
    assert sorted(g.block_ids()) == ["input1", "lstm1"] and g.has_link("input1", "lstm1")
    assert window.editor.project.name == "Lost work"
    assert not window.editor.stack.isClean()  # recovered work still needs saving
    assert autosave.find_recoverable() == []


def test_declining_recovery_discards_the_autosave(window, dialogs, data_dir):
    r = subprocess.run([sys.executable, "-c", CRASHER], capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr
    dialogs.recover_answer = False
    offer_recovery(window)
    assert len(dialogs.recover_asked) == 1 and len(window.editor.graph) == 0
    assert autosave.find_recoverable() == []


def test_the_window_autosaves_on_its_timer(qapp, qtbot, data_dir, dialogs, tmp_path):
    from PySide6.QtCore import QSettings

    from cnnrnn_studio.ui.shell.app import dispose
    from cnnrnn_studio.ui.shell.main_window import MainWindow

    w = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    try:
        w.autosaver.timer.setInterval(10)
        w.show()
        sim.drop_block(w, "Dense", (0.0, 0.0))
        qtbot.waitUntil(w.autosaver.file.exists, timeout=3000)
        file = w.autosaver.file
    finally:
        dispose(qapp, w)
    assert not file.exists()  # a clean exit leaves no autosave
