"""Checking what a run folder's summary.json and metrics.csv hold before anything uses them.

A run folder may have been edited by hand, cut off or damaged: every value the readers rely on
is checked here, and anything wrong is a RunError naming the file and the key (or line), never
a TypeError deep inside evaluation.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

TASKS = ("classification", "regression", "ctc")


def _error(message: str, where: Path) -> Exception:
    from .runs import RunError  # runs.py calls into this module

    return RunError(message, where=str(where))


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_summary(summary: dict, path: Path, newest: int) -> None:
    """The keys of summary.json the readers use have the types they need (`newest`: the highest
    run format version this program reads)."""
    version = summary.get("version", 0)
    if not _is_int(version) or version < 0:
        raise _error(f"'version' must be a whole number (found {version!r}); the file is damaged.", path)
    if version > newest:
        raise _error("this run was written by a newer CNN-RNN Studio; update the app to read it.", path.parent)
    expected = {"config": (dict, "an object of training settings"), "base_dir": (str, "a folder path"),
                "dataset": (dict, "an object describing the dataset"), "test": (dict, "an object of test scores"),
                "weights": (dict, "an object saying which weights were kept"),
                "class_names": (list, "a list of class names")}
    for key, (kind, words) in expected.items():
        value = summary.get(key)
        if value is not None and not isinstance(value, kind):
            raise _error(f"'{key}' must be {words} (found {value!r:.60}); the file is damaged.", path)
    task = summary.get("task")
    if task is not None and task not in TASKS:
        raise _error(f"'task' must be one of {', '.join(TASKS)} (found {task!r:.60}); the file is damaged.", path)
    names = summary.get("class_names")
    if names is not None and not all(isinstance(n, str) for n in names):
        raise _error("'class_names' must be a list of names (text); the file is damaged.", path)
    for key in ("epochs_run", "epochs", "total_params"):
        value = summary.get(key)
        if value is not None and not _is_int(value):
            raise _error(f"'{key}' must be a whole number (found {value!r:.60}); the file is damaged.", path)


def read_metrics(path: Path) -> list[dict]:
    """metrics.csv as rows of numbers (text where a cell is not a number); [] if there is none."""
    if not path.is_file():
        return []
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        line = path.read_bytes()[:e.start].count(b"\n") + 1
        raise _error(f"line {line} is not UTF-8 text (byte {e.object[e.start]:#04x}); the file is damaged.",
                     path) from None
    except OSError as e:
        raise _error(f"the file cannot be read ({e.strerror or e}).", path) from None
    rows = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        for r in reader:
            rows.append({k: _number(v) for k, v in r.items() if isinstance(k, str)})
    except csv.Error as e:
        raise _error(f"line {reader.line_num}: not valid CSV ({e}); the file is damaged.", path) from None
    return rows


def _number(text: Any) -> Any:
    if not isinstance(text, str) or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text
