"""The Compare tab shows no empty axes before a comparison; the speed legend keeps off the curve."""

import numpy as np

from cnnrnn_studio.ui.dashboard.compare import CompareView
from cnnrnn_studio.ui.dashboard.plots import LivePlots


def test_an_empty_compare_tab_shows_only_what_to_do(qtbot):
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    assert "Tick two or more runs" in view.title.text()
    assert view.loss.isHidden() and view.scores.isHidden() and view.table.isHidden()
    view.show_figures([])
    assert view.loss.isHidden()


def test_the_speed_chart_keeps_room_above_the_curve_for_its_legend(qtbot):
    plots = LivePlots()
    qtbot.addWidget(plots)
    speed = plots.speed
    speed.set_curve("epoch", np.arange(1, 6, dtype=float), np.full(5, 1000.0))
    speed.fit()
    _, y_top = speed.getPlotItem().vb.viewRange()[1]
    assert y_top >= 1500.0  # the legend (top-right) sits in the free band above the curve
