"""`cnnrnn-studio gui --self-test`: a scripted user journey on the real window, offscreen.

Every template network is built from an empty canvas through the events a person's mouse and
keyboard make (palette drops, port-to-port drags, typing in the inspector), then compared with
the template; then errors and fixes, undo/redo, copy/paste, layout, save/reopen, broken files
and picture export are checked, then training one epoch and the ONNX export (training.py). One
line per step, then one JSON line; exit 0 only if all passed. It asserts behaviour only: the
figures it prints (how long a step took, the training responsiveness) are information.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

from . import simulate as sim

StepFn = Callable[["Journey"], str]
FIGURE_KEYS = ("ui_lateness_p99_ms", "ui_stall_max_ms", "plot_fps", "train_sps_gui", "train_sps_headless")


@dataclass
class StepResult:
    name: str
    ok: bool
    detail: str
    seconds: float


class Check(AssertionError):
    pass


def check(cond: bool, message: str) -> None:
    if not cond:
        raise Check(message)


class Journey:
    """The window, a scratch folder and the person's actions (see simulate.py)."""

    def __init__(self, app, window, workdir: Path):
        self.app, self.window, self.workdir = app, window, workdir
        self.figures: dict = {}
        self.errors_shown: list[str] = []
        self.answers: dict = {}

    # shortcuts used by steps
    @property
    def editor(self):
        return self.window.editor

    @property
    def graph(self):
        return self.window.editor.graph

    def wait(self, ms: int = 0) -> None:
        """Run the event loop for `ms`. Not QTest.qWait: it keeps the GIL while it sleeps, which
        starved the training thread (importing torch there took 55 s instead of 2)."""
        from PySide6.QtCore import QEventLoop, QTimer

        self.app.processEvents()
        if ms:
            loop = QEventLoop()
            QTimer.singleShot(ms, loop.quit)
            loop.exec()

    def empty_canvas(self) -> None:
        self.window.act_new.trigger()
        self.wait()
        check(len(self.graph) == 0 and not self.window.on_start_page(), "File → New did not give an empty canvas")

    def build(self, reference) -> dict:
        """Build `reference` (a Project) on the empty canvas, with the mouse and keyboard only."""
        from ..blocks import REGISTRY

        n_fields = 0
        for b in reference.graph.blocks:
            new_id = sim.drop_block(self.window, b.type, b.position)
            check(new_id is not None, f"dropping {b.type} from the palette added no block")
            check(self.window.scene.selected_block_ids() == [new_id], f"the dropped {b.type} is not selected")
            form = self.window.inspector.block_form
            check(form is not None and form.block_id == new_id, f"the inspector does not show {new_id}")
            if new_id != b.id:
                sim.type_into(form.name, b.id)
                check(b.id in self.graph, f"renaming {new_id} to {b.id} in the inspector failed: "
                                          f"{form.name_error.text()}")
            spec = REGISTRY[b.type]
            for p in spec.params:  # kind before shape: choosing a kind resets the shape
                if p.name in b.params:
                    sim.set_field(form.fields[p.name], b.params[p.name])
                    n_fields += 1
            want = spec.resolve_params(b.params)
            got = spec.resolve_params(self.graph.block(b.id).params)
            check(got == want, f"{b.id}: the inspector set {got}, expected {want}")
        links = sorted(reference.graph.links, key=lambda l: (l.dst, l.port))
        for l in links:
            check(sim.drag_link(self.window, l.src, l.dst), f"dragging {l.src} → {l.dst} made no link")
        return {"blocks": len(reference.graph), "links": len(links), "fields": n_fields}

    def same_network(self, reference) -> None:
        from ..blocks import REGISTRY

        g = self.graph
        check(sorted(g.block_ids()) == sorted(reference.graph.block_ids()),
              f"blocks differ: {sorted(g.block_ids())} vs {sorted(reference.graph.block_ids())}")
        for b in reference.graph.blocks:
            mine = g.block(b.id)
            check(mine.type == b.type, f"{b.id} is a {mine.type}, expected {b.type}")
            spec = REGISTRY[b.type]
            check(spec.resolve_params(mine.params) == spec.resolve_params(b.params), f"{b.id}: settings differ")
            if b.position is not None:
                check(tuple(mine.position) == tuple(b.position), f"{b.id} is at {mine.position}, expected {b.position}")
        key = lambda gr: sorted((l.src, l.dst, l.port) for l in gr.links)  # noqa: E731
        check(key(g) == key(reference.graph), f"links differ: {key(g)} vs {key(reference.graph)}")


# --- the steps ---------------------------------------------------------------------------------------
def step_window(j: Journey) -> str:
    check("torch" not in sys.modules, "torch was imported while the editor started")
    check(j.window.isVisible(), "the main window is not shown")
    check(j.window.on_start_page(), "the start page (template gallery) is not shown at start")
    n = len(j.window.start_page.cards)
    check(n >= 2, "the gallery shows no templates")
    return f"window shown, start page with {n - 1} templates, torch not loaded"


def _template_step(template_id: str) -> StepFn:
    def run(j: Journey) -> str:
        from ..project import load_template
        from ..ui.editor.layout import fitted_positions

        ref = load_template(template_id)
        for bid, pos in fitted_positions(ref.graph, *j.window.view_size()).items():
            ref.graph.move_block(bid, pos)
        j.empty_canvas()
        stats = j.build(ref)
        j.same_network(ref)
        a, want = j.editor.analysis, ref.analyze()
        check(a.ok, f"the built network has problems: {[str(p) for p in a.errors]}")
        shapes = {b: s.show() for b, s in a.specs.items()}
        check(shapes == {b: s.show() for b, s in want.specs.items()}, "output shapes differ from the template's")
        shown = {b: it.shape_text for b, it in j.window.scene.blocks.items()}
        check(shown == shapes, "a card does not show its block's output shape")
        j.last_reference = ref
        return (f"{stats['blocks']} blocks dropped, {stats['links']} links dragged, {stats['fields']} settings typed; "
                f"{a.total_params:,} parameters, same as the template")
    return run


def step_undo_redo(j: Journey) -> str:
    ref = j.last_reference
    stack = j.editor.stack
    n = stack.index()
    check(n > 0, "nothing to undo")
    for _ in range(n):
        j.window.act_undo.trigger()
    j.wait()
    check(len(j.graph) == 0 and not j.window.scene.blocks, "undoing every edit did not empty the canvas")
    for _ in range(n):
        j.window.act_redo.trigger()
    j.wait()
    j.same_network(ref)
    check(j.editor.analysis.ok, "after redo the network has problems")
    return f"{n} edits undone to an empty canvas and redone to the same network"


def step_errors_and_fix(j: Journey) -> str:
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtTest import QTest

    from ..ui.editor.geometry import CARD_H, CARD_W

    j.empty_canvas()
    ids = [sim.drop_block(j.window, t, (x * 220.0, 0.0)) for x, t in enumerate(("Input", "Conv2d", "Dense", "Output"))]
    for a, b in zip(ids, ids[1:]):
        check(sim.drag_link(j.window, a, b), f"could not link {a} → {b}")
    dense = ids[2]
    item = j.window.scene.blocks[dense]
    check(item.severity == "error", "Dense after Conv2d (an image) is not outlined as an error")
    check("Flatten" in item.toolTip(), "hovering the Dense card does not say what is wrong")
    msgs = j.window.messages
    rows = [msgs.tree.topLevelItem(i) for i in range(msgs.tree.topLevelItemCount())]
    row = next((r for r in rows if r.text(0) == dense), None)
    check(row is not None, "the message panel does not list the Dense problem")
    j.window.scene.select_blocks([])
    rect = msgs.tree.visualItemRect(row)
    QTest.mouseClick(msgs.tree.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    j.wait()
    check(j.window.scene.selected_block_ids() == [dense], "clicking the message did not select the block")
    button = msgs.tree.itemWidget(row, 2)
    check(button is not None and button.text() == "Insert Flatten", "no 'Insert Flatten' button for the problem")
    QTest.mouseClick(button, Qt.LeftButton)
    j.wait()
    flat = [b for b in j.graph.of_type("Flatten")]
    check(len(flat) == 1 and j.graph.inputs_of(dense) == flat, "the fix did not insert Flatten before Dense")
    check(j.editor.analysis.ok, f"after the fix: {[str(p) for p in j.editor.analysis.errors]}")
    j.window.act_undo.trigger()
    j.wait()
    check(not j.graph.of_type("Flatten") and j.window.scene.blocks[dense].severity == "error",
          "one undo did not take the whole fix back")
    j.window.act_redo.trigger()
    j.wait()
    check(j.editor.analysis.ok, "redo of the fix did not make the network valid")

    # links the canvas refuses while dragging, with the reason (the port drag starts on a real port)
    card = lambda b: j.window.scene.blocks[b].scenePos() + QPointF(CARD_W / 2, CARD_H / 2)  # noqa: E731
    tries = [  # (press here, release there, words the reason must contain)
        (sim.port_pos(j.window, ids[2], True), card(ids[0]), "is the Input"),
        (sim.port_pos(j.window, ids[1], False), card(ids[3]), "is the Output"),
        (sim.port_pos(j.window, ids[0], True), sim.port_pos(j.window, ids[2], False), "one input"),
    ]
    found = []
    for a, b, words in tries:
        hints: list[str] = []
        j.window.scene.hint_changed.connect(hints.append)
        before = sorted((l.src, l.dst) for l in j.graph.links)
        try:
            sim.drag(j.window.view, a, b)
        finally:
            j.window.scene.hint_changed.disconnect(hints.append)
        check(sorted((l.src, l.dst) for l in j.graph.links) == before, f"a wrong link was made ({words})")
        reason = next((h for h in hints if words in h), None)
        check(reason is not None, f"no reason shown while dragging ({words}): {hints}")
        found.append(reason)
    return ("error outlined and listed; message selects the block; 'Insert Flatten' fixed it in one undoable "
            "step; wrong links refused with reasons: " + " | ".join(r.split(".")[0] for r in found))


def step_loop_refused(j: Journey) -> str:
    j.empty_canvas()
    ids = [sim.drop_block(j.window, t, (x * 220.0, 0.0)) for x, t in enumerate(("Input", "Dense", "Add", "ReLU"))]
    for a, b in zip(ids, ids[1:]):
        check(sim.drag_link(j.window, a, b), f"could not link {a} → {b}")
    hints = []
    j.window.scene.hint_changed.connect(hints.append)
    try:
        made = sim.drag_link(j.window, ids[3], ids[2])
    finally:
        j.window.scene.hint_changed.disconnect(hints.append)
    check(not made, "a link making a loop was accepted")
    check(any("loop" in h for h in hints), f"no loop reason shown: {hints}")
    return "ReLU → Add (which feeds it) refused: " + next(h for h in hints if "loop" in h)


def step_inspector(j: Journey) -> str:
    j.empty_canvas()
    inp = sim.drop_block(j.window, "Input", (0.0, 0.0))
    conv = sim.drop_block(j.window, "Conv2d", (220.0, 0.0))
    check(sim.drag_link(j.window, inp, conv), "link failed")
    sim.click_block(j.window, conv)
    form = j.window.inspector.block_form
    check(form is not None and form.block_id == conv, "clicking the card did not show it in the inspector")
    sim.set_field(form.fields["out_channels"], 8)
    check(j.window.scene.blocks[conv].shape_text == "[8, 26, 26]",
          f"shape did not follow the edit: {j.window.scene.blocks[conv].shape_text}")
    n = j.editor.stack.index()
    field = form.fields["kernel_size"]
    sim.type_into(field.editor_widget, "3 x banana")
    check(field.error.text() and j.editor.stack.index() == n, "an invalid kernel size was applied or not explained")
    sim.type_into(field.editor_widget, "[5, 5]")
    check(j.window.scene.blocks[conv].shape_text == "[8, 24, 24]" and not field.error.text(),
          "'[5, 5]' was not read as a 5x5 kernel")
    sim.type_into(form.fields["padding"].editor_widget, "same")
    check(j.window.scene.blocks[conv].shape_text == "[8, 28, 28]", "padding 'same' did not keep the size")
    return "out channels 8 → [8, 26, 26]; '3 x banana' refused with a message; '[5, 5]' and 'same' accepted"


def step_clipboard(j: Journey) -> str:
    from PySide6.QtCore import Qt

    g = j.graph
    a, b = g.of_type("Input")[0], g.of_type("Conv2d")[0]
    sim.click_block(j.window, a)
    sim.click_block(j.window, b, Qt.ControlModifier)
    check(sorted(j.window.scene.selected_block_ids()) == sorted([a, b]), "ctrl-click did not select two blocks")
    j.window.act_copy.trigger()
    j.window.act_paste.trigger()
    j.wait()
    pasted = j.window.scene.selected_block_ids()
    check(len(pasted) == 2 and len(g) == 4, "paste did not add two blocks")
    check(sum(1 for l in g.links if l.src in pasted and l.dst in pasted) == 1, "the pasted blocks lost their link")
    j.window.act_duplicate.trigger()
    j.wait()
    check(len(g) == 6, "duplicate did not add copies")
    j.window.act_delete.trigger()
    j.wait()
    check(len(g) == 4, "Delete did not remove the selection")
    j.window.act_undo.trigger()
    j.wait()
    check(len(g) == 6, "undo did not bring the deleted blocks back")
    return "copy + paste kept the inner link; duplicate, delete and undo worked"


def step_move_and_tidy(j: Journey) -> str:
    from ..ui.editor.layout import overlapping

    g = j.graph
    bid = g.block_ids()[0]
    before = g.block(bid).position
    idx = j.editor.stack.index()
    sim.click_block(j.window, bid)
    sim.move_block(j.window, bid, (200.0, 140.0))
    after = g.block(bid).position
    check(after == (before[0] + 200, before[1] + 140), f"dragging the card moved it to {after}")
    check(j.editor.stack.index() == idx + 1, "one drag made more than one undo step")
    j.window.act_tidy.trigger()
    j.wait()
    pos = {b.id: b.position for b in g.blocks}
    check(not overlapping(pos), f"tidy layout left overlapping cards: {overlapping(pos)}")
    j.window.act_undo.trigger()
    j.window.act_undo.trigger()
    check(g.block(bid).position == before, "undo did not move the card back")
    return "a drag is one undo step; tidy layout leaves no overlaps; undo restores positions"


def step_save_reopen(j: Journey) -> str:
    from ..project import load_template

    ref = load_template("lstm_classifier")
    j.window.docs.new_from_template("lstm_classifier", ask=False)
    j.wait()
    path = j.workdir / "my network.cnnrnn.json"
    j.answers["save"] = str(path)
    j.window.act_save.trigger()
    check(path.is_file(), "Save did not write the file")
    check(j.editor.stack.isClean() and not j.window.isWindowModified(), "after Save the project still looks modified")
    saved = json.loads(path.read_text())
    j.empty_canvas()
    j.answers["open"] = str(path)
    j.window.act_open.trigger()
    j.wait()
    check(j.editor.project.path == path, "Open did not open the saved file")
    check(j.editor.project.to_dict() == saved, "the reopened project differs from what was saved")
    check(sorted((l.src, l.dst) for l in j.graph.links) == sorted((l.src, l.dst) for l in ref.graph.links),
          "links changed on the way")
    check(str(path.resolve()) in j.window.docs.recent(), "the file is not in the recent files")
    # a broken file: a clear message, the current work untouched
    broken = j.workdir / "broken.cnnrnn.json"
    broken.write_text(path.read_text()[:120])
    n_errors = len(j.errors_shown)
    j.answers["open"] = str(broken)
    j.window.act_open.trigger()
    check(len(j.errors_shown) == n_errors + 1 and "line" in j.errors_shown[-1], "no clear message for a broken file")
    check(j.editor.project.path == path, "opening a broken file replaced the current work")
    return f"saved, reopened equal; broken file refused: {j.errors_shown[-1][:90]}…"


def step_export(j: Journey) -> str:
    png, svg = j.workdir / "net.png", j.workdir / "net.svg"
    check(j.window.export_picture("png", str(png)) and png.stat().st_size > 1000, "PNG export failed")
    check(j.window.export_picture("svg", str(svg)) and "<svg" in svg.read_text()[:2000], "SVG export failed")
    return f"PNG {png.stat().st_size // 1024} KB, SVG {svg.stat().st_size // 1024} KB"


def step_no_unexpected_errors(j: Journey) -> str:
    from ..ui.shell import crash

    check(not crash.errors_seen, f"unexpected errors: {crash.errors_seen}")
    return "no unexpected error was raised"


def steps() -> Iterator[tuple[str, StepFn]]:
    """The steps in order. The training steps' module is imported when their turn comes (after the
    editor's own steps, so the start-up check still sees no torch)."""
    from ..project import list_templates

    yield "window opens without torch", step_window
    for t in list_templates():
        yield f"build '{t.id}' from an empty canvas", _template_step(t.id)
    yield "undo and redo every edit", step_undo_redo
    yield "error shown, fixed in one click, wrong links refused", step_errors_and_fix
    yield "loop refused while dragging", step_loop_refused
    yield "inspector validates as the person types", step_inspector
    yield "copy, paste, duplicate, delete", step_clipboard
    yield "move a card and tidy the layout", step_move_and_tidy
    yield "save, reopen, broken file", step_save_reopen
    yield "export the canvas as PNG and SVG", step_export
    from . import training

    yield from training.steps()
    yield "no unexpected errors", step_no_unexpected_errors


def run_self_test(app=None) -> int:
    """Run the journey in a new main window (in ``app``, or a new offscreen QApplication); print a
    line per step and the JSON summary; 0 if every step passed."""
    from ..ui.shell.app import dispose, ensure_app

    app = app or ensure_app(headless=True)
    workdir = Path(tempfile.mkdtemp(prefix="cnnrnn-selftest-"))
    os.environ["CNNRNN_STUDIO_DATA_DIR"] = str(workdir / "data")  # never the person's settings or autosaves
    from PySide6.QtCore import QSettings

    from ..ui.shell import crash, dialogs, theme
    from ..ui.shell.main_window import MainWindow

    t0 = time.perf_counter()
    theme.apply(app, "light")
    settings = QSettings(str(workdir / "settings.ini"), QSettings.IniFormat)
    window = MainWindow(settings, autosave_enabled=False)
    window.resize(1440, 900)
    journey = Journey(app, window, workdir)
    crash.errors_seen.clear()
    crash.install(show=lambda title, message, details: journey.errors_shown.append(message))
    dialogs.show_error = lambda parent, title, message, details=None: journey.errors_shown.append(message)
    dialogs.show_info = lambda *a, **k: None
    dialogs.ask_unsaved = lambda parent, name: "discard"
    dialogs.ask_recover = lambda parent, text: False
    dialogs.ask_save_project = lambda parent, suggested: journey.answers.pop("save", None)
    dialogs.ask_open_project = lambda parent, folder="": journey.answers.pop("open", None)
    dialogs.ask_export_path = lambda parent, suggested, flt: journey.answers.pop("export", None)
    dialogs.ask_replace = lambda parent, path, ours: False          # nobody at the screen: keep the file
    dialogs.ask_outside_data = lambda parent, name, folder, files: False
    window.show_start_page()
    window.show()
    app.processEvents()
    journey.figures["window_shown_s"] = round(time.perf_counter() - t0, 3)

    results: list[StepResult] = []
    for name, fn in steps():
        s = time.perf_counter()
        try:
            detail = fn(journey) or ""
            ok = True
        except Check as e:
            ok, detail = False, str(e)
        except Exception as e:  # a bug: say where
            ok, detail = False, f"{type(e).__name__}: {e} | " + traceback.format_exc().strip().splitlines()[-3].strip()
        app.processEvents()
        r = StepResult(name, ok, detail, round(time.perf_counter() - s, 3))
        results.append(r)
        print(f"{'PASS' if ok else 'FAIL'}  {name} ({r.seconds:.2f} s): {detail}", flush=True)
    dispose(app, window)
    passed = all(r.ok for r in results)
    # The responsiveness figures go first, at the top level of the last line (the dashboard issue's
    # contract), as information: null where they were not measured (see training.py).
    measured = journey.figures.get("training_responsiveness") or {}
    top = {key: measured.get(key) for key in FIGURE_KEYS}
    top.update(measured)
    top.update({"self_test": "passed" if passed else "failed", "passed": sum(r.ok for r in results),
                "failed": sum(not r.ok for r in results), "seconds": round(time.perf_counter() - t0, 2),
                "figures": journey.figures, "steps": [asdict(r) for r in results]})
    print(json.dumps(top), flush=True)
    return 0 if passed else 1
