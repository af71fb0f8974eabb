"""The dashboard issue's journey, with the mouse only: from the template gallery, train the digits
CNN to >= 97 % while the live plots fill, then a 1-d CNN and an LSTM on BasicMotions, and compare
the two runs side by side."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest


def _pick_template(window, qtbot, template_id: str) -> None:
    window.act_template.trigger()                      # File → New from template
    assert window.on_start_page()
    card = next(c for c in window.start_page.cards if c.template_id == template_id)
    qtbot.mouseClick(card, Qt.LeftButton, pos=card.rect().center())
    assert not window.on_start_page() and window.editor.project.analyze().ok


def _train(window, qtbot, epochs: int | None = None):
    qtbot.mouseClick(window.tabs.tabBar(), Qt.LeftButton,
                     pos=window.tabs.tabBar().tabRect(window.tabs.indexOf(window.train_tab)).center())
    dashboard = window.dashboard()
    assert dashboard.project is window.editor.project
    if epochs is not None:
        dashboard.epochs.setValue(epochs)              # the arrows of the epochs box
    qtbot.mouseClick(dashboard.train_button, Qt.LeftButton)
    assert dashboard.is_training()
    assert dashboard.tabs.currentWidget() is dashboard.plots    # the live plots are what one sees
    qtbot.waitUntil(lambda: not dashboard.is_training(), timeout=300000)
    assert dashboard.history.state == "finished", dashboard.banner.text()
    return dashboard


def test_train_digits_then_compare_a_cnn_and_an_lstm_on_basic_motions(window, qtbot):
    _pick_template(window, qtbot, "digits_cnn")
    dashboard = _train(window, qtbot)                  # the template's own 30 epochs
    h = dashboard.history
    assert h.summary["test"]["accuracy"] >= 0.97, h.summary["test"]
    loss_points = {name: len(y) for name, _, y in dashboard.plots.loss.series()}
    assert loss_points["validation, per epoch"] == 30 and loss_points["each batch"] >= 30
    assert dashboard.plots.refresh_count >= 2

    _pick_template(window, qtbot, "cnn1d_classifier")
    cnn_run = _train(window, qtbot, epochs=12).history.run_dir
    _pick_template(window, qtbot, "lstm_classifier")
    lstm_run = _train(window, qtbot, epochs=12).history.run_dir

    runs = dashboard.runs
    qtbot.mouseClick(dashboard.tabs.tabBar(), Qt.LeftButton,
                     pos=dashboard.tabs.tabBar().tabRect(dashboard.tabs.indexOf(runs)).center())
    assert [str(i.folder) for i in runs.infos] == [lstm_run]          # this network's runs
    runs.scope.setCurrentIndex(runs.scope.findData("same_data"))     # "All runs on the same data"
    folders = [str(i.folder) for i in runs.infos]
    assert set(folders) == {cnn_run, lstm_run}                       # not the digits run: other data
    for row in range(runs.table.rowCount()):                         # tick both boxes
        item = runs.table.item(row, 0)
        rect = runs.table.visualItemRect(item)
        QTest.mouseClick(runs.table.viewport(), Qt.LeftButton, pos=rect.center())
        if item.checkState() != Qt.CheckState.Checked:
            item.setCheckState(Qt.CheckState.Checked)
    assert sorted(runs.checked_runs()) == sorted([cnn_run, lstm_run])
    qtbot.mouseClick(runs.compare_button, Qt.LeftButton)
    view = dashboard.compare
    assert dashboard.tabs.currentWidget() is view and view.table.columnCount() == 2
    labels = [view.table.verticalHeaderItem(r).text() for r in range(view.table.rowCount())]
    networks = {view.table.item(labels.index("network"), c).text() for c in range(2)}
    assert networks == {"CNN", "LSTM"}
    assert {"parameters", "multiply-adds per sample", "time per epoch", "test accuracy"} <= set(labels)
    assert sorted(len(y) for _, _, y in view.loss.series()) == [12, 12]
