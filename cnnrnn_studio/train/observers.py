"""What watches the epochs of a run besides the event listeners: early stopping and the run folder.

The engine's loop hands every finished epoch, as an ``EpochResult``, to each observer's
``epoch_done``; an observer that answers True ends the run there. Unlike the event listeners
(plain data, any thread), these see the model itself, because keeping weights is their job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from torch import nn

from ..project import Project
from .runs import RUN_FORMAT, RUN_VERSION, make_run_dir, process_mark, save_weights, write_json, write_metrics


def now_text() -> str:
    """The local time as ISO 8601 to the second, as the run summary records it."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _round(v: float | None, digits: int = 6) -> float | None:
    return None if v is None else float(f"{v:.{digits}g}")


@dataclass(frozen=True)
class EpochResult:
    """One finished epoch: the training pass's figures and the validation scores."""

    epoch: int
    lr: float                      # the learning rate used in this epoch
    train_loss: float
    train_accuracy: float | None   # classification only
    samples_per_s: float           # the training pass only
    train_seconds: float           # the training pass, pauses excluded
    val_seconds: float
    val: dict[str, float] = field(default_factory=dict)  # loss and accuracy, or loss, mae and rmse; {} without data
    grad_norms: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return self.train_seconds + self.val_seconds

    @property
    def monitor(self) -> float:
        """The loss that early stopping and the plateau scheduler follow: validation's, or the
        training loss when there is no validation data."""
        return self.val["loss"] if self.val.get("loss") is not None else self.train_loss

    def row(self) -> dict[str, Any]:
        """The epoch's metrics.csv row."""
        va = self.val
        return {"epoch": self.epoch, "train_loss": _round(self.train_loss),
                "train_accuracy": _round(self.train_accuracy),
                "val_loss": _round(va.get("loss")), "val_accuracy": _round(va.get("accuracy")),
                "val_mae": _round(va.get("mae")), "val_rmse": _round(va.get("rmse")),
                "lr": _round(self.lr), "samples_per_s": round(self.samples_per_s, 1),
                "seconds": round(self.seconds, 4)}


class EpochObserver(Protocol):
    def epoch_done(self, result: EpochResult, model: nn.Module) -> bool:
        """Take note of a finished epoch; True asks the run to stop after it."""
        ...


class EarlyStopping:
    """Stops a run once ``patience`` epochs in a row have not lowered the monitored loss, and keeps
    a copy of the best epoch's weights (in memory: the folder keeps the last epoch's until the end)."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch = 0            # 0 until an epoch finished
        self.best_state: dict[str, Any] | None = None
        self.bad_epochs = 0

    def epoch_done(self, result: EpochResult, model: nn.Module) -> bool:
        if result.monitor < self.best_loss:
            self.best_loss, self.best_epoch, self.bad_epochs = result.monitor, result.epoch, 0
            self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        self.bad_epochs += 1
        return self.bad_epochs >= self.patience


class RunFolderWriter:
    """Keeps the run folder saying what happened: summary.json (claimed at once, status running
    with this process's id), project.json, and after every finished epoch its metrics.csv row and
    weights, then summary.json's epochs_run and weights (so the folder always holds loadable
    weights of the last finished epoch, and the summary says which). The end and a failure write
    the final state: finished, stopped, diverged, failed or interrupted."""

    def __init__(self, project: Project, out: str | Path | None = None) -> None:
        self.run_dir = make_run_dir(project, out)
        # From here on a failure is written into summary.json, so the folder always says what happened.
        self.summary: dict[str, Any] = {"format": RUN_FORMAT, "version": RUN_VERSION, "status": "running",
                                        **process_mark(), "project_name": project.name, "created": now_text(),
                                        "epochs_run": 0, "weights": None}
        self.rows: list[dict[str, Any]] = []   # metrics.csv rows of finished epochs
        self.saved_epoch = 0                   # the epoch whose weights are on disk
        self.weights_which = "last"
        self.write_summary()
        write_json(self.run_dir / "project.json", project.to_dict())

    @property
    def weights_path(self) -> Path:
        return self.run_dir / "weights.safetensors"

    def run_started(self, details: dict[str, Any], model: nn.Module) -> None:
        """The run's settings and sizes into summary.json; epoch 0 = the starting weights."""
        self.summary.update(details)
        save_weights(self.weights_path, model, {"epoch": "0", "which": "last"})
        write_metrics(self.run_dir / "metrics.csv", [])
        self.write_summary(epochs_run=0, weights=self.weights_info())

    def epoch_done(self, result: EpochResult, model: nn.Module) -> bool:
        self.rows.append(result.row())
        save_weights(self.weights_path, model, {"epoch": str(result.epoch), "which": "last"})
        self.saved_epoch = result.epoch
        write_metrics(self.run_dir / "metrics.csv", self.rows)
        self.write_summary(epochs_run=len(self.rows), weights=self.weights_info())
        return False

    def keep_best(self, model: nn.Module, epoch: int) -> None:
        """Early stopping's best weights replace the last epoch's on disk."""
        save_weights(self.weights_path, model, {"epoch": str(epoch), "which": "best"})
        self.saved_epoch, self.weights_which = epoch, "best"
        self.write_summary(weights=self.weights_info())

    def weights_info(self) -> dict[str, Any]:
        return {"epoch": self.saved_epoch, "which": self.weights_which}

    def write_evaluation(self, evaluation: dict[str, Any]) -> None:
        write_json(self.run_dir / "evaluation.json", evaluation)

    def write_summary(self, **fields: Any) -> None:
        self.summary.update(fields)
        write_json(self.run_dir / "summary.json", self.summary)

    def failed(self, message: str, epoch: int | None, status: str | None = None) -> None:
        """Record a failure in summary.json; never raises (the run is failing already).

        status: what the engine says ("diverged"), else it follows the exception being handled: a
        second Ctrl+C (KeyboardInterrupt) is "interrupted", anything else "failed"."""
        try:
            self.write_summary(status=status or _failure_status(), failed=message, failed_epoch=epoch,
                               finished=now_text(), epochs_run=len(self.rows), weights=self.weights_info())
        except Exception:
            pass


def _failure_status() -> str:
    import sys

    exc = sys.exc_info()[1]
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return "failed"


__all__ = ["EpochResult", "EpochObserver", "EarlyStopping", "RunFolderWriter", "now_text"]
