"""Unexpected errors: logged to a file and shown in a dialog (with a details fold), never a crash.

A StudioError is a person's mistake with a plain sentence; anything else is a bug, shown with
its traceback folded away so the person can report it, while the app keeps running.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from typing import Callable

from ...errors import StudioError
from . import autosave, dialogs

log = logging.getLogger("cnnrnn_studio.ui")
_showing = False
errors_seen: list[str] = []  # what the self-test checks: no unexpected error happened


def log_file():
    return autosave.data_dir() / "logs" / "cnnrnn-studio.log"


def setup_logging() -> None:
    try:
        path = log_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return  # no log folder: errors still go to the dialog and stderr
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("cnnrnn_studio")
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def handle(exc_type, exc, tb, show: Callable[[str, str, str | None], None] | None = None) -> None:
    global _showing
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    errors_seen.append(f"{exc_type.__name__}: {exc}")
    if isinstance(exc, StudioError):
        title, message, details_shown = "Cannot do that", str(exc), None
        log.warning("%s", exc)
    else:
        title = "Something went wrong"
        message = (f"An unexpected error happened: {exc_type.__name__}: {exc}\n\n"
                   "Your work is kept (it is autosaved every minute). If this happens again, please report it "
                   f"with the details below; they are also in {log_file()}.")
        details_shown = details
        log.error("unexpected error\n%s", details)
    if _showing:  # an error inside the error dialog: do not stack dialogs
        print(details, file=sys.stderr)
        return
    _showing = True
    try:
        (show or (lambda t, m, d: dialogs.show_error(None, t, m, d)))(title, message, details_shown)
    except Exception:
        print(details, file=sys.stderr)
    finally:
        _showing = False


def install(show: Callable[[str, str, str | None], None] | None = None) -> None:
    """Route uncaught exceptions (including those raised in Qt slots) here."""
    sys.excepthook = lambda t, e, tb: handle(t, e, tb, show)
