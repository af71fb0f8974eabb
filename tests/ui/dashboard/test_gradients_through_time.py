"""The Gradient flow tab's 'through time' chart: shown for inputs with a time axis, with a plain
sentence on how much less gradient the first steps get than the last ones."""

from __future__ import annotations

import numpy as np

from cnnrnn_studio.ui.dashboard.gradients import GradientFlowView, time_verdict
from cnnrnn_studio.ui.dashboard.history import RunHistory


def test_the_chart_shows_the_first_and_the_latest_epoch(qtbot):
    view = GradientFlowView()
    qtbot.addWidget(view)
    view.show()
    h = RunHistory()
    view.refresh(h)
    assert not view.time_chart.isVisible()                  # an image network: nothing through time
    first = list(np.geomspace(1e-12, 1.0, 50))
    latest = list(np.geomspace(1e-3, 1.0, 50))
    view.show_time_grads([(1, first), (2, latest)])
    assert view.time_chart.isVisible()
    series = {name: (x, y) for name, x, y in view.time_chart.series()}
    assert list(series["latest epoch"][0][:3]) == [1.0, 2.0, 3.0] and len(series["first epoch"][1]) == 50
    assert "times less gradient" in view.time_verdict.text()
    view.clear()
    assert not view.time_chart.isVisible()


def test_the_sentence_names_a_vanished_gradient_and_a_kept_one():
    vanished = list(np.geomspace(1e-20, 1.0, 100))
    assert "vanished" in time_verdict(vanished) and "10^1" in time_verdict(vanished)
    faded = list(np.geomspace(1e-3, 1.0, 100))
    assert "fades" in time_verdict(faded)
    assert "still count" in time_verdict([1.0] * 100)
    assert "no gradient at all" in time_verdict([0.0] * 10 + [1.0] * 90)
