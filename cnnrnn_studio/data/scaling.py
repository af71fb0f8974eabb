"""Standardising inputs and regression targets with statistics of the TRAINING split only.

Using train statistics alone keeps validation and test data from leaking into training.
"""

from __future__ import annotations

import numpy as np


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
    return flat.mean(axis=0), _safe_std(flat.std(axis=0))


def standardize(x: np.ndarray | list[np.ndarray], mean: np.ndarray, std: np.ndarray) -> np.ndarray | list[np.ndarray]:
    if isinstance(x, list):
        return [((s - mean) / std).astype(np.float32) for s in x]
    return ((x - mean) / std).astype(np.float32)


def target_stats(y_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std per regression target ([N, k] in, [k] out)."""
    y = y_train.astype(np.float64)
    if len(y) == 0:
        return np.zeros(y.shape[1]), np.ones(y.shape[1])
    return y.mean(axis=0), _safe_std(y.std(axis=0))
