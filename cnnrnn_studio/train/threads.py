"""CPU threads for torch when more than one Python thread uses it (the app: a GUI thread and a
training thread).

torch's CPU kernels run on OpenMP. Each thread that runs a parallel kernel gets its own OpenMP
team, and once a process has more OpenMP threads than cores, libgomp stops spinning between
kernels and puts its workers to sleep after every one. Measured here (2 cores, digits CNN): once the
main thread had run torch with 2 threads, training on another thread ran at 7,500 samples/s
instead of 14,700. So the thread that trains asks for the full count, and a thread that must stay
light (the GUI thread) is held to one torch thread BEFORE it runs its first kernel: a team of one
makes no workers. `benchmarks/ui_responsiveness.py` shows the effect.
"""

from __future__ import annotations

import threading

import torch

# torch's own default for this machine, read when this module is imported: before anything here
# lowers it (set_num_threads also changes the count that threads started later begin with).
_DEFAULT = max(1, torch.get_num_threads())
_local = threading.local()   # per thread: held light already?


def default_count() -> int:
    return _DEFAULT


def for_training(requested: int | None = None) -> int | None:
    """The torch thread count the calling thread should train with: the setting if given; on a
    thread other than the main one, torch's default (a thread may start with a lowered count)."""
    if requested is not None:
        return requested
    return None if threading.current_thread() is threading.main_thread() else _DEFAULT


def keep_light() -> bool:
    """Hold the calling thread to one torch thread (no OpenMP team of its own); once per thread.
    False if it was already done on this thread."""
    if getattr(_local, "light", False):
        return False
    torch.get_num_threads()   # torch reads its start-up count once per thread: let it, then lower it
    torch.set_num_threads(1)
    _local.light = True
    return True
