"""The data preview: samples per class and class counts, loaded on a background thread."""

from __future__ import annotations

from cnnrnn_studio.ui.dashboard.data_preview import DataPreview, class_counts


def test_samples_per_class_and_counts(qtbot, tiny_project):
    view = DataPreview()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.dataset_loaded, timeout=60000) as loaded:
        view.load(tiny_project)
    ds = loaded.args[0]
    assert view.dataset is ds and not view.is_loading()
    counts = class_counts(ds)
    assert [c[0] for c in counts] == ["0", "1", "2"]
    assert sum(c[1] + c[2] + c[3] for c in counts) == 90
    assert view.counts.rowCount() == 4 and view.counts.item(3, 0).text() == "all"
    assert int(view.counts.item(3, 1).text().replace(",", "")) == len(ds.train)
    assert len(view.thumbnails()) == 3 * 8                # 8 pictures of each class
    assert "90 samples" in view.title.text()


def test_the_same_data_is_not_loaded_twice_and_a_change_reloads(qtbot, tiny_project):
    view = DataPreview()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.dataset_loaded, timeout=60000):
        view.load(tiny_project)
    first = view.dataset
    view.load(tiny_project)
    assert view.dataset is first and not view.is_loading()
    tiny_project.training["seed"] = 5                     # another split: load again
    with qtbot.waitSignal(view.dataset_loaded, timeout=60000):
        view.load(tiny_project)
    assert view.dataset is not first


def test_a_missing_file_is_a_message(qtbot, tiny_project):
    (tiny_project.path.parent / "tiny.npz").unlink()
    view = DataPreview()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.load_failed, timeout=60000) as failed:
        view.load(tiny_project)
    assert "tiny.npz" in failed.args[0]
    assert view.title.text() == "The data could not be loaded." and "tiny.npz" in view.about.text()


def test_no_dataset(qtbot, tiny_project):
    tiny_project.dataset = None
    view = DataPreview()
    qtbot.addWidget(view)
    view.load(tiny_project)
    assert "no dataset" in view.title.text() and not view.is_loading()


import pytest  # noqa: E402


@pytest.mark.parametrize("template, kind", [("lstm_classifier", "sequence"), ("cnn_lstm_video", "image_sequence"),
                                            ("text_lstm", "tokens"), ("gru_forecaster", "sequence"),
                                            ("bilstm_tagger", "image_sequence"), ("char_lstm", "tokens")])
def test_every_kind_of_builtin_data_is_pictured(qtbot, template, kind):
    from cnnrnn_studio.project import load_template
    from cnnrnn_studio.ui.dashboard.engine import Engine

    ds = Engine().load_project_dataset(load_template(template))
    assert ds.kind == kind
    view = DataPreview()
    qtbot.addWidget(view)
    view.show_dataset(ds)
    pictures = view.thumbnails()
    assert pictures and all(not p.pixmap().isNull() for p in pictures)
    if ds.task == "regression":
        assert view.series_chart.isVisibleTo(view)           # forecasting: the whole series is drawn
        assert len(view.series_chart.series()[0][1]) == len(ds.meta["series"])
    else:
        assert len(pictures) == sum(min(8, n) for _, n, _, _ in class_counts(ds))


def test_the_count_headings_are_never_cut(qtbot):
    from cnnrnn_studio.ui.dashboard.data_preview import DataPreview

    preview = DataPreview()
    qtbot.addWidget(preview)
    preview.resize(700, 400)
    preview.show()
    header = preview.counts.horizontalHeader()
    fm = header.fontMetrics()
    for column in (1, 2, 3):
        text = preview.counts.horizontalHeaderItem(column).text()
        assert header.sectionSize(column) >= fm.horizontalAdvance(text), text
