"""Run a slow function (load a dataset, read a run folder) on a QThread and get its result back on
the GUI thread, the same way the training worker runs (STYLE rule 6): a QObject moved to a QThread,
``started -> run``, ``finished -> quit`` (then the objects are released on the GUI thread), an
exception -> ``failed(str)``.
"""

from __future__ import annotations

import gc
import logging
import sys
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QObject, Qt, QThread, Signal, Slot

log = logging.getLogger(__name__)

# Tasks whose thread still runs: a QThread garbage-collected while running would crash the app.
_LIVE: set["WorkerThread"] = set()


def plain_message(error: BaseException) -> str:
    """A sentence for a person: our own errors say it already; anything else is named, not dumped."""
    from ...errors import StudioError

    if isinstance(error, StudioError):  # a DataError is one too
        return str(error)
    if isinstance(error, MemoryError):
        return "The computer ran out of memory. Try a smaller batch size or a smaller network."
    text = str(error).strip() or type(error).__name__
    return f"An unexpected problem stopped it ({type(error).__name__}: {text})."


_settled = False


def settle_gui_thread() -> None:
    """Once torch is loaded, hold the GUI thread to one torch thread before it runs any kernel, so
    the training thread keeps the cores (see cnnrnn_studio.train.threads). Call on the GUI thread."""
    global _settled
    if _settled or "torch" not in sys.modules:
        return
    from ...train.threads import keep_light

    keep_light()
    # Everything loaded so far (torch, Qt, the app) goes out of the collector's sight: a full
    # collection over it took 40-160 ms (seen here), and one during training froze the window
    # for that long, from whichever thread it ran on (it holds the GIL).
    gc.freeze()
    _settled = True


class FunctionWorker(QObject):
    """Calls ``fn()`` once when its thread starts: ``succeeded(result)`` or ``error(sentence)``,
    then ``finished()`` always, so the thread ends whatever happened."""

    succeeded = Signal(object)
    error = Signal(str)
    finished = Signal()

    def __init__(self, fn: Callable[[], Any]):
        super().__init__()
        self._fn = fn

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as e:  # noqa: BLE001 - every failure becomes a message, never a dead thread
            from ...errors import StudioError

            if isinstance(e, StudioError):  # the person's input (a data mismatch...): a sentence, no traceback
                log.info("background work refused: %s", e)
            elif isinstance(e, Exception):  # a real bug: keep its traceback in the log
                log.exception("background work failed")
            else:
                log.error("background work interrupted: %r", e)
            self.error.emit(plain_message(e))
        else:
            self.succeeded.emit(result)
        finally:
            self.finished.emit()


class WorkerThread(QObject):
    """A Python-owned worker QObject on its own QThread, and the thread's whole life: start,
    wait, and release on the GUI thread once the thread has really ended. ``ended()`` comes last.
    The worker must have a ``finished`` signal and a ``run`` slot."""

    ended = Signal()

    def __init__(self, worker: QObject, parent: QObject | None = None, *, name: str = ""):
        super().__init__(parent)
        self._thread: QThread | None = QThread()
        if name:
            self._thread.setObjectName(name)
        self._worker: QObject | None = worker
        worker.moveToThread(self._thread)
        self._thread.started.connect(worker.run)
        # Direct: QThread.quit() is thread-safe, and a GUI thread blocked in wait() could not run a
        # queued quit, so closing the window would hang until the timeout.
        worker.finished.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        # No worker.deleteLater(): a C++ delete on the worker thread raced with Python dropping its
        # wrapper on this one (a segfault, seen in tests); _cleanup drops it here instead.
        self._thread.finished.connect(self._cleanup)
        self._running = False

    def start(self) -> "WorkerThread":
        assert self._thread is not None, "a worker thread runs once"
        settle_gui_thread()
        self._running = True
        _LIVE.add(self)
        self._thread.start()
        return self

    def is_running(self) -> bool:
        return self._running

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Block until the thread has ended and its last signals were delivered; False on timeout."""
        if self._thread is not None and not self._thread.wait(QDeadlineTimer(max(0, int(timeout_ms)))):
            return False
        QCoreApplication.processEvents()
        if self._running:  # the thread ended, but its queued 'finished' was not delivered yet
            self._cleanup()
        return True

    @Slot()
    def _cleanup(self) -> None:
        if not self._running:
            return
        settle_gui_thread()   # the work may have loaded torch
        self._running = False
        if self._thread is not None:
            self._thread.wait()  # 'finished' comes just before the thread really exits
            self._thread.deleteLater()
        self._thread = None
        self._worker = None
        _LIVE.discard(self)
        self.ended.emit()


class BackgroundTask(WorkerThread):
    """``fn()`` on its own thread; ``done(result)`` or ``failed(message)``, then ``ended()``, arrive on
    the GUI thread. Keep a reference or not: a running task keeps itself alive."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None):
        worker = FunctionWorker(fn)
        super().__init__(worker, parent)
        worker.succeeded.connect(self.done)
        worker.error.connect(self.failed)


def wait_all(timeout_ms: int = 30000) -> bool:
    """Join every running background task (tests, application exit)."""
    ok = True
    for task in list(_LIVE):
        ok = task.wait(timeout_ms) and ok
    return ok
