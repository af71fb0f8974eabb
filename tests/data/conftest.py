"""Shared helpers for the data-layer tests: everything is written into tmp_path by the tests."""

from __future__ import annotations

import contextlib
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from cnnrnn_studio.data import DataError


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Content hash and modification time of every file under root."""
    out = {}
    for p in sorted(Path(root).rglob("*")):
        if p.is_file():
            out[str(p)] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


@pytest.fixture
def refuses(tmp_path):
    """``with refuses(r"x.csv line 3, column 2"): load(...)`` expects a DataError whose message
    matches every pattern, and checks that no file under tmp_path was changed or added."""

    @contextlib.contextmanager
    def check(*patterns: str, root: Path | None = None):
        base = root or tmp_path
        before = snapshot(base)
        with pytest.raises(DataError) as info:
            yield info
        message = str(info.value)
        for pattern in patterns:
            assert re.search(pattern, message), f"{pattern!r} not found in: {message}"
        assert snapshot(base) == before, "the loader changed the input files"

    return check


@pytest.fixture
def write(tmp_path):
    """write('name.csv', text) -> Path, creating folders as needed."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


class BreaksAfterTwoTasks(ThreadPoolExecutor):
    """Stands for a pool of processes that breaks at its third task (a process died)."""

    def __init__(self, max_workers=None, mp_context=None, initializer=None):
        super().__init__(max_workers=max_workers, initializer=initializer)
        self.tasks = 0

    def submit(self, *args, **kwargs):
        self.tasks += 1
        if self.tasks > 2:
            raise BrokenProcessPool("a process died")
        return super().submit(*args, **kwargs)
