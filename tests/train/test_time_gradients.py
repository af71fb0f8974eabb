"""The per-time-step input gradients behind the Gradient flow view's 'through time' chart."""

from __future__ import annotations

import numpy as np
import torch

from cnnrnn_studio.graph import Graph
from cnnrnn_studio.project import Project, load_template
from cnnrnn_studio.train.events import EpochDone
from cnnrnn_studio.train.time_gradients import time_gradients


def _rnn(cell: str, length: int = 60) -> Project:
    g = Graph()
    g.add_block("Input", {"kind": "sequence", "shape": [length, 3]}, "input")
    g.add_block(cell, {"hidden_size": 16}, "rnn")
    g.add_block("Dense", {"out_features": 2}, "dense")
    g.add_block("Output", {"task": "classification"}, "output")
    for a, b in (("input", "rnn"), ("rnn", "dense"), ("dense", "output")):
        g.add_link(a, b)
    return Project(g, name=cell)


def test_one_value_per_time_step_and_the_weights_untouched():
    torch.manual_seed(0)
    model = _rnn("GRU").build_model().train()
    x, y = torch.randn(8, 60, 3), torch.randint(0, 2, (8,))
    values = time_gradients(model, x, y, torch.nn.CrossEntropyLoss())
    assert len(values) == 60 and all(v >= 0 for v in values)
    assert all(p.grad is None for p in model.parameters())   # the training's own gradients are left alone
    assert model.training                                     # and its mode
    # the value at step t is the size of d loss / d x_t, checked against autograd on one step
    xr = x.clone().requires_grad_(True)
    model.eval()
    torch.nn.CrossEntropyLoss()(model(xr), y).backward()
    assert np.isclose(values[10], xr.grad[:, 10].norm().item(), rtol=1e-4)


def test_a_plain_rnn_gives_the_first_steps_far_less_than_the_last():
    torch.manual_seed(0)
    x, y = torch.randn(16, 60, 3), torch.randint(0, 2, (16,))
    v = np.array(time_gradients(_rnn("RNN").build_model(), x, y, torch.nn.CrossEntropyLoss()))
    assert v[-6:].mean() > 1000 * v[:6].mean()             # the textbook vanishing gradient


def test_the_engine_sends_them_only_to_a_listener_that_asks(tmp_path):
    import cnnrnn_studio as cs

    asked, plain = [], []

    def wants(e):
        if isinstance(e, EpochDone):
            asked.append(e.time_grads)

    wants.wants_time_grads = True

    def other(e):
        if isinstance(e, EpochDone):
            plain.append(e.time_grads)

    project = load_template("gru_forecaster")
    length = project.check().input_spec.dims[0]
    cs.train(project, epochs=2, device="cpu", out=tmp_path / "a", listener=[wants, other])
    assert len(asked) == 2 and all(len(v) == length for v in asked) and asked == plain
    cs.train(project, epochs=1, device="cpu", out=tmp_path / "b", listener=other)
    assert plain[-1] is None
    # an image network has no time axis: nothing to show
    digits = []
    cs.train(load_template("digits_cnn"), epochs=1, device="cpu", out=tmp_path / "c",
             listener=[wants, lambda e: digits.append(e.time_grads) if isinstance(e, EpochDone) else None])
    assert digits == [None]
