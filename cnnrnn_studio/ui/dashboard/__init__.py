"""The Train tab: training on a background thread with live plots, results, try-it, runs and
comparison. The editor embeds ``TrainingDashboard``; benchmarks/ui_responsiveness.py measures that
the UI stays responsive while it trains.

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
