"""The block-level "frozen" field ("Train this block" off): the graph model, the project file,
the counts, and the model the studio builds (requires_grad off, BatchNorm left in eval mode)."""

from __future__ import annotations

import json

import pytest
import torch

from cnnrnn_studio.cli import main
from cnnrnn_studio.errors import ProjectError
from cnnrnn_studio.graph import Graph
from cnnrnn_studio.project import Project, load_project

BLOCKS = [
    ("input", "Input", {"kind": "image", "shape": [1, 8, 8]}),
    ("conv1", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
    ("bn1", "BatchNorm", {}),
    ("relu1", "ReLU", {}),
    ("flat", "Flatten", {}),
    ("dense1", "Dense", {"out_features": 3}),
    ("output", "Output", {"task": "classification"}),
]


def _project(frozen=("conv1", "bn1")) -> Project:
    d = {"format": "cnnrnn-studio-project", "version": 1, "name": "Frozen",
         "blocks": [{"id": i, "type": t, "params": p, **({"frozen": True} if i in frozen else {})}
                    for i, t, p in BLOCKS],
         "links": [{"from": a[0], "to": b[0]} for a, b in zip(BLOCKS, BLOCKS[1:])]}
    return Project.from_dict(d)


def test_frozen_is_a_block_field_written_beside_params_only_when_set(tmp_path):
    p = _project()
    path = p.save(tmp_path / "net.json")
    blocks = {b["id"]: b for b in json.loads(path.read_text())["blocks"]}
    assert blocks["conv1"]["frozen"] is True and "frozen" not in blocks["conv1"]["params"]
    assert "frozen" not in blocks["dense1"]  # absent = trainable
    again = load_project(path)
    assert again.graph.frozen_ids() == {"conv1", "bn1"}
    assert again.copy().graph.frozen_ids() == {"conv1", "bn1"}
    assert again.graph.copy().frozen_ids() == {"conv1", "bn1"}


def test_a_frozen_value_that_is_not_true_or_false_names_the_block(tmp_path):
    d = _project().to_dict()
    d["blocks"][1]["frozen"] = "yes"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d))
    with pytest.raises(ProjectError) as e:
        load_project(path)
    assert "conv1" in str(e.value) and "'frozen' must be true or false" in str(e.value) and "block 2" in str(e.value)


def test_set_frozen_returns_the_old_state_and_tells_listeners():
    g = Graph()
    g.add_block("Dense", {"out_features": 2}, "d")
    heard = []
    g.subscribe(lambda event, payload: heard.append((event, payload["block"].id, payload["old"])))
    rev = g.revision
    assert g.set_frozen("d", True) is False
    assert g.block("d").frozen and g.revision > rev
    assert heard == [("frozen_changed", "d", False)]
    assert g.set_frozen("d", False) is True and not g.block("d").frozen


def test_analysis_counts_trainable_and_frozen_parameters():
    a = _project().analyze()
    frozen = a.param_counts["conv1"] + a.param_counts["bn1"]
    assert frozen > 0 and a.frozen_params == frozen
    assert a.trainable_params == a.total_params - frozen == a.param_counts["dense1"]


def test_check_prints_and_reports_the_counts(tmp_path, capsys):
    path = _project().save(tmp_path / "net.json")
    assert main(["check", str(path), "--json", "--no-data"]) == 0
    d = json.loads(capsys.readouterr().out)
    a = _project().analyze()
    assert (d["trainable_params"], d["frozen_params"]) == (a.trainable_params, a.frozen_params)
    assert {b["id"]: b["frozen"] for b in d["blocks"]}["conv1"] is True
    assert main(["check", str(path), "--no-data"]) == 0
    out = capsys.readouterr().out
    assert f"Trainable parameters: {a.trainable_params:,}; frozen: {a.frozen_params:,}" in out
    assert "BatchNorm (frozen)" in out


def test_the_built_model_leaves_frozen_blocks_out_of_training():
    torch.manual_seed(0)
    model = _project().build_model()
    assert not any(p.requires_grad for p in model.blocks["conv1"].parameters())
    assert all(p.requires_grad for p in model.blocks["dense1"].parameters())
    assert {id(p) for p in model.trainable_parameters()} == {id(p) for p in model.blocks["dense1"].parameters()}
    model.train()
    assert model.training and model.blocks["dense1"].training
    assert not model.blocks["bn1"].training  # BatchNorm keeps its statistics
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model(torch.randn(4, 1, 8, 8))
    after = model.state_dict()
    assert torch.equal(before["blocks.bn1.running_mean"], after["blocks.bn1.running_mean"])
    assert torch.equal(before["blocks.bn1.num_batches_tracked"], after["blocks.bn1.num_batches_tracked"])
