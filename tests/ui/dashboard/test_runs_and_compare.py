"""Runs history (list, reopen, delete after asking, use weights) and the side-by-side comparison."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from cnnrnn_studio.train import load_run
from cnnrnn_studio.ui.dashboard.compare import compare_rows, network_family


def test_delete_asks_and_cancel_keeps_the_run(qtbot, dashboard, tiny_project, train_to_end, monkeypatch):
    dashboard.set_project(tiny_project)
    run_dir = train_to_end(dashboard, epochs=1)
    panel = dashboard.runs
    assert panel.table.rowCount() == 1
    assert panel.select_run(run_dir)
    asked = []

    def answer(button):
        def question(*args, **kwargs):
            asked.append(args[2])
            return button
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    assert panel.delete_selected() is False
    assert Path(run_dir).is_dir() and panel.table.rowCount() == 1 and "Delete the run" in asked[0]

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    with qtbot.waitSignal(panel.run_deleted) as deleted:
        assert panel.delete_selected() is True
    assert deleted.args == [run_dir]
    assert not Path(run_dir).exists() and panel.table.rowCount() == 0


def test_the_run_training_now_cannot_be_deleted(qtbot, dashboard, tiny_project, monkeypatch):
    dashboard.set_project(tiny_project)
    dashboard.start_training(epochs=5000)
    qtbot.waitUntil(lambda: len(dashboard.history.epoch_x) >= 1, timeout=60000)
    dashboard.runs.refresh()
    assert dashboard.runs.select_run(dashboard.history.run_dir)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("must not even ask"))
    assert dashboard.runs.delete_selected() is False
    assert "training now" in dashboard.runs.message.text()
    assert Path(dashboard.history.run_dir).is_dir()


def test_reopen_a_run_and_use_its_weights(qtbot, dashboard, tiny_project, train_to_end):
    dashboard.set_project(tiny_project)
    first = train_to_end(dashboard, epochs=2)
    train_to_end(dashboard, epochs=1)
    panel = dashboard.runs
    assert [Path(i.folder) for i in panel.infos][1] == Path(first)      # newest first
    assert panel.select_run(first)
    with qtbot.waitSignal(dashboard.weights_loaded) as used:
        panel.weights_button.click()
    assert used.args == [first]
    with qtbot.waitSignal(dashboard.run_opened, timeout=60000):
        panel.open_button.click()
    assert Path(first).name in dashboard.results.headline.text()
    qtbot.waitUntil(lambda: dashboard.try_it.dataset is not None, timeout=60000)
    assert len(dashboard.try_it.try_test_sample(0)) == 3
    # the reopened run's curves: one point per epoch of that run
    dashboard.tabs.setCurrentWidget(dashboard.plots)
    val = {name: y for name, _, y in dashboard.plots.loss.series()}["validation, per epoch"]
    assert len(val) == 2


def test_compare_two_runs(qtbot, dashboard, make_project, train_to_end):
    small = make_project(hidden=4)
    dashboard.set_project(small)
    run_a = train_to_end(dashboard, epochs=2)
    small.graph.set_param("dense1", "out_features", 32)      # a bigger network, same data
    run_b = train_to_end(dashboard, epochs=3)
    panel = dashboard.runs
    panel.set_checked([run_a, run_b])
    assert panel.compare_button.isEnabled()
    panel.compare_button.click()
    view = dashboard.compare
    assert dashboard.tabs.currentWidget() is view
    assert view.table.columnCount() == 2
    labels = [view.table.verticalHeaderItem(r).text() for r in range(view.table.rowCount())]
    params_row = labels.index("parameters")
    params = [view.table.item(params_row, c).text() for c in range(2)]
    expected = [f"{load_run(d, with_model=False).summary['total_params']:,}" for d in (run_b, run_a)]
    assert sorted(params) == sorted(expected) and params[0] != params[1]
    best = [view.table.item(params_row, c).font().bold() for c in range(2)]
    assert best.count(True) == 1                                  # the smaller one is marked
    for needed in ("multiply-adds per sample", "time per epoch", "best validation accuracy", "test accuracy"):
        assert needed in labels
    curves = view.loss.series()
    assert sorted(len(y) for _, _, y in curves) == [2, 3]


def test_compare_rows_pick_the_best_of_each_row(tiny_project, tmp_path):
    from cnnrnn_studio.ui.dashboard.compare import RunFigures

    def fig(params, acc, test, secs):
        return RunFigures(run_dir="r", label="r", family="CNN", task="classification", params=params, macs=params * 2,
                          epochs_run=3, seconds_per_epoch=secs, samples_per_s=100.0, best_val_accuracy=(acc, 2),
                          best_val_loss=(1 - acc, 2), best_val_mae=None, test={"accuracy": test}, device="CPU",
                          metrics=[])

    rows = {label: (texts, best) for label, texts, best in
            compare_rows([fig(1000, 0.9, 0.88, 2.0), fig(50, 0.95, 0.91, 3.0)])}
    assert rows["parameters"] == (["1,000", "50"], 1)
    assert rows["time per epoch"][1] == 0
    assert rows["best validation accuracy"] == (["90% (epoch 2)", "95% (epoch 2)"], 1)
    assert rows["test accuracy"] == (["88.0%", "91.0%"], 1)
    assert network_family(tiny_project) == "MLP"


def test_network_family_names_the_mix():
    from cnnrnn_studio.project import load_template

    assert network_family(load_template("digits_cnn")) == "CNN"
    assert network_family(load_template("lstm_classifier")) == "LSTM"
    assert network_family(load_template("cnn_lstm_video")) == "CNN + LSTM"


def test_the_runs_list_names_the_network(qtbot, dashboard, tiny_project, train_to_end):
    dashboard.set_project(tiny_project)
    train_to_end(dashboard, epochs=1)
    header = [dashboard.runs.table.horizontalHeaderItem(c).text() for c in range(dashboard.runs.table.columnCount())]
    row = {h: dashboard.runs.table.item(0, c).text() for c, h in enumerate(header)}
    assert row["network"] == "MLP"
    assert row["parameters"] == f"{dashboard.history.info['total_params']:,}"
    assert row["status"] == "finished" and row["epochs"] == "1 of 1"
    assert row["test score"].startswith("accuracy ")
