"""Where the dashboard finds the training engine and the data layer.

Every name is imported when called, not when this module is imported: tests can swap the engine
(monkeypatch ``cnnrnn_studio.train.train``, or give the dashboard another ``Engine``).
"""

from __future__ import annotations

from pathlib import Path


class Engine:
    """The real engine (cnnrnn_studio.train) and data layer (cnnrnn_studio.data), looked up lazily."""

    def train(self, project, **kwargs):
        from ...train import train

        return train(project, **kwargs)

    def make_control(self):
        from ...train import TrainControl

        return TrainControl()

    def list_runs(self, project, *, same_data: bool = False) -> list:
        from ...train import list_runs

        return list(list_runs(project, same_data=same_data))

    def load_run(self, run_dir: str | Path, *, with_model: bool = True):
        """A run folder read back; ``with_model=False`` skips building the network (no torch)."""
        from ...train import load_run

        return load_run(run_dir, with_model=with_model)

    def delete_run(self, run_dir: str | Path) -> None:
        from ...train import delete_run

        delete_run(run_dir)

    def load_project_dataset(self, project, **reporting):
        """The project's dataset, split as training will split it (the training section's seed and
        validation share); ``reporting``: ``progress(done, total)`` and ``cancel`` (an Event)."""
        from ...project.fit import load_project_dataset

        return load_project_dataset(project, **reporting)

    def estimate_project_dataset(self, project):
        """What loading the project's image folder will take (files, cache on disk, memory for
        training), before it is loaded; None for other data."""
        from ...data.image_cache import estimate_dataset

        return estimate_dataset(project.dataset, project.base_dir, (project.training or {}).get("batch_size") or 32)

    def load_run_dataset(self, run):
        """A finished run's dataset, split exactly as in that run."""
        if getattr(run, "dataset", None) is not None:
            return run.dataset
        return run.load_dataset()


def snapshot(project):
    """A copy of the project the running model is built from: edits made while it trains cannot
    change it (STYLE: the run is tied to the graph as it was when Train was pressed)."""
    return project.copy()
