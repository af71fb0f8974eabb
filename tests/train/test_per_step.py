"""Training with a target at every time step: the losses and scores count real steps only, so
padding (and how samples are batched) never changes them."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from cnnrnn_studio.cli import main
from cnnrnn_studio.data import load_dataset
from cnnrnn_studio.train import train
from cnnrnn_studio.train.evaluate import evaluate
from cnnrnn_studio.train.losses import StepCrossEntropy, StepMSE

from .helpers import make_project


def _rising(n: int, t: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sine waves of random frequency and phase; the label at each step: is the value rising?"""
    rng = np.random.default_rng(seed)
    steps = np.arange(t)[None, :]
    freq, phase = rng.uniform(0.2, 0.6, (n, 1)), rng.uniform(0, 6.3, (n, 1))
    v = np.sin(freq * steps + phase)
    x = np.stack([v, np.cos(freq * steps + phase)], axis=-1).astype(np.float32)
    y = (np.diff(v, axis=1, prepend=v[:, :1] - freq[:, :1] * np.cos(phase)) > 0).astype(np.int64)
    lengths = rng.integers(t // 2, t + 1, size=n)
    return x, y, lengths


def _padded(x, y, lengths, total: int, junk: float):
    """The same samples padded (with junk inputs and random labels) to `total` steps."""
    n, t, f = x.shape
    xp = np.full((n, total, f), junk, dtype=np.float32)
    yp = np.random.default_rng(9).integers(0, 2, size=(n, total))
    xp[:, :t], yp[:, :t] = x, y
    mask = np.arange(total)[None, :] >= lengths[:, None]
    xp[mask], yp[mask] = junk, np.random.default_rng(3).integers(0, 2, size=int(mask.sum()))
    return xp, yp


def tagger(task: str = "classification", k: int = 2, steps=None, **kw):
    return make_project([
        ("input", "Input", {"kind": "sequence", "shape": [steps, 2]}),
        ("gru", "GRU", {"hidden_size": 12, "return_sequences": True}),
        ("dense", "Dense", {"out_features": k}),
        ("output", "Output", {"task": task}),
    ], **kw)


def test_step_losses_skip_marked_steps():
    g = torch.Generator().manual_seed(0)
    out, y = torch.randn(3, 5, 4, generator=g), torch.randint(0, 4, (3, 5), generator=g)
    y[0, 3:] = -1
    y[2, 0] = -1
    keep = y != -1
    expected = torch.nn.functional.cross_entropy(out[keep], y[keep])
    assert torch.allclose(StepCrossEntropy()(out, y), expected)
    junk = out.clone()
    junk[~keep] = 1e4                         # whatever the network says at a skipped step
    assert torch.allclose(StepCrossEntropy()(junk, y), expected)
    yr = torch.randn(3, 5, 2, generator=g)
    yr[1, 2:] = float("nan")
    known = ~torch.isnan(yr)
    assert torch.allclose(StepMSE()(out[..., :2], yr), ((out[..., :2] - yr)[known] ** 2).mean())


def test_padding_and_batching_never_change_the_loss_or_the_scores(tmp_path):
    x, y, lengths = _rising(40, 12)
    np.savez(tmp_path / "short.npz", X=x, y=y, lengths=lengths)
    xp, yp = _padded(x, y, lengths, 30, junk=50.0)
    np.savez(tmp_path / "long.npz", X=xp, y=yp, lengths=lengths)
    spec = {"kind": "file", "format": "npz"}
    short = load_dataset({**spec, "train": str(tmp_path / "short.npz")}, validation_split=0.0)
    long = load_dataset({**spec, "train": str(tmp_path / "long.npz")}, validation_split=0.0)
    assert long.test.y.shape[1] == 30 and short.test.y.shape[1] == 12
    torch.manual_seed(0)
    model = tagger().build_model().eval()
    scores = [evaluate(model, ds.test, "classification", ds.class_names, ds.meta, batch_size=bs)
              for ds in (short, long) for bs in (1, 3, 512)]
    for s in scores[1:]:
        assert s["loss"] == pytest.approx(scores[0]["loss"], rel=1e-5)
        assert s["accuracy"] == scores[0]["accuracy"]
        assert s["confusion_matrix"] == scores[0]["confusion_matrix"]
    test_idx = short.meta["indices"]["test"]
    assert scores[0]["n"] == int(lengths[test_idx].sum())        # steps that count, padding excluded
    # Whole training runs on the two files are the same run: same losses, same test score.
    runs = [train(tagger(training={"epochs": 2, "batch_size": 8}), dataset=ds, out=tmp_path / f"r{i}")
            for i, ds in enumerate((short, long))]
    assert runs[0].metrics[-1]["train_loss"] == runs[1].metrics[-1]["train_loss"]
    assert runs[0].evaluation["loss"] == pytest.approx(runs[1].evaluation["loss"], rel=1e-6)


def test_test_accuracy_is_the_share_of_real_steps_predicted_right(tmp_path):
    x, y, lengths = _rising(120, 16, seed=1)
    y[0, 0] = -1                                                   # an unlabelled step counts nowhere
    np.savez(tmp_path / "a.npz", X=x, y=y, lengths=lengths)
    ds = load_dataset({"kind": "file", "format": "npz", "train": str(tmp_path / "a.npz")})
    run = train(tagger(training={"epochs": 25, "batch_size": 16, "learning_rate": 0.01}), dataset=ds,
                out=tmp_path / "run")
    right = total = 0
    with torch.no_grad():
        for xi, yi in zip(ds.test.x, ds.test.y):                   # every sample alone, no padding
            pred = run.model(xi[None])[0].argmax(-1)
            yi = yi[: len(xi)]
            keep = yi != -1
            right += int((pred[keep] == yi[keep]).sum())
            total += int(keep.sum())
    ev = run.evaluation
    assert ev["per_step"] is True and ev["n"] == total
    assert ev["accuracy"] == pytest.approx(right / total)
    assert run.summary["test"]["accuracy"] == ev["accuracy"]
    assert sum(map(sum, ev["confusion_matrix"])) == total          # the matrix counts steps
    assert len(ev["sample_of_step"]) == total
    assert ev["accuracy"] > 0.85                                   # it learnt: chance is about 0.5
    assert run.metrics[-1]["val_accuracy"] > 0.85


def test_per_step_regression_reports_errors_over_real_steps_in_original_units(tmp_path):
    x, _, lengths = _rising(60, 10, seed=2)
    target = 100 + 10 * np.cumsum(x[:, :, 0], axis=1)
    np.savez(tmp_path / "a.npz", X=x, y=target, lengths=lengths)
    ds = load_dataset({"kind": "file", "format": "npz", "train": str(tmp_path / "a.npz")})
    assert ds.per_step and ds.task == "regression"
    run = train(tagger("regression", 1, training={"epochs": 3, "batch_size": 8}), dataset=ds, out=tmp_path / "run")
    ev = run.evaluation
    errs = []
    with torch.no_grad():
        for xi, i in zip(ds.test.x, ds.meta["indices"]["test"]):
            pred = run.model(xi[None])[0, :, 0] * ds.meta["target_std"][0] + ds.meta["target_mean"][0]
            errs.append((pred.double() - torch.as_tensor(target[i, : len(xi)])).abs())
    errs = torch.cat(errs)
    assert ev["n"] == len(errs) == int(lengths[ds.meta["indices"]["test"]].sum())
    assert ev["mae"] == pytest.approx(float(errs.mean()), rel=1e-4)
    assert ev["rmse"] == pytest.approx(float(errs.pow(2).mean().sqrt()), rel=1e-4)
    last = run.metrics[-1]
    assert last["val_mae"] is not None and last["val_accuracy"] is None
    json.dumps(ev)                                                # no NaN for the padding steps


def test_train_json_reports_per_step_test_accuracy(tmp_path, capsys):
    x, y, _ = _rising(48, 10, seed=3)
    np.savez(tmp_path / "a.npz", X=x, y=y)
    project = tagger(steps=10, training={"epochs": 2, "batch_size": 8},
                     dataset={"kind": "file", "format": "npz", "train": "a.npz"})
    project.save(tmp_path / "p.json")
    assert main(["check", str(tmp_path / "p.json"), "--json"]) == 0
    blocks = {b["id"]: b for b in json.loads(capsys.readouterr().out)["blocks"]}
    assert blocks["output"]["output_shape"] == [10, 2]
    assert main(["train", str(tmp_path / "p.json"), "--json", "--out", str(tmp_path / "run")]) == 0
    final = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    ev = json.loads((tmp_path / "run" / "evaluation.json").read_text())
    assert final["test_accuracy"] == ev["accuracy"] and ev["per_step"] is True


def test_a_crnn_reads_a_class_at_every_column(tmp_path):
    """CNN -> ToSequence -> LSTM(every step) -> Dense -> Output on images whose label at each of the
    6 column steps says whether that strip is bright."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=(96, 6))
    x = rng.normal(0, 0.3, size=(96, 1, 8, 12)).astype(np.float32)
    x += np.repeat(y, 2, axis=1)[:, None, None, :] * 2.0
    np.savez(tmp_path / "a.npz", X=x, y=y)
    project = make_project([
        ("input", "Input", {"kind": "image", "shape": [1, 8, 12]}),
        ("conv", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}),
        ("relu", "ReLU", {}),
        ("pool", "MaxPool2d", {"kernel_size": 2}),
        ("seq", "ToSequence", {}),
        ("lstm", "LSTM", {"hidden_size": 8, "return_sequences": True}),
        ("dense", "Dense", {"out_features": 2}),
        ("output", "Output", {"task": "classification"}),
    ], training={"epochs": 15, "batch_size": 16, "learning_rate": 0.01},
        dataset={"kind": "file", "format": "npz", "train": str(tmp_path / "a.npz")})
    from cnnrnn_studio.project.fit import dataset_fit_problems

    assert dataset_fit_problems(project) == []
    run = train(project, out=tmp_path / "run")
    assert run.evaluation["per_step"] and run.evaluation["accuracy"] > 0.9
