"""The Train tab: training on a background thread with live plots, results, try-it, runs and
comparison. The editor embeds ``TrainingDashboard``; ``responsiveness.measure`` checks that the UI
stays responsive while it trains. (The PySide6 6.12 reference-count guard is applied once, for all
of the UI, by ``cnnrnn_studio.ui._compat``.)

``TrainingDashboard`` loads on first use: the data wizard borrows a few of these modules (sample
pictures, class counts) without building the whole tab.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TrainingDashboard"]


def __getattr__(name: str) -> Any:
    if name == "TrainingDashboard":
        from .dashboard import TrainingDashboard

        return TrainingDashboard
    raise AttributeError(name)
