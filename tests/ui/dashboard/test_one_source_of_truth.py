"""The epochs and device are the project's training settings, shown in the Train tab and in the
inspector alike; before any run the bars say what Train will do."""

from cnnrnn_studio.selfcheck import simulate as sim
from cnnrnn_studio.ui.dashboard.progress import ElidedLabel, short_device_name


def test_epochs_agree_between_the_train_tab_and_the_inspector(window):
    window.docs.new_from_template("digits_cnn", ask=False)
    dashboard = window.dashboard()
    form = window.inspector.project_form
    sim.set_field(form.training["epochs"], 30)
    assert window.editor.project.training["epochs"] == 30
    assert dashboard.epochs.value() == 30
    assert dashboard.progress.epoch_bar.text() == "Epoch 0 of 30"
    assert "1" not in dashboard.progress.batch_bar.text()  # no made-up "Batch 0 of 1"
    dashboard.epochs.setValue(150)  # the Train tab's box writes the project's setting, undoably
    assert window.editor.project.training["epochs"] == 150
    assert form.training["epochs"].value == 150
    assert dashboard.progress.epoch_bar.text() == "Epoch 0 of 150"
    window.editor.stack.undo()
    assert dashboard.epochs.value() == 30 and window.editor.project.training["epochs"] == 30
    i = dashboard.device.findData("cpu")
    dashboard.device.setCurrentIndex(i)
    dashboard.device.activated.emit(i)
    assert window.editor.project.training["device"] == "cpu"


def test_long_device_names_are_shortened_and_end_in_an_ellipsis(qtbot):
    assert short_device_name("CPU: Intel(R) Xeon(R) Processor (2 threads)") == "CPU: Intel Xeon (2 threads)"
    label = ElidedLabel("CPU: Intel Xeon Platinum 8480+ with a very long name indeed (2 threads)")
    qtbot.addWidget(label)
    label.resize(120, 20)
    assert label.shown_text().endswith("…")


def test_another_project_starts_with_empty_results_and_try_it(qtbot, dashboard, make_project, train_to_end):
    first = make_project("first")
    dashboard.set_project(first)
    train_to_end(dashboard)
    qtbot.waitUntil(lambda: dashboard.results.run is not None and dashboard.try_it.model is not None, timeout=60000)
    assert dashboard.results.stack.currentWidget() is dashboard.results.confusion
    dashboard.set_project(make_project("second", epochs=5))  # File > New, another template...
    assert dashboard.results.run is None
    assert dashboard.results.stack.currentWidget() is dashboard.results.empty
    assert dashboard.try_it.model is None and dashboard.try_it.class_names == []
    assert "Train a network" in dashboard.try_it.status.text()
    assert dashboard.progress.epoch_bar.text() == "Epoch 0 of 5"
