"""The inspector: forms from Param declarations, validation as the person types, rename, the
Input's kind and shape, and the project's own settings, all undoable."""

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from cnnrnn_studio.selfcheck import simulate as sim
from cnnrnn_studio.ui.editor.fields import BoolField, ChoiceField, FloatField, IntField, TextField


def two_blocks(window):
    a = sim.drop_block(window, "Input", (0.0, 0.0))
    c = sim.drop_block(window, "Conv2d", (220.0, 0.0))
    assert sim.drag_link(window, a, c)
    sim.click_block(window, c)
    return a, c, window.inspector.block_form


def test_the_form_matches_the_declaration(window):
    _, c, form = two_blocks(window)
    kinds = {n: type(f) for n, f in form.fields.items()}
    assert kinds == {"out_channels": IntField, "kernel_size": TextField, "stride": TextField, "padding": TextField,
                     "dilation": TextField, "groups": IntField, "bias": BoolField}
    spin = form.fields["out_channels"].editor_widget
    assert (spin.minimum(), spin.maximum()) == (1, 65536)
    assert "Output shape" in form.result.text() and "[16, 26, 26]" in form.result.text()


def test_editing_a_parameter_updates_the_shape_and_undo_restores_it(window):
    _, c, form = two_blocks(window)
    sim.set_field(form.fields["out_channels"], 32)
    assert window.editor.graph.block(c).params["out_channels"] == 32
    assert window.scene.blocks[c].shape_text == "[32, 26, 26]"
    assert "[32, 26, 26]" in form.result.text()
    window.act_undo.trigger()
    assert window.scene.blocks[c].shape_text == "[16, 26, 26]"
    assert form.fields["out_channels"].editor_widget.value() == 16  # the field follows undo


def test_invalid_text_is_refused_in_the_field_and_never_applied(window):
    _, c, form = two_blocks(window)
    field = form.fields["kernel_size"]
    n = window.editor.stack.index()
    for bad in ("banana", "0", "3 x x", "-2", "[]"):
        sim.type_into(field.editor_widget, bad)
        assert field.error.text(), bad
        assert window.editor.stack.index() == n
        assert window.editor.graph.block(c).params.get("kernel_size", 3) == 3
    sim.type_into(field.editor_widget, "3x5")
    assert not field.error.text() and window.editor.graph.block(c).params["kernel_size"] == [3, 5]
    assert field.editor_widget.text() == "3 x 5"
    assert window.scene.blocks[c].shape_text == "[16, 26, 24]"


def test_messages_while_typing(window):
    _, c, form = two_blocks(window)
    le = form.fields["padding"].editor_widget
    le.setFocus()
    le.selectAll()
    QTest.keyClicks(le, "wid")
    assert "not a whole number" in form.fields["padding"].error.text()
    QTest.keyClick(le, Qt.Key_Backspace)
    QTest.keyClick(le, Qt.Key_Backspace)
    QTest.keyClick(le, Qt.Key_Backspace)
    QTest.keyClicks(le, "same")
    assert not form.fields["padding"].error.text()


def test_a_shape_error_is_shown_under_its_field(window):
    _, c, form = two_blocks(window)
    sim.type_into(form.fields["kernel_size"].editor_widget, "40")
    msg = form.fields["kernel_size"].error.text()
    assert "larger than its input" in msg and window.scene.blocks[c].severity == "error"
    sim.type_into(form.fields["kernel_size"].editor_widget, "3")
    assert not form.fields["kernel_size"].error.text()


def test_rename_in_the_inspector(window):
    _, c, form = two_blocks(window)
    sim.type_into(form.name, "features")
    assert "features" in window.editor.graph and c not in window.editor.graph
    assert window.scene.blocks["features"].block_id == "features"
    sim.type_into(form.name, "input1")
    assert "already a block" in form.name_error.text() and "features" in window.editor.graph
    window.act_undo.trigger()
    assert c in window.editor.graph and form.block_id == c


def test_input_kind_change_offers_a_matching_shape(window):
    a, c, form = two_blocks(window)
    sim.click_block(window, a)
    form = window.inspector.block_form
    assert isinstance(form.fields["kind"], ChoiceField)
    sim.set_field(form.fields["kind"], "sequence")
    p = window.editor.graph.block(a).params
    assert p["kind"] == "sequence" and len(p["shape"]) == 2
    assert "time" in form.axes.text()
    sim.set_field(form.fields["shape"], [None, 6])
    assert window.editor.analysis.specs[a].show() == "[T, 6]"


def test_booleans_and_floats(window):
    a = sim.drop_block(window, "Input", (0.0, 0.0))
    window.editor.set_params(a, {"kind": "sequence", "shape": [10, 3]})
    r = sim.drop_block(window, "LSTM", (220.0, 0.0))
    assert sim.drag_link(window, a, r)
    form = window.inspector.block_form
    sim.set_field(form.fields["return_sequences"], True)
    assert window.scene.blocks[r].shape_text == "[10, 64]"
    d = sim.drop_block(window, "Dropout", (440.0, 0.0))
    form = window.inspector.block_form
    assert isinstance(form.fields["p"], FloatField)
    sim.set_field(form.fields["p"], 0.25)
    assert window.editor.graph.block(d).params["p"] == 0.25


def test_project_settings_when_nothing_is_selected(window):
    window.docs.new_from_template("digits_cnn", ask=False)
    window.scene.select_blocks([])
    pf = window.inspector.project_form
    assert window.inspector.stack.currentWidget() is pf
    assert pf.name.text() == "Digits CNN" and "valid" in pf.summary.text()
    sim.type_into(pf.name, "My digits")
    assert window.editor.project.name == "My digits" and "My digits" in window.windowTitle()
    sim.set_field(pf.training["epochs"], 5)
    assert window.editor.project.training["epochs"] == 5
    assert window.editor.project.training["batch_size"] == 64  # other settings kept
    i = pf.dataset.findData("basic_motions")
    pf.dataset.setCurrentIndex(i)
    pf.dataset.activated.emit(i)
    assert window.editor.project.dataset == {"kind": "builtin", "name": "basic_motions"}
    j = pf.dataset.findData("__file__")
    pf.dataset.setCurrentIndex(j)
    pf.dataset.activated.emit(j)
    sim.type_into(pf.file_path, "data/my.csv")
    assert window.editor.project.dataset == {"kind": "file", "format": "csv", "train": "data/my.csv"}
    for _ in range(4):
        window.act_undo.trigger()
    assert window.editor.project.dataset == {"kind": "builtin", "name": "digits"}
    assert window.editor.project.name == "My digits"
    window.act_undo.trigger()
    assert window.editor.project.name == "Digits CNN" and pf.name.text() == "Digits CNN"
