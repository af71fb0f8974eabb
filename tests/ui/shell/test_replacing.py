"""Every output of the app (Save, Save As, canvas pictures, ONNX, PyTorch code, the torchrun folder,
`gui --screenshot`) refuses to replace a file the studio did not write unless the person says yes,
and never writes over the project's own file, data or weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnrnn_studio.cli import main

NOTES = "my own notes, not the studio's\n"


def _notes(path: Path) -> Path:
    path.write_text(NOTES)
    return path




@pytest.mark.parametrize("answer", [False, True])
def test_save_as_over_a_file_the_studio_did_not_write_asks_first(window, dialogs, tmp_path, answer):
    target = _notes(tmp_path / "notes.json")
    window.docs.new_from_template("gru_forecaster", ask=False)
    dialogs.save_path, dialogs.replace_answer = str(target), answer
    window.act_save_as.trigger()
    assert dialogs.replace_asked == [(str(target), False)]
    if answer:
        assert '"format": "cnnrnn-studio-project"' in target.read_text()
        assert window.editor.stack.isClean()
    else:
        assert target.read_text() == NOTES
        assert window.editor.project.path is None and not window.editor.stack.isClean()


def test_replacing_a_studio_project_is_asked_as_such_and_plain_save_asks_nothing(window, dialogs, tmp_path):
    other = tmp_path / "other.cnnrnn.json"
    window.docs.new_from_template("gru_forecaster", ask=False)
    dialogs.save_path = str(other)
    window.act_save_as.trigger()
    assert dialogs.replace_asked == []  # a new file
    window.docs.new_from_template("crnn", ask=False)
    window.act_save_as.trigger()
    assert dialogs.replace_asked == [(str(other), True)]
    window.editor.set_project_fields(name="Changed")
    window.act_save.trigger()  # its own file: no question
    assert len(dialogs.replace_asked) == 1 and '"Changed"' in other.read_text()


def test_save_never_goes_over_the_projects_own_data(window, dialogs, tmp_path):
    folder = tmp_path / "proj"
    folder.mkdir()
    data = folder / "table.csv"
    data.write_text("a,b,label\n1,2,x\n3,4,y\n")
    before = data.read_text()
    window.docs.new_from_template("lstm_classifier", ask=False)
    dialogs.save_path = str(folder / "p.cnnrnn.json")
    window.act_save_as.trigger()
    window.editor.set_project_fields(dataset={"kind": "file", "format": "csv", "train": "table.csv"})
    dialogs.save_path, dialogs.replace_answer = str(data), True
    window.act_save_as.trigger()
    assert data.read_text() == before and dialogs.replace_asked == []
    assert dialogs.errors and "never replaced" in dialogs.errors[-1][1] and str(data) in dialogs.errors[-1][1]
    assert window.editor.project.path == folder / "p.cnnrnn.json"


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_a_picture_over_an_existing_file_asks_first(window, dialogs, tmp_path, kind):
    from cnnrnn_studio.selfcheck import simulate as sim

    sim.drop_block(window, "Dense", (0.0, 0.0))
    target = _notes(tmp_path / f"canvas.{kind}")
    dialogs.export_path, dialogs.replace_answer = str(target), False
    assert not window.export_picture(kind)
    assert dialogs.replace_asked == [(str(target), None)] and target.read_text() == NOTES
    dialogs.replace_answer = True
    assert window.export_picture(kind)
    assert target.read_bytes() != NOTES.encode()


def test_onnx_export_over_a_persons_file_asks_and_no_keeps_it(window, dialogs, tmp_path, monkeypatch):
    from cnnrnn_studio.ui.shell import dialogs as dlg

    window.docs.new_from_template("cnn1d_classifier", ask=False)
    target = _notes(tmp_path / "notes.onnx")

    def fill(dialog):  # the person types a path into "Save to" and presses Export
        dialog.path_label.setText(str(target))
        return True

    monkeypatch.setattr(dlg, "run_dialog", fill)
    dialogs.replace_answer = False
    assert not window.model_io.export_onnx_dialog()
    assert dialogs.replace_asked == [(str(target), False)] and target.read_text() == NOTES
    dialogs.replace_answer = True
    assert window.model_io.export_onnx_dialog()
    assert window.model_io.wait()
    assert not dialogs.errors, dialogs.errors
    # now it is the studio's own ONNX file, and is asked about as such
    dialogs.replace_answer = False
    assert not window.model_io.export_onnx_dialog()
    assert dialogs.replace_asked[-1] == (str(target), True)


def test_python_export_asks_for_a_persons_file_and_never_writes_over_the_project(window, dialogs, tmp_path,
                                                                                  monkeypatch):
    from cnnrnn_studio.ui.shell import dialogs as dlg

    window.docs.new_from_template("crnn", ask=False)
    dialogs.save_path = str(tmp_path / "net.cnnrnn.json")
    window.act_save_as.trigger()
    project_text = (tmp_path / "net.cnnrnn.json").read_text()
    chosen = {}
    monkeypatch.setattr(dlg, "ask_save_file", lambda parent, title, suggested, flt: chosen["path"])

    chosen["path"] = str(tmp_path / "net.cnnrnn.json")  # its own project file: refused, not asked
    dialogs.replace_answer = True
    assert not window.model_io.export_python_dialog()
    assert dialogs.replace_asked == [] and "never replaced" in dialogs.errors[-1][1]
    assert (tmp_path / "net.cnnrnn.json").read_text() == project_text

    mine = _notes(tmp_path / "mine.py")
    chosen["path"], dialogs.replace_answer = str(mine), False
    assert not window.model_io.export_python_dialog()
    assert dialogs.replace_asked == [(str(mine), False)] and mine.read_text() == NOTES


def test_torchrun_folder_with_a_persons_readme_asks_first(window, dialogs, tmp_path, monkeypatch):
    from cnnrnn_studio.ui.shell import dialogs as dlg

    window.docs.new_from_template("digits_cnn", ask=False)
    folder = tmp_path / "jobs"
    target = folder / f"{window.editor.project.name.replace(' ', '_')}-ddp"
    monkeypatch.setattr(dlg, "ask_folder", lambda parent, title, start="": str(folder))
    target.mkdir(parents=True)
    readme = _notes(target / "README.md")
    dialogs.replace_answer = False
    assert not window.model_io.export_torchrun_dialog()
    assert len(dialogs.replace_asked) == 1 and "README.md" in dialogs.replace_asked[0][0]
    assert readme.read_text() == NOTES and not (target / "train.py").exists()


def test_gui_screenshot_refuses_a_persons_file_without_force(tmp_path, capsys):
    mine = _notes(tmp_path / "shot.png")
    assert main(["gui", "--screenshot", str(mine)]) == 1
    assert "--force" in capsys.readouterr().err and mine.read_text() == NOTES
    assert main(["gui", "--screenshot", str(tmp_path)]) == 1
    assert "folder" in capsys.readouterr().err


def test_gui_screenshot_replaces_its_own_picture(tmp_path, qapp):
    from cnnrnn_studio.ui.shell.app import is_studio_screenshot

    shot = tmp_path / "shot.png"
    assert main(["gui", "--screenshot", str(shot)]) == 0
    assert is_studio_screenshot(shot)
    first = shot.stat().st_mtime_ns
    assert main(["gui", "--screenshot", str(shot)]) == 0  # its own: replaced without --force
    assert shot.stat().st_mtime_ns >= first and is_studio_screenshot(shot)
    mine = _notes(tmp_path / "mine.png")
    assert main(["gui", "--screenshot", str(mine), "--force"]) == 0 and is_studio_screenshot(mine)


def test_save_as_never_goes_over_the_weights_in_use(window, dialogs, tmp_path):
    from cnnrnn_studio.compile.weights import save_weights

    window.docs.new_from_template("cnn1d_classifier", ask=False)
    weights = tmp_path / "trained.safetensors"
    save_weights(window.editor.project.build_model(), weights)
    assert window.model_io.load_weights(weights) and window.model_io.wait()
    before = weights.read_bytes()
    dialogs.save_path, dialogs.replace_answer = str(weights), True
    window.act_save_as.trigger()
    assert weights.read_bytes() == before and dialogs.replace_asked == []
    assert "never replaced" in dialogs.errors[-1][1]
