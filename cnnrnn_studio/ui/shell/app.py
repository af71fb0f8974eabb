"""`cnnrnn-studio gui [PROJECT] [--screenshot PNG]`: start the desktop editor.

Start-up imports no torch (the window must appear fast); training and export load it later.
PROJECT may be a project file or a template id (e.g. `digits_cnn`, or `template:digits_cnn`).
(`gui --self-test` is cnnrnn_studio.selfcheck, which drives this window from outside.)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

SCREENSHOT_SIZE = (1600, 1000)
SCREENSHOT_MARK = b"CNN-RNN Studio screenshot"


def ensure_app(headless: bool):
    if headless and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # nobody is at the screen: render off it
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("CNN-RNN Studio")
    app.setOrganizationName("CNN-RNN Studio")
    return app


def template_id_of(arg: str) -> str | None:
    """The template an argument names (`template:ID`, or an ID that is not a file), else None."""
    from ...project import list_templates

    ids = {t.id for t in list_templates()}
    name = arg[len("template:"):] if arg.startswith("template:") else arg
    if arg.startswith("template:") or (not Path(arg).exists() and name in ids):
        return name if name in ids else None
    return None


def open_initial(window, project: str | None) -> bool:
    """Show PROJECT (a file or a template id), or the start page."""
    if not project:
        window.show_start_page()
        return True
    tid = template_id_of(project)
    if tid is not None:
        return window.docs.new_from_template(tid, ask=False)
    if project.startswith("template:"):
        from . import dialogs
        from ...project import list_templates

        dialogs.show_error(window, "Template not available",
                           f"There is no template '{project[9:]}'. Templates: "
                           + ", ".join(t.id for t in list_templates()) + ".")
        window.show_start_page()
        return False
    if window.docs.open_path(project, ask=False):
        return True
    window.show_start_page()
    return False


def offer_recovery(window) -> None:
    """After a crash: offer the autosaved work back (newest first)."""
    from . import autosave, dialogs

    for rec in sorted(autosave.find_recoverable(), key=lambda r: -r.saved_at)[:3]:
        if dialogs.ask_recover(window, "CNN-RNN Studio did not close properly last time.\n\n"
                                       f"Recover {rec.describe()}?"):
            if not window.docs.maybe_save():
                return
            try:
                project = autosave.load_recoverable(rec)
            except Exception as e:
                dialogs.show_error(window, "Cannot recover", f"The autosave could not be read: {e}")
                autosave.discard(rec)
                continue
            window.docs.guard_outside_data(project)  # the same question as when the file is opened
            window.docs.show(project, modified=True)
        autosave.discard(rec)


def dispose(app, window) -> None:
    """Delete the window (and everything in it) before the interpreter tears Qt down, so the
    objects are destroyed in Qt's order, not in the garbage collector's (which can crash)."""
    import shiboken6

    from ..editor.clipboard import BLOCKS_MIME

    window._force_close = True
    window.close()
    clip = app.clipboard()
    data = clip.mimeData()
    if data is not None and data.hasFormat(BLOCKS_MIME):
        # Copied blocks are mime data made in Python; Qt deleting it at exit crashes (seen with
        # PySide6 6.11 and 6.12). Leave the same JSON as plain text, which Qt itself owns.
        clip.setText(data.text())
    scene = getattr(window, "scene", None)
    if shiboken6.isValid(window):
        shiboken6.delete(window)
    if scene is not None and shiboken6.isValid(scene):
        shiboken6.delete(scene)
    app.processEvents()


def _report_startup(t0: str | None) -> None:
    if not t0:
        return
    print(json.dumps({"window_shown_s": round(time.time() - float(t0), 4),
                      "torch_imported": "torch" in sys.modules}), flush=True)


def take_screenshot(app, window, path: str, project: str | None) -> int:
    """Open PROJECT (or the start page) in a window of SCREENSHOT_SIZE and save it as PNG."""
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    for _ in range(3):
        app.processEvents()
    _report_startup(os.environ.get("CNNRNN_STUDIO_T0"))
    if not open_initial(window, project):  # laid out for the real canvas size, now that it is shown
        dispose(app, window)
        return 1
    for _ in range(3):
        app.processEvents()
    if window.on_start_page():
        window.start_page.render_pictures()
    else:
        window.view.fit_all(min_zoom=0.55)
    for _ in range(3):
        app.processEvents()
    image = window.grab().toImage()
    image.setText("Software", SCREENSHOT_MARK.decode("ascii"))  # how the next --screenshot knows it is ours
    ok = _save_atomically(image, Path(path))
    if not ok:
        print(f"Error: could not write the screenshot to {path}.", file=sys.stderr)
    dispose(app, window)
    return 0 if ok else 1


def _save_atomically(image, target: Path) -> bool:
    """PNG into a temporary file beside the target, then renamed: a failure leaves no half picture."""
    from ...errors import StudioError
    from ...files import replace, temp_beside

    try:
        with temp_beside(target, StudioError, suffix=".png") as tmp:
            if not image.save(str(tmp), "PNG"):
                return False
            replace(tmp, target, StudioError)
    except StudioError:
        return False
    return True


def is_studio_screenshot(path: Path) -> bool:
    """A PNG an earlier `--screenshot` wrote (its text chunk, before the pixels, names the studio)."""
    from ...files import starts_with

    return starts_with(path, b"\x89PNG", 8) and starts_with(path, SCREENSHOT_MARK)


def screenshot_target_problem(path: str, force: bool) -> str | None:
    """Why --screenshot must not write `path` (None: it may): never over a folder, device or pipe,
    and over a file an earlier screenshot did not write only with --force."""
    from ...errors import StudioError
    from ...files import check_target, refuse_replacing

    if Path(path).expanduser().is_dir():
        return f"{path}: this is a folder; give a picture name inside it, such as {Path(path) / 'screenshot.png'}."
    try:
        target = check_target(path, StudioError, "picture")
        refuse_replacing(target, StudioError, own=is_studio_screenshot, force=force)
    except StudioError as e:
        return str(e)
    return None


def run_gui(args) -> int:
    project = getattr(args, "project", None)
    screenshot = getattr(args, "screenshot", None)
    if screenshot:  # before any window: a refused target costs nothing
        problem = screenshot_target_problem(screenshot, bool(getattr(args, "force", False)))
        if problem is not None:
            print(f"Error: {problem}", file=sys.stderr)
            return 1
    app = ensure_app(headless=bool(screenshot))
    from PySide6.QtCore import QSettings, QTimer

    from . import crash, dialogs, theme
    from ..editor.icons import app_icon
    from .main_window import MainWindow, open_settings
    from .preferences import value as setting

    app.setWindowIcon(app_icon())
    if screenshot:  # a clean default window: not this person's layout, recent files or autosaves
        dialogs.set_headless(True)
        tmp = tempfile.mkdtemp(prefix="cnnrnn-shot-")
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.IniFormat)
        theme.apply(app, os.environ.get("CNNRNN_STUDIO_THEME", "system"))
        window = MainWindow(settings, autosave_enabled=False)
        try:
            return take_screenshot(app, window, screenshot, project)
        finally:  # the questions are answered by a person again (a caller in the same process)
            dialogs.set_headless(False)

    crash.setup_logging()
    crash.install()
    settings = open_settings()
    theme.apply(app, setting(settings, "theme"))
    window = MainWindow(settings)
    window.show()
    QTimer.singleShot(0, lambda: _report_startup(os.environ.get("CNNRNN_STUDIO_T0")))
    app.processEvents()  # the canvas has its real size before a template is laid out to fit it
    open_initial(window, project)
    QTimer.singleShot(0, lambda: offer_recovery(window))
    return int(app.exec())
