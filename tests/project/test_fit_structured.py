"""The data-fit check as graph Problems: each finding on the block to change (the Input, the last
Dense, the Output, the recurrent block, the Embedding), with a one-click fix that really fixes it,
and the sentences `check` and `train` print are the same findings."""

from __future__ import annotations

import numpy as np
import pytest

from cnnrnn_studio.data import load_dataset
from cnnrnn_studio.project import Project
from cnnrnn_studio.project.fit import check_fit, data_problems, fit_problems
from cnnrnn_studio.project.templates import load_template


def _builtin(name: str, **options):
    return load_dataset({"kind": "builtin", "name": name, **options}, None, seed=0, validation_split=0.2)


def _apply(project: Project, fix: dict) -> None:
    """What the editor's "set_params" fix does: the fix's settings over the block's own."""
    assert fix["action"] == "set_params"
    g = project.graph
    g.set_params(fix["block"], {**g.block(fix["block"]).params, **fix["params"]})


def _by_block(problems) -> dict:
    out: dict = {}
    for p in problems:
        out.setdefault(p.block_id, []).append(p)
    return out


def test_sensor_data_on_a_picture_network_names_the_input_and_the_last_dense():
    project = load_template("digits_cnn")
    problems = data_problems(project, _builtin("basic_motions"))
    by_block = _by_block(problems)
    (inp,) = by_block["input"]
    assert inp.code == "data" and inp.severity == "error" and inp.field == "kind"
    assert inp.fix == {"action": "set_params", "block": "input", "params": {"kind": "sequence", "shape": [100, 6]},
                       "label": "Set the Input to sequence [100, 6]"}
    dense = project.graph.inputs_of("output")[0]
    (size,) = by_block[dense]
    assert size.field == "out_features" and "4 classes" in size.message
    assert size.fix["label"] == "Set the last Dense to 4 outputs" and size.fix["params"] == {"out_features": 4}
    assert set(by_block) == {"input", dense}


def test_the_sentences_are_the_same_findings():
    project = load_template("digits_cnn")
    ds = _builtin("basic_motions")
    assert fit_problems(project, ds) == [p.message for p in data_problems(project, ds)]
    with pytest.raises(Exception, match="does not fit"):
        check_fit(project, ds)


def test_applying_the_fixes_makes_a_same_kind_network_fit():
    project = load_template("digits_cnn")          # pictures 1x8x8, 10 classes
    ds = _builtin("digits", size=[16, 16])
    (problem,) = data_problems(project, ds)
    assert problem.block_id == "input" and problem.fix["label"] == "Set the Input to image [1, 16, 16]"
    _apply(project, problem.fix)
    assert data_problems(project, ds) == [] and project.analyze().ok


def test_a_regression_target_names_the_output_task_with_its_fix():
    project = load_template("lstm_classifier")     # sequence [100, 6], 4 classes
    ds = _builtin("airline")                         # sequence [12, 1], one number to predict
    by_block = _by_block(data_problems(project, ds))
    (task,) = by_block["output"]
    assert task.field == "task" and task.fix["label"] == "Set the Output task to regression"
    for p in [p for ps in by_block.values() for p in ps]:
        _apply(project, p.fix)
    left = data_problems(project, ds)
    assert [p.field for p in left] == ["out_features"] and left[0].fix["params"] == {"out_features": 1}
    _apply(project, left[0].fix)
    assert data_problems(project, ds) == []


def _per_step_net(every_step: bool) -> Project:
    blocks = [("input", "Input", {"kind": "sequence", "shape": [None, 2]}),
              ("gru1", "GRU", {"hidden_size": 4, "return_sequences": every_step}),
              ("dense", "Dense", {"out_features": 3}),
              ("output", "Output", {"task": "classification"})]
    return Project.from_dict({
        "format": "cnnrnn-studio-project", "version": 1, "name": "fit",
        "blocks": [{"id": i, "type": t, "params": p} for i, t, p in blocks],
        "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])],
    })


@pytest.mark.parametrize("targets_per_step", [True, False])
def test_every_step_switch_is_offered_on_the_recurrent_block(tmp_path, targets_per_step):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=(30, 8)) if targets_per_step else np.arange(30) % 3
    np.savez(tmp_path / "s.npz", X=rng.normal(size=(30, 8, 2)).astype(np.float32), y=y)
    ds = load_dataset({"kind": "file", "format": "npz", "train": str(tmp_path / "s.npz")})
    project = _per_step_net(every_step=not targets_per_step)
    (problem,) = data_problems(project, ds)
    assert problem.block_id == "gru1" and problem.field == "return_sequences"
    assert problem.fix["params"] == {"return_sequences": targets_per_step}
    _apply(project, problem.fix)
    assert data_problems(project, ds) == []


def test_no_switch_is_offered_when_pooling_after_it_would_undo_it(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "s.npz", X=rng.normal(size=(30, 8, 2)).astype(np.float32), y=rng.integers(0, 3, (30, 8)))
    ds = load_dataset({"kind": "file", "format": "npz", "train": str(tmp_path / "s.npz")})
    d = _per_step_net(every_step=True).to_dict()  # already on: the pooling after it is what stops it
    d["blocks"].insert(2, {"id": "pool", "type": "GlobalAvgPool", "params": {}})
    d["links"] = [{"from": a, "to": b} for a, b in (("input", "gru1"), ("gru1", "pool"), ("pool", "dense"),
                                                     ("dense", "output"))]
    project = Project.from_dict(d)
    (problem,) = data_problems(project, ds)
    assert problem.block_id == "gru1" and problem.fix is None  # the words say to remove the pooling too
    assert "remove any pooling over time" in problem.message


def test_a_small_embedding_gets_room_for_the_whole_vocabulary():
    project = load_template("text_lstm")
    emb = project.graph.of_type("Embedding")[0]
    project.graph.set_param(emb, "num_embeddings", 5)
    ds = _builtin("sentiment_mini")
    (problem,) = [p for p in data_problems(project, ds) if p.block_id == emb]
    assert problem.field == "num_embeddings" and problem.fix["params"]["num_embeddings"] > 5
    _apply(project, problem.fix)
    assert data_problems(project, ds) == []


def test_a_fitting_template_has_no_data_problems():
    assert data_problems(load_template("cnn1d_classifier"), _builtin("basic_motions")) == []
