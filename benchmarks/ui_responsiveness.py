"""UI responsiveness while the dashboard trains, against the same project trained by the CLI.

    QT_QPA_PLATFORM=offscreen python benchmarks/ui_responsiveness.py [--template digits_cnn] [--seconds 10]

Prints the figures of benchmarks/responsiveness.py's measure as one JSON line (ui_lateness_p99_ms,
ui_stall_max_ms, plot_fps, train_sps_gui, train_sps_headless and their context), then the issue's
targets with pass/fail. The app's run and the same engine headless in its own process take turns in slices of about a second, each held while the other trains, so both sides
see the same machine (see that module's docstring). The worst case for the GIL is a small model
with small batches, which is why digits_cnn is the default.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--template", default="digits_cnn", help="a built-in template id (default digits_cnn)")
    ap.add_argument("--project", help="a project file instead of a template")
    ap.add_argument("--seconds", type=float, default=10.0, help="how long the GUI run is measured")
    ap.add_argument("--device", default=None, help="auto, cpu, cuda or mps (default: the project's setting)")
    args = ap.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    if str(ROOT) not in sys.path:   # this checkout's benchmarks and cnnrnn_studio
        sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    from benchmarks.responsiveness import measure, passes
    from cnnrnn_studio.project import load_project, load_template
    from cnnrnn_studio.ui.dashboard import TrainingDashboard

    app = QApplication.instance() or QApplication(sys.argv[:1])
    project = load_project(args.project) if args.project else load_template(args.template)
    if args.device:
        project.training = {**(project.training or {}), "device": args.device}
    dashboard = TrainingDashboard()
    dashboard.resize(1400, 900)
    result = measure(dashboard, project, args.seconds)
    result["project"] = project.name
    print(json.dumps(result))
    for target, ok in passes(result).items():
        print(f"{'PASS' if ok else 'FAIL'}  {target}")
    dashboard.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
