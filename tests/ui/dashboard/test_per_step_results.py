"""A run with a target at every time step shows in Results and Try it without breaking: the
confusion matrix counts steps and a cell lists the samples its steps belong to; per-step
regression plots every counted step."""

from __future__ import annotations

import numpy as np

from cnnrnn_studio.data import load_dataset
from cnnrnn_studio.project import Project
from cnnrnn_studio.train import train
from cnnrnn_studio.ui.dashboard.evaluation import EvaluationPanel
from cnnrnn_studio.ui.dashboard.try_it import TryItPanel


def _run(tmp_path, task: str):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 9, 2)).astype(np.float32)
    y = (x[:, :, 0] > 0).astype(np.int64) if task == "classification" else np.cumsum(x[:, :, 0], axis=1)
    np.savez(tmp_path / f"{task}.npz", X=x, y=y, lengths=rng.integers(3, 10, size=40))
    ds = load_dataset({"kind": "file", "format": "npz", "train": str(tmp_path / f"{task}.npz")})
    blocks = [("input", "Input", {"kind": "sequence", "shape": [None, 2]}),
              ("gru", "GRU", {"hidden_size": 6, "return_sequences": True}),
              ("dense", "Dense", {"out_features": 2 if task == "classification" else 1}),
              ("output", "Output", {"task": task})]
    project = Project.from_dict({
        "format": "cnnrnn-studio-project", "version": 1, "name": "steps",
        "blocks": [{"id": i, "type": t, "params": p} for i, t, p in blocks],
        "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])],
        "training": {"epochs": 1, "batch_size": 8}})
    return train(project, dataset=ds, out=tmp_path / task), ds


def test_results_and_try_it_on_a_per_step_classifier(qtbot, tmp_path):
    run, ds = _run(tmp_path, "classification")
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    panel.show_run(run)
    panel.set_dataset(run, ds)
    view = panel.confusion
    assert panel.stack.currentWidget() is view
    cm = run.evaluation["confusion_matrix"]
    n = run.evaluation["n"]
    # every real step counts once; the padding up to 9 steps never does
    assert n == sum(map(sum, cm)) == sum(len(x) for x in ds.test.x) < 9 * len(ds.test)
    assert view.summary.text().startswith(f"Test accuracy {100 * run.evaluation['accuracy']:.1f}% on {n:,} "
                                          "test time steps (padding and unlabelled steps not counted)")
    assert view.per_class.horizontalHeaderItem(4).text() == "test time steps"
    assert int(view.matrix.item(0, 0).text()) == cm[0][0]
    samples = view.samples_for_cell(1, 1)
    assert samples and all(0 <= i < len(ds.test) for i in samples)
    view.select_cell(1, 1)
    tryit = TryItPanel()
    qtbot.addWidget(tryit)
    tryit.set_model(run.model, ds, "classification", ds.class_names)
    probs = tryit.try_test_sample(0)
    assert len(probs) == 2 and abs(sum(probs) - 1) < 1e-5


def test_results_and_try_it_on_per_step_regression(qtbot, tmp_path):
    run, ds = _run(tmp_path, "regression")
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    panel.show_run(run)
    assert panel.stack.currentWidget() is panel.regression
    view = panel.regression
    assert f"{run.evaluation['n']:,} test time steps" in view.summary.text()
    # along the steps of a chosen test sample: the true values where they count, the prediction there
    assert not view.steps_box.isHidden() and view.forecast.isHidden()
    padded = next(i for i, t in enumerate(run.evaluation["targets"]) if any(s[0] is None for s in t))
    view.step_sample.setValue(padded)
    true = np.array([np.nan if v is None else v for v in (s[0] for s in run.evaluation["targets"][padded])])
    pred = np.array([s[0] for s in run.evaluation["predictions"][padded]])
    curves = {name: y for name, _, y in view.steps.series()}
    assert np.array_equal(np.isnan(curves["true"]), np.isnan(true)) and np.isnan(true).any()   # padding left out
    assert np.allclose(curves["true"][~np.isnan(true)], true[~np.isnan(true)])
    assert np.allclose(curves["predicted"][~np.isnan(true)], pred[~np.isnan(true)])
    assert np.isnan(curves["predicted"][np.isnan(true)]).all()
    assert f"test sample #{padded}" in view.steps.getPlotItem().titleLabel.text
    tryit = TryItPanel()
    qtbot.addWidget(tryit)
    tryit.set_model(run.model, ds, "regression", None)
    assert len(tryit.try_test_sample(1)) == 1
