"""The Data tab with an image folder: before loading it says how many files, the cache on disk and
the memory training needs; it shows the decoding's progress; Cancel stops it and keeps nothing."""

from __future__ import annotations

import os
import threading

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

import cnnrnn_studio.data.image_cache as image_cache
from cnnrnn_studio.project.from_data import propose_project
from cnnrnn_studio.ui.dashboard.data_preview import DataPreview
from cnnrnn_studio.ui.dashboard.engine import Engine


def image_project(tmp_path, per_class=10):
    rng = np.random.default_rng(0)
    for name in ("cats", "dogs", "owls"):
        (tmp_path / "pics" / name).mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 255, (10, 10, 3), dtype=np.uint8)).save(tmp_path / "pics" / name / f"{i}.png")
    section = {"kind": "file", "format": "image_folder", "train": str(tmp_path / "pics"), "size": [10, 10],
               "color": "rgb"}
    project, _ = propose_project(section, tmp_path, dataset=None)
    return project


def cache_contents():
    return sorted(os.listdir(image_cache.cache_dir())) if image_cache.cache_dir().exists() else []


def empty_cache():
    """Proposing the network loaded the data once: start from an empty cache."""
    for name in cache_contents():
        (image_cache.cache_dir() / name).unlink()


def test_the_figures_come_first_then_progress_then_the_data(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(image_cache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(image_cache, "PROGRESS_EVERY", 4)
    project = image_project(tmp_path)
    empty_cache()
    view = DataPreview()
    qtbot.addWidget(view)
    titles = []
    show_title = view.title.setText

    def record(text):  # every title the preview shows, in order
        titles.append(text)
        show_title(text)

    view.title.setText = record
    figures_shown = []
    show_figures = view.figures.setText
    view.figures.setText = lambda text: (figures_shown.append(text), show_figures(text))
    with qtbot.waitSignal(view.dataset_loaded, timeout=60000):
        view.load(project)
    before = [t for t in figures_shown if t]
    assert "30 image files in 3 classes" in before[0] and "on disk" in before[0] and "memory" in before[0]
    assert "decoded once, on the first load" in before[0]
    assert "already decoded" in view.figures.text()  # once loaded
    decoding = [t for t in titles if "decoding the images once" in t]
    assert decoding and decoding[-1].endswith("30 of 30 (100 %)") and "0 of 30" in decoding[0]
    assert "30 samples" in view.title.text() and not view.cancel_button.isVisible()
    view.resize(900, 500)
    view.show()
    view.grab().save(str(tmp_path / "data_tab.png"))
    if os.environ.get("CNNRNN_SCREENSHOTS"):
        view.grab().save(os.path.join(os.environ["CNNRNN_SCREENSHOTS"], "data_tab_image_folder.png"))


class WaitsForCancel(Engine):
    """The real loader, started only once the person has pressed Cancel."""

    def __init__(self):
        self.started = threading.Event()

    def load_project_dataset(self, project, **reporting):
        self.started.set()
        reporting["cancel"].wait(30)
        return super().load_project_dataset(project, **reporting)


def test_cancel_stops_loading_and_keeps_nothing(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv(image_cache.CACHE_ENV, str(tmp_path / "cache"))
    project = image_project(tmp_path)
    empty_cache()
    engine = WaitsForCancel()
    view = DataPreview(engine)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.load_failed, timeout=60000) as failed:
        view.load(project)
        qtbot.waitUntil(lambda: view.cancel_button.isVisible(), timeout=30000)
        assert "30 image files" in view.figures.text() and "decoded once, on the first load" in view.figures.text()
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert "cancelled" in failed.args[0] and "nothing was kept" in failed.args[0]
    assert view.title.text() == "Loading was cancelled." and not view.is_loading()
    assert cache_contents() == []
    with qtbot.waitSignal(view.dataset_loaded, timeout=60000):  # loading again works
        view.load(project)
