"""Training in the dashboard with the real engine on a tiny project: start, live plots, results,
pause / resume / stop, closing while training, and the snapshot that keeps edits out of a run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from PySide6.QtWidgets import QMessageBox

from cnnrnn_studio.train import load_run


def test_a_run_trains_on_its_thread_and_fills_every_view(qtbot, dashboard, tiny_project, train_to_end):
    dashboard.set_project(tiny_project)
    assert dashboard.epochs.value() == 3                  # from the project's training section
    started = []
    dashboard.training_started.connect(lambda: started.append(True))
    run_dir = train_to_end(dashboard)
    assert started == [True]
    run = load_run(run_dir, with_model=False)
    assert run.summary["status"] == "finished" and run.summary["epochs_run"] == 3
    h = dashboard.history
    assert h.state == "finished" and len(h.epoch_x) == 3
    # live plots: every batch, and one point per epoch, equal to the run's own metrics
    dashboard.tabs.setCurrentWidget(dashboard.plots)
    series = {name: (x, y) for name, x, y in dashboard.plots.loss.series()}
    assert len(series["each batch"][1]) == 3 * h.batches_per_epoch
    assert np.allclose(series["validation, per epoch"][1], [r["val_loss"] for r in run.metrics], atol=1e-4)
    acc = {name: y for name, _, y in dashboard.plots.scores.series()}
    assert len(acc["validation"]) == 3 and 0 <= acc["validation"].min() <= acc["validation"].max() <= 100
    # gradient flow: one line per block with weights, one point per epoch
    dashboard.tabs.setCurrentWidget(dashboard.gradients)
    grads = {name: y for name, _, y in dashboard.gradients.chart.series()}
    assert set(grads) == {"dense1", "dense2"} and all(len(v) == 3 for v in grads.values())
    # results, try-it, runs history
    assert dashboard.tabs.currentWidget() is not None
    assert dashboard.results.confusion.matrix.rowCount() == 3
    assert dashboard.try_it.model is not None
    assert [Path(i.folder) for i in dashboard.runs.infos] == [Path(run_dir)]
    assert "finished" in dashboard.banner.text().lower()
    assert dashboard.train_button.isEnabled() and not dashboard.stop_button.isEnabled()


def test_the_run_trains_the_graph_as_it_was_when_train_was_pressed(qtbot, dashboard, tiny_project):
    dashboard.set_project(tiny_project)
    dashboard.start_training(epochs=2000)
    qtbot.waitUntil(lambda: dashboard.history.run_dir is not None, timeout=60000)
    tiny_project.graph.set_param("dense1", "out_features", 64)   # an edit while it trains
    with qtbot.waitSignal(dashboard.training_finished, timeout=60000) as done:
        dashboard.stop_training()
    trained = json.loads((Path(done.args[0]) / "project.json").read_text())
    dense1 = next(b for b in trained["blocks"] if b["id"] == "dense1")
    assert dense1["params"]["out_features"] == 8
    assert tiny_project.graph.block("dense1").params["out_features"] == 64  # the edit itself stays


def test_pause_resume_and_stop(qtbot, dashboard, tiny_project):
    dashboard.set_project(tiny_project)
    assert dashboard.start_training(epochs=5000)
    assert not dashboard.train_button.isEnabled() and dashboard.stop_button.isEnabled()
    h = dashboard.history
    qtbot.waitUntil(lambda: len(h.epoch_x) >= 1, timeout=60000)

    dashboard.pause_training()
    qtbot.waitUntil(lambda: h.state == "paused", timeout=30000)
    assert dashboard.resume_button.isVisible() and not dashboard.pause_button.isVisible()
    batch = h.global_batch
    qtbot.wait(400)
    assert h.global_batch == batch and dashboard.is_training()   # paused: no batch goes by

    dashboard.resume_training()
    qtbot.waitUntil(lambda: h.state == "running" and h.global_batch > batch, timeout=30000)

    with qtbot.waitSignal(dashboard.training_finished, timeout=60000) as done:
        dashboard.stop_training()
    assert h.state == "stopped" and not dashboard.is_training()
    summary = json.loads((Path(done.args[0]) / "summary.json").read_text())
    assert summary["stopped_by_user"] is True and summary["status"] == "stopped"
    assert "stopped by you" in dashboard.banner.text().lower()


def test_stop_while_paused(qtbot, dashboard, tiny_project):
    dashboard.set_project(tiny_project)
    dashboard.start_training(epochs=5000)
    qtbot.waitUntil(lambda: len(dashboard.history.epoch_x) >= 1, timeout=60000)
    dashboard.pause_training()
    qtbot.waitUntil(lambda: dashboard.history.state == "paused", timeout=30000)
    with qtbot.waitSignal(dashboard.training_finished, timeout=60000):
        dashboard.stop_training()
    assert dashboard.history.state == "stopped"


def test_closing_while_training_stops_and_joins_the_thread(qtbot, dashboard, tiny_project):
    dashboard.set_project(tiny_project)
    dashboard.start_training(epochs=5000)
    qtbot.waitUntil(lambda: len(dashboard.history.epoch_x) >= 1, timeout=60000)
    run_dir = Path(dashboard.history.run_dir)
    assert dashboard.request_stop_and_wait(60000) is True
    assert not dashboard.is_training() and dashboard.session is None
    assert dashboard.history.state == "stopped"
    assert (run_dir / "weights.safetensors").is_file()
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "stopped"


def test_close_asks_first(qtbot, dashboard, tiny_project, monkeypatch):
    dashboard.set_project(tiny_project)
    dashboard.start_training(epochs=5000)
    qtbot.waitUntil(lambda: dashboard.history.state == "running", timeout=60000)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    assert dashboard.confirm_stop_for_close() is False
    assert dashboard.is_training()                       # the person said no: it goes on
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert dashboard.confirm_stop_for_close() is True
    assert not dashboard.is_training()


def test_shutdown_joins_everything(qtbot, dashboard, tiny_project):
    dashboard.set_project(tiny_project)
    dashboard.data_preview.load(tiny_project, force=True)
    dashboard.start_training(epochs=5000)
    qtbot.waitUntil(lambda: dashboard.history.state == "running", timeout=60000)
    assert dashboard.shutdown(60000) is True
    assert not dashboard.is_training() and not dashboard.data_preview.is_loading()


def test_train_again_starts_a_new_run(qtbot, dashboard, tiny_project, train_to_end):
    dashboard.set_project(tiny_project)
    first = train_to_end(dashboard, epochs=1)
    second = train_to_end(dashboard, epochs=1)
    assert first != second and Path(first).is_dir() and Path(second).is_dir()
    assert len(dashboard.runs.infos) == 2


def test_frequent_events_wait_for_the_next_frame_and_the_rest_wake_the_gui(qtbot):
    from cnnrnn_studio.train import events as E
    from cnnrnn_studio.ui.dashboard.worker import TrainingWorker

    worker = TrainingWorker(engine=None, project=None, control=None, options={})
    woken_at = []   # how many events were queued when the GUI was woken
    worker.events_queued.connect(lambda: woken_at.append(len(worker.pending)))
    sequence = [
        E.RunStarted(run_dir="r", epochs=1, batches_per_epoch=2, device="cpu", device_name="CPU", n_train=4,
                     n_val=1, n_test=1, total_params=1, task="classification", class_names=None),
        E.EpochStarted(epoch=1, epochs=1),
        E.BatchProgress(epoch=1, batch=2, batches=2, losses=[1.0, 0.9], samples_per_s=10.0, lr=0.1),
        E.EpochDone(epoch=1, epochs=1, train_loss=0.9, train_accuracy=0.5, val_loss=1.0, val_accuracy=0.5,
                    val_mae=None, val_rmse=None, samples_per_s=10.0, seconds=0.1, lr=0.1, grad_norms={}),
        E.Finished(summary={}, run_dir="r", stopped_early=False, stopped_by_user=False),
    ]
    for event in sequence:
        worker._listen(event)
    assert [e for _, e in worker.pending] == sequence          # one queue: the order is kept
    assert woken_at == [1, 5]                                   # only the start and the end woke it
