"""The confusion matrix: counts from the evaluation, and a click on a cell lists its test samples."""

from __future__ import annotations

import torch
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from cnnrnn_studio.data import DataSplit, Dataset
from cnnrnn_studio.ui.dashboard.confusion import ConfusionView


def _click(view: ConfusionView, row: int, col: int) -> None:
    item = view.matrix.item(row, col)
    rect = view.matrix.visualItemRect(item)
    QTest.mouseClick(view.matrix.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _dataset(n_test: int) -> Dataset:
    x = torch.arange(n_test * 16, dtype=torch.float32).reshape(n_test, 1, 4, 4)
    y = torch.tensor([i % 3 for i in range(n_test)])
    empty = DataSplit(torch.zeros(0, 1, 4, 4), torch.zeros(0, dtype=torch.int64))
    return Dataset(name="t", kind="image", task="classification", sample_shape=(1, 4, 4), train=empty, val=empty,
                   test=DataSplit(x, y), class_names=["a", "b", "c"], n_outputs=3)


def test_clicking_a_cell_shows_exactly_its_samples(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    targets = [0, 1, 2, 0, 1, 2, 0, 1, 2]
    preds = [0, 1, 2, 2, 1, 0, 2, 1, 2]        # samples 3 and 6: class a said to be c
    cm = [[0] * 3 for _ in range(3)]
    for t, p in zip(targets, preds):
        cm[t][p] += 1
    evaluation = {"accuracy": 6 / 9, "n": 9, "confusion_matrix": cm, "predictions": preds, "targets": targets,
                  "per_class": [{"class": c, "precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 3} for c in "abc"]}
    view.set_evaluation(evaluation, _dataset(9))
    assert view.matrix.item(0, 2).text() == "2" and view.matrix.item(1, 1).text() == "3"
    assert view.per_class.rowCount() == 3 and view.per_class.item(2, 0).text() == "c"
    assert "66.7%" in view.summary.text()

    with qtbot.waitSignal(view.cell_selected) as sig:
        _click(view, 0, 2)
    assert sig.args == [0, 2]
    assert view.shown_samples() == [3, 6]
    assert "true a" in view.gallery.item(0).text() and "said c" in view.gallery.item(0).text()
    assert "class 'a' classified as 'c'" in view.cell_title.text()
    _click(view, 1, 0)                                  # an empty cell
    assert view.shown_samples() == [] and view.cell_title.text().startswith("0 test samples")


def test_samples_arrive_after_the_click_when_the_data_loads_later(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    evaluation = {"confusion_matrix": [[1, 0], [0, 1]], "predictions": [0, 1], "targets": [0, 1]}
    view.set_evaluation(evaluation, None, ["x", "y"])
    view.select_cell(1, 1)
    assert view.shown_samples() == [] and "Loading" in view.cell_title.text()
    view.set_dataset(_dataset(2))
    assert view.shown_samples() == [1]


def test_after_a_real_run(qtbot, dashboard, tiny_project, train_to_end):
    dashboard.set_project(tiny_project)
    train_to_end(dashboard, epochs=2)
    view = dashboard.results.confusion
    assert dashboard.tabs.currentWidget() is dashboard.results
    ev = dashboard.last_run.evaluation
    total = sum(int(view.matrix.item(r, c).text()) for r in range(3) for c in range(3))
    assert total == ev["n"] == len(dashboard.last_run.dataset.test)
    _click(view, 1, 1)
    want = [i for i, (t, p) in enumerate(zip(ev["targets"], ev["predictions"])) if t == 1 and p == 1]
    assert view.shown_samples() == want[:len(view.shown_samples())] and len(view.shown_samples()) == len(want)
