"""The Train tab: training on a background thread with live plots, results, try-it, runs and
comparison. The editor embeds ``TrainingDashboard``; ``responsiveness.measure`` checks that the UI
stays responsive while it trains. (The PySide6 6.12 reference-count guard is applied once, for all
of the UI, by ``cnnrnn_studio.ui._compat``.)
"""

from .dashboard import TrainingDashboard

__all__ = ["TrainingDashboard"]
