"""Generation in the app: Try it's "Generate" writes text with a next-character model and forecasts a
series with a next-value model (each prediction fed back), drawn after the real history; the
Results tab shows passages a text model wrote. Runs that cannot generate show no Generate box."""

from __future__ import annotations

import numpy as np
import pytest

from cnnrnn_studio.data import load_dataset
from cnnrnn_studio.project import Project
from cnnrnn_studio.train import train
from cnnrnn_studio.ui.dashboard.evaluation import GENERATED_LENGTH, GENERATED_SAMPLES, EvaluationPanel
from cnnrnn_studio.ui.dashboard.try_it import TryItPanel
from cnnrnn_studio.ui.shell.tasks import wait_all


@pytest.fixture(autouse=True)
def _join_threads():
    yield
    assert wait_all(60000), "a generation thread did not end"


def _project(blocks, dataset: dict, folder, epochs: int = 2, lr: float = 0.02) -> Project:
    project = Project.from_dict({
        "format": "cnnrnn-studio-project", "version": 1, "name": "gen",
        "blocks": [{"id": i, "type": t, "params": p} for i, t, p in blocks],
        "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])],
        "dataset": dataset, "training": {"epochs": epochs, "batch_size": 8, "learning_rate": lr}},
        path=folder / "p.json")
    project.save()
    return project


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("text")
    (tmp / "corpus.txt").write_text("the cat sat on the mat. " * 40, encoding="utf-8")
    spec = {"kind": "file", "format": "text", "train": "corpus.txt", "window": 12}
    ds = load_dataset(spec, base_dir=tmp)
    project = _project([("input", "Input", {"kind": "tokens", "shape": [12]}),
                        ("emb", "Embedding", {"num_embeddings": len(ds.vocab), "embedding_dim": 8}),
                        ("lstm", "LSTM", {"hidden_size": 16, "return_sequences": True}),
                        ("dense", "Dense", {"out_features": len(ds.vocab)}),
                        ("output", "Output", {"task": "classification"})], spec, tmp)
    return train(project, dataset=ds, out=tmp / "run"), ds


@pytest.fixture(scope="module")
def series_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("series")
    t = np.arange(120)
    values = 100 + 20 * np.sin(2 * np.pi * t / 12) + 0.5 * t
    (tmp / "series.csv").write_text("month,value\n" + "".join(f"m{i},{v:.4f}\n" for i, v in enumerate(values)))
    spec = {"kind": "file", "format": "csv", "train": "series.csv", "mode": "timeseries", "window": 12}
    project = _project([("input", "Input", {"kind": "sequence", "shape": [12, 1]}),
                        ("gru", "GRU", {"hidden_size": 8}),
                        ("dense", "Dense", {"out_features": 1}),
                        ("output", "Output", {"task": "regression"})], spec, tmp)
    run = train(project, out=tmp / "run")
    return run, run.load_dataset()


def _try_it(qtbot, run, ds, task: str) -> TryItPanel:
    panel = TryItPanel()
    qtbot.addWidget(panel)
    panel.set_model(run.model, ds, task, ds.class_names, run=run)
    return panel


def test_a_text_model_writes_text_from_a_start_at_a_temperature(qtbot, text_run):
    run, ds = text_run
    panel = _try_it(qtbot, run, ds, "classification")
    box = panel.generate
    assert not box.isHidden() and box.kind == "text"
    assert not box.text.isHidden() and box.chart.isHidden()
    box.length.setValue(40)
    box.start.setText("the ")
    box.temperature.setValue(0.5)
    with qtbot.waitSignal(box.generated, timeout=60000) as blocker:
        box.button.click()
    result = blocker.args[0]
    shown = box.text.toPlainText()
    assert shown == "the " + result["generated"]
    assert len(result["generated"]) == 40 and result["temperature"] == 0.5
    assert set(result["generated"]) <= set("the cat sat on the mat. ")   # only the text's own characters


def test_a_start_with_unknown_characters_is_a_plain_message(qtbot, text_run):
    run, ds = text_run
    box = _try_it(qtbot, run, ds, "classification").generate
    box.start.setText("zebra")
    with qtbot.waitSignal(box.failed, timeout=60000):
        assert box.start_generating()
    assert "never saw in training" in box.message.text() and "'z'" in box.message.text()
    assert box.text.toPlainText() == "" and box.result is None


def test_results_show_passages_the_text_model_wrote(qtbot, text_run):
    run, ds = text_run
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.generated.generated, timeout=60000) as blocker:
        panel.show_run(run)
    samples = blocker.args[0]
    assert len(samples) == GENERATED_SAMPLES
    vocab = set("the cat sat on the mat. ")
    for text in samples:
        assert len(text) == GENERATED_LENGTH + 1 and set(text) <= vocab   # a first character, then the passage
        assert text in panel.generated.text.toPlainText()
    assert panel.stack.currentWidget() is panel.confusion   # the per-step confusion matrix stays


def test_a_series_model_forecasts_n_steps_after_the_real_history(qtbot, series_run):
    run, ds = series_run
    panel = _try_it(qtbot, run, ds, "regression")
    box = panel.generate
    assert box.kind == "values" and not box.chart.isHidden() and box.text.isHidden()
    box.length.setValue(7)
    with qtbot.waitSignal(box.generated, timeout=60000) as blocker:
        box.button.click()
    curves = {name: (x, y) for name, x, y in box.chart.series()}
    history_x, history_y = curves["real history"]
    forecast_x, forecast_y = curves["forecast (each prediction fed back)"]
    assert len(forecast_x) == 7 and np.allclose(forecast_y, blocker.args[0]["generated"])
    assert len(history_x) == len(ds.meta["series"]) and forecast_x[0] == history_x[-1] + 1
    assert "7 steps" in box.message.text()


def test_typed_start_values_are_the_history(qtbot, series_run):
    run, ds = series_run
    box = _try_it(qtbot, run, ds, "regression").generate
    box.length.setValue(3)
    start = [100 + i for i in range(12)]
    box.start.setText(", ".join(map(str, start)))
    with qtbot.waitSignal(box.generated, timeout=60000):
        box.start_generating()
    curves = {name: (x, y) for name, x, y in box.chart.series()}
    assert list(curves["real history"][1]) == start
    assert len(curves["forecast (each prediction fed back)"][0]) == 3


def test_runs_that_cannot_generate_have_no_generate_box(qtbot, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 6, 2)).astype(np.float32)
    np.savez(tmp_path / "d.npz", X=x, y=(x[:, :, 0].sum(1) > 0).astype(np.int64))
    spec = {"kind": "file", "format": "npz", "train": "d.npz"}
    ds = load_dataset(spec, base_dir=tmp_path)
    project = _project([("input", "Input", {"kind": "sequence", "shape": [6, 2]}),
                        ("gru", "GRU", {"hidden_size": 4}),
                        ("dense", "Dense", {"out_features": 2}),
                        ("output", "Output", {"task": "classification"})], spec, tmp_path, epochs=1)
    run = train(project, dataset=ds, out=tmp_path / "run")
    panel = _try_it(qtbot, run, ds, "classification")
    assert panel.generate.isHidden() and panel.generate.kind is None
    assert not panel.generate.start_generating()
    results = EvaluationPanel()
    qtbot.addWidget(results)
    results.show_run(run)
    assert results.generated.isHidden()


def test_a_text_run_opened_in_the_dashboard_can_generate(qtbot, dashboard, text_run):
    run, _ = text_run
    with qtbot.waitSignal(dashboard.results.generated.generated, timeout=60000):
        with qtbot.waitSignal(dashboard.run_opened, timeout=60000):
            dashboard.open_run(str(run.folder))
    box = dashboard.try_it.generate
    assert box.kind == "text" and box.run is not None and box.run.model is dashboard.try_it.model
    box.length.setValue(5)
    with qtbot.waitSignal(box.generated, timeout=60000) as blocker:
        box.button.click()
    assert len(blocker.args[0]["generated"]) == 5


def test_results_of_a_series_model_show_its_forecast_after_the_data(qtbot, series_run):
    from cnnrnn_studio.train.generate import generate
    from cnnrnn_studio.ui.dashboard.evaluation import GENERATED_FORECAST

    run, ds = series_run
    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    run.dataset = None   # as a run opened from disk: its data arrives later
    panel.show_run(run)
    assert panel.generated.isHidden()
    with qtbot.waitSignal(panel.generated.generated, timeout=60000) as blocker:
        panel.set_dataset(run, ds)
    values = [float(v) for v in blocker.args[0][0].split(",")]
    assert len(values) == GENERATED_FORECAST
    assert np.allclose(values, generate(run, length=GENERATED_FORECAST)["generated"], rtol=1e-5)
    assert "after the end of the data" in panel.generated.note.text() and not panel.generated.isHidden()
