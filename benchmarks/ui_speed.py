"""How fast the editor is, measured in fresh processes, printed beside the targets of the issue.

  * start-up: `cnnrnn-studio gui --screenshot` until the main window is shown (target < 1.5 s),
    and whether torch was imported on the way (it must not be);
  * a 300-block network (no positions: laid out on open) opens and is drawn (target < 1 s);
  * after an edit on it, shapes and errors are recomputed and the cards updated (target < 50 ms);
  * dragging a card: one mouse move, the undo step it makes and the repaint (target < 16.7 ms, 60 fps).

Run:  QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/ui_speed.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3


def big_project(path: Path, n_units: int = 42) -> int:
    """Input, a stem, residual units (conv-bn-relu-conv-bn-add-relu) and a head: 300 blocks."""
    blocks = [{"id": "input", "type": "Input", "params": {"kind": "image", "shape": [3, 32, 32]}},
              {"id": "stem", "type": "Conv2d", "params": {"out_channels": 16, "kernel_size": 3, "padding": "same"}}]
    links = [{"from": "input", "to": "stem"}]
    prev = "stem"
    for u in range(n_units):
        names = [f"u{u}_{k}" for k in ("conv_a", "bn_a", "relu_a", "conv_b", "bn_b", "add", "relu")]
        types = ["Conv2d", "BatchNorm", "ReLU", "Conv2d", "BatchNorm", "Add", "ReLU"]
        for n, t in zip(names, types):
            p = {"out_channels": 16, "kernel_size": 3, "padding": "same"} if t == "Conv2d" else {}
            blocks.append({"id": n, "type": t, "params": p})
        chain = [prev] + names[:5]
        links += [{"from": a, "to": b} for a, b in zip(chain, chain[1:])]
        links += [{"from": names[4], "to": names[5], "port": 0}, {"from": prev, "to": names[5], "port": 1},
                  {"from": names[5], "to": names[6]}]
        prev = names[6]
    for bid, t, p in (("gap", "GlobalAvgPool", {}), ("drop", "Dropout", {"p": 0.2}),
                      ("dense", "Dense", {"out_features": 10}), ("output", "Output", {})):
        blocks.append({"id": bid, "type": t, "params": p})
        links.append({"from": prev, "to": bid})
        prev = bid
    path.write_text(json.dumps({"format": "cnnrnn-studio-project", "version": 1, "name": "Big",
                                "blocks": blocks, "links": links}))
    return len(blocks)


PROBE = r'''
import json, os, statistics, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QPointF, QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from cnnrnn_studio.ui.shell.main_window import MainWindow
from cnnrnn_studio.selfcheck import simulate as sim
from cnnrnn_studio.ui.shell.app import dispose
w = MainWindow(QSettings(sys.argv[2], QSettings.IniFormat), autosave_enabled=False)
w.resize(1440, 900); w.show(); app.processEvents()
vp = w.view.viewport()

t0 = time.perf_counter()
assert w.docs.open_path(sys.argv[1], ask=False)
app.processEvents(); vp.repaint()
open_s = time.perf_counter() - t0

edit_ms, paint_ms = [], []
for i in range(30):
    t = time.perf_counter()
    w.editor.set_param("u20_conv_a", "out_channels", 16 if i % 2 else 24)  # shapes change downstream
    edit_ms.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter(); vp.repaint(); paint_ms.append((time.perf_counter() - t) * 1000)
errors_shown = sum(1 for it in w.scene.blocks.values() if it.severity == "error")

w.view.resetTransform(); item = w.scene.blocks["u10_relu"]; w.view.centerOn(item)
app.processEvents()
a = item.scenePos() + QPointF(80, 12)
steps_before, pos_before = w.editor.stack.index(), w.editor.graph.block("u10_relu").position
sim._mouse(w.view, sim.QEvent.MouseButtonPress, a)
drag_ms = []
for k in range(1, 61):
    t = time.perf_counter()
    sim._mouse(w.view, sim.QEvent.MouseMove, a + QPointF(4 * k, 2 * k), sim.Qt.NoButton, sim.Qt.LeftButton)
    vp.repaint()
    drag_ms.append((time.perf_counter() - t) * 1000)
sim._mouse(w.view, sim.QEvent.MouseButtonRelease, a + QPointF(240, 120), sim.Qt.LeftButton, sim.Qt.NoButton)
moved = w.editor.graph.block("u10_relu").position != pos_before
print(json.dumps({"blocks": len(w.editor.graph), "open_and_draw_s": open_s,
                  "edit_ms_median": statistics.median(edit_ms), "edit_ms_max": max(edit_ms),
                  "repaint_ms_median": statistics.median(paint_ms), "errors_after_edit": errors_shown,
                  "drag_ms_median": statistics.median(drag_ms), "drag_ms_max": max(drag_ms),
                  "undo_steps_for_drag": w.editor.stack.index() - steps_before, "drag_moved_the_card": moved,
                  "torch": "torch" in sys.modules}))
dispose(app, w)
'''


def startup(tmp: Path) -> dict:
    shown, torch = [], False
    for i in range(RUNS):
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CNNRNN_STUDIO_DATA_DIR=str(tmp / f"d{i}"),
                   CNNRNN_STUDIO_T0=repr(time.time()))
        r = subprocess.run([sys.executable, "-m", "cnnrnn_studio.cli", "gui", "--screenshot", str(tmp / "s.png")],
                           capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        line = next(l for l in r.stdout.splitlines() if l.startswith("{"))
        d = json.loads(line)
        shown.append(d["window_shown_s"])
        torch = torch or d["torch_imported"]
    return {"window_shown_s": statistics.median(shown), "runs": shown, "torch": torch}


def import_time() -> tuple[float, bool]:
    """`python -X importtime` of the main window module: total seconds, and whether torch is in it."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", "import cnnrnn_studio.ui.shell.main_window"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    total, torch = 0, False
    for line in r.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = [p.strip() for p in line[len("import time:"):].split("|")]
        if parts[0].isdigit() and not parts[2].startswith(" "):
            name = parts[2]
            if name.split(".")[0] == "torch":
                torch = True
            if not line.split("|")[2].startswith("  "):  # top-level imports only
                total += int(parts[1])
    return total / 1e6, torch


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="cnnrnn-bench-"))
    big = tmp / "big.cnnrnn.json"
    n = big_project(big)
    s = startup(tmp)
    imp_s, imp_torch = import_time()
    r = subprocess.run([sys.executable, "-c", PROBE, str(big), str(tmp / "settings.ini")], capture_output=True,
                       text=True, cwd=ROOT, timeout=600, env=dict(os.environ, CNNRNN_STUDIO_DATA_DIR=str(tmp / "d")))
    if r.returncode != 0:
        print(r.stderr, file=sys.stderr)
        return 1
    p = json.loads(r.stdout.strip().splitlines()[-1])
    rows = [
        ("main window shown after launch (median of %d)" % RUNS, f"{s['window_shown_s']:.2f} s", "< 1.5 s",
         s["window_shown_s"] < 1.5),
        ("torch imported during start-up", str(s["torch"] or imp_torch), "False", not (s["torch"] or imp_torch)),
        ("import of the editor (python -X importtime)", f"{imp_s:.2f} s", "(part of start-up)", True),
        (f"{p['blocks']}-block network: open, lay out and draw", f"{p['open_and_draw_s']:.2f} s", "< 1 s",
         p["open_and_draw_s"] < 1.0),
        ("edit on it: shapes + errors + cards (median)", f"{p['edit_ms_median']:.1f} ms", "< 50 ms",
         p["edit_ms_median"] < 50),
        ("edit on it: slowest of 30", f"{p['edit_ms_max']:.1f} ms", "< 50 ms", p["edit_ms_max"] < 50),
        ("repaint of the canvas after an edit (median)", f"{p['repaint_ms_median']:.1f} ms", "—", True),
        ("drag a card: one mouse move + undo step + repaint (median)", f"{p['drag_ms_median']:.1f} ms",
         "< 16.7 ms (60 fps)", p["drag_ms_median"] < 16.7),
        ("drag a card: slowest move", f"{p['drag_ms_max']:.1f} ms", "< 33 ms (30 fps)", p["drag_ms_max"] < 33),
        ("undo steps made by that 60-move drag", str(p["undo_steps_for_drag"]), "1",
         p["undo_steps_for_drag"] == 1 and p["drag_moved_the_card"]),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(w)}  {'figure':>10}  {'target':<20} ok")
    for name, fig, target, ok in rows:
        print(f"{name.ljust(w)}  {fig:>10}  {target:<20} {'yes' if ok else 'NO'}")
    print(json.dumps({"startup": s, "import_s": imp_s, "big": p}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
