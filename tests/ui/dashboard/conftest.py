"""Fixtures for the training dashboard: a tiny project the real engine trains in well under a
second per epoch, and a dashboard whose threads are always joined at the end of a test."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

N_CLASSES = 3


def make_tiny_project(folder: Path, *, n: int = 90, epochs: int = 3, learning_rate: float = 0.01,
                      name: str = "Tiny", hidden: int = 8, extra_training: dict | None = None):
    """A 4x4 'image' dataset of 3 classes (the bright row is the class) and a small MLP, saved in ``folder``."""
    from cnnrnn_studio.project import Project

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    y = np.arange(n) % N_CLASSES
    x = rng.normal(0.0, 0.1, (n, 1, 4, 4)).astype(np.float32)
    for i, c in enumerate(y):
        x[i, 0, c, :] += 1.0
    np.savez(folder / "tiny.npz", X=x, y=y.astype(np.int64))
    chain = ["input", "flatten", "dense1", "relu", "dense2", "output"]
    d = {
        "format": "cnnrnn-studio-project", "version": 1, "name": name,
        "blocks": [
            {"id": "input", "type": "Input", "params": {"kind": "image", "shape": [1, 4, 4]}, "position": [0, 0]},
            {"id": "flatten", "type": "Flatten", "params": {}, "position": [200, 0]},
            {"id": "dense1", "type": "Dense", "params": {"out_features": hidden}, "position": [400, 0]},
            {"id": "relu", "type": "ReLU", "params": {}, "position": [600, 0]},
            {"id": "dense2", "type": "Dense", "params": {"out_features": N_CLASSES}, "position": [800, 0]},
            {"id": "output", "type": "Output", "params": {"task": "classification"}, "position": [1000, 0]},
        ],
        "links": [{"from": a, "to": b} for a, b in zip(chain, chain[1:])],
        "dataset": {"kind": "file", "format": "npz", "train": "tiny.npz"},
        "training": {"epochs": epochs, "batch_size": 8, "learning_rate": learning_rate, **(extra_training or {})},
    }
    project = Project.from_dict(d, path=folder / "tiny.json")
    project.save()
    return project


@pytest.fixture
def tiny_project(tmp_path):
    return make_tiny_project(tmp_path / "proj")


@pytest.fixture
def make_project(tmp_path):
    """make_project(folder="proj", **options) -> a saved tiny project (see make_tiny_project)."""
    def make(folder: str = "proj", **options):
        return make_tiny_project(tmp_path / folder, **options)

    return make


@pytest.fixture
def dashboard(qtbot):
    from cnnrnn_studio.ui.dashboard import TrainingDashboard
    from cnnrnn_studio.ui.shell.tasks import wait_all

    d = TrainingDashboard()
    d.resize(1200, 800)
    d.show()
    yield d
    # Always join: a thread left running would outlive the test (and crash Qt at exit). Not
    # qtbot.addWidget: pytest-qt would close the window first, and closing while training asks.
    assert d.request_stop_and_wait(60000), "the training thread did not end"
    assert not d.is_training()
    assert wait_all(60000), "a background task did not end"
    d.close()
    d.deleteLater()


@pytest.fixture
def train_to_end(qtbot):
    """train_to_end(dashboard, **overrides) -> the run folder: starts a run and waits until its thread ended."""
    def run(dashboard, timeout: int = 120000, **overrides) -> str:
        with qtbot.waitSignal(dashboard.training_finished, timeout=timeout) as blocker:
            assert dashboard.start_training(**overrides), dashboard.banner.text()
        assert not dashboard.is_training()
        return blocker.args[0]

    return run
