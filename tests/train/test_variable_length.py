"""Series whose every one has its own length: the loss is the same whatever the batches (padding
never counts), and training runs at the batch size the person chose."""

from __future__ import annotations

import math

import pytest
import torch

from cnnrnn_studio.data import DataSplit, Dataset
from cnnrnn_studio.data.batching import iter_padded_batches
from cnnrnn_studio.train import events as ev
from cnnrnn_studio.train import train
from cnnrnn_studio.train.losses import make_loss

from .helpers import make_project

F = 2
N_TRAIN = 24


def _seq_in():
    return ("input", "Input", {"kind": "sequence", "shape": [None, F]})


NETWORKS = {
    "conv_bn_gap": [_seq_in(), ("conv", "Conv1d", {"out_channels": 8, "kernel_size": 5, "padding": "same"}),
                    ("bn", "BatchNorm", {}), ("relu", "ReLU", {}), ("gap", "GlobalAvgPool", {}),
                    ("dense", "Dense", {"out_features": 3}), ("output", "Output", {})],
    "lstm_last_step": [_seq_in(), ("lstm", "LSTM", {"hidden_size": 8}), ("dense", "Dense", {"out_features": 3}),
                       ("output", "Output", {})],
    "gru": [_seq_in(), ("gru", "GRU", {"hidden_size": 8, "num_layers": 2}), ("dense", "Dense", {"out_features": 3}),
            ("output", "Output", {})],
    "bilstm_tagger": [_seq_in(), ("lstm", "LSTM", {"hidden_size": 8, "bidirectional": True,
                                                   "return_sequences": True}),
                      ("dense", "Dense", {"out_features": 3}), ("output", "Output", {})],
}


def _split(lengths: list[int], per_step: bool, seed: int) -> DataSplit:
    """Waves of 3 frequencies; per sample the class is the frequency, per step whether the wave
    is rising (0), falling (1) or near a peak (2). Steps past a series' end are marked -1."""
    g = torch.Generator().manual_seed(seed)
    xs, ys = [], []
    longest = max(lengths)
    for i, t in enumerate(lengths):
        c = i % 3
        phase = float(torch.rand((), generator=g)) * 6.28
        steps = torch.arange(t, dtype=torch.float32)
        v = torch.sin(0.25 * (c + 1) * steps + phase)
        xs.append(torch.stack([v, 0.1 * torch.randn(t, generator=g)], 1))
        if per_step:
            lab = torch.full((longest,), -1, dtype=torch.int64)
            d = torch.diff(v, prepend=v[:1])
            lab[:t] = torch.where(v > 0.9, 2, torch.where(d >= 0, 0, 1))
            ys.append(lab)
        else:
            ys.append(torch.tensor(c))
    return DataSplit(xs, torch.stack(ys), per_step=per_step)


def _dataset(per_step: bool) -> Dataset:
    own = list(range(5, 5 + N_TRAIN))   # every series its own length
    return Dataset(name="waves", kind="sequence", task="classification", sample_shape=(None, F),
                   train=_split(own, per_step, 0), val=_split([9, 14, 21, 7], per_step, 1),
                   test=_split([8, 13, 27, 11], per_step, 2), class_names=["a", "b", "c"], n_outputs=3,
                   per_step=per_step)


def _mean_loss(model, split: DataSplit, batch_size: int, seed: int, per_step: bool) -> float:
    """The loss over the whole split from padded batches, each weighted by what it counts."""
    loss_fn = make_loss("classification", per_step)
    total = weight = 0.0
    for xb, yb, _, lengths in iter_padded_batches(split, batch_size, shuffle=True,
                                                  generator=torch.Generator().manual_seed(seed)):
        out, _ = model.forward_padded(xb, lengths)
        w = float((yb != -1).sum()) if per_step else len(yb)
        total += float(loss_fn(out, yb)) * w
        weight += w
    return total / weight


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_the_loss_is_the_same_whatever_the_batches(name):
    per_step = name == "bilstm_tagger"
    split = _dataset(per_step).train
    torch.manual_seed(0)
    model = make_project(NETWORKS[name]).build_model().eval()
    loss_fn = make_loss("classification", per_step)
    with torch.no_grad():
        # Each series alone, cut to its own length: no padding anywhere.
        alone_total = alone_weight = 0.0
        for x, y, t in zip(split.x, split.y, split.lengths()):
            y = y[None, :t] if per_step else y[None]
            w = float((y != -1).sum()) if per_step else 1.0
            alone_total += float(loss_fn(model(x[None]), y)) * w
            alone_weight += w
        alone = alone_total / alone_weight
        for batch_size, seed in ((1, 0), (5, 1), (N_TRAIN, 2)):
            assert math.isclose(_mean_loss(model, split, batch_size, seed, per_step), alone, rel_tol=1e-5)


def _train(blocks, ds, batch_size, epochs=2):
    seen = []
    run = train(make_project(blocks), dataset=ds, epochs=epochs, batch_size=batch_size, device="cpu",
                out=None, listener=seen.append)
    return run, seen


@pytest.mark.parametrize("name", ["conv_bn_gap", "bilstm_tagger"])
def test_series_of_their_own_lengths_train_at_the_chosen_batch_size(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    per_step = name == "bilstm_tagger"
    run, seen = _train(NETWORKS[name], _dataset(per_step), batch_size=8)
    started = next(e for e in seen if isinstance(e, ev.RunStarted))
    assert started.batches_per_epoch == math.ceil(N_TRAIN / 8)   # 3 batches, not one per length (24)
    assert any("batches of 8" in note for note in started.notes)
    for epoch in (1, 2):
        done = [e.batch for e in seen if isinstance(e, ev.BatchProgress) and e.epoch == epoch]
        assert done[-1] == 3
    assert run.summary["batching"] == "padded"
    assert run.summary["batches_per_epoch"] == 3
    assert math.isfinite(run.summary["test"]["loss"])


def test_a_network_padding_would_change_falls_back_to_exact_lengths_and_says_why(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = [_seq_in(), ("pool", "AvgPool1d", {"kernel_size": 2, "ceil_mode": True}),
              ("gap", "GlobalAvgPool", {}), ("dense", "Dense", {"out_features": 3}), ("output", "Output", {})]
    run, seen = _train(blocks, _dataset(False), batch_size=8, epochs=1)
    started = next(e for e in seen if isinstance(e, ev.RunStarted))
    assert started.batches_per_epoch == N_TRAIN                  # one series of each length
    assert any("exact length" in note and "block pool" in note for note in started.notes)
    assert run.summary["batching"] == "exact_length"


def test_ctc_scores_past_a_series_end_change_neither_its_loss_nor_its_reading():
    from cnnrnn_studio.train.ctc import greedy_decode
    from cnnrnn_studio.train.losses import blank_past_end

    g = torch.Generator().manual_seed(0)
    lengths = torch.tensor([9, 4, 7])
    scores = torch.randn(3, 9, 5, generator=g)          # junk past each end
    labels = torch.tensor([[0, 1, 2], [3, -1, -1], [1, 1, -1]])
    loss_fn = make_loss("ctc")
    padded = blank_past_end(scores, lengths)
    reads = greedy_decode(padded)
    for i, t in enumerate(lengths.tolist()):
        alone = scores[i:i + 1, :t]
        torch.testing.assert_close(loss_fn(padded[i:i + 1], labels[i:i + 1]), loss_fn(alone, labels[i:i + 1]))
        own = greedy_decode(alone)[0]
        assert reads[i, : len(own)].tolist() == own.tolist() and torch.all(reads[i, len(own):] == -1)
