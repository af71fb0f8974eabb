"""Work-arounds for defects in the Qt bindings, applied once when `cnnrnn_studio.ui` is imported.

PySide6 6.12.0 on CPython 3.11 drops one reference to None on every call of a C++ method that
returns nothing (QPainter.setPen, QWidget.resize, ...; seen here: sys.getrefcount(None) falls by
one per call; 6.11.2 does not). After some tens of thousands of calls CPython "deallocates" None
and aborts ("Fatal Python error: none_dealloc"), i.e. the editor would crash after a while of
painting. Some calls do the same to True. CPython 3.12 made None, True and False immortal by giving them
a huge reference count; on older CPython we do the same, so the app keeps working until the
binding is fixed or pinned (the training dashboard carries the same guard).
"""

from __future__ import annotations

import sys

IMMORTAL = 1 << 60


def needed() -> bool:
    """CPython before 3.12 (release build): None, True and False are not immortal there."""
    return (sys.implementation.name == "cpython" and sys.version_info < (3, 12)
            and not hasattr(sys, "gettotalrefcount"))


def none_leaks() -> bool:
    """True if calling a void Qt method loses a reference to None (the 6.12.0 defect)."""
    from PySide6.QtCore import QPointF

    p = QPointF()
    before = sys.getrefcount(None)
    for _ in range(64):
        p.setX(1.0)
    return sys.getrefcount(None) < before - 32


def protect_none() -> bool:
    """Make the reference counts of None, True and False unreachable by the leak (as CPython
    3.12 does); returns True if it was applied. Harmless where the bindings do not leak."""
    if not needed():
        return False
    import ctypes

    for obj in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is a PyObject's first field
        if refcnt.value < IMMORTAL // 2:
            refcnt.value += IMMORTAL
    return True


# Only where the installed binding really leaks (pyproject pins below 6.12, so normally not).
PROTECTED = protect_none() if needed() and none_leaks() else False
