"""Undo entries name a field as the inspector labels it."""

from cnnrnn_studio.selfcheck import simulate as sim


def test_undo_names_use_the_field_labels(window):
    bid = sim.drop_block(window, "Dense", (0.0, 0.0))
    assert window.editor.set_param(bid, "out_features", 7)
    assert window.editor.stack.undoText() == f"Change {bid} outputs"
    window.docs.new_empty(ask=False)
    sim.set_field(window.inspector.project_form.training["epochs"], 4)
    assert window.editor.stack.undoText() == "Change epochs"
