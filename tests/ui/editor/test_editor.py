"""The editor turns actions into undo commands: one undo step per edit, compound edits as one."""

from cnnrnn_studio.project import Project, load_template


def build(editor, *types):
    ids = [editor.add_block(t, (i * 220.0, 0.0)) for i, t in enumerate(types)]
    for a, b in zip(ids, ids[1:]):
        assert editor.link(a, b)
    return ids


def state(g):
    return (sorted((b.id, b.type, repr(b.params), b.position) for b in g.blocks),
            sorted((l.src, l.dst, l.port) for l in g.links))


def test_each_edit_is_one_undo_step_and_round_trips(editor):
    editor.set_project(Project())
    snapshots = [state(editor.graph)]
    ids = [editor.add_block("Input", (0, 0))]
    snapshots.append(state(editor.graph))
    ids.append(editor.add_block("Dense", (220, 0)))
    snapshots.append(state(editor.graph))
    editor.link(ids[0], ids[1])
    snapshots.append(state(editor.graph))
    editor.set_param(ids[1], "out_features", 7)
    snapshots.append(state(editor.graph))
    editor.rename(ids[1], "hidden")
    snapshots.append(state(editor.graph))
    assert editor.stack.count() == 5
    for i in range(5, 0, -1):
        editor.stack.undo()
        assert state(editor.graph) == snapshots[i - 1]
    for i in range(1, 6):
        editor.stack.redo()
        assert state(editor.graph) == snapshots[i]


def test_deleting_a_block_removes_its_links_in_one_step(editor):
    editor.set_project(Project())
    ids = build(editor, "Input", "Dense", "ReLU", "Output")
    before = state(editor.graph)
    n = editor.stack.count()
    assert editor.delete([ids[1]])
    assert ids[1] not in editor.graph and not editor.graph.inputs_of(ids[2])
    assert editor.stack.count() == n + 1
    editor.stack.undo()
    assert state(editor.graph) == before


def test_moves_of_one_drag_merge_into_one_step(editor):
    editor.set_project(Project())
    bid = editor.add_block("Dense", (0, 0))
    n = editor.stack.count()
    serial = editor.begin_drag()
    for x in range(20, 200, 20):
        editor.move({bid: (x, 0)}, serial)
    assert editor.stack.count() == n + 1
    assert editor.graph.block(bid).position == (180.0, 0.0)
    editor.move({bid: (400, 0)}, editor.begin_drag())  # another drag: another step
    assert editor.stack.count() == n + 2
    editor.stack.undo()
    editor.stack.undo()
    assert editor.graph.block(bid).position == (0.0, 0.0)


def test_refused_edits_change_nothing_and_say_why(editor):
    editor.set_project(Project())
    a, b = editor.add_block("Dense", (0, 0)), editor.add_block("Dense", (220, 0))
    said = []
    editor.edit_refused.connect(said.append)
    n = editor.stack.count()
    assert not editor.rename(a, b)
    assert not editor.rename(a, "9 lives")
    assert not editor.link(a, a)
    assert editor.stack.count() == n and a in editor.graph
    assert len(said) == 3 and "already a block" in said[0] and "cannot be a block name" in said[1]


def test_analysis_is_recomputed_once_per_edit_not_per_move(editor):
    editor.set_project(Project())
    seen = []
    editor.analysis_changed.connect(seen.append)
    ids = build(editor, "Input", "Dense")
    editor.set_params(ids[0], {"kind": "vector", "shape": [5]})
    n = len(seen)
    editor.move({ids[1]: (300, 40)})
    assert len(seen) == n  # positions do not change shapes
    editor.set_param(ids[1], "out_features", 3)
    assert len(seen) == n + 1 and seen[-1].specs[ids[1]].dims == (3,)


def test_fix_inserts_the_missing_block_as_one_undoable_step(editor):
    editor.set_project(Project())
    ids = build(editor, "Input", "Conv2d", "Dense", "Output")
    problem = next(p for p in editor.analysis.problems if p.block_id == ids[2])
    assert problem.fix["type"] == "Flatten"
    before = state(editor.graph)
    assert editor.apply_fix(problem.fix)
    flat = editor.graph.of_type("Flatten")
    assert editor.graph.inputs_of(ids[2]) == flat and editor.graph.inputs_of(flat[0]) == [ids[1]]
    assert editor.analysis.ok
    x = {b: editor.graph.block(b).position[0] for b in editor.graph.block_ids()}
    assert x[ids[1]] < x[flat[0]] < x[ids[2]] < x[ids[3]]  # what follows moved right to make room
    editor.stack.undo()
    assert state(editor.graph) == before


def test_replace_fix_keeps_the_links(editor):
    editor.set_project(Project())
    ids = build(editor, "Input", "LSTM", "Flatten", "Dense", "Output")
    editor.set_params(ids[0], {"kind": "sequence", "shape": [None, 3]})
    editor.set_param(ids[1], "return_sequences", True)
    problem = next(p for p in editor.analysis.problems if p.block_id == ids[2])
    assert problem.fix["action"] == "replace"
    assert editor.apply_fix(problem.fix)
    gap = editor.graph.of_type("GlobalAvgPool")[0]
    assert ids[2] not in editor.graph
    assert editor.graph.inputs_of(gap) == [ids[1]] and editor.graph.inputs_of(ids[3]) == [gap]
    assert editor.analysis.ok


def test_add_after_wires_the_new_block_in(editor):
    editor.set_project(Project())
    ids = build(editor, "Input", "Dense", "Output")
    new = editor.add_after(ids[1], "ReLU")
    assert editor.graph.inputs_of(new) == [ids[1]] and editor.graph.inputs_of(ids[2]) == [new]
    after_output = editor.add_after(ids[2], "Dropout")  # after the Output: goes before it
    assert editor.graph.inputs_of(ids[2]) == [after_output]
    loose = editor.add_after(None, "Dense", (500, 500))
    assert not editor.graph.inputs_of(loose)
    editor.stack.undo()
    editor.stack.undo()
    editor.stack.undo()
    assert editor.graph.inputs_of(ids[2]) == [ids[1]]


def test_paste_gives_new_ids_and_keeps_inner_links(editor):
    from cnnrnn_studio.ui.editor.clipboard import selection_payload

    editor.set_project(Project())
    ids = build(editor, "Input", "Dense", "ReLU")
    payload = selection_payload(editor.graph, ids[1:])
    assert len(payload["links"]) == 1
    new = editor.paste(payload)
    assert len(new) == 2 and not set(new) & set(ids)
    assert editor.graph.inputs_of(new[1]) == [new[0]] and not editor.graph.inputs_of(new[0])
    assert editor.graph.block(new[0]).position == (260.0, 40.0)
    editor.stack.undo()
    assert sorted(editor.graph.block_ids()) == sorted(ids)


def test_project_fields_are_undoable(editor):
    editor.set_project(load_template("digits_cnn"))
    notes = []
    editor.project_fields_changed.connect(lambda: notes.append(editor.project.name))
    assert editor.set_project_fields(name="Mine", training={"epochs": 3})
    assert not editor.set_project_fields(name="Mine")  # no change, no step
    editor.stack.undo()
    assert editor.project.name == "Digits CNN" and editor.project.training["epochs"] == 30
    assert notes == ["Mine", "Digits CNN"]


def test_tidy_is_one_step(editor):
    editor.set_project(Project())
    ids = build(editor, "Input", "Dense", "Output")
    for i, b in enumerate(ids):
        editor.move({b: (0, i * 20.0)})  # a messy pile
    n = editor.stack.count()
    assert editor.tidy()
    assert editor.stack.count() == n + 1
    xs = [editor.graph.block(b).position[0] for b in ids]
    assert xs == sorted(xs) and len(set(xs)) == 3


def test_unplaced_blocks_get_positions_when_opened():
    from cnnrnn_studio.ui.editor.editor import lay_out_unplaced
    from cnnrnn_studio.ui.editor.layout import overlapping

    p = load_template("crnn")
    for b in p.graph.blocks:
        p.graph.move_block(b.id, None)
    assert lay_out_unplaced(p)
    pos = {b.id: b.position for b in p.graph.blocks}
    assert all(v is not None for v in pos.values()) and not overlapping(pos)
    assert not lay_out_unplaced(p)
