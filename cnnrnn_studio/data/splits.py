"""Seeded train / validation / test splits.

Stratified for classification (each class keeps its share in every split), chronological for
forecasting (the test windows are the last ones, so the model is never tested on the past).
Same seed, same data -> the same split exactly.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import DataError

TEST_FRACTION = 0.2  # share of the whole kept for testing when no test file is given


def _round_half_up(value: float) -> int:
    # Python's round() rounds 2.5 to 2; half-up is what people expect from "20 %".
    return int(math.floor(value + 0.5))


def check_validation_split(validation_split: float) -> float:
    if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)):
        raise DataError(f"the validation share must be a number from 0 to 0.9, got {validation_split!r}")
    if not 0.0 <= float(validation_split) <= 0.9:
        raise DataError(f"the validation share must be from 0 to 0.9, got {validation_split}")
    return float(validation_split)


def _cut(n: int, test_fraction: float, val_fraction: float) -> tuple[int, int]:
    """How many of n samples go to test and to validation; training keeps at least one."""
    n_test = _round_half_up(n * test_fraction)
    n_val = _round_half_up((n - n_test) * val_fraction)
    while n - n_test - n_val < 1 and (n_val or n_test):
        if n_val:
            n_val -= 1
        else:
            n_test -= 1
    return n_test, n_val


def split_indices(
    n: int,
    strata: np.ndarray | None,
    *,
    test_fraction: float,
    val_fraction: float,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices (each sorted ascending) of train, val and test among ``n`` samples.

    ``strata`` (one class id per sample) makes the split stratified; None shuffles all together.
    """
    rng = np.random.default_rng(seed)
    groups = (
        [np.arange(n)]
        if strata is None
        else [np.flatnonzero(strata == c) for c in np.unique(strata)]  # np.unique is sorted: stable order
    )
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for members in groups:
        members = rng.permutation(members)
        n_test, n_val = _cut(len(members), test_fraction, val_fraction)
        parts[2].append(members[:n_test])
        parts[1].append(members[n_test : n_test + n_val])
        parts[0].append(members[n_test + n_val :])
    train, val, test = (np.sort(np.concatenate(p)).astype(np.int64) if p else np.zeros(0, np.int64) for p in parts)
    return train, val, test


def chronological_indices(n: int, n_test: int, val_fraction: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Oldest samples train, then validation, then the last ``n_test`` samples test (no shuffling)."""
    n_val = _round_half_up((n - n_test) * val_fraction)
    n_train = n - n_test - n_val
    if n_train < 1:
        raise DataError(
            f"only {n} windows: too few to keep {n_test} for testing and {n_val} for validation "
            "and still train on something; use a longer series or a smaller window"
        )
    idx = np.arange(n, dtype=np.int64)
    return idx[:n_train], idx[n_train : n_train + n_val], idx[n_train + n_val :]
