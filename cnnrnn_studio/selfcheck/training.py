"""The self-test's Train-tab steps (run by journey.steps after the editor's own steps).

1. Train one epoch of the digits CNN in the real window: plots, results, try-it and the runs list fill.
2. Export the trained network to ONNX through File → Export (verified with onnxruntime).
3. Training responsiveness, as information: where benchmarks/responsiveness.py can be imported (a
   source checkout) its figures go into the final JSON line; elsewhere (an installed or frozen
   app) they are null. Timings depend on the machine: this step never fails on them.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .journey import check

SECONDS = float(os.environ.get("CNNRNN_SELFTEST_TRAIN_SECONDS", "10"))


def _project(journey):
    """digits_cnn saved in the self-test's scratch folder (so its runs go there too)."""
    from ..project import load_template

    project = load_template("digits_cnn")
    folder = journey.workdir / "train"
    folder.mkdir(parents=True, exist_ok=True)
    project.save(folder / "digits_cnn.json")
    return project


def _dashboard(journey):
    window = journey.window
    window.tabs.setCurrentWidget(window.train_tab)
    journey.wait()
    dashboard = window.dashboard()
    check(dashboard is not None, "the Train tab has no dashboard")
    return dashboard


def step_train_one_epoch(journey) -> str:
    project = _project(journey)
    # opened on the canvas as a person opens a file: the Train tab trains the canvas network
    check(journey.window.docs.open_path(project.path, ask=False), f"could not open {project.path}")
    dashboard = _dashboard(journey)
    check(dashboard.project is journey.window.editor.project, "the Train tab does not train the canvas network")
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


def step_export_the_trained_network(journey) -> str:
    """File → Export → ONNX takes the run just trained; the file is verified before it is reported."""
    io = journey.window.model_io
    run_dir = journey.window.dashboard().history.run_dir
    check(io.weights is not None and str(io.weights.path) == str(run_dir),
          f"the trained run's weights are not in use for export (in use: {io.weights})")
    out = journey.workdir / "train" / "digits_cnn.onnx"
    check(io.export_onnx(out), "the ONNX export did not start")
    check(io.wait(300000), "the ONNX export did not finish in 5 minutes")
    journey.wait()
    report = io.last_report
    check(out.is_file() and report is not None and str(report.path) == str(out), f"no ONNX file was written: "
          f"{journey.errors_shown[-1:] or 'no message'}")
    check(report.max_abs_diff < 1e-4, f"onnxruntime differs from torch by {report.max_abs_diff}")
    return f"{out.name}: {report.size_bytes / 1e6:.2f} MB, verified, largest difference {report.max_abs_diff:.1e}"


def step_responsiveness(journey) -> str:
    """Measure and report; the step passes whatever the figures (or without them)."""
    if getattr(sys, "frozen", False):  # the measure starts a Python script: not in a frozen app
        return "not measured: the measurement (benchmarks/) is not part of the frozen app"
    checkout = Path(__file__).resolve().parents[2]  # a source checkout has benchmarks/ beside the package
    if (checkout / "benchmarks" / "responsiveness.py").is_file() and str(checkout) not in sys.path:
        sys.path.append(str(checkout))
    try:
        from benchmarks.responsiveness import measure, passes
    except ImportError:
        return "not measured: benchmarks/responsiveness.py is not part of this installation"
    dashboard = _dashboard(journey)
    try:
        result = measure(dashboard, _project(journey), SECONDS)
    except Exception as e:  # a measurement that could not be taken is information, not a failure
        return f"not measured: {type(e).__name__}: {e}"
    journey.figures["training_responsiveness"] = result
    targets = ", ".join(f"{k}: {'met' if ok else 'not met'}" for k, ok in passes(result).items())
    return (f"UI late by {result['ui_lateness_p99_ms']} ms at p99 (max {result['ui_stall_max_ms']} ms), "
            f"plots {result['plot_fps']} fps, training {result['train_sps_gui']} samples/s in the app vs "
            f"{result['train_sps_headless']} headless (information only; {targets})")


def steps():
    return [("train one epoch in the Train tab", step_train_one_epoch),
            ("export the trained network to ONNX (File → Export)", step_export_the_trained_network),
            ("training responsiveness figures (information)", step_responsiveness)]
