"""Weights files: safetensors only, every mismatch listed, the model untouched when they do not fit."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file

from cnnrnn_studio.interop.errors import WeightsError
from cnnrnn_studio.compile.weights import load_weights, read_weights, resolve_weights_path, save_weights
from cnnrnn_studio.graph import Graph
from cnnrnn_studio.project import load_template


def _state_equal(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return set(sa) == set(sb) and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_save_then_load_from_a_run_folder(tmp_path, nets):
    project = load_template("crnn")
    trained = nets.randomise(project.build_model(), seed=7)
    run = tmp_path / "run"
    run.mkdir()
    assert save_weights(trained, run / "weights.safetensors") == run / "weights.safetensors"
    fresh = project.build_model()
    assert not _state_equal(fresh, trained)
    assert load_weights(fresh, run) is fresh
    assert _state_equal(fresh, trained)
    assert [p.name for p in run.iterdir()] == ["weights.safetensors"]  # no temporary left behind


def test_mismatches_are_all_listed_and_the_model_is_untouched(tmp_path):
    small = Graph()
    small.add_block("Input", {"kind": "image", "shape": [1, 8, 8]}, "input")
    small.add_block("Conv2d", {"out_channels": 16, "kernel_size": 3, "padding": "same"}, "conv1")
    small.add_block("Flatten", {}, "flat")
    small.add_block("Dense", {"out_features": 10}, "extra")
    small.add_block("Output", {}, "output")
    for a, b in [("input", "conv1"), ("conv1", "flat"), ("flat", "extra"), ("extra", "output")]:
        small.add_link(a, b)
    from cnnrnn_studio.compile import build_model

    path = tmp_path / "small.safetensors"
    save_weights(build_model(small), path)
    target = load_template("digits_cnn").build_model()
    before = {k: v.clone() for k, v in target.state_dict().items()}
    with pytest.raises(WeightsError) as e:
        load_weights(target, path)
    text = str(e.value)
    assert "conv1.weight: file has [16,1,3,3], model needs [32,1,3,3]" in text
    assert "conv1.bias: file has [16], model needs [32]" in text
    assert "bn1.weight: missing from the file" in text
    assert "extra.weight: in the file, but the network has no such weight" in text
    assert len(e.value.mismatches) == text.count("\n  - ")
    assert str(path) in text
    assert all(torch.equal(before[k], v) for k, v in target.state_dict().items())


def test_files_that_are_not_weights(tmp_path):
    model = load_template("gru_forecaster").build_model()
    garbage = tmp_path / "w.safetensors"
    garbage.write_bytes(b"\x00\x01not safetensors at all" * 10)
    text = tmp_path / "notes.safetensors"
    text.write_text("hello")
    for bad in (garbage, text):
        with pytest.raises(WeightsError, match="not a readable weights file"):
            load_weights(model, bad)
    with pytest.raises(WeightsError, match="does not exist"):
        load_weights(model, tmp_path / "missing.safetensors")


def test_pickle_files_are_never_opened(tmp_path):
    evil = tmp_path / "model.pt"
    evil.write_bytes(b"\x80\x04 pretend pickle that would run code")
    with pytest.raises(WeightsError) as e:
        load_weights(load_template("gru_forecaster").build_model(), evil)
    assert "can run any code" in str(e.value) and "safetensors" in str(e.value)


def test_run_folders_without_one_clear_weights_file(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(WeightsError, match="no weights.safetensors"):
        resolve_weights_path(empty)
    two = tmp_path / "two"
    two.mkdir()
    model = load_template("gru_forecaster").build_model()
    save_weights(model, two / "a.safetensors")
    save_weights(model, two / "b.safetensors")
    with pytest.raises(WeightsError, match="several weights files"):
        resolve_weights_path(two)
    save_weights(model, empty / "best.safetensors")
    assert resolve_weights_path(empty) == empty / "best.safetensors"


def test_names_without_the_blocks_prefix_are_accepted(tmp_path, nets):
    project = load_template("lstm_classifier")
    trained = nets.randomise(project.build_model(), seed=8)
    path = tmp_path / "short.safetensors"
    save_file({k[len("blocks."):]: v.contiguous() for k, v in trained.state_dict().items()}, str(path))
    fresh = load_weights(project.build_model(), path)
    assert _state_equal(fresh, trained)


def test_broken_numbers_are_refused(tmp_path):
    model = load_template("gru_forecaster").build_model()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["blocks.dense.weight"][0, 0] = float("nan")
    path = tmp_path / "nan.safetensors"
    save_file(state, str(path))
    with pytest.raises(WeightsError, match="dense.weight holds NaN"):
        load_weights(load_template("gru_forecaster").build_model(), path)


def test_save_to_an_impossible_place(tmp_path):
    model = load_template("gru_forecaster").build_model()
    with pytest.raises(WeightsError, match="does not exist"):
        save_weights(model, tmp_path / "no" / "w.safetensors")
    assert list(tmp_path.iterdir()) == []
    path = tmp_path / "w.safetensors"
    save_weights(model, path, {"note": "kept"})
    assert set(read_weights(path)) == set(model.state_dict())
