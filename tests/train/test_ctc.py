"""CTC: a network reads an unaligned label sequence (a string) from per-step scores [T, C].

Score 0 is the blank, score i + 1 symbol i. A tiny synthetic reading task (rows of 2 to 4 glyphs)
is learnt; the decoder, edit distance and CER are checked by hand; a T too short for the labels is
refused before training with the Output named and the fix given.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from cnnrnn_studio.cli import main
from cnnrnn_studio.data import load_dataset
from cnnrnn_studio.project.fit import fit_problems
from cnnrnn_studio.train import train
from cnnrnn_studio.train.ctc import (as_lists, character_error_rate, edit_distance, exact_matches,
                                     greedy_decode, steps_needed)
from cnnrnn_studio.train.evaluate import evaluate
from cnnrnn_studio.train.losses import make_loss

from .ctc_data import SYMBOLS, WIDTH, crnn_blocks, glyph_rows
from .helpers import make_project


def _scores(best: list[list[int]], c: int = 5) -> torch.Tensor:
    """Scores [B, T, C] whose best index at each step is the given one."""
    out = torch.zeros(len(best), len(best[0]), c)
    for b, row in enumerate(best):
        for t, k in enumerate(row):
            out[b, t, k] = 5.0
    return out


def test_greedy_decoder_collapses_repeats_and_drops_blanks():
    # blank = 0; symbol i = index i + 1
    out = _scores([[1, 1, 0, 1, 2, 2, 0, 0],     # a a - a b b - -  -> 0 0 1
                   [0, 0, 0, 0, 0, 0, 0, 0],     # nothing read
                   [3, 3, 3, 3, 3, 3, 3, 3],     # one symbol however long it lasts
                   [4, 0, 4, 0, 4, 1, 0, 4]])    # separated repeats stay
    assert as_lists(greedy_decode(out)) == [[0, 0, 1], [], [2], [3, 3, 3, 0, 3]]
    labels = torch.tensor([[0, 0, 1, -1, -1], [-1, -1, -1, -1, -1], [2, 2, -1, -1, -1], [3, 3, 3, 0, 3]])
    assert exact_matches(greedy_decode(out), labels).tolist() == [True, True, False, True]


def test_edit_distance_and_cer():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance([], [1, 2]) == 2 and edit_distance([1, 2], []) == 2
    assert edit_distance([1, 2, 3], [1, 2, 3]) == 0
    # (1 substitution + 1 deletion + 0) / (3 + 2 + 1)
    assert character_error_rate([[1, 9, 3], [4], [6]], [[1, 2, 3], [4, 5], [6]]) == pytest.approx(2 / 6)
    assert character_error_rate([[1]], [[]]) is None


def test_steps_needed_counts_a_blank_between_repeats():
    assert steps_needed([1, 2, 3]) == 3
    assert steps_needed([1, 1, 2, 2, -1, -1]) == 6
    assert steps_needed([]) == 0


def test_ctc_loss_is_torchs_with_blank_zero_and_ignores_padding():
    g = torch.Generator().manual_seed(0)
    out = torch.randn(2, 6, 4, generator=g)
    y = torch.tensor([[0, 2, -1], [1, 1, 2]])
    logp = out.log_softmax(-1).transpose(0, 1)
    ref = torch.nn.functional.ctc_loss(logp, torch.tensor([[1, 3, 0], [2, 2, 3]]), torch.tensor([6, 6]),
                                       torch.tensor([2, 3]), blank=0, reduction="mean")
    assert torch.allclose(make_loss("ctc")(out, y), ref)


def _dataset_file(tmp_path, n: int = 360, seed: int = 0):
    x, y = glyph_rows(n, seed)
    np.savez(tmp_path / "rows.npz", X=x, y=y)
    return {"kind": "file", "format": "npz", "train": "rows.npz", "task": "ctc", "class_names": SYMBOLS}


def test_a_crnn_learns_to_read_rows_of_glyphs(tmp_path, capsys):
    spec = _dataset_file(tmp_path)
    path = tmp_path / "reader.json"
    make_project(crnn_blocks(), dataset=spec, path=path,
                 training={"epochs": 8, "batch_size": 32, "learning_rate": 0.01, "seed": 0})
    assert main(["train", str(path), "--json", "--out", str(tmp_path / "runs")]) == 0
    final = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert final["task"] == "ctc"
    # chance of reading a string of 2 to 4 symbols out of 4 exactly is far below 5 %
    assert final["test_accuracy"] > 0.5
    assert 0.0 <= final["test_cer"] < 0.3
    assert main(["evaluate", final["run_dir"], "--json"]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["task"] == "ctc" and ev["blank_index"] == 0
    assert ev["accuracy"] == pytest.approx(final["test_accuracy"])
    assert ev["cer"] == pytest.approx(final["test_cer"])
    assert len(ev["read"]) == len(ev["true"]) == ev["n"]
    assert all(set(t) <= set(SYMBOLS) for t in ev["true"])


def test_too_few_steps_are_refused_before_training_naming_the_output(tmp_path, capsys):
    spec = _dataset_file(tmp_path, n=60)
    # two poolings: 20 columns -> 5 steps; "x x x x" needs 7
    x, y = glyph_rows(60, 0)
    y[0] = [2, 2, 2, 2]
    np.savez(tmp_path / "rows.npz", X=x, y=y)
    project = make_project(crnn_blocks(pools=2), dataset=spec, path=tmp_path / "p.json")
    ds = load_dataset(spec, tmp_path, validation_split=0.2)
    problems = fit_problems(project, ds)
    assert len(problems) == 1
    msg = problems[0]
    assert "Output 'output'" in msg and "5 time steps" in msg and "needs 7" in msg
    assert "fewer pooling" in msg and "wider image" in msg
    assert main(["train", str(tmp_path / "p.json"), "--epochs", "1", "--out", str(tmp_path / "runs")]) != 0
    assert "needs 7" in capsys.readouterr().err


def test_scores_not_matching_the_symbols_plus_blank_are_named(tmp_path):
    spec = _dataset_file(tmp_path, n=60)
    blocks = crnn_blocks(symbols=len(SYMBOLS) - 1)   # forgot the blank
    problems = fit_problems(make_project(blocks), load_dataset(spec, tmp_path))
    assert len(problems) == 1
    assert "5 scores" in problems[0] and "Dense 'dense'" in problems[0] and "set its Outputs to 5" in problems[0]


def test_variable_length_sequences_are_scored_as_if_alone():
    """A GRU reading sequences of different lengths: evaluation pads the shorter outputs with sure
    blanks, which change neither the loss nor the reading."""
    from cnnrnn_studio.data import DataSplit

    g = torch.Generator().manual_seed(1)
    xs = [torch.randn(t, 3, generator=g) for t in (5, 9, 5, 7)]
    y = torch.tensor([[0, 1, -1], [2, 2, 1], [1, -1, -1], [0, 0, -1]])
    model = make_project([("input", "Input", {"kind": "sequence", "shape": [None, 3]}),
                          ("gru", "GRU", {"hidden_size": 8, "return_sequences": True}),
                          ("dense", "Dense", {"out_features": 4}),
                          ("output", "Output", {"task": "ctc"})]).build_model().eval()
    result = evaluate(model, DataSplit(xs, y), "ctc", ["a", "b", "c"])
    with torch.no_grad():
        alone = [model(x[None]) for x in xs]
    loss = sum(float(make_loss("ctc")(o, y[i:i + 1])) for i, o in enumerate(alone)) / 4
    assert result["loss"] == pytest.approx(loss, rel=1e-5)
    assert result["predictions"] == [as_lists(greedy_decode(o))[0] for o in alone]


def test_an_open_time_axis_is_checked_at_each_samples_own_length(tmp_path):
    """Sequences of different lengths through a pool that halves time: a 6-step input gives 3 steps,
    too few for a label of 4 symbols; the message names that sample and the Output."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 16, 2)).astype(np.float32)
    lengths = rng.integers(10, 17, size=30)
    y = np.full((30, 4), -1, np.int64)
    y[:, :2] = rng.integers(0, 3, (30, 2))
    lengths[7], y[7] = 6, [0, 1, 2, 0]
    np.savez(tmp_path / "seq.npz", X=x, y=y, lengths=lengths)
    ds = load_dataset({"kind": "file", "format": "npz", "train": "seq.npz", "task": "ctc"}, tmp_path,
                      validation_split=0.0)
    blocks = [("input", "Input", {"kind": "sequence", "shape": [None, 2]}),
              ("conv", "Conv1d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
              ("pool", "MaxPool1d", {"kernel_size": 2}),
              ("gru", "GRU", {"hidden_size": 8, "return_sequences": True}),
              ("dense", "Dense", {"out_features": 4}),
              ("output", "Output", {"task": "ctc"})]
    problems = fit_problems(make_project(blocks), ds)
    assert len(problems) == 1
    assert "Output 'output' gets 3 time steps from a 6-step input" in problems[0] and "needs 4" in problems[0]
    ok = [b if b[0] != "pool" else ("pool", "MaxPool1d", {"kernel_size": 1}) for b in blocks]
    assert fit_problems(make_project(ok), ds) == []


def test_variable_length_sequences_train_and_score(tmp_path):
    """Sequences of their own lengths: batches hold one length (input length = T), validation and
    test outputs are padded with sure blanks; the run ends with both CTC scores."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 12, 2)).astype(np.float32)
    y = np.full((48, 3), -1, np.int64)
    y[:, :2] = rng.integers(0, 3, (48, 2))
    np.savez(tmp_path / "seq.npz", X=x, y=y, lengths=rng.integers(6, 13, size=48))
    project = make_project([("input", "Input", {"kind": "sequence", "shape": [None, 2]}),
                            ("gru", "GRU", {"hidden_size": 8, "return_sequences": True}),
                            ("dense", "Dense", {"out_features": 4}),
                            ("output", "Output", {"task": "ctc"})],
                           dataset={"kind": "file", "format": "npz", "train": "seq.npz", "task": "ctc"},
                           path=tmp_path / "p.json", training={"epochs": 2, "batch_size": 8})
    run = train(project, out=tmp_path / "runs")
    assert run.summary["task"] == "ctc" and set(run.summary["test"]) == {"accuracy", "cer", "loss"}
    assert 0.0 <= run.evaluation["cer"] and np.isfinite(run.evaluation["loss"])
    assert all(r["val_accuracy"] is not None for r in run.metrics)
