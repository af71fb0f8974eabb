"""The Messages header counts each kind of row; stale notes and status-bar texts go away when
they stop being true; long messages wrap or are shortened instead of being cut."""

from types import SimpleNamespace

from PySide6.QtCore import Qt

from cnnrnn_studio.selfcheck import simulate as sim
from cnnrnn_studio.ui.editor.messages import problem_count


def test_the_header_counts_errors_and_warnings_each():
    a = SimpleNamespace(errors=[1], warnings=[2])
    assert problem_count(a) == "1 error, 1 warning"
    assert problem_count(SimpleNamespace(errors=[1, 2], warnings=[])) == "2 errors"
    assert problem_count(SimpleNamespace(errors=[1], warnings=[2, 3])) == "1 error, 2 warnings"


def test_the_messages_header_matches_its_rows(window):
    sim.drop_block(window, "Dense", (0.0, 0.0))  # a Dense with no input: at least one error
    a = window.editor.analysis
    assert not a.ok
    text = window.messages.status.text()
    assert problem_count(a) in text
    assert window.messages.tree.topLevelItemCount() == len(a.errors) + len(a.warnings)
    assert window.messages.tree.textElideMode() == Qt.ElideNone


def test_a_refusal_note_goes_when_the_network_changes(window):
    window.editor.edit_refused.emit("'lstm1' already has its one input.")
    assert not window.messages.note.isHidden()
    sim.drop_block(window, "Dense", (0.0, 0.0))
    assert window.messages.note.isHidden()
    window.editor.edit_refused.emit("'lstm1' already has its one input.")
    window.docs.new_empty(ask=False)
    assert window.messages.note.isHidden()


def test_link_hints_and_the_validity_leave_with_their_moment(window):
    window.scene.hint_changed.emit("Release to link a → b.")
    assert "Release" in window.statusBar().currentMessage()
    window.scene.hint_changed.emit("")  # the drag ended
    assert window.statusBar().currentMessage() == ""
    window.docs.new_from_template("digits_cnn", ask=False)
    assert "valid" in window.validity.text()
    window.act_template.trigger()  # the gallery: the canvas's validity is not shown over it
    assert window.validity.isHidden()
    window.start_page.back_requested.emit()
    assert not window.validity.isHidden()


def test_a_long_status_message_is_shortened_to_fit(window):
    window.resize(900, 600)
    long = "Exported " + "a-very-long-name-" * 20 + ".onnx, checked with onnxruntime: largest difference 1e-7"
    window.show_status(long, 10000)
    shown = window.statusBar().currentMessage()
    assert shown.endswith("…") and len(shown) < len(long)
    assert window.statusBar().toolTip() == long


def test_long_messages_wrap_onto_more_lines_in_a_narrow_panel(window):
    ids = [sim.drop_block(window, t, (x * 220.0, 0.0)) for x, t in enumerate(("Input", "Conv2d", "Dense", "Output"))]
    for a, b in zip(ids, ids[1:]):
        assert sim.drag_link(window, a, b)
    tree = window.messages.tree
    tree.header().resizeSection(1, 200)
    window.messages._fit_rows()
    row = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).text(0) == ids[2])
    assert len(row.text(1)) > 60
    assert row.sizeHint(1).height() >= 2 * tree.fontMetrics().height()  # two lines or more, no "..."
