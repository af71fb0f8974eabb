"""The training engine: a plain loop with events, run folders, evaluation; no Qt.

    from cnnrnn_studio.train import train
    run = train("digits.json", epochs=5, listener=print)
    run.folder, run.metrics[-1], run.evaluation["accuracy"], run.model

The GUI runs `train` on a worker thread with a listener that forwards events as signals and a
TrainControl for stop / pause / resume; the CLI runs it in the foreground.
"""

from __future__ import annotations

import sys as _sys
import types as _types

import os
from typing import TYPE_CHECKING, Any, Iterable

from . import events
from ..project.training import ConfigError, TrainConfig
from .control import TrainControl
from .evaluate import evaluate  # (the module imports torch lazily; the name is the function)
from .events import (BatchProgress, EpochDone, EpochStarted, Failed, Finished, Paused, Resumed,
                     RunStarted)
from .runs import Run, RunError, RunInfo, delete_run, list_runs, load_run

if TYPE_CHECKING:
    from ..data import Dataset
    from ..project import Project
    from .events import Listener


def train(project: Project | str | os.PathLike, *, epochs: int | None = None, device: str | None = None,
          out: str | os.PathLike | None = None, listener: Listener | Iterable[Listener] | None = None,
          control: TrainControl | None = None, dataset: Dataset | None = None,
          init_weights: str | os.PathLike | None = None, **overrides: Any) -> Run:
    """Train a project and return its Run (folder, metrics, model in eval mode, summary, evaluation).

    ``project``: a Project or the path of a project file. ``epochs``, ``device`` and ``overrides``
    (any training setting: batch_size=32, learning_rate=0.01, seed=1 ...) win over the project's
    ``training`` section. ``out``: the run folder (default <project folder>/runs/<name>-<time>).
    ``listener``: a callable (or a list of them) receiving the events of cnnrnn_studio.train.events.
    ``control``: a TrainControl to stop / pause / resume from another thread. ``dataset``: an
    already loaded Dataset to use instead of loading the project's. ``init_weights``: start from
    these weights (a .safetensors file or a run folder) instead of fresh ones; they are checked
    against the network, every mismatch named.

    A problem raises a StudioError (after a Failed event when there is a listener).
    """
    from ..project import Project, load_project
    from .engine import Trainer, _Emitter
    from .events import Failed

    try:
        if not isinstance(project, Project):
            project = load_project(project)
        config = TrainConfig.from_dict(project.training, epochs=epochs, device=device, **overrides)
    except Exception as e:
        # Even a run that cannot start tells its listener, so a GUI never waits forever.
        _Emitter(listener).quietly(Failed(message=str(e), epoch=None, run_dir=None))
        raise
    return Trainer(project, config, dataset=dataset, out=out, listener=listener, control=control,
                   init_weights=init_weights).run()


def dataset_fit_problems(project: Project) -> list[str]:
    """Plain sentences for every way the project's dataset does not fit its network."""
    from ..project.fit import dataset_fit_problems as _fit

    return _fit(project)


__all__ = ["train", "TrainConfig", "ConfigError", "TrainControl", "events", "evaluate", "list_runs", "load_run",
           "delete_run", "Run", "RunInfo", "RunError", "dataset_fit_problems", "RunStarted", "EpochStarted",
           "BatchProgress", "EpochDone", "Paused", "Resumed", "Finished", "Failed"]


# `cs.train(...)` is the public API, but importing this subpackage makes Python set the package
# attribute `cnnrnn_studio.train` to this module, hiding the function of the same name. Making
# the module itself callable keeps `cs.train(project, ...)` working whatever was imported first.
class _CallableModule(_types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> "Run":
        return train(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
