"""Live plots fed from the buffer, export to PNG / CSV, gradient flow, and the chart helpers."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from cnnrnn_studio.train import events as E
from cnnrnn_studio.ui.dashboard.charts import Chart, nice_ceil, nice_floor
from cnnrnn_studio.ui.dashboard.gradients import GradientFlowView, verdict
from cnnrnn_studio.ui.dashboard.history import RunHistory
from cnnrnn_studio.ui.dashboard.plots import LivePlots


def _feed(h: RunHistory, epochs: int = 3, batches: int = 5, task: str = "classification") -> None:
    h.add(E.RunStarted(run_dir="r", epochs=epochs, batches_per_epoch=batches, device="cpu", device_name="CPU",
                       n_train=40, n_val=10, n_test=10, total_params=10, task=task, class_names=None))
    for ep in range(1, epochs + 1):
        h.add(E.EpochStarted(epoch=ep, epochs=epochs))
        for b in range(1, batches + 1):
            h.add(E.BatchProgress(epoch=ep, batch=b, batches=batches, losses=[1.0 / (ep * b)], samples_per_s=100.0 * b,
                                  lr=0.01 / ep))
        h.add(E.EpochDone(epoch=ep, epochs=epochs, train_loss=1.0 / ep, train_accuracy=0.5 + 0.1 * ep,
                          val_loss=1.2 / ep, val_accuracy=0.4 + 0.1 * ep, val_mae=0.5 / ep if task == "regression" else None,
                          val_rmse=0.7 / ep if task == "regression" else None, samples_per_s=300.0, seconds=1.0,
                          lr=0.01 / ep, grad_norms={"rnn1": 1e-4 / ep, "rnn2": 0.1, "dense": 1.0}))


@pytest.fixture
def plots(qtbot):
    p = LivePlots()
    qtbot.addWidget(p)
    p.resize(1000, 700)
    p.show()
    return p


def test_plots_receive_every_point_and_redraw_only_on_news(plots):
    h = RunHistory()
    _feed(h)
    assert plots.refresh(h) is True
    assert plots.refresh(h) is False                      # nothing new: no setData, no repaint
    s = {name: (x, y) for name, x, y in plots.loss.series()}
    assert len(s["each batch"][0]) == 15 and s["each batch"][0][-1] == pytest.approx(3.0)
    assert s["validation, per epoch"][1].tolist() == pytest.approx([1.2, 0.6, 0.4])
    acc = {name: y for name, _, y in plots.scores.series()}
    assert acc["validation"].tolist() == pytest.approx([50.0, 60.0, 70.0])   # shown in percent
    # the slow-moving charts follow a frame later while training, and in full once it ended
    h.add(E.Finished(summary={}, run_dir="r", stopped_early=False, stopped_by_user=False))
    assert plots.refresh(h) is True
    lr = {name: y for name, _, y in plots.lr.series()}["learning rate"]
    assert len(lr) == 15 and lr[-1] == pytest.approx(0.01 / 3)
    # the view covers every point (live charts set their own round ranges)
    (x0, x1), (y0, y1) = plots.loss.getPlotItem().vb.viewRange()
    assert x0 <= 0 and x1 >= 3 and y0 <= 0.2 and y1 >= 1.2


def test_regression_shows_errors_instead_of_accuracy(plots):
    h = RunHistory()
    _feed(h, task="regression")
    plots.refresh(h)
    names = [name for name, _, _ in plots.scores.series()]
    assert names == ["validation MAE", "validation RMSE"]
    assert "error" in plots.scores.getPlotItem().titleLabel.text.lower()


def test_secondary_charts_never_share_a_frame_with_the_epoch_curves(plots):
    h = RunHistory()
    _feed(h, epochs=1)
    plots.refresh(h)                                       # epoch news: loss and accuracy only
    assert len(plots.lr.series()[0][1]) == 0
    h.add(E.BatchProgress(epoch=2, batch=1, batches=5, losses=[0.1], samples_per_s=1.0, lr=0.005))
    plots.refresh(h)                                       # the next frame catches up
    assert len(plots.lr.series()[0][1]) == 6


def test_export_png_and_csv(plots, tmp_path, monkeypatch):
    h = RunHistory()
    _feed(h)
    plots.refresh(h)
    png = plots.loss.export_png(tmp_path / "loss.png", width=600)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    path = plots.loss.export_csv(tmp_path / "loss.csv")
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["series", "epoch", "loss"]
    assert sum(1 for r in rows if r[0] == "validation, per epoch") == 3
    assert len(rows) == 1 + 15 + 15 + 3 + 3
    # through the buttons, with the file dialog answered
    plots.export_choice.setCurrentIndex(plots.export_choice.findData("scores"))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "acc.csv"), ""))
    plots._ask_export("csv")
    assert (tmp_path / "acc.csv").read_text().startswith("series,epoch,accuracy (%)")


def test_a_chart_export_never_replaces_the_projects_data_and_asks_before_other_files(plots, tmp_path, dialogs):
    h = RunHistory()
    _feed(h)
    plots.refresh(h)
    data = tmp_path / "mydata.csv"
    data.write_text("a,b,label\n1,2,x\n")
    mine = tmp_path / "notes.csv"
    mine.write_text("my own notes\n")
    plots.protected = lambda: [data]
    dialogs.replace_answer = True
    assert not plots._ask_export("csv", str(data))          # the project's data: never, even with a yes
    assert data.read_text() == "a,b,label\n1,2,x\n"
    assert "never replaced" in dialogs.errors[-1][1]
    dialogs.replace_answer = False
    assert not plots._ask_export("csv", str(mine))          # someone's file: asked, and "keep it" keeps it
    assert dialogs.replace_asked[-1][0] == str(mine)
    assert mine.read_text() == "my own notes\n"
    dialogs.replace_answer = True
    assert plots._ask_export("csv", str(mine))              # a yes replaces it
    assert mine.read_text().startswith("series,epoch,loss")


def test_hover_reads_the_nearest_values(plots):
    h = RunHistory()
    _feed(h)
    plots.refresh(h)
    values = dict((name, y) for name, _, y in plots.loss.values_at(2.04))
    assert values["validation, per epoch"] == pytest.approx(0.6)
    assert values["each batch"] == pytest.approx(1.0 / (2 * 5))   # x = 2.0: epoch 2, batch 5 (2.2 is further)


def test_gradient_flow_one_log_line_per_block(qtbot):
    view = GradientFlowView()
    qtbot.addWidget(view)
    h = RunHistory()
    _feed(h)
    assert view.refresh(h)
    series = {name: y for name, _, y in view.chart.series()}
    assert list(series) == ["rnn1", "rnn2", "dense"]          # network order
    assert series["rnn1"].tolist() == pytest.approx([1e-4, 5e-5, 1e-4 / 3])
    assert view.chart.getPlotItem().ctrl.logYCheck.isChecked()
    assert "vanishing" in view.verdict.text()


def test_verdict_words():
    assert "vanishing" in verdict({"a": [(1, 1e-5)], "b": [(1, 1.0)]})
    assert "vanishing" not in verdict({"a": [(1, 0.5)], "b": [(1, 1.0)]})
    assert "no gradient" in verdict({"a": [(1, 0.0)], "b": [(1, 1.0)]})
    assert verdict({}) == "Gradients appear after the first epoch."


def test_round_numbers():
    assert nice_ceil(0.73) == pytest.approx(0.8)
    assert nice_ceil(2.1) == pytest.approx(2.5)
    assert nice_ceil(1000) == pytest.approx(1000)
    assert nice_floor(87.0) == pytest.approx(80.0)
    assert nice_floor(0.0) == 0.0


def test_live_range_moves_in_round_steps_only_when_needed(qtbot):
    chart = Chart("t", "x", "y", live=True)
    qtbot.addWidget(chart)
    chart.add_curve("c", "c", "#000")
    chart.set_curve("c", [0, 1], [2.0, 1.9])
    chart.fit()
    first = chart.getPlotItem().vb.viewRange()
    chart.set_curve("c", [0, 1, 1.1], [2.0, 1.9, 1.5])      # still inside, still fills it
    chart.fit()
    assert chart.getPlotItem().vb.viewRange() == first
    chart.set_curve("c", np.arange(5.0), [2.0, 1.9, 1.5, 0.2, 0.1])
    chart.fit()
    (x0, x1), (y0, y1) = chart.getPlotItem().vb.viewRange()
    assert x1 >= 4 and y1 >= 2.0 and y0 <= 0.1
    chart.getPlotItem().vb.sigRangeChangedManually.emit([True, True])  # the person zoomed: hands off
    chart.set_curve("c", np.arange(10.0), np.ones(10) * 50)
    chart.fit()
    assert chart.getPlotItem().vb.viewRange()[1][1] < 50


def test_markers_while_they_fit_then_the_line_alone(qtbot):
    from cnnrnn_studio.ui.dashboard.charts import MARKERS_UP_TO

    chart = Chart("t", "epoch", "y", live=True)
    qtbot.addWidget(chart)
    chart.add_curve("line", "per epoch", "#000", symbol="o")
    chart.add_curve("dots", "points", "#000", scatter=True)
    few = np.arange(1.0, MARKERS_UP_TO + 1)
    chart.set_curve("line", few, few)
    chart.set_curve("dots", few, few)
    assert chart.curves["line"].opts["symbol"] == "o"
    many = np.arange(1.0, MARKERS_UP_TO + 2)
    chart.set_curve("line", many, many)
    chart.set_curve("dots", many, many)
    assert chart.curves["line"].opts["symbol"] is None          # too dense: the line alone
    assert chart.curves["dots"].opts["symbol"] == "o"           # a scatter keeps its points
    chart.set_curve("line", few, few)                            # a new run starts small again
    assert chart.curves["line"].opts["symbol"] == "o"
    assert [n for n, _, _ in chart.series()] == ["per epoch", "points"]   # data untouched


def test_live_curves_draw_about_one_point_per_pixel(qtbot):
    chart = Chart("t", "x", "y", live=True)
    qtbot.addWidget(chart)
    chart.resize(500, 300)
    chart.show()
    qtbot.waitExposed(chart)
    chart.add_curve("noisy", "noisy", "#000")
    chart.add_curve("smooth", "smooth", "#000", downsample="mean")
    x = np.linspace(0, 10, 20000)
    y = np.sin(x * 40)
    chart.set_curve("noisy", x, y)
    chart.set_curve("smooth", x, y)
    chart.fit()
    width = chart.getPlotItem().vb.width()
    noisy_x, noisy_y = chart.curves["noisy"].getData()
    smooth_x, _ = chart.curves["smooth"].getData()
    assert len(noisy_x) <= 2.5 * width and len(smooth_x) <= 1.5 * width   # not 20,000 segments
    assert noisy_y.max() == pytest.approx(1.0, abs=1e-3) and noisy_y.min() == pytest.approx(-1.0, abs=1e-3)
    assert len(chart.series()[0][1]) == 20000                    # export and hover keep every point


def test_an_accuracy_axis_stops_at_100_percent(plots):
    h = RunHistory()
    _feed(h, epochs=3)       # validation accuracy 50, 60, 70 %
    plots.refresh(h)
    h2 = RunHistory()
    h2.add(E.RunStarted(run_dir="r", epochs=3, batches_per_epoch=1, device="cpu", device_name="CPU",
                        n_train=4, n_val=1, n_test=1, total_params=1, task="classification", class_names=None))
    for ep, acc in ((1, 0.69), (2, 0.99), (3, 1.0)):
        h2.add(E.EpochDone(epoch=ep, epochs=3, train_loss=0.1, train_accuracy=acc, val_loss=0.1, val_accuracy=acc,
                           val_mae=None, val_rmse=None, samples_per_s=1.0, seconds=1.0, lr=0.01, grad_norms={}))
    h2.add(E.Finished(summary={}, run_dir="r", stopped_early=False, stopped_by_user=False))
    plots.clear()
    plots.refresh(h2)
    (_, _), (y0, y1) = plots.scores.getPlotItem().vb.viewRange()
    assert y1 == pytest.approx(100.0, abs=0.5) and y0 <= 69
