"""Steps the editor's `gui --self-test` runs on the Train tab (picked up by cnnrnn_studio.ui.selftest).

1. Train one epoch of the digits CNN in the real window: plots, results, try-it and the runs list fill.
2. Measure responsiveness while it trains (responsiveness.measure); the figures go into the
   self-test's final JSON line under "training_responsiveness". Timings depend on the machine, so
   this step reports the targets as met or not but does not fail the self-test on them.
"""

from __future__ import annotations

import os
import time

SECONDS = float(os.environ.get("CNNRNN_SELFTEST_TRAIN_SECONDS", "8"))


def _project(journey):
    """digits_cnn saved in the self-test's scratch folder (so its runs go there too)."""
    from ...project import load_template

    project = load_template("digits_cnn")
    folder = journey.workdir / "train"
    folder.mkdir(parents=True, exist_ok=True)
    project.save(folder / "digits_cnn.json")
    return project


def _dashboard(journey):
    from ..selftest import check

    window = journey.window
    window.tabs.setCurrentWidget(window.train_tab)
    journey.wait()
    dashboard = window.dashboard()
    check(dashboard is not None, "the Train tab has no dashboard")
    return dashboard


def step_train_one_epoch(journey) -> str:
    from ..selftest import check

    dashboard = _dashboard(journey)
    project = _project(journey)
    dashboard.set_project(project)
    check(dashboard.start_training(epochs=1), f"Train did not start: {dashboard.banner.text()}")
    deadline = time.perf_counter() + 600
    while dashboard.is_training():
        check(time.perf_counter() < deadline, "one epoch of digits_cnn did not finish in 10 minutes")
        journey.wait(50)
    journey.wait(50)
    h = dashboard.history
    check(h.state == "finished", f"the run ended as '{h.state}': {dashboard.banner.text()}")
    check(len(h.epoch_x) == 1 and len(h.batch_x) == h.batches_per_epoch,
          f"the plots got {len(h.batch_x)} batch points and {len(h.epoch_x)} epochs")
    check(dashboard.results.confusion.matrix.rowCount() == 10, "the confusion matrix is not 10 x 10")
    dashboard.results.confusion.select_cell(3, 3)
    check(len(dashboard.results.confusion.shown_samples()) > 0, "clicking a confusion cell showed no sample")
    probs = dashboard.try_it.try_test_sample(0)
    check(len(probs) == 10 and abs(sum(probs) - 1) < 1e-4, "try-it gave no probabilities")
    check(any(str(i.folder) == h.run_dir for i in dashboard.runs.infos), "the run is not in the runs list")
    acc = (h.summary.get("test") or {}).get("accuracy")
    return f"1 epoch on {h.info.get('device_name')}: test accuracy {100 * acc:.1f}%, {h.elapsed():.1f} s"


def step_responsiveness(journey) -> str:
    from .responsiveness import measure, passes

    dashboard = _dashboard(journey)
    result = measure(dashboard, _project(journey), SECONDS)
    journey.figures["training_responsiveness"] = result
    verdicts = ", ".join(f"{k}: {'met' if ok else 'NOT met'}" for k, ok in passes(result).items())
    return (f"UI late by {result['ui_lateness_p99_ms']} ms at p99 (max {result['ui_stall_max_ms']} ms), "
            f"plots {result['plot_fps']} fps, training {result['train_sps_gui']} samples/s in the app vs "
            f"{result['train_sps_headless']} headless ({verdicts})")


def steps():
    return [("train one epoch in the Train tab", step_train_one_epoch),
            ("UI responsive while training digits_cnn", step_responsiveness)]
