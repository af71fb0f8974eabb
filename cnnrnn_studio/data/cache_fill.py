"""An image folder's cache filled in the background while training already reads it.

Decoding a big folder before the first batch trains makes the first epoch wait for all of it (on
2 cores, 60,000 small PNGs: about 5 s before anything trains). ``CacheFill`` starts the same
decoding pool on a background thread and returns at once; the pixel file is already the right size
and memory-mapped, so rows can be read as soon as they are decoded:

* ``prefer(rows)``: decode these rows first, in this order (the first epoch's batch order: the
  streaming reader hands it over before the epoch starts, so decoding runs just ahead of training);
* ``wait(rows)``: block until these rows are decoded (rows nobody asked for yet jump the queue);
  a picture that cannot be read raises its DataError here, naming the file.

When every row is decoded the file gets its ready name and metadata, exactly as a cache built
up front (image_cache), and later loads find it. If the process ends first, the half-made file is
deleted by the next build (image_cache._forget_abandoned). POSIX only: a file still mapped cannot be
renamed on Windows, so there the cache is built before use.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DataError

TASK_ROWS = 64  # images per decoding task (as image_cache.PROGRESS_EVERY)
WAITING, DECODING, DONE = 0, 1, 2


def fills_in_background() -> bool:
    """Can a cache be used while it is still being filled here? (A mapped file can be renamed.)"""
    return os.name == "posix"


class CacheFill:
    """Decodes ``listing`` into the pixel file ``tmp`` on a background thread; see the module."""

    def __init__(self, listing: Any, size: tuple[int, int], color: str, folder: Path, key: str, tmp: Path) -> None:
        from .image_cache import decode_workers, uses_processes

        self.listing, self.size, self.color = listing, size, color
        self.folder, self.key, self.tmp = folder, key, tmp
        #: the pixel file, memory-mapped read-only before decoding starts (it is renamed when complete)
        self.pixels = np.load(tmp, mmap_mode="r", allow_pickle=False)
        n = len(listing)
        self._state = np.zeros(n, dtype=np.int8)
        self._left = n
        self._queue: deque[np.ndarray] = deque(_chunks(np.arange(n, dtype=np.int64)))
        self._cond = threading.Condition()
        self._error: BaseException | None = None
        self._stopping = False
        self.complete = n == 0
        self.resized = 0
        # training needs a core of its own: one worker fewer than a build up front, each at a lower
        # priority, so decoding fills the time training leaves (it only has to stay ahead of it)
        self.processes = uses_processes(n)
        self.workers = max(1, decode_workers() - 1)
        self.decoded_on = ""
        self._thread = threading.Thread(target=self._run, name="image-cache-fill", daemon=True)
        _ACTIVE.add(self)
        self._thread.start()

    # --- what readers call ------------------------------------------------------------------------
    def prefer(self, rows: np.ndarray) -> None:
        """Decode these rows first, in this order (the rest follow in file order)."""
        with self._cond:
            if self.complete or self._error is not None:
                return
            rows = np.asarray(rows, dtype=np.int64).reshape(-1)
            rows = rows[self._state[rows] == WAITING]
            _, first = np.unique(rows, return_index=True)
            rows = rows[np.sort(first)]
            rest = self._state == WAITING
            rest[rows] = False
            self._queue = deque(_chunks(np.concatenate([rows, np.flatnonzero(rest)])))

    def wait(self, rows: np.ndarray) -> None:
        """Return once these rows are decoded; raise what stopped the decoding, if anything did."""
        if self.complete:
            return
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        with self._cond:
            queued = rows[self._state[rows] == WAITING]
            if len(queued):
                self._queue.extendleft(reversed(_chunks(np.unique(queued))))
                self._cond.notify_all()
            while not self.complete and self._error is None and not (self._state[rows] == DONE).all():
                self._cond.wait(0.5)
            if self._error is not None and not (self._state[rows] == DONE).all():
                raise self._failure()

    def wait_all(self) -> None:
        """Return once the cache is complete (its ready name given)."""
        with self._cond:
            while not self.complete and self._error is None:
                self._cond.wait(0.5)
            if self._error is not None:
                raise self._failure()

    def stop(self, wait: bool = True) -> None:
        """Stop decoding (what is being decoded now is finished first) and delete the half-made file;
        rows not decoded yet can no longer be read. Nothing happens to a complete cache. ``wait``:
        return only once the decoding has ended (else ``wait_all`` tells when)."""
        with self._cond:
            if self.complete or self._error is not None:
                return
            self._stopping = True
            self._queue.clear()
            self._cond.notify_all()
        if wait:
            self._thread.join()

    def _failure(self) -> BaseException:
        err = self._error
        if isinstance(err, DataError):
            return err
        return DataError(f"decoding the images of {self.listing.root} into their cache failed: {err}",
                         path=self.listing.root)

    # --- the background thread --------------------------------------------------------------------
    def _run(self) -> None:
        from .image_cache import LoadingCancelled, _finish_file

        try:
            pool = self._started_pool() if self.processes else None
            if pool is not None:
                try:
                    with pool:
                        self._decode(pool)
                    self.decoded_on = f"{self.workers} processes"
                except BrokenProcessPool:  # processes cannot run here: threads do the rest
                    pool = None
            if self._left and not self._stopping:
                with ThreadPoolExecutor(max_workers=self.workers) as threads:
                    self._decode(threads)
                self.decoded_on = f"{self.workers} threads"
            if self._left:  # stopped
                raise LoadingCancelled(f"decoding the images of {self.listing.root} into their cache was stopped "
                                       f"with {self._left:,} of {len(self.listing):,} still to do; nothing was kept",
                                       path=self.listing.root)
            _finish_file(self.tmp, self.listing, self.size, self.color, self.folder, self.key, self.resized)
            with self._cond:
                self.complete = True
                self._cond.notify_all()
        except BaseException as exc:  # noqa: BLE001 - kept for the readers, who raise it
            self.tmp.unlink(missing_ok=True)
            with self._cond:
                self._error = exc
                self._cond.notify_all()
        finally:
            _ACTIVE.discard(self)

    def _started_pool(self) -> Any:
        """A pool of decoding processes, started (None where processes cannot run). Starting them
        takes a moment (half a second on 2 cores): meanwhile this thread decodes rows itself, so the
        first batches need not wait for the processes."""
        from .image_cache import _decode_rows, _process_pool

        started: list[Any] = []

        def start() -> None:
            pool = _process_pool(self.workers, initializer=_lower_priority)
            try:
                if pool is not None:
                    pool.submit(int).result()  # returns once a process is up and has run a task
            except (BrokenProcessPool, OSError, RuntimeError):  # no processes here: threads decode
                pool.shutdown(wait=True, cancel_futures=True)
                pool = None
            started.append(pool)

        starter = threading.Thread(target=start, name="image-cache-pool-start", daemon=True)
        starter.start()
        files, root = self.listing.files, str(self.listing.root)
        while starter.is_alive():
            with self._cond:
                rows = None if self._stopping else self._next_rows()
            if rows is None:
                break
            self._decoded(rows, _decode_rows(str(self.tmp), root, [files[r] for r in rows], rows.tolist(),
                                             self.size, self.color))
        starter.join()
        return started[0] if started else None

    def _decode(self, pool: Any) -> None:
        """Keep 2 tasks per worker in flight, taking rows from the front of the queue."""
        from .image_cache import _decode_rows

        files, root = self.listing.files, str(self.listing.root)
        flight: dict[Future, np.ndarray] = {}
        try:
            while True:
                with self._cond:
                    while len(flight) < 2 * self.workers and self._queue and not self._stopping:
                        rows = self._next_rows()
                        if rows is None:
                            break
                        try:
                            task = pool.submit(_decode_rows, str(self.tmp), root, [files[r] for r in rows],
                                               rows.tolist(), self.size, self.color)
                        except BaseException:
                            self._state[rows] = WAITING
                            self._queue.appendleft(rows)
                            raise
                        flight[task] = rows
                if not flight:
                    return
                finished, _ = wait_futures(list(flight), timeout=0.2, return_when=FIRST_COMPLETED)
                for task in finished:
                    resized = task.result()  # a file that cannot be read: its DataError ends the fill
                    self._decoded(flight.pop(task), resized)
        except BrokenProcessPool:
            with self._cond:  # what was in flight goes back to the front of the queue
                for task, rows in flight.items():
                    task.cancel()
                    self._state[rows] = WAITING
                    self._queue.appendleft(rows)
            raise

    def _next_rows(self) -> np.ndarray | None:
        """The next rows still waiting, marked as being decoded (the lock held); None: none are."""
        while self._queue:
            rows = self._queue.popleft()
            rows = rows[self._state[rows] == WAITING]
            if len(rows):
                self._state[rows] = DECODING
                return rows
        return None

    def _decoded(self, rows: np.ndarray, resized: int) -> None:
        with self._cond:
            self._state[rows] = DONE
            self._left -= len(rows)
            self.resized += resized
            self._cond.notify_all()


_ACTIVE: weakref.WeakSet[CacheFill] = weakref.WeakSet()


def running(folder: Path, key: str) -> CacheFill | None:
    """The fill of this process still decoding the cache ``key`` in ``folder``, if there is one."""
    return next((f for f in list(_ACTIVE) if f.key == key and f.folder == folder and not f.complete
                 and f._error is None and not f._stopping), None)


def stop_all() -> None:
    """Stop every background decoding of this process (before it exits: a pool of decoding processes
    left running while the interpreter shuts down prints errors; the half-made caches are deleted)."""
    for fill in list(_ACTIVE):
        fill.stop()


atexit.register(stop_all)  # the last resort; the command line and the app call it before exiting


def _lower_priority() -> None:
    """Run a decoding process below the training process: it fills the time training leaves."""
    try:
        os.nice(10)
    except (AttributeError, OSError):  # not allowed here: decode at the normal priority
        pass


def _chunks(rows: np.ndarray) -> list[np.ndarray]:
    return [rows[i:i + TASK_ROWS] for i in range(0, len(rows), TASK_ROWS)]
