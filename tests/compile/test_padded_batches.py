"""Padded batches of series of different lengths give every sample exactly the outputs it gets
alone (forward_padded), whatever the batch it lands in: padding never changes a recurrent state, a
pooled value, a BatchNorm statistic or a per-step output."""

from __future__ import annotations

import pytest
import torch

from cnnrnn_studio.compile import build_model
from cnnrnn_studio.data.batching import pad_sequences

from ..graph.helpers import chain

F = 3


def _seq_input(kind="sequence", shape=None):
    return ("in", "Input", {"kind": kind, "shape": shape or [None, F]})


NETWORKS = {
    "fcn": [  # Conv1d + BatchNorm + ReLU blocks, GlobalAvgPool (Wang et al.'s FCN, small)
        _seq_input(), ("c1", "Conv1d", {"out_channels": 6, "kernel_size": 5, "padding": "same"}),
        ("bn1", "BatchNorm", {}), ("r1", "ReLU", {}),
        ("c2", "Conv1d", {"out_channels": 5, "kernel_size": 3, "padding": "same"}),
        ("bn2", "BatchNorm", {}), ("r2", "ReLU", {}),
        ("gap", "GlobalAvgPool", {}), ("d", "Dense", {"out_features": 4}), ("out", "Output", {}),
    ],
    "conv_valid_pools": [  # lengths that shrink: valid conv, strided max / min / avg pools, max over time
        _seq_input(), ("c1", "Conv1d", {"out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1}),
        ("p1", "MaxPool1d", {"kernel_size": 2, "padding": 1, "ceil_mode": True}),
        ("p2", "MinPool1d", {"kernel_size": 2, "stride": 1, "padding": 1}),
        ("p3", "AvgPool1d", {"kernel_size": 2, "stride": 1, "padding": 1}),
        ("c2", "Conv1d", {"out_channels": 4, "kernel_size": 2}), ("t", "Tanh", {}),
        ("gmp", "GlobalMaxPool", {}), ("d", "Dense", {"out_features": 3}), ("out", "Output", {}),
    ],
    "lstm_last_step": [
        _seq_input(), ("d0", "Dense", {"out_features": 5}),
        ("lstm", "LSTM", {"hidden_size": 7}), ("d", "Dense", {"out_features": 3}), ("out", "Output", {}),
    ],
    "gru_two_layers_bidirectional": [
        _seq_input(), ("gru", "GRU", {"hidden_size": 6, "num_layers": 2, "bidirectional": True}),
        ("d", "Dense", {"out_features": 3}), ("out", "Output", {}),
    ],
    "bilstm_tagger": [  # per step
        _seq_input(), ("ln", "LayerNorm", {}),
        ("lstm", "LSTM", {"hidden_size": 6, "bidirectional": True, "return_sequences": True}),
        ("d", "Dense", {"out_features": 4}), ("sm", "Softmax", {}), ("out", "Output", {}),
    ],
    "conv_then_gru_per_step": [
        _seq_input(), ("c", "Conv1d", {"out_channels": 5, "kernel_size": 3, "padding": "same"}),
        ("bn", "BatchNorm", {}), ("gru", "GRU", {"hidden_size": 5, "return_sequences": True}),
        ("rnn", "RNN", {"hidden_size": 4}), ("d", "Dense", {"out_features": 2}), ("out", "Output", {}),
    ],
    "gate_over_time": [  # squeeze-and-excitation over time: the pooled gate scales every step alike
        _seq_input(), ("c", "Conv1d", {"out_channels": 4, "kernel_size": 3, "padding": "same"}),
        ("gap", "GlobalAvgPool", {}), ("d1", "Dense", {"out_features": 4}), ("sig", "Sigmoid", {}),
        ("mul", "Multiply", {}), ("silu", "SiLU", {}), ("gmp", "GlobalMaxPool", {}),
        ("d", "Dense", {"out_features": 2}), ("out", "Output", {}),
    ],
}
LINKS = {
    "gate_over_time": [("in", "c"), ("c", "gap"), ("gap", "d1"), ("d1", "sig"), ("c", "mul", 0), ("sig", "mul", 1),
                       ("mul", "silu"), ("silu", "gmp"), ("gmp", "d"), ("d", "out")],
}


def _series(lengths, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(t, F, generator=g) for t in lengths]


def _alone(model, xs):
    return [model(x[None])[0] for x in xs]


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_each_sample_in_a_padded_batch_gets_its_own_output(name):
    torch.manual_seed(1)
    model = build_model(chain(*NETWORKS[name], links=LINKS.get(name)))
    assert model.padding_problem is None
    # Make the BatchNorm running statistics something other than their start (0 mean, 1 variance).
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm1d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    model.eval()
    lengths = [9, 17, 12, 23, 10, 16, 11, 20]   # every series its own length
    xs = _series(lengths)
    with torch.no_grad():
        alone = _alone(model, xs)
        for batch_size in (1, 3, 8):
            for start in range(0, len(xs), batch_size):
                members = list(range(start, min(start + batch_size, len(xs))))
                x, n = pad_sequences([xs[i] for i in members])
                out, out_len = model.forward_padded(x, n)
                for row, i in enumerate(members):
                    want = alone[i]
                    got = out[row]
                    if want.dim() == 2:  # per step: the real steps match, the rest is zero
                        assert out_len is not None and int(out_len[row]) == want.shape[0]
                        assert torch.all(got[want.shape[0]:] == 0)
                        got = got[: want.shape[0]]
                    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-4)
        # The same samples in another composition (reversed, mixed short and long) agree too.
        order = list(reversed(range(len(xs))))
        x, n = pad_sequences([xs[i] for i in order])
        out, _ = model.forward_padded(x, n)
        for row, i in enumerate(order):
            got = out[row][: alone[i].shape[0]] if alone[i].dim() == 2 else out[row]
            torch.testing.assert_close(got, alone[i], atol=1e-5, rtol=1e-4)


def test_batch_norm_in_training_counts_the_real_steps_only():
    """Masked batch statistics equal torch's BatchNorm over the real steps laid end to end."""
    torch.manual_seed(0)
    model = build_model(chain(_seq_input(), ("bn", "BatchNorm", {"momentum": 0.3}), ("gap", "GlobalAvgPool", {}),
                              ("out", "Output", {"task": "regression"})))
    reference = torch.nn.BatchNorm1d(F, momentum=0.3)
    xs = _series([4, 11, 7])
    x, n = pad_sequences(xs)
    model.train()
    out, _ = model.forward_padded(x, n)
    real = torch.cat(xs)                     # [sum of lengths, F]: every real step once
    normed = reference.train()(real)
    want = torch.stack([part.mean(0) for part in normed.split([4, 11, 7])])
    torch.testing.assert_close(out, want, atol=1e-5, rtol=1e-4)
    bn = model.blocks["bn"].inner
    torch.testing.assert_close(bn.running_mean, reference.running_mean)
    torch.testing.assert_close(bn.running_var, reference.running_var)


def test_padding_that_would_change_a_network_is_named():
    model = build_model(chain(_seq_input(), ("p", "AvgPool1d", {"kernel_size": 2, "ceil_mode": True}),
                              ("gap", "GlobalAvgPool", {}), ("out", "Output", {"task": "regression"})))
    assert model.padding_problem is not None and "block p" in model.padding_problem
    with pytest.raises(ValueError, match="block p"):
        model.forward_padded(torch.zeros(2, 5, F), torch.tensor([5, 3]))


def test_plain_forward_is_unchanged_for_export():
    """forward (what ONNX export and the generated code use) takes unpadded batches as before."""
    model = build_model(chain(*NETWORKS["lstm_last_step"])).eval()
    x = torch.randn(2, 6, F)
    out, _ = model.forward_padded(x, torch.tensor([6, 6]))
    torch.testing.assert_close(model(x), out)
