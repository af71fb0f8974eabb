"""'Train this block' in the inspector (one undo step), the frozen card on the canvas, the counts in
the Summary panel, copy/paste of frozen blocks, and Edit → Replace the head for my data."""

from __future__ import annotations

from cnnrnn_studio.selfcheck import simulate as sim


def _chain(window):
    a = sim.drop_block(window, "Input", (0.0, 0.0))
    d1 = sim.drop_block(window, "Dense", (220.0, 0.0))
    d2 = sim.drop_block(window, "Dense", (440.0, 0.0))
    o = sim.drop_block(window, "Output", (660.0, 0.0))
    for s, t in ((a, d1), (d1, d2), (d2, o)):
        assert sim.drag_link(window, s, t)
    window.editor.set_params(a, {"kind": "vector", "shape": [6]})
    return a, d1, d2, o


def test_the_switch_freezes_the_block_in_one_undo_step_and_the_card_shows_it(window):
    _, d1, _, _ = _chain(window)
    sim.click_block(window, d1)
    form = window.inspector.block_form
    switch = form.train_switch
    assert switch is not None and switch.text() == "Train this block" and switch.isChecked()
    n = window.editor.stack.index()
    switch.click()
    g = window.editor.graph
    assert g.block(d1).frozen and window.editor.stack.index() == n + 1
    assert window.editor.stack.undoText() == f"Freeze {d1}"
    assert window.scene.blocks[d1].frozen and "Frozen" in window.scene.blocks[d1].toolTip()
    assert "(frozen)" in form.result.text()
    window.act_undo.trigger()
    assert not g.block(d1).frozen and switch.isChecked() and not window.scene.blocks[d1].frozen
    window.act_redo.trigger()
    assert g.block(d1).frozen and not switch.isChecked()


def test_blocks_without_weights_have_no_switch(window):
    a = sim.drop_block(window, "ReLU", (0.0, 0.0))
    sim.click_block(window, a)
    assert window.inspector.block_form.train_switch is None


def test_the_summary_panel_counts_trainable_and_frozen(window):
    _, d1, _, _ = _chain(window)
    window.editor.set_frozen(d1, True)
    a = window.editor.analysis
    window.summary.refresh()
    text = window.summary.totals.text()
    assert f"{a.trainable_params:,} trainable, {a.frozen_params:,} frozen" in text and a.frozen_params > 0
    types = [window.summary.model.rows[r][1] for r in range(len(window.summary.model.rows))]
    assert "Dense (frozen)" in types
    assert f"{a.trainable_params:,} trainable, rest frozen" in window.validity.text()


def test_frozen_survives_copy_and_paste(window):
    _, d1, _, _ = _chain(window)
    window.editor.set_frozen(d1, True)
    sim.click_block(window, d1)
    assert window.copy()
    new = window.paste()
    assert len(new) == 1 and new[0] != d1 and window.editor.graph.block(new[0]).frozen


def test_replace_the_head_is_one_undo_step_from_the_edit_menu(window):
    _, d1, d2, o = _chain(window)
    assert window.fine_tune.act_replace_head in window.edit_menu.actions()
    before = window.editor.project.to_dict()
    n = window.editor.stack.index()
    assert window.fine_tune.replace_head(4, "classification")
    g = window.editor.graph
    assert d2 not in g and g.inputs_of("head") == [d1] and g.inputs_of(o) == ["head"]
    assert g.block(d1).frozen and not g.block("head").frozen
    assert window.editor.stack.index() == n + 1 and "head" in window.scene.blocks
    a = window.editor.analysis
    assert a.ok and a.trainable_params == a.param_counts["head"] == 64 * 4 + 4
    window.act_undo.trigger()
    after = window.editor.project.to_dict()
    assert sorted(after["blocks"], key=lambda b: b["id"]) == sorted(before["blocks"], key=lambda b: b["id"])
    assert sorted(map(str, after["links"])) == sorted(map(str, before["links"]))


def test_replace_the_head_without_data_says_what_to_do(window, dialogs):
    _chain(window)
    assert not window.fine_tune.replace_head()
    assert dialogs.errors and "Choose the data first" in dialogs.errors[-1][1]


def test_replace_the_head_sizes_it_to_the_projects_data(window, dialogs, qtbot):
    _chain(window)
    window.editor.set_project_fields(dataset={"kind": "builtin", "name": "digits"})
    window.editor.set_params(window.editor.graph.of_type("Input")[0], {"kind": "image", "shape": [1, 8, 8]})
    assert window.fine_tune.replace_head()
    qtbot.waitUntil(lambda: "head" in window.editor.graph, timeout=60000)
    assert window.editor.graph.block("head").params["out_features"] == 10
    assert not dialogs.errors
