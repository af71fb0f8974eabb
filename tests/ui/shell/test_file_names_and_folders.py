"""Names and folders: the ONNX "Save to" box takes what is typed, a project saved as mynet.json
is called mynet, Save and Export start in the folder last used, and a template is unsaved work."""

from pathlib import Path

from cnnrnn_studio.selfcheck import simulate as sim
from cnnrnn_studio.ui.shell.model_io import OnnxExportDialog


def test_typing_in_the_onnx_save_to_box_is_what_gets_exported(window, tmp_path):
    dlg = OnnxExportDialog(window, tmp_path / "Untitled.onnx", None, classifier=True)
    assert not dlg.path_label.isReadOnly()
    dlg.path_label.setText("mynet")  # a bare name: in the suggested folder, with .onnx added
    assert dlg.path == tmp_path / "mynet.onnx"
    dlg.path_label.setText(str(tmp_path / "sub" / "other.onnx"))
    assert dlg.path == tmp_path / "sub" / "other.onnx"
    dlg.deleteLater()


def test_exports_start_in_the_projects_folder(window, dialogs, tmp_path):
    window.docs.new_from_template("digits_cnn", ask=False)
    assert window.model_io._suggested(".onnx").parent == Path.home()  # nothing used yet
    dialogs.save_path = str(tmp_path / "mynet.cnnrnn.json")
    window.act_save_as.trigger()
    assert window.model_io._suggested(".onnx").parent == tmp_path


def test_saving_an_untitled_project_names_it_after_the_file(window, dialogs, tmp_path):
    sim.drop_block(window, "Dense", (0.0, 0.0))
    assert window.editor.project.name == "Untitled"
    dialogs.save_path = str(tmp_path / "mynet.json")
    window.act_save.trigger()
    assert window.editor.project.name == "mynet"
    assert window.windowTitle().startswith("mynet — mynet.json")
    assert window.inspector.project_form.name.text() == "mynet"
    assert window.model_io._suggested(".onnx") == tmp_path / "mynet.onnx"
    # a name the person chose is kept
    window.editor.set_project_fields(name="Kept")
    dialogs.save_path = str(tmp_path / "other.cnnrnn.json")
    window.act_save_as.trigger()
    assert window.editor.project.name == "Kept"


def test_save_as_starts_in_the_folder_last_used(window, dialogs, tmp_path, monkeypatch):
    from cnnrnn_studio.ui.shell import dialogs as dlg

    folder = tmp_path / "projects"
    folder.mkdir()
    window.docs.new_from_template("gru_forecaster", ask=False)
    dialogs.save_path = str(folder / "a.cnnrnn.json")
    window.act_save_as.trigger()
    window.docs.new_from_template("digits_cnn", ask=False)  # no file of its own yet
    asked = []
    monkeypatch.setattr(dlg, "ask_save_project", lambda parent, suggested: asked.append(suggested) or None)
    window.act_save_as.trigger()
    assert Path(asked[-1]).parent == folder


def test_a_template_is_unsaved_work(window, dialogs):
    window.docs.new_from_template("digits_cnn", ask=False)
    assert window.isWindowModified() and "[*]" in window.windowTitle()
    dialogs.unsaved_answer = "cancel"
    assert not window.close()  # quitting asks to save it
    assert dialogs.unsaved_asked == 1
    dialogs.unsaved_answer = "discard"
