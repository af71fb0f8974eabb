"""Where the dashboard finds the training engine and the data layer.

Everything is looked up when called, not when this module is imported: the GUI starts without
torch, and tests can swap the engine (monkeypatch ``cnnrnn_studio.train.train``, or give the
dashboard another ``Engine``).
"""

from __future__ import annotations

import importlib
from pathlib import Path


class Engine:
    """The real engine (cnnrnn_studio.train) and data layer (cnnrnn_studio.data), looked up lazily."""

    @staticmethod
    def _train_module():
        return importlib.import_module("cnnrnn_studio.train")

    def train(self, project, **kwargs):
        return self._train_module().train(project, **kwargs)

    def make_control(self):
        return self._train_module().TrainControl()

    def list_runs(self, project, *, same_data: bool = False) -> list:
        return list(self._train_module().list_runs(project, same_data=same_data))

    def load_run(self, run_dir: str | Path, *, with_model: bool = True):
        """A run folder read back; ``with_model=False`` skips building the network (no torch)."""
        return self._train_module().load_run(run_dir, with_model=with_model)

    def delete_run(self, run_dir: str | Path) -> None:
        self._train_module().delete_run(run_dir)

    def load_project_dataset(self, project):
        """The project's dataset, split as training will split it (the training section's seed and
        validation share)."""
        return importlib.import_module("cnnrnn_studio.project.fit").load_project_dataset(project)

    def load_run_dataset(self, run):
        """A finished run's dataset, split exactly as in that run."""
        if getattr(run, "dataset", None) is not None:
            return run.dataset
        return run.load_dataset()


def snapshot(project):
    """A copy of the project the running model is built from: edits made while it trains cannot
    change it (STYLE: the run is tied to the graph as it was when Train was pressed)."""
    return project.copy()
