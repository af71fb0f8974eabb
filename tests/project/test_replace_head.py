"""'Replace the head for my data': cut at the last Dense, a new Dense sized to the data, the
Output's task set, everything else with weights frozen; planned as Graph edits (one undo step)."""

from __future__ import annotations

import pytest

from cnnrnn_studio.graph import Graph
from cnnrnn_studio.project import Project
from cnnrnn_studio.project.head import HeadError, apply_edits, head_edits, head_size, replace_head


def _graph(blocks) -> Graph:
    d = {"format": "cnnrnn-studio-project", "version": 1, "name": "Net",
         "blocks": [{"id": i, "type": t, "params": p, "position": [100.0 * n, 0.0]}
                    for n, (i, t, p) in enumerate(blocks)],
         "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])]}
    return Project.from_dict(d).graph


IMPORTED = [
    ("input", "Input", {"kind": "image", "shape": [3, 8, 8]}),
    ("conv1", "Conv2d", {"out_channels": 4, "kernel_size": 3}),
    ("bn1", "BatchNorm", {}),
    ("relu1", "ReLU", {}),
    ("flat", "Flatten", {}),
    ("dense1", "Dense", {"out_features": 16}),
    ("dense2", "Dense", {"out_features": 1000}),
    ("soft", "Softmax", {}),
    ("output", "Output", {"task": "regression"}),
]


def test_the_head_is_cut_at_the_last_dense_and_the_rest_frozen():
    g = _graph(IMPORTED)
    head = replace_head(g, 5)
    assert head == "head"
    assert "dense2" not in g and "soft" not in g
    assert g.inputs_of("head") == ["dense1"] and g.inputs_of("output") == ["head"]
    assert g.block("head").params["out_features"] == 5 and not g.block("head").frozen
    assert g.block("head").position == (600.0, 0.0)  # where the old head was
    assert g.block("output").params["task"] == "classification"
    assert g.frozen_ids() == {"conv1", "bn1", "dense1"}  # blocks with weights; ReLU has none
    a = Project(g).analyze()
    assert a.ok and a.output_spec.dims == (5,)
    assert a.trainable_params == 16 * 5 + 5


def test_the_plan_changes_nothing_until_applied_and_is_one_call_per_edit():
    g = _graph(IMPORTED)
    before = g.to_dict()
    edits = head_edits(g, 3, "classification")
    assert g.to_dict() == before
    assert {e.op for e in edits} == {"remove_link", "remove_block", "add_block", "add_link", "set_params", "set_frozen"}
    apply_edits(g, edits)
    assert g.block("head").params == {"out_features": 3}


def test_a_network_without_dense_or_with_too_few_classes_is_refused_plainly():
    g = _graph([("input", "Input", {"kind": "vector", "shape": [4]}), ("relu", "ReLU", {}),
                ("output", "Output", {})])
    with pytest.raises(HeadError, match="no Dense block before the Output"):
        head_edits(g, 3)
    with pytest.raises(HeadError, match="at least 2 classes"):
        head_edits(_graph(IMPORTED), 1)
    with pytest.raises(HeadError, match="whole number"):
        head_edits(_graph(IMPORTED), 0)


def test_the_size_comes_from_the_data():
    class Data:
        task, per_step, n_outputs = "classification", False, 4

    assert head_size(Data()) == (4, "classification")
    Data.task = "ctc"
    with pytest.raises(HeadError, match="classification or regression"):
        head_size(Data())
