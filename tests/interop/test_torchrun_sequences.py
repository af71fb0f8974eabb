"""--torchrun-script for networks that predict at every time step and CTC readers (issue 11, point 9):
the generated train.py trains them standalone, counting only real steps (padding never counts),
reading CTC greedily, and a real one-epoch run on CPU finishes and reports its scores."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from cnnrnn_studio.data import DataSplit, Dataset
from cnnrnn_studio.interop.errors import ExportError
from cnnrnn_studio.interop.torchrun import export_torchrun_script
from cnnrnn_studio.project import Project, load_project
from cnnrnn_studio.train.ctc import character_error_rate, as_lists, greedy_decode
from cnnrnn_studio.train.losses import CTCLoss, StepCrossEntropy, StepMSE
from cnnrnn_studio.train.runs import load_run

from .test_ctc_networks import gru_reader
from .test_per_step_networks import gru_tagger
from .test_torchrun import _train_module


def _lengths(n: int, gen: torch.Generator, variable: bool) -> list[int]:
    return [int(torch.randint(4, 9, (1,), generator=gen)) if variable else 8 for _ in range(n)]


def _tagging_data(task: str = "classification", variable: bool = True) -> Dataset:
    """Sequences of 4 features; per step: is feature 0 positive (classes) or 2x feature 0 (numbers).
    Targets are padded to the longest length with -1 / NaN, as the data layer does."""
    gen = torch.Generator().manual_seed(0)

    def split(n: int) -> DataSplit:
        lengths = _lengths(n, gen, variable)
        xs = [torch.randn(t, 4, generator=gen) for t in lengths]
        top = max(lengths)
        if task == "classification":
            y = torch.full((n, top), -1, dtype=torch.long)
            for i, x in enumerate(xs):
                y[i, : len(x)] = (x[:, 0] > 0).long()
        else:
            y = torch.full((n, top, 1), float("nan"))
            for i, x in enumerate(xs):
                y[i, : len(x), 0] = 2 * x[:, 0]
        return DataSplit(xs if variable else torch.stack(xs), y, per_step=True)

    shape = (None, 4) if variable else (8, 4)
    names = ["low", "high"] if task == "classification" else None
    return Dataset("tags", "sequence", task, shape, split(24), split(6), split(6), class_names=names,
                   n_outputs=2 if names else 1, per_step=True,
                   meta={"target_mean": [0.0], "target_std": [2.0]} if task == "regression" else {})


def _reading_data() -> Dataset:
    """Label sequences of 1 to 3 symbols (of 4) read from sequences of varying length."""
    gen = torch.Generator().manual_seed(1)

    def split(n: int) -> DataSplit:
        xs = [torch.randn(int(torch.randint(6, 10, (1,), generator=gen)), 4, generator=gen) for _ in range(n)]
        y = torch.full((n, 3), -1, dtype=torch.long)
        for i in range(n):
            k = int(torch.randint(1, 4, (1,), generator=gen))
            y[i, :k] = torch.randint(0, 4, (k,), generator=gen)
        return DataSplit(xs, y)

    return Dataset("strings", "sequence", "ctc", (None, 4), split(24), split(6), split(6),
                   class_names=["a", "b", "c", "d"], n_outputs=5)


def _run_one_epoch(job) -> dict:
    result = subprocess.run([sys.executable, "train.py", "--epochs", "1", "--batch-size", "4", "--cpu"],
                            cwd=job, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "epoch 1/1" in result.stdout
    return json.loads((job / "run" / "summary.json").read_text())


def _long_csv_project(folder) -> Project:
    """A GRU tagger whose data is a long CSV (one row per step, sequences of 4 to 9 steps) in its folder."""
    rng = np.random.default_rng(0)
    rows = ["id,a,b,tag"]
    for s in range(40):
        t = int(rng.integers(4, 10))
        a, b = rng.normal(size=t).round(3), rng.normal(size=t).round(3)
        rows += [f"s{s},{a[i]},{b[i]},{'up' if a[i] > 0 else 'down'}" for i in range(t)]
    (folder / "steps.csv").write_text("\n".join(rows) + "\n")
    d = gru_tagger("classification", 2).to_dict()
    d["blocks"][0]["params"]["shape"] = [None, 2]
    d["dataset"] = {"kind": "file", "format": "csv", "train": "steps.csv", "mode": "long",
                    "sequence_column": "id", "label_column": "tag"}
    (folder / "tagger.json").write_text(json.dumps(d))
    return load_project(folder / "tagger.json")


def test_a_per_step_tagger_on_a_long_csv_trains_one_epoch_and_reports_step_accuracy(tmp_path):
    job = tmp_path / "job"
    project = _long_csv_project(tmp_path)
    export_torchrun_script(project, job)
    assert "PER_STEP = True" in (job / "train.py").read_text()
    assert "predicts at every time step" in (job / "README.md").read_text()
    with np.load(job / "data.npz", allow_pickle=False) as data:
        assert data["y_train"].ndim == 2 and (data["y_train"] == -1).any()   # padded per-step classes
        assert list(data["class_names"]) == ["down", "up"]
    summary = _run_one_epoch(job)
    assert summary["status"] == "finished" and summary["per_step"] is True and summary["n_outputs"] == 2
    assert 0.0 <= summary["test"]["accuracy"] <= 1.0 and np.isfinite(summary["test"]["loss"])
    assert 0.0 <= summary["final"]["val_accuracy"] <= 1.0
    run = load_run(job / "run")                       # the studio reads the folder back as a run
    assert run.project.graph.to_dict() == project.graph.to_dict() and len(run.metrics) == 1


def test_a_per_step_regression_trains_one_epoch_and_reports_errors(tmp_path):
    job = tmp_path / "job"
    export_torchrun_script(gru_tagger("regression", 1), job, dataset=_tagging_data("regression"))
    summary = _run_one_epoch(job)
    assert summary["task"] == "regression" and summary["n_outputs"] == 1
    assert np.isfinite(summary["test"]["mae"]) and summary["test"]["rmse"] >= summary["test"]["mae"] > 0


def test_a_ctc_reader_trains_one_epoch_and_reports_exact_reads_and_cer(tmp_path):
    job = tmp_path / "job"
    export_torchrun_script(gru_reader(), job, dataset=_reading_data())
    assert "character error rate (`cer`)" in (job / "README.md").read_text()
    summary = _run_one_epoch(job)
    assert summary["task"] == "ctc" and summary["n_outputs"] == 5 and summary["class_names"] == list("abcd")
    assert 0.0 <= summary["test"]["accuracy"] <= 1.0 and summary["test"]["cer"] >= 0.0
    assert np.isfinite(summary["test"]["loss"])


def test_the_scripts_losses_and_scores_are_the_studios(tmp_path):
    """Padding steps never count: the script's per-step loss and accuracy equal the studio's."""
    export_torchrun_script(gru_tagger("classification", 2), tmp_path / "tag", dataset=_tagging_data())
    tag = _train_module(tmp_path / "tag")
    gen = torch.Generator().manual_seed(3)
    out = torch.randn(5, 7, 2, generator=gen)
    y = torch.randint(0, 2, (5, 7), generator=gen)
    y[1, 4:] = -1
    y[3, 2] = -1
    assert torch.allclose(tag.step_loss(out, y), StepCrossEntropy()(out, y))
    right, counted = tag.batch_scores(out, y)[:2]
    known = y != -1
    assert counted == float(known.sum()) == 35 - 4
    assert right == float(((out.argmax(-1) == y) & known).sum())
    # a batch cut to its own length keeps exactly the steps it has
    assert tag.step_targets(y.numpy(), 4).shape == (5, 4)

    export_torchrun_script(gru_tagger("regression", 1), tmp_path / "reg", dataset=_tagging_data("regression"))
    reg = _train_module(tmp_path / "reg")
    yf = torch.randn(5, 7, 1, generator=gen)
    yf[0, 3:] = float("nan")
    outf = torch.randn(5, 7, 1, generator=gen)
    assert torch.allclose(reg.step_loss(outf, yf), StepMSE()(outf, yf))

    export_torchrun_script(gru_reader(), tmp_path / "ctc", dataset=_reading_data())
    ctc = _train_module(tmp_path / "ctc")
    scores = torch.randn(6, 9, 5, generator=gen)
    labels = torch.tensor([[0, 1, -1], [2, -1, -1], [3, 3, 1], [1, -1, -1], [0, 0, -1], [2, 1, 0]])
    assert torch.allclose(ctc.ctc_loss(scores, labels), CTCLoss()(scores, labels))
    assert ctc.ctc_read(scores) == as_lists(greedy_decode(scores))
    s = ctc.batch_scores(scores, labels)
    result = ctc.scores_of(s)
    assert result["cer"] == pytest.approx(character_error_rate(as_lists(greedy_decode(scores)), as_lists(labels)))
    # a reading made to be right: one-hot scores spelling each label with blanks between
    sure = torch.full((2, 5, 5), -10.0)
    for t, k in enumerate([1, 0, 2, 0, 3]):   # reads a b c
        sure[0, t, k] = 10.0
    for t, k in enumerate([4, 4, 0, 4, 0]):   # reads d d
        sure[1, t, k] = 10.0
    exact = ctc.scores_of(ctc.batch_scores(sure, torch.tensor([[0, 1, 2], [3, 3, -1]])))
    assert exact == {"accuracy": 1.0, "cer": 0.0}


def test_data_that_does_not_fit_a_per_step_network(tmp_path):
    per_sample = _tagging_data()
    per_sample.per_step = False
    with pytest.raises(ExportError, match="one target per sample but the network's Output predicts at every"):
        export_torchrun_script(gru_tagger("classification", 2), tmp_path / "job", dataset=per_sample)
    with pytest.raises(ExportError, match="task 'ctc'"):
        export_torchrun_script(gru_reader(), tmp_path / "job", dataset=_tagging_data())
    assert list(tmp_path.iterdir()) == []
