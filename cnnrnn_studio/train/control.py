"""Stop / pause / resume a training run from another thread (the GUI, a signal handler).

The engine checks these flags before every batch, so a stop is honoured within one batch and a
pause blocks the loop on an Event (no busy waiting). A stop also ends a pause.
"""

from __future__ import annotations

import threading


class TrainControl:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while paused
        self._running.set()

    def stop(self) -> None:
        """Ask the run to stop after the current batch; it keeps the last finished epoch's weights."""
        self._stop.set()
        self._running.set()  # wake a paused loop so it can see the stop

    def pause(self) -> None:
        if not self._stop.is_set():
            self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self, timeout: float | None = None) -> bool:
        """Block while paused (without using the CPU); True once running again or stopping."""
        return self._running.wait(timeout)
