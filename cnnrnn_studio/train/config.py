"""The training settings: the project's ``training`` section, checked, with defaults.

Every bad value is a StudioError that names the setting ("training.learning_rate must be a
positive number"), so the CLI and the GUI can show it as is. This module does not import torch.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable

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


@dataclass
class TrainConfig:
    epochs: int = 20
    batch_size: int = 64
    optimizer: str = "adam"
    learning_rate: float = 0.001
    weight_decay: float = 0.0
    momentum: float = 0.9            # SGD only
    scheduler: str = "none"
    grad_clip: float | None = None   # max gradient L2 norm; None = no clipping
    early_stopping_patience: int | None = None  # epochs without a better validation loss
    validation_split: float = 0.2
    seed: int = 0
    device: str = "auto"
    mixed_precision: bool = False    # CUDA only: bf16 where supported, else fp16 with a GradScaler
    num_threads: int | None = None   # CPU threads torch may use; None = torch's default

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


_CHECKS = {
    "epochs": _whole(1, "a whole number of at least 1"),
    "batch_size": _whole(1, "a whole number of at least 1"),
    "optimizer": _choice(OPTIMIZERS),
    "learning_rate": _positive,
    "weight_decay": _non_negative,
    "momentum": _momentum,
    "scheduler": _choice(SCHEDULERS),
    "grad_clip": _optional(_positive),
    "early_stopping_patience": _optional(_whole(1, "a whole number of at least 1, or null for no early stopping")),
    "validation_split": _fraction,
    "seed": _whole(0, "a whole number of 0 or more"),
    "device": _choice(DEVICES),
    "mixed_precision": _flag,
    "num_threads": _optional(_whole(1, "a whole number of at least 1, or null for the default")),
}
_NAMES = tuple(f.name for f in fields(TrainConfig))
assert set(_NAMES) == set(_CHECKS)
