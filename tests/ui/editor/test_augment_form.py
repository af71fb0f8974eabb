"""The Data section's augmentation controls: each change is one undo step on the dataset section's
"augment" object, saved in the project file."""

from cnnrnn_studio.project import load_project
from cnnrnn_studio.selfcheck import simulate as sim
from cnnrnn_studio.ui.editor.fields import BoolField, FloatField


def test_augmentation_controls_write_the_dataset_section(window, tmp_path):
    window.docs.new_from_template("digits_cnn", ask=False)
    window.scene.select_blocks([])
    form = window.inspector.project_form.augment
    assert form.isEnabled()
    assert isinstance(form.field("images", "flip"), BoolField)
    assert isinstance(form.field("series", "window"), FloatField)
    project = window.editor.project
    sim.set_field(form.field("images", "shift"), 0.1)
    assert project.dataset == {"kind": "builtin", "name": "digits", "augment": {"images": {"shift": 0.1}}}
    sim.set_field(form.field("images", "flip"), True)
    sim.set_field(form.field("series", "jitter"), 0.05)
    assert project.dataset["augment"] == {"images": {"shift": 0.1, "flip": True}, "series": {"jitter": 0.05}}
    sim.set_field(form.field("images", "shift"), 0.0)  # back to off: the setting goes
    assert project.dataset["augment"] == {"images": {"flip": True}, "series": {"jitter": 0.05}}

    path = tmp_path / "augmented.cnnrnn.json"
    project.save(path)
    assert load_project(path).dataset == project.dataset  # the project file keeps it as it is
    augmented = project.dataset["augment"]

    pf = window.inspector.project_form
    i = pf.dataset.findData("basic_motions")  # another dataset keeps the settings (series ones apply now)
    pf.dataset.setCurrentIndex(i)
    pf.dataset.activated.emit(i)
    assert project.dataset == {"kind": "builtin", "name": "basic_motions", "augment": augmented}
    window.act_undo.trigger()

    window.act_undo.trigger()
    assert project.dataset["augment"]["images"] == {"shift": 0.1, "flip": True}
    assert form.field("images", "shift").value == 0.1  # the form follows undo
    for _ in range(3):
        window.act_undo.trigger()
    assert project.dataset == {"kind": "builtin", "name": "digits"}  # no empty "augment" left behind
    assert form.field("images", "flip").value is False


def test_the_controls_show_a_loaded_project_and_wait_for_a_dataset(window, tmp_path):
    window.docs.new_from_template("digits_cnn", ask=False)
    window.scene.select_blocks([])
    form = window.inspector.project_form.augment
    window.editor.set_project_fields("Augment", dataset={"kind": "builtin", "name": "digits",
                                                         "augment": {"images": {"rotate": 12.5}}})
    assert form.field("images", "rotate").value == 12.5
    assert form.field("images", "crop").value == 0.0
    window.editor.set_project_fields("No data", dataset=None)
    assert not form.isEnabled()
