"""The data/network fit check for targets at every time step: per-step data against a per-sample
Output and the other way round, class counts and time lengths, each naming the block to change."""

from __future__ import annotations

import numpy as np
import pytest

from cnnrnn_studio.data import load_dataset
from cnnrnn_studio.project import Project
from cnnrnn_studio.project.fit import check_fit, fit_problems


def _project(blocks) -> Project:
    return Project.from_dict({
        "format": "cnnrnn-studio-project", "version": 1, "name": "fit",
        "blocks": [{"id": i, "type": t, "params": p} for i, t, p in blocks],
        "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])],
    })


def _net(every_step: bool = True, k: int = 3, steps=None, extra=()):
    return _project([
        ("input", "Input", {"kind": "sequence", "shape": [steps, 2]}),
        ("gru1", "GRU", {"hidden_size": 4, "return_sequences": every_step}),
        *extra,
        ("dense", "Dense", {"out_features": k}),
        ("output", "Output", {"task": "classification"}),
    ])


@pytest.fixture
def per_step(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "s.npz", X=rng.normal(size=(30, 8, 2)).astype(np.float32),
             y=rng.integers(0, 3, size=(30, 8)))
    return load_dataset({"kind": "file", "format": "npz", "train": str(tmp_path / "s.npz")})


@pytest.fixture
def per_sample(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "p.npz", X=rng.normal(size=(30, 8, 2)).astype(np.float32), y=np.arange(30) % 3)
    return load_dataset({"kind": "file", "format": "npz", "train": str(tmp_path / "p.npz")})


def test_a_fitting_per_step_network_has_no_problems(per_step):
    assert fit_problems(_net(), per_step) == []
    assert fit_problems(_net(steps=8), per_step) == []


def test_per_step_data_and_a_per_sample_output_name_the_recurrent_block(per_step):
    (problem,) = fit_problems(_net(every_step=False), per_step)
    assert "target at every time step" in problem and "'output'" in problem
    assert "turn on 'Output every step'" in problem and "'gru1'" in problem


def test_per_sample_data_and_a_per_step_output_say_how_to_fix_it(per_sample):
    (problem,) = fit_problems(_net(), per_sample)
    assert "one target per sample" in problem and "turn off 'Output every step'" in problem and "'gru1'" in problem
    with pytest.raises(Exception, match="does not fit"):
        check_fit(_net(), per_sample)


def test_class_count_at_every_step_names_the_dense(per_step):
    (problem,) = fit_problems(_net(k=5), per_step)
    assert "3 classes at every step" in problem and "Dense 'dense'" in problem and "Outputs to 3" in problem


def test_a_time_length_that_changes_before_the_output_is_reported(per_step):
    pool = (("pool", "MaxPool1d", {"kernel_size": 2}),)
    (problem,) = fit_problems(_net(steps=8, extra=pool), per_step)
    assert "8 time steps" in problem and "gets 4 steps" in problem and "'output'" in problem


def test_image_steps_are_compared_with_the_sequence_the_network_reads(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "i.npz", X=rng.random((20, 1, 8, 12)).astype(np.float32), y=rng.integers(0, 3, (20, 8)))
    ds = load_dataset({"kind": "file", "format": "npz", "train": str(tmp_path / "i.npz")})
    net = _project([
        ("input", "Input", {"kind": "image", "shape": [1, 8, 12]}),
        ("pool", "MaxPool2d", {"kernel_size": 2}),
        ("seq", "ToSequence", {}),
        ("lstm", "LSTM", {"hidden_size": 4, "return_sequences": True}),
        ("dense", "Dense", {"out_features": 3}),
        ("output", "Output", {"task": "classification"}),
    ])
    (problem,) = fit_problems(net, ds)
    assert "each of 8 time steps" in problem and "gets 6 steps" in problem
