"""Try the trained network on a test sample or on a dropped picture."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from cnnrnn_studio.ui.dashboard.try_it import TryItError, image_file_to_input


@pytest.fixture
def trained(qtbot, dashboard, tiny_project, train_to_end):
    dashboard.set_project(tiny_project)
    train_to_end(dashboard, epochs=8)
    return dashboard


def test_a_test_sample_gives_class_probabilities(trained):
    panel = trained.try_it
    ev = trained.last_run.evaluation
    probs = panel.try_test_sample(4)
    assert len(probs) == 3 and sum(probs) == pytest.approx(1.0, abs=1e-5)
    assert int(np.argmax(probs)) == ev["predictions"][4]      # the same network as the evaluation
    assert "true class" in panel.truth.text()
    bars = [bar for _, bar in panel._bar_widgets]
    assert bars[int(np.argmax(probs))].value() == max(b.value() for b in bars)


# QDragEnterEvent has only the (deprecated) QPoint constructor in PySide6 6.12; QDropEvent takes QPointF.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_dropped_picture(trained, tmp_path):
    panel = trained.try_it
    img = np.zeros((4, 4), dtype=np.uint8)
    img[1, :] = 255                                            # the bright row is class 1
    path = tmp_path / "row1.png"
    Image.fromarray(img).save(path)
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(panel.drop.rect().center())
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel.drop, enter)
    assert enter.isAccepted()
    with_signal = []
    panel.predicted.connect(with_signal.append)
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel.drop, drop)
    assert len(with_signal) == 1
    probs = with_signal[0]
    assert int(np.argmax(probs)) == 1
    assert "resized to 4x4" in panel.note.text()


def test_pictures_are_matched_to_the_training_data(trained, tmp_path):
    ds = trained.last_run.dataset
    dark_ink = np.full((8, 8), 255, dtype=np.uint8)
    dark_ink[2, :] = 0                                         # dark ink on white paper
    path = tmp_path / "ink.png"
    Image.fromarray(dark_ink).save(path)
    x, note = image_file_to_input(path, ds)
    assert x.shape == (1, 4, 4) and "swapped" in note
    train = ds.train.x.numpy()
    assert x.min() >= train.min() - 1e-6 and x.max() <= train.max() + 1e-6


def test_a_file_that_is_not_a_picture(trained, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_text("not a picture")
    with pytest.raises(TryItError, match="bad.png"):
        image_file_to_input(bad, trained.last_run.dataset)
    assert trained.try_it.try_file(str(bad)) == []
    assert "bad.png" in trained.try_it.note.text()


def test_open_a_picture_is_offered_for_image_models_only(trained):
    from types import SimpleNamespace

    panel = trained.try_it
    assert not panel.open_button.isHidden()  # the tiny project's data are images
    sensor = SimpleNamespace(kind="sequence", test=[0, 1, 2], class_names=["walk", "run"])
    panel.set_model(object(), sensor, "classification", None)
    assert panel.open_button.isHidden()
    panel.clear()
    assert panel.model is None and panel.class_names == [] and "Train a network" in panel.status.text()
