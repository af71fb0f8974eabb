"""The training engine on a background QThread (STYLE rule 6, the buzz transcriber pattern).

``TrainingWorker`` is a QObject moved to a QThread: ``started -> run``, ``finished -> quit`` (the
thread is deleteLater'd, the Python-owned worker released on the GUI thread once its thread has
ended), an exception -> ``error(str)``. The engine calls its listener ON THE TRAINING
THREAD; the listener only stamps the time and puts the event in a queue, which the dashboard
empties at each frame of its ~16 Hz refresh. The frequent events (BatchProgress ~20 a second,
EpochStarted and EpochDone once per epoch, which can be 100 a second on a small dataset) wait for
that frame: a queued signal for each would wake the GUI thread ~40-200 times a second, and each
wake takes a core from training's OpenMP threads. Every other event (start, pause, resume, the
end, a failure) also sends ``events_queued``, so the GUI takes the queue at once. One queue for
all of them keeps the order.
"""

from __future__ import annotations

import collections
import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from ...train import events
from ..shell.tasks import FunctionWorker, WorkerThread

# Events taken at the dashboard's next frame rather than signalled one by one.
FRAME_EVENTS = (events.BatchProgress, events.EpochStarted, events.EpochDone)


class TrainingWorker(FunctionWorker):
    """Runs ``engine.train(project, listener=..., control=..., **options)`` once, on its thread;
    ``succeeded`` carries the engine's Run. Engine events go into ``pending``; ``events_queued``
    says when one should not wait for the GUI's next frame."""

    events_queued = Signal()

    def __init__(self, engine, project, control, options: dict[str, Any]):
        options = dict(options)
        super().__init__(lambda: engine.train(project, listener=self._listen, control=control, **options))
        # (time, event) of every engine event, oldest first; deque appends and pops are thread-safe
        self.pending: collections.deque = collections.deque()

    def _listen(self, event: events.Event) -> None:
        # On the training thread: as little Python as possible (the engine already sends
        # BatchProgress at most ~20 times a second), and never let a GUI problem kill the run.
        self.pending.append((time.perf_counter(), event))
        if isinstance(event, FRAME_EVENTS):
            return
        try:
            self.events_queued.emit()
        except RuntimeError:  # the receiver is gone (window closing): nothing to show it on
            pass

    # The Gradient flow view shows the per-time-step input gradients: ask the engine for them.
    _listen.wants_time_grads = True


class TrainingSession(WorkerThread):
    """One training run on its own thread, and the controls for it.

    Signals arrive on the GUI thread: ``events_waiting()`` when an engine event other than the
    frequent FRAME_EVENTS was queued (call ``take_events()``; the GUI also calls it at each frame),
    ``run_returned(run)``, ``error(message)``, then ``ended()`` once the thread has stopped.
    """

    events_waiting = Signal()
    run_returned = Signal(object)
    error = Signal(str)

    def __init__(self, engine, project, options: dict[str, Any], parent: QObject | None = None):
        control = engine.make_control()
        worker = TrainingWorker(engine, project, control, options)
        super().__init__(worker, parent, name="training")
        self.control = control
        self._pending = worker.pending   # kept here: the worker is released when its thread ends
        worker.events_queued.connect(self.events_waiting)
        worker.succeeded.connect(self.run_returned)
        worker.error.connect(self.error)

    def take_events(self) -> list:
        """The queued (time, event) pairs, oldest first, and an empty queue."""
        out = []
        pending = self._pending
        while pending:
            out.append(pending.popleft())
        return out

    def stop(self) -> None:
        """Honoured before the next batch (a stop also ends a pause)."""
        self.control.stop()

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()
