"""The training engine on a background QThread (STYLE rule 6, the buzz transcriber pattern).

``TrainingWorker`` is a QObject moved to a QThread: ``started -> run``, ``finished -> quit`` (the
thread is deleteLater'd, the Python-owned worker released on the GUI thread once its thread has
ended), an exception -> ``error(str)``. The engine calls its listener ON THE TRAINING
THREAD; the listener only stamps the time and emits a signal, which Qt queues to the GUI thread.
Stop / pause / resume go through the engine's TrainControl (threading.Events checked every batch):
a slot on the worker could not run while its loop runs, and QThread.terminate() is never used.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..tasks import FunctionWorker, WorkerThread


class TrainingWorker(FunctionWorker):
    """Runs ``engine.train(project, listener=..., control=..., **options)`` once, on its thread;
    ``succeeded`` carries the engine's Run, ``event_emitted`` every engine event as it happens."""

    event_emitted = Signal(object)   # (perf_counter when the engine emitted it, event)

    def __init__(self, engine, project, control, options: dict[str, Any]):
        options = dict(options)
        super().__init__(lambda: engine.train(project, listener=self._listen, control=control, **options))

    def _listen(self, event: Any) -> None:
        # On the training thread: as little Python as possible (the engine already throttles
        # BatchProgress to ~20 Hz), and never let a GUI problem kill the run.
        try:
            self.event_emitted.emit((time.perf_counter(), event))
        except RuntimeError:  # the receiver is gone (window closing): nothing to show it on
            pass

    # The Gradient flow view shows the per-time-step input gradients: ask the engine for them.
    _listen.wants_time_grads = True


class TrainingSession(WorkerThread):
    """One training run on its own thread, and the controls for it.

    Signals arrive on the GUI thread: ``event_received((t, event))`` for every engine event,
    ``run_returned(run)``, ``error(message)``, then ``ended()`` once the thread has stopped.
    """

    event_received = Signal(object)
    run_returned = Signal(object)
    error = Signal(str)

    def __init__(self, engine, project, options: dict[str, Any], parent: QObject | None = None):
        control = engine.make_control()
        worker = TrainingWorker(engine, project, control, options)
        super().__init__(worker, parent, name="training")
        self.control = control
        worker.event_emitted.connect(self.event_received)
        worker.succeeded.connect(self.run_returned)
        worker.error.connect(self.error)

    def stop(self) -> None:
        """Honoured before the next batch (a stop also ends a pause)."""
        self.control.stop()

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()
