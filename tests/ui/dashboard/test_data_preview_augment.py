"""The Data tab's row of augmented examples of one training sample."""

from __future__ import annotations

from cnnrnn_studio.ui.dashboard.data_preview import AUGMENTED, DataPreview


def _images(view):
    return [label.pixmap().toImage() for label in view.augmented_thumbnails()]


def _load(qtbot, view, project):
    with qtbot.waitSignal(view.dataset_loaded, timeout=60000):
        view.load(project)


def test_a_row_of_augmented_examples_follows_the_settings(qtbot, tiny_project):
    view = DataPreview()
    qtbot.addWidget(view)
    _load(qtbot, view, tiny_project)
    assert view.augmented_thumbnails() == []  # off: no row
    loaded = view.dataset

    tiny_project.dataset["augment"] = {"images": {"shift": 0.25, "brightness": 0.3}}
    view.load(tiny_project)  # only the augmentation changed: nothing is loaded again
    assert view.dataset is loaded and not view.is_loading()
    images = _images(view)
    assert len(images) == 1 + AUGMENTED  # the sample as it is, then its augmented copies
    assert sum(images[0] != other for other in images[1:]) >= AUGMENTED - 1
    assert "shift 0.25" in view.augment_label.text() and "brightness 0.3" in view.augment_label.text()

    tiny_project.dataset["augment"] = {"series": {"jitter": 0.2}}  # for other data: nothing to show
    view.refresh_augmented(tiny_project)
    assert view.augmented_thumbnails() == []


def test_settings_that_cannot_be_used_are_named(qtbot, tiny_project):
    tiny_project.dataset["augment"] = {"images": {"shift": 3}}
    view = DataPreview()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.load_failed, timeout=60000) as failed:
        view.load(tiny_project)
    assert "dataset.augment.images.shift must be a number from 0 to 0.5" in failed.args[0]
