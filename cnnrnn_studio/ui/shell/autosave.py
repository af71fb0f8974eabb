"""Autosave every minute to the user's data folder, and recovery after a crash.

Each running app holds a lock file beside its autosave file. A clean exit removes both; after
a crash the lock is stale (its process is gone), so the next start offers to recover the work.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer

from ...errors import ProjectError
from ...project import Project, atomic_write_text
from ...resources import data_dir  # noqa: F401  (autosave.data_dir: the app's data folder)

INTERVAL_MS = 60_000




def autosave_dir() -> Path:
    return data_dir() / "autosave"


@dataclass
class Recoverable:
    path: Path          # the autosave file
    original: str | None
    name: str
    saved_at: float

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        where = f" (from {self.original})" if self.original else " (never saved)"
        return f"'{self.name}'{where}, autosaved {when}"


class Autosaver(QObject):
    def __init__(self, editor, parent: QObject | None = None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.editor = editor
        self.session = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.folder = autosave_dir()
        self.file = self.folder / f"autosave-{self.session}.json"
        self._lock: QLockFile | None = None
        self._saved_index: int | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)

    def start(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock = QLockFile(str(self.folder / f"autosave-{self.session}.lock"))
            self._lock.setStaleLockTime(0)
            self._lock.tryLock(0)
        except OSError:
            self._lock = None  # no autosave folder: the app still works, without autosave
        self.timer.start()

    def set_minutes(self, minutes: int) -> None:
        """Autosave every `minutes` (0: off); starts the autosaver if it is not running."""
        if minutes <= 0:
            self.timer.stop()
            return
        self.timer.setInterval(minutes * 60_000)
        if not self.timer.isActive():
            self.start()

    def save_now(self) -> bool:
        """Write the work if it changed since the last save/autosave; never raises."""
        stack = self.editor.stack
        if stack.isClean():
            self.remove()
            return False
        if self._saved_index == stack.index() and self.file.exists():
            return False
        p = self.editor.project
        record = {"autosave": {"original": str(p.path) if p.path else None, "name": p.name, "saved_at": time.time()},
                  "project": p.to_dict()}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.file, json.dumps(record))
        except (OSError, ProjectError):
            return False
        self._saved_index = stack.index()
        return True

    def remove(self) -> None:
        self._saved_index = None
        try:
            self.file.unlink(missing_ok=True)
        except OSError:
            pass

    def stop(self) -> None:
        """A clean exit: no autosave is left behind."""
        self.timer.stop()
        self.remove()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None


def find_recoverable(folder: Path | None = None) -> list[Recoverable]:
    """Autosaves left by sessions that did not exit cleanly (their lock is stale or gone)."""
    folder = folder or autosave_dir()
    out = []
    for f in sorted(folder.glob("autosave-*.json")) if folder.is_dir() else []:
        lock = QLockFile(str(f.with_suffix(".lock")))
        lock.setStaleLockTime(0)
        if not lock.tryLock(0):
            continue  # another running app owns it
        lock.unlock()
        try:
            d = json.loads(f.read_text(encoding="utf-8"))
            meta = d["autosave"]
            out.append(Recoverable(f, meta.get("original"), str(meta.get("name") or "Untitled"),
                                   float(meta.get("saved_at") or f.stat().st_mtime)))
        except (OSError, ValueError, KeyError, TypeError):
            f.unlink(missing_ok=True)  # unreadable: nothing to recover
    return out


def load_recoverable(r: Recoverable) -> Project:
    d = json.loads(r.path.read_text(encoding="utf-8"))
    p = Project.from_dict(d["project"], source=f"autosave of {r.name}")
    p.path = Path(r.original) if r.original else None
    return p


def discard(r: Recoverable) -> None:
    for f in (r.path, r.path.with_suffix(".lock")):
        try:
            f.unlink(missing_ok=True)
        except OSError:
            pass
