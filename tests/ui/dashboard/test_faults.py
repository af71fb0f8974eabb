"""Bad input and faults: the run stops with a message in the panel, the UI keeps working, no thread
is left behind, and the person can start again."""

from __future__ import annotations

import json
from pathlib import Path

import cnnrnn_studio.train


def _assert_idle_and_ready(dashboard) -> None:
    assert not dashboard.is_training() and dashboard.session is None
    assert dashboard.train_button.isEnabled() and not dashboard.stop_button.isEnabled()


def test_an_engine_exception_is_a_message_and_training_can_start_again(qtbot, dashboard, tiny_project,
                                                                      monkeypatch, train_to_end):
    def broken_train(project, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cnnrnn_studio.train, "train", broken_train)
    dashboard.set_project(tiny_project)
    train_to_end(dashboard)
    text = dashboard.banner.text()
    assert "disk on fire" in text and "Traceback" not in text
    assert dashboard.history.state == "failed"
    _assert_idle_and_ready(dashboard)

    monkeypatch.undo()
    run_dir = train_to_end(dashboard, epochs=1)
    assert dashboard.history.state == "finished" and Path(run_dir).is_dir()


def test_nan_loss_stops_the_run_and_keeps_the_last_good_weights(qtbot, dashboard, make_project, train_to_end):
    project = make_project()
    project.training.update(learning_rate=1e12, optimizer="sgd")
    dashboard.set_project(project)
    run_dir = train_to_end(dashboard)
    text = dashboard.banner.text()
    assert dashboard.history.state == "failed"
    assert "NaN" in text or "diverged" in text
    assert "start again" in text
    _assert_idle_and_ready(dashboard)
    assert (Path(run_dir) / "weights.safetensors").is_file()
    summary = json.loads((Path(run_dir) / "summary.json").read_text())
    assert summary["status"] == "diverged"   # the run folder names the kind of failure
    # fixed: the next run trains
    project.training.update(learning_rate=0.01, optimizer="adam")
    train_to_end(dashboard, epochs=1)
    assert dashboard.history.state == "finished"


def test_a_dataset_file_that_disappeared(qtbot, dashboard, make_project, train_to_end):
    project = make_project()
    (project.path.parent / "tiny.npz").unlink()
    dashboard.set_project(project)
    train_to_end(dashboard)
    assert "tiny.npz" in dashboard.banner.text()
    assert dashboard.history.state == "failed"
    _assert_idle_and_ready(dashboard)


def test_an_invalid_network_does_not_start(qtbot, dashboard, tiny_project):
    tiny_project.graph.remove_link("relu", "dense2")
    dashboard.set_project(tiny_project)
    assert dashboard.start_training() is False
    assert "problems" in dashboard.banner.text() and dashboard.session is None


def test_no_project_no_dataset(qtbot, dashboard, tiny_project):
    assert dashboard.start_training() is False
    assert "project" in dashboard.banner.text().lower()
    tiny_project.dataset = None
    dashboard.set_project(tiny_project)
    assert dashboard.start_training() is False
    assert "dataset" in dashboard.banner.text().lower()
