"""`cnnrnn-studio train PROJECT --weights FILE_OR_RUN_DIR`: training starts from given weights,
checked against the network first; frozen blocks stay exactly as they started."""

from __future__ import annotations

import json

import torch
from safetensors.torch import load_file, save_file

from cnnrnn_studio import cli

from .helpers import make_project

NET = [
    ("input", "Input", {"kind": "image", "shape": [1, 8, 8]}),
    ("flatten", "Flatten", {}),
    ("dense1", "Dense", {"out_features": 16}),
    ("bn1", "BatchNorm", {}),
    ("relu1", "ReLU", {}),
    ("dense2", "Dense", {"out_features": 10}),
    ("output", "Output", {"task": "classification"}),
]
TRAINING = {"epochs": 1, "batch_size": 64, "learning_rate": 0.01, "device": "cpu"}


def _save(tmp_path, blocks=NET, frozen=(), name="net.json"):
    p = make_project(blocks, name="Net", dataset={"kind": "builtin", "name": "digits"}, training=dict(TRAINING))
    for bid in frozen:
        p.graph.set_frozen(bid, True)
    return p, p.save(tmp_path / name)


def _first_run(tmp_path, capsys):
    _, path = _save(tmp_path, name="first.json")
    assert cli.main(["train", str(path), "--out", str(tmp_path / "first"), "--json"]) == 0
    capsys.readouterr()
    return tmp_path / "first"


def test_training_starts_from_a_run_folder_and_frozen_blocks_stay_bit_identical(tmp_path, capsys):
    first = _first_run(tmp_path, capsys)
    _, path = _save(tmp_path, frozen=("dense1", "bn1"))
    assert cli.main(["train", str(path), "--weights", str(first), "--out", str(tmp_path / "second"),
                     "--epochs", "2", "--json"]) == 0
    capsys.readouterr()
    start, end = load_file(str(first / "weights.safetensors")), load_file(str(tmp_path / "second" / "weights.safetensors"))
    for key in start:
        if key.startswith(("blocks.dense1.", "blocks.bn1.")):
            assert torch.equal(start[key], end[key]), key  # weights and BatchNorm statistics
    assert not torch.equal(start["blocks.dense2.weight"], end["blocks.dense2.weight"])
    summary = json.loads((tmp_path / "second" / "summary.json").read_text())
    assert summary["start_weights"]["file"] == str(first / "weights.safetensors")
    assert summary["frozen_blocks"] == ["bn1", "dense1"]
    assert summary["trainable_params"] == 16 * 10 + 10


def test_weights_that_do_not_fit_are_refused_naming_the_blocks(tmp_path, capsys):
    first = _first_run(tmp_path, capsys)
    wider = [b if b[0] != "dense1" else ("dense1", "Dense", {"out_features": 32}) for b in NET]
    _, path = _save(tmp_path, wider)
    assert cli.main(["train", str(path), "--weights", str(first), "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert "do not fit this network" in err and "dense1.weight: file has [16,64], model needs [32,64]" in err
    assert "bn1.weight" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()  # refused before a run folder was made


def test_missing_and_extra_weights_are_refused_without_frozen_blocks(tmp_path, capsys):
    first = _first_run(tmp_path, capsys)
    state = load_file(str(first / "weights.safetensors"))
    state.pop("blocks.dense2.weight")
    state["blocks.other.weight"] = torch.zeros(2)
    save_file(state, str(tmp_path / "partial.safetensors"))
    _, path = _save(tmp_path)
    assert cli.main(["train", str(path), "--weights", str(tmp_path / "partial.safetensors")]) == 1
    err = capsys.readouterr().err
    assert "dense2.weight: missing from the file" in err and "other.weight: in the file" in err


def test_with_frozen_blocks_a_new_head_starts_fresh_and_the_old_one_is_left_out(tmp_path, capsys):
    first = _first_run(tmp_path, capsys)
    state = load_file(str(first / "weights.safetensors"))
    renamed = [b if b[0] != "dense2" else ("head", "Dense", {"out_features": 10}) for b in NET]
    _, path = _save(tmp_path, renamed, frozen=("dense1", "bn1"))
    assert cli.main(["train", str(path), "--weights", str(first), "--out", str(tmp_path / "tuned")]) == 0
    out = capsys.readouterr().out
    assert "Note: head: not in weights.safetensors, so it starts from fresh weights" in out
    assert "Note: dense2: in weights.safetensors, but the network has no such block" in out
    end = load_file(str(tmp_path / "tuned" / "weights.safetensors"))
    assert torch.equal(end["blocks.dense1.weight"], state["blocks.dense1.weight"])

    del state["blocks.dense1.weight"], state["blocks.dense1.bias"]  # a frozen block's weights are required
    save_file(state, str(tmp_path / "no_dense1.safetensors"))
    assert cli.main(["train", str(path), "--weights", str(tmp_path / "no_dense1.safetensors")]) == 1
    assert "dense1.weight: missing from the file" in capsys.readouterr().err


def test_a_network_with_every_weight_frozen_has_nothing_to_train(tmp_path, capsys):
    _, path = _save(tmp_path, frozen=("dense1", "bn1", "dense2"))
    assert cli.main(["train", str(path), "--out", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert "Every block with weights is frozen" in err and "Train this block" in err


def test_a_pickle_or_missing_file_is_refused_plainly(tmp_path, capsys):
    _, path = _save(tmp_path)
    (tmp_path / "w.pt").write_bytes(b"not read")
    assert cli.main(["train", str(path), "--weights", str(tmp_path / "w.pt")]) == 1
    assert "pickle" in capsys.readouterr().err
    assert cli.main(["train", str(path), "--weights", str(tmp_path / "nope.safetensors")]) == 1
    assert "does not exist" in capsys.readouterr().err
