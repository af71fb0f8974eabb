"""Compare: runs with a class at every step and CTC readers compare on their own scores (per-step
accuracy, exact-string accuracy and the character error rate) without errors."""

from __future__ import annotations

import numpy as np

from cnnrnn_studio.data import load_dataset
from cnnrnn_studio.project import Project
from cnnrnn_studio.train import train
from cnnrnn_studio.ui.dashboard.compare import CompareView


def _train(tmp_path, name: str, y: np.ndarray, x: np.ndarray, out_features: int, extra: dict):
    np.savez(tmp_path / f"{name}.npz", X=x, y=y)
    ds = load_dataset({"kind": "file", "format": "npz", "train": str(tmp_path / f"{name}.npz"), **extra})
    blocks = [("input", "Input", {"kind": "sequence", "shape": list(x.shape[1:])}),
              ("gru", "GRU", {"hidden_size": 6, "return_sequences": True}),
              ("dense", "Dense", {"out_features": out_features}),
              ("output", "Output", {"task": extra.get("task", "classification")})]
    project = Project.from_dict({
        "format": "cnnrnn-studio-project", "version": 1, "name": name,
        "blocks": [{"id": i, "type": t, "params": p} for i, t, p in blocks],
        "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])],
        "training": {"epochs": 2, "batch_size": 8}})
    return train(project, dataset=ds, out=tmp_path / name)


def test_per_step_and_ctc_runs_compare_on_their_own_scores(qtbot, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 8, 2)).astype(np.float32)
    tagger = _train(tmp_path, "tagger", (x[:, :, 0] > 0).astype(np.int64), x, 2, {})
    labels = np.full((40, 3), -1, np.int64)
    labels[:, 0], labels[::2, 1] = rng.integers(0, 2, 40), rng.integers(0, 2, 20)
    reader = _train(tmp_path, "reader", labels, x, 3, {"task": "ctc"})

    view = CompareView()
    qtbot.addWidget(view)
    view.set_runs([str(tagger.folder), str(reader.folder)])
    assert view.message.text() == ""
    rows = {view.table.verticalHeaderItem(r).text(): [view.table.item(r, c).text() for c in range(2)]
            for r in range(view.table.rowCount())}
    assert rows["accuracy counts"] == ["time steps", "whole strings"]
    assert rows["test accuracy"] == [f"{100 * run.evaluation['accuracy']:.1f}%" for run in (tagger, reader)]
    assert rows["test character error rate"] == ["–", f"{reader.evaluation['cer']:.3f}"]
    # both runs have validation accuracy curves, each on its own measure
    curves = {name: y for name, _, y in view.scores.series()}
    assert len(curves) == 2 and all(len(y) == 2 and np.isfinite(y).all() for y in curves.values())
