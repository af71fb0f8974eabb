"""Standardising inputs and regression targets with statistics of the TRAINING split only.

Using train statistics alone keeps validation and test data from leaking into training.
A value too large for the network's 32-bit numbers (or whose square overflows while the
standard deviation is computed) is refused, naming the sample and feature, instead of turning
every standardised value into NaN.
"""

from __future__ import annotations

import numpy as np

from .errors import DataError

#: The largest magnitude a value may have: float32's largest number (the network's precision).
LARGEST_VALUE = float(np.finfo(np.float32).max)


def refuse_too_large(x: np.ndarray | list[np.ndarray], what: str, split: str = "training") -> None:
    """DataError naming the first sample and feature of ``split`` whose value is not finite or
    beyond the network's 32-bit numbers (it would become infinite there); nothing when all fit."""
    def fits(a: np.ndarray) -> bool:  # min/max: no temporary copy of a large array (NaN fails both tests)
        return a.size == 0 or bool(-LARGEST_VALUE <= np.min(a) and np.max(a) <= LARGEST_VALUE)

    if all(fits(s) for s in x) if isinstance(x, list) else fits(x):
        return
    _refuse_huge(x, what, split)


def _refuse_huge(x: np.ndarray | list[np.ndarray], what: str, split: str = "training") -> None:
    """DataError naming the first sample and feature whose value is not finite or too large."""
    samples = x if isinstance(x, list) else [x[i] for i in range(len(x))]
    for i, s in enumerate(samples):
        s = np.asarray(s, dtype=np.float64)
        bad = np.argwhere(~(np.abs(s) <= LARGEST_VALUE))
        if len(bad):
            where = bad[0]
            value = s[tuple(where)]
            feature = int(where[-1]) + 1 if s.ndim else 1
            raise DataError(
                f"{what}: sample {i + 1} of the {split} split, feature {feature}, is {value:.3g}, which cannot be "
                f"used (values must be finite and within +-{LARGEST_VALUE:.1e}, the network's 32-bit range); "
                "rescale that feature")


def _safe_std(std: np.ndarray) -> np.ndarray:
    # A constant channel has std 0; dividing by 1 leaves it at 0 instead of producing NaN.
    return np.where(std > 1e-12, std, 1.0)


def feature_stats(x_train: np.ndarray | list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std per feature / channel (the LAST axis), over all samples and time steps."""
    if isinstance(x_train, list):
        flat = np.concatenate([s.reshape(-1, s.shape[-1]) for s in x_train], axis=0)
    else:
        flat = x_train.reshape(-1, x_train.shape[-1])
    flat = flat.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        mean, std = flat.mean(axis=0), flat.std(axis=0)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
        _refuse_huge(x_train, "an input value")
        raise DataError("the input values are too large to standardise (their spread overflows); rescale them")
    return mean, _safe_std(std)


def standardize(x: np.ndarray | list[np.ndarray], mean: np.ndarray, std: np.ndarray) -> np.ndarray | list[np.ndarray]:
    if isinstance(x, list):
        return [((s - mean) / std).astype(np.float32) for s in x]
    return ((x - mean) / std).astype(np.float32)


def target_stats(y_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std per regression target ([N, k] in, [k] out)."""
    y = y_train.astype(np.float64)
    if len(y) == 0:
        return np.zeros(y.shape[1]), np.ones(y.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        mean, std = y.mean(axis=0), y.std(axis=0)
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
        _refuse_huge(y, "a target value")
        raise DataError("the target values are too large to standardise (their spread overflows); rescale them")
    return mean, _safe_std(std)
