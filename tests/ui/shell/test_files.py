"""Files: save and reopen equal, broken files refused with a dialog and the work untouched,
failed saves leave the previous file intact, unsaved-changes prompts, recent files."""

import json
import pytest

from cnnrnn_studio.selfcheck import simulate as sim


def test_save_as_then_reopen_gives_the_same_project(window, dialogs, tmp_path):
    window.docs.new_from_template("crnn", ask=False)
    sim.set_field(window.inspector.project_form.training["epochs"], 3)
    dialogs.save_path = str(tmp_path / "net.cnnrnn.json")
    window.act_save.trigger()  # no file yet: Save asks where
    saved = json.loads((tmp_path / "net.cnnrnn.json").read_text())
    assert saved["training"]["epochs"] == 3
    assert window.editor.stack.isClean() and "net.cnnrnn.json" in window.windowTitle()
    window.act_new.trigger()
    dialogs.open_path = str(tmp_path / "net.cnnrnn.json")
    window.act_open.trigger()
    assert window.editor.project.to_dict() == saved
    assert window.docs.recent()[0] == str((tmp_path / "net.cnnrnn.json").resolve())
    assert window.recent_menu.actions()[0].text() == "net.cnnrnn.json"
    assert set(window.scene.blocks) == set(window.editor.graph.block_ids())


@pytest.mark.parametrize("content, words", [
    ('{"format": "cnnrnn-studio-project", "version": 1, "blocks": [', "truncated"),
    ('{"format": "cnnrnn-studio-project", "version": 99, "blocks": []}', "newer CNN-RNN Studio"),
    ('{"format": "something-else", "version": 1}', "not a CNN-RNN Studio project"),
    ("", "empty"),
])
def test_a_broken_file_is_refused_with_a_dialog_and_the_work_is_untouched(window, dialogs, tmp_path, content, words):
    window.docs.new_from_template("lstm_classifier", ask=False)
    sim.drop_block(window, "Dense", (0.0, 600.0))  # unsaved work
    before = window.editor.project.to_dict()
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    dialogs.open_path = str(bad)
    window.act_open.trigger()
    assert dialogs.errors and words in dialogs.errors[-1][1] and str(bad) in dialogs.errors[-1][1]
    assert window.editor.project.to_dict() == before
    assert not window.editor.stack.isClean()




def test_a_failed_save_reports_and_keeps_the_previous_file(window, dialogs, tmp_path, monkeypatch):
    target = tmp_path / "net.cnnrnn.json"
    window.docs.new_from_template("gru_forecaster", ask=False)
    dialogs.save_path = str(target)
    window.act_save_as.trigger()
    original = target.read_text()
    window.editor.set_project_fields(name="Changed")

    def disk_full(fd, *a, **k):  # os.fdopen(...).write fails like a full disk
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("cnnrnn_studio.project.file.os.fsync", disk_full)
    window.act_save.trigger()
    assert dialogs.errors and "No space left" in dialogs.errors[-1][1]
    assert target.read_text() == original
    assert not window.editor.stack.isClean()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_unsaved_changes_are_asked_about(window, dialogs):
    sim.drop_block(window, "Dense", (0.0, 0.0))
    dialogs.unsaved_answer = "cancel"
    window.act_new.trigger()
    assert dialogs.unsaved_asked == 1 and len(window.editor.graph) == 1
    dialogs.unsaved_answer = "discard"
    window.act_new.trigger()
    assert dialogs.unsaved_asked == 2 and len(window.editor.graph) == 0
    window.act_new.trigger()  # nothing changed: no question
    assert dialogs.unsaved_asked == 2


def test_closing_with_unsaved_work_can_be_cancelled(window, dialogs):
    sim.drop_block(window, "Dense", (0.0, 0.0))
    dialogs.unsaved_answer = "cancel"
    assert not window.close()
    assert window.isVisible()


def test_a_recent_file_that_is_gone_is_forgotten(window, dialogs, tmp_path):
    p = tmp_path / "gone.cnnrnn.json"
    window.docs.new_from_template("gru_forecaster", ask=False)
    dialogs.save_path = str(p)
    window.act_save_as.trigger()
    p.unlink()
    window._open_recent(str(p.resolve()))
    assert "no longer exists" in dialogs.errors[-1][1]
    assert str(p.resolve()) not in window.docs.recent()


def test_files_without_positions_are_laid_out(window, dialogs, tmp_path):
    from cnnrnn_studio.project import template_path

    d = json.loads(template_path("crnn").read_text())
    for b in d["blocks"]:
        b.pop("position")
    f = tmp_path / "nopos.json"
    f.write_text(json.dumps(d))
    assert window.docs.open_path(f, ask=False)
    assert all(b.position is not None for b in window.editor.graph.blocks)
    assert window.editor.stack.isClean()
