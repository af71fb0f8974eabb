"""The training settings: the project's ``training`` section, checked, with defaults.

Each setting is declared once, as a field of `TrainConfig`: its default, its check and, for the
settings the inspector shows, its form field (a block-style `Param`: label, help, range,
choices). The inspector's Training form is built from `TRAINING_PARAMS`.

Every bad value is a StudioError that names the setting ("training.learning_rate must be a
positive number"), so the CLI and the GUI can show it as is. This module does not import torch.
"""

from __future__ import annotations

import difflib
import math
import os
from dataclasses import Field, asdict, dataclass, field, fields
from typing import Any, Callable

from ..blocks.base import Param
from ..errors import StudioError

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULERS = ("none", "step", "cosine", "plateau")
DEVICES = ("auto", "cpu", "cuda", "mps")

# Other spellings people (and the CLI) use for a setting.
ALIASES = {"lr": "learning_rate", "patience": "early_stopping_patience", "amp": "mixed_precision"}


class ConfigError(StudioError):
    """A training setting with a wrong name or value; `key` is the setting's name."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


Check = Callable[[str, Any], Any]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _whole(minimum: int, words: str) -> Callable[[str, Any], int]:
    def check(name: str, v: Any) -> int:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
            raise ConfigError(f"{name} must be {words} (got {v!r}).", key=name.split(".")[-1])
        return v
    return check


def _optional(check: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    def inner(name: str, v: Any) -> Any:
        return None if v is None else check(name, v)
    return inner


def _positive(name: str, v: Any) -> float:
    if not _is_number(v) or v <= 0:
        raise ConfigError(f"{name} must be a positive number (got {v!r}).", key=name.split(".")[-1])
    return float(v)


def _non_negative(name: str, v: Any) -> float:
    if not _is_number(v) or v < 0:
        raise ConfigError(f"{name} must be a number of 0 or more (got {v!r}).", key=name.split(".")[-1])
    return float(v)


def _momentum(name: str, v: Any) -> float:
    if not _is_number(v) or not 0 <= v < 1:
        raise ConfigError(f"{name} must be a number from 0 up to (not including) 1 (got {v!r}).",
                          key=name.split(".")[-1])
    return float(v)


def _fraction(name: str, v: Any) -> float:
    if not _is_number(v) or not 0 <= v <= 0.9:
        raise ConfigError(f"{name} must be a number from 0 to 0.9, the share of the training data kept "
                          f"for validation (got {v!r}).", key=name.split(".")[-1])
    return float(v)


def _choice(options: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(name: str, v: Any) -> str:
        text = v.strip().lower() if isinstance(v, str) else v
        if text not in options:
            raise ConfigError(f"{name} must be one of {', '.join(options)} (got {v!r}).", key=name.split(".")[-1])
        return text
    return check


def _flag(name: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise ConfigError(f"{name} must be true or false (got {v!r}).", key=name.split(".")[-1])
    return v


def _threads(name: str, v: Any) -> int | None:
    """A thread count from 1 up to the cores this machine has (more only slows training down)."""
    if v is None:
        return None
    v = _whole(1, "a whole number of at least 1, or null for the default")(name, v)
    cores = os.cpu_count() or 1
    if v > cores:
        raise ConfigError(f"{name} is {v}, but this machine has {cores} CPU core{'s' if cores != 1 else ''}: "
                          f"use at most {cores}, or null for the default.", key=name.split(".")[-1])
    return v


@dataclass(frozen=True)
class Form:
    """How the inspector shows a setting: a block-style field (see blocks.base.Param)."""

    type: str
    label: str
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] = ()


def setting(default: Any, check: Check, form: Form | None = None) -> Any:
    """One training setting: its default, its check (name, value) -> value, and its form field
    (None: set in the project file or on the command line only)."""
    return field(default=default, metadata={"check": check, "form": form})


_WHOLE = _whole(1, "a whole number of at least 1")


@dataclass
class TrainConfig:
    epochs: int = setting(20, _WHOLE, Form(
        "int", "Epochs", "How many times training goes through all the training data.", min=1, max=100000))
    batch_size: int = setting(64, _WHOLE, Form(
        "int", "Batch size", "How many samples are looked at together in one step.", min=1, max=65536))
    optimizer: str = setting("adam", _choice(OPTIMIZERS), Form(
        "choice", "Optimizer", "How the weights are updated. Adam is a good default.", choices=OPTIMIZERS))
    learning_rate: float = setting(0.001, _positive, Form(
        "float", "Learning rate", "How big each update step is. Too big: training jumps around; too small: "
        "it crawls.", min=1e-9, max=10.0))
    scheduler: str = setting("none", _choice(SCHEDULERS), Form(
        "choice", "Schedule", "How the learning rate changes during training.", choices=SCHEDULERS))
    weight_decay: float = setting(0.0, _non_negative, Form(
        "float", "Weight decay", "Pulls weights towards zero to reduce overfitting.", min=0.0, max=1.0))
    momentum: float = setting(0.9, _momentum)  # SGD only
    grad_clip: float | None = setting(None, _optional(_positive))  # max gradient L2 norm; None = no clipping
    # epochs without a better validation loss before training stops; None = never stop early
    early_stopping_patience: int | None = setting(None, _optional(_whole(
        1, "a whole number of at least 1, or null for no early stopping")))
    validation_split: float = setting(0.2, _fraction, Form(
        "float", "Validation share", "The share of the training data kept aside to check the network on data "
        "it has not learned from.", min=0.0, max=0.9))
    seed: int = setting(0, _whole(0, "a whole number of 0 or more"), Form(
        "int", "Seed", "The same seed gives the same split and the same starting weights.", min=0, max=2**31 - 1))
    device: str = setting("auto", _choice(DEVICES), Form(
        "choice", "Device", "Where to train: auto picks a GPU if there is one.", choices=DEVICES))
    mixed_precision: bool = setting(False, _flag)  # CUDA only: bf16 where supported, else fp16 + GradScaler
    # CPU threads torch may use; None = torch's default
    # (at most the cores present: thousands of threads thrash the machine)
    num_threads: int | None = setting(None, _threads)

    @classmethod
    def from_dict(cls, section: dict | None = None, **overrides: Any) -> "TrainConfig":
        """Read a ``training`` section; ``overrides`` (CLI flags, keyword arguments) win.

        An override of None means "not given" (argparse leaves absent flags at None).
        """
        if section is not None and not isinstance(section, dict):
            raise ConfigError("The project's 'training' section must be an object of setting: value.")
        merged: dict[str, Any] = {}
        for source, items in (("training", (section or {}).items()), ("override", overrides.items())):
            for key, value in items:
                if source == "override" and value is None:
                    continue
                name = ALIASES.get(key, key)
                if name not in _NAMES:
                    raise ConfigError(_unknown(key, source), key=key)
                merged[name] = value
        cfg = cls()
        for name, value in merged.items():
            setattr(cfg, name, _CHECKS[name](f"training.{name}", value))
        return cfg

    def with_overrides(self, **overrides: Any) -> "TrainConfig":
        return TrainConfig.from_dict(self.to_dict(), **overrides)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def step_size(self) -> int:
        """The 'step' scheduler divides the learning rate by 10 every this many epochs."""
        return max(1, self.epochs // 3)


def _unknown(key: str, source: str) -> str:
    close = difflib.get_close_matches(str(key), list(_NAMES) + list(ALIASES), n=1)
    hint = f" Did you mean {ALIASES.get(close[0], close[0])}?" if close else ""
    where = "training." if source == "training" else ""
    return (f"{where}{key} is not a training setting.{hint} The settings are: {', '.join(_NAMES)}.")


_FIELDS: tuple[Field, ...] = fields(TrainConfig)
_NAMES = tuple(f.name for f in _FIELDS)
_CHECKS: dict[str, Check] = {f.name: f.metadata["check"] for f in _FIELDS}

#: The settings the inspector's Training form shows, in declaration order.
TRAINING_PARAMS: tuple[Param, ...] = tuple(
    Param(f.name, form.type, f.default, form.label, form.help, min=form.min, max=form.max, choices=form.choices)
    for f in _FIELDS if (form := f.metadata["form"]) is not None)

