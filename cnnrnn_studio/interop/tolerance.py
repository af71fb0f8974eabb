"""The one rule for "computes the same": used by the ONNX export check (the exported file against
eager torch) and the ONNX import check (the imported network against onnxruntime on the original
file), so that a network accepted on import is accepted on export and the other way round."""

from __future__ import annotations

from typing import Any

TOLERANCE = 1e-4


def allowed_difference(reference: Any, tolerance: float = TOLERANCE) -> float:
    """The largest absolute difference allowed from `reference` (an array of outputs).

    The rule: `tolerance` (1e-4) times the larger of 1 and the largest absolute reference value,
    so 1e-4 absolute for outputs of ordinary size (class scores, probabilities) and 1e-4 relative
    for outputs above 1 in size, where float32 itself carries an error proportional to the value
    (a network with outputs near 1e11, such as a randomly initialised Inception-v3, differs by
    about 1e4 between two correct runtimes). A reference that is empty or not finite gets the
    plain tolerance.
    """
    import numpy as np

    ref = np.asarray(reference, dtype=np.float64)
    if ref.size == 0:
        return tolerance
    top = float(np.max(np.abs(ref)))
    if not np.isfinite(top):
        return tolerance
    return tolerance * max(1.0, top)


def within_tolerance(difference: float, reference: Any, tolerance: float = TOLERANCE) -> bool:
    """Is `difference` (the largest absolute difference, NaN for a broken output) within the rule?"""
    return bool(difference <= allowed_difference(reference, tolerance))
