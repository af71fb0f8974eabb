"""What the training engine tells its listeners, in order.

RunStarted, then per epoch EpochStarted, BatchProgress (at most ~20 per second, and always one at
the epoch's end), EpochDone; Paused/Resumed around a pause; finally exactly one of Finished or
Failed. A listener is any callable(event); the engine calls it on the training thread, so a GUI
forwards the numbers to its own thread with a signal. Plain data only: no torch tensors.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable


@dataclass(frozen=True)
class Event:
    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict with the event's name under 'event'."""
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, Path):
                d[k] = str(v)
        return {"event": type(self).__name__, **d}


@dataclass(frozen=True)
class RunStarted(Event):
    run_dir: Path
    epochs: int
    batches_per_epoch: int
    device: str            # "cpu", "cuda:0", "mps"
    device_name: str       # "CPU: AMD EPYC 7B13 (2 threads)", "NVIDIA H100 80GB HBM3"
    n_train: int
    n_val: int
    n_test: int
    total_params: int
    task: str              # "classification" | "regression"
    class_names: list[str] | None
    notes: list[str] = field(default_factory=list)  # how the run batches its data, when worth saying


@dataclass(frozen=True)
class EpochStarted(Event):
    epoch: int             # 1-based
    epochs: int


@dataclass(frozen=True)
class BatchProgress(Event):
    epoch: int
    batch: int             # batches done so far in this epoch (1-based count)
    batches: int
    losses: list[float]    # the batch losses since the previous BatchProgress, in order
    samples_per_s: float   # training speed so far in this epoch
    lr: float


@dataclass(frozen=True)
class EpochDone(Event):
    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float | None   # classification only (measured while training, dropout on)
    val_loss: float | None         # None when there is no validation data
    val_accuracy: float | None
    val_mae: float | None          # regression, in the targets' original units
    val_rmse: float | None
    samples_per_s: float           # the training pass only; validation excluded
    seconds: float                 # the whole epoch including validation, pauses excluded
    lr: float                      # the learning rate used in this epoch
    grad_norms: dict[str, float] = field(default_factory=dict)  # block id -> gradient L2 norm (last batch)
    # inputs with a time axis: |d loss / d input at step t| for each step t (see time_gradients.py)
    time_grads: list[float] | None = None


@dataclass(frozen=True)
class Paused(Event):
    epoch: int
    batch: int


@dataclass(frozen=True)
class Resumed(Event):
    epoch: int
    batch: int


@dataclass(frozen=True)
class Finished(Event):
    summary: dict
    run_dir: Path
    stopped_early: bool     # early stopping ended it (best weights restored)
    stopped_by_user: bool   # stop() ended it (last finished epoch's weights kept)


@dataclass(frozen=True)
class Failed(Event):
    message: str
    epoch: int | None       # the epoch in which it failed (None: before training began)
    run_dir: Path | None


Listener = Callable[[Event], Any]

__all__ = ["Event", "RunStarted", "EpochStarted", "BatchProgress", "EpochDone", "Paused", "Resumed",
           "Finished", "Failed", "Listener"]
