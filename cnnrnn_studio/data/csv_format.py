"""CSV importer, three modes:

- ``table``: one sample per row, number columns are the features, one column the label
  (classification) or the target(s) (regression).
- ``timeseries``: rows are time steps; windows of ``window`` past rows predict the target
  ``horizon`` steps later (forecasting), or take the ``label_column`` of their last row
  (classification of windows). Split chronologically: the test windows are the last ones.
- ``text``: one text and one label per row (for Embedding + RNN networks).
- ``long``: one row per time step of a sequence: a sequence id column, the feature columns and a
  label column with a class (or a number, for regression) at every step. The rows of one
  sequence must follow each other; their order in the file is the order of the steps. Sequences
  may have different lengths (read as per-step data, padding never counts).

Every bad cell is reported with its file, line and column (1-based, as a spreadsheet shows them).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .assemble import (IGNORED_CLASS, Pool, assemble, count_phrase, encode_classes, label_control_problem, make_split,
                       sorted_class_names, tidy_label)
from .dataset import Dataset
from .errors import DataError, fail
from .files import read_text, require_file
from .options import check_known, get_bool, get_choice, get_column, get_columns, get_int
from .scaling import LARGEST_VALUE, feature_stats, standardize, target_stats
from .splits import TEST_FRACTION, chronological_indices
from .text import PADDING_CHOICES, build_text_dataset

MODES = ("table", "timeseries", "text", "long")
_COMMON = ("mode", "delimiter", "header")
MODE_OPTIONS: dict[str, dict[str, Any]] = {
    "table": {"label_column": -1, "feature_columns": None, "task": None, "normalize": True},
    "timeseries": {
        "window": 12,
        "horizon": 1,
        "stride": 1,
        "target_column": None,
        "feature_columns": None,
        "label_column": None,
        "test_windows": None,
        "normalize": True,
    },
    "text": {"text_column": None, "label_column": -1, "max_length": 50, "min_count": 1, "padding": "pre"},
    "long": {"sequence_column": 0, "label_column": -1, "feature_columns": None, "task": None, "normalize": True},
}
MAX_AUTO_CLASSES = 20  # integer labels with at most this many values are read as classes
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")


def check_text_fits(n_texts: int, max_length: int, what: str) -> None:
    """Refuse a 'max_length' whose word-id table (64-bit ids, copied once more for the split)
    cannot fit in the free memory, before it is made."""
    from ..graph.memory import available_memory, format_bytes

    need = 2 * n_texts * max_length * 8
    free = available_memory()
    if need > free:
        raise DataError(f"option 'max_length' {max_length:,} makes {n_texts:,} {what} of {max_length:,} word ids "
                        f"each, which needs about {format_bytes(need)} of memory; only {format_bytes(free)} is free. "
                        "Choose a smaller max_length (the longest text's word count is enough).")


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


@dataclass
class Table:
    """The cells of a CSV file as strings, with the line number of every row."""

    path: Path
    header: list[str] | None
    rows: list[list[str]]
    lines: list[int]
    delimiter: str

    @property
    def n_columns(self) -> int:
        return len(self.header) if self.header is not None else len(self.rows[0])

    def column_name(self, j: int) -> str:
        return self.header[j] if self.header is not None else f"column {j + 1}"

    def index(self, spec: str | int, option: str) -> int:
        """Resolve a column given by header name or by number (0 = first, -1 = last)."""
        n = self.n_columns
        if isinstance(spec, str):
            if self.header is None:
                raise DataError(
                    f"option '{option}' names the column '{spec}', but {self.path.name} has no header "
                    "line; give the column's number instead (0 = first column)",
                    path=self.path,
                )
            if spec in self.header:
                return self.header.index(spec)
            folded = [i for i, h in enumerate(self.header) if h.strip().lower() == spec.strip().lower()]
            if len(folded) == 1:
                return folded[0]
            listed = ", ".join(repr(h) for h in self.header)
            raise DataError(
                f"option '{option}': {self.path.name} has no column '{spec}'; its columns are {listed}",
                path=self.path,
            )
        if not -n <= spec < n:
            raise DataError(
                f"option '{option}' is column {spec}, but {self.path.name} has {n} columns "
                f"(0 to {n - 1}, or -1 for the last)",
                path=self.path,
            )
        return spec % n

    def cells(self, j: int) -> list[str]:
        return [row[j] for row in self.rows]

    def numbers(self, j: int, what: str = "a number") -> np.ndarray:
        """Column j as float64; a non-number, an empty cell or NaN/inf is a DataError at its cell."""
        cells = self.cells(j)
        try:
            values = np.array(cells, dtype=np.float64)
        except ValueError:
            values = np.empty(len(cells))
            for r, cell in enumerate(cells):
                try:
                    values[r] = float(cell)
                except ValueError:
                    if self.delimiter == ";" and _DECIMAL_COMMA.match(cell):
                        values[r] = float(cell.replace(",", "."))  # '1,5' in a ';'-separated file
                        continue
                    named = f" (column '{self.header[j]}')" if self.header else ""
                    if cell.strip() == "":
                        fail(f"the cell is empty, but {what} is needed here{named}", self.path, self.lines[r], j + 1)
                    fail(f"'{cell.strip()}' is not a number{named}", self.path, self.lines[r], j + 1)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            r = int(bad[0])
            fail(f"'{cells[r].strip()}' is not a finite number", self.path, self.lines[r], j + 1)
        huge = np.flatnonzero(np.abs(values) > LARGEST_VALUE)
        if len(huge):
            r = int(huge[0])
            fail(f"'{cells[r].strip()}' is too large: the network computes with 32-bit numbers, so values must lie "
                 f"within +-{LARGEST_VALUE:.1e}; rescale this column (e.g. other units)", self.path,
                 self.lines[r], j + 1)
        return values


def _guess_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _looks_like_header(first: list[str], rest: list[list[str]], label_index: int) -> bool:
    """A first row is a header if a word sits over a number column, or if it is all words and
    its 'label' never occurs again as a label (a data row's label normally recurs)."""
    if not rest:
        return not any(_is_number(c) for c in first)
    sample = rest[:50]
    for j, cell in enumerate(first):
        if cell.strip() and not _is_number(cell) and all(_is_number(r[j]) for r in sample):
            return True
    if not any(_is_number(c) for c in first):
        label = first[label_index]
        return all(r[label_index] != label for r in rest)
    return False


def read_table(
    path: Path,
    *,
    delimiter: str | None,
    header: bool | None,
    label_hint: int = -1,
) -> Table:
    """Read every row; refuse ragged rows (file and line) and files without data."""
    text = read_text(path)
    first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    if not first_line:
        fail("the file is empty", path)
    delim = delimiter or _guess_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[list[str]] = []
    lines: list[int] = []
    previous_end = 0
    try:
        for row in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if not row or all(c.strip() == "" for c in row):
                continue  # blank lines (often at the end) are not rows
            rows.append([c.strip() for c in row])
            lines.append(start)
    except csv.Error as exc:
        fail(f"the file is not valid CSV here ({exc})", path, reader.line_num)
    width = len(rows[0])
    for row, line in zip(rows, lines):
        if len(row) != width:
            fail(
                f"{len(row)} value{'s' if len(row) != 1 else ''}, but line {lines[0]} has {width} "
                f"column{'s' if width != 1 else ''} (a ragged row: check for a missing or extra "
                f"'{delim}')",
                path,
                line,
            )
    if header is None:
        hint = label_hint if -width <= label_hint < width else -1
        header = _looks_like_header(rows[0], rows[1:], hint)
    names = None
    if header:
        names = rows[0]
        rows, lines = rows[1:], lines[1:]
    if not rows:
        fail("the file has a header but no data rows", path)
    return Table(path=path, header=names, rows=rows, lines=lines, delimiter=delim)


def _read_pair(
    train_path: Path, test_path: Path | None, options: Mapping[str, Any], named: list[Any], label_hint: int
) -> tuple[Table, Table | None]:
    delimiter = options.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise DataError(f"option 'delimiter' must be one character such as ',' ';' or '\\t', got {delimiter!r}")
    header = options.get("header")
    if header is not None and not isinstance(header, bool):
        raise DataError(f"option 'header' must be true or false, got {header!r}")
    if header is None and any(isinstance(v, str) for v in named):
        header = True  # a column given by name needs a header line
    train = read_table(
        require_file(train_path, "training file"), delimiter=delimiter, header=header, label_hint=label_hint
    )
    test = None
    if test_path is not None:
        test = read_table(
            require_file(test_path, "test file"),
            delimiter=delimiter or train.delimiter,
            # Only an explicit 'header' applies to both files; otherwise each file is looked at
            # on its own (a test file exported without a header line is common).
            header=options.get("header"),
            label_hint=label_hint,
        )
        if test.n_columns != train.n_columns:
            raise DataError(
                f"{test_path.name} has {test.n_columns} columns, but {train_path.name} has "
                f"{train.n_columns}; the test file must have the same columns",
                path=test_path,
            )
        if train.header is not None and test.header is not None and train.header != test.header:
            raise DataError(
                f"the columns of {test_path.name} ({', '.join(test.header)}) differ from those of "
                f"{train_path.name} ({', '.join(train.header)})",
                path=test_path,
            )
    return train, test


def _label_cells(table: Table, j: int) -> list[str]:
    labels = []
    for r, cell in enumerate(table.cells(j)):
        if cell == "":
            fail("the label is empty", table.path, table.lines[r], j + 1)
        label = tidy_label(cell)
        problem = label_control_problem(label)
        if problem is not None:
            fail(problem, table.path, table.lines[r], j + 1)
        labels.append(label)
    return labels


def _guess_task(labels: list[str]) -> str:
    """Words or a few whole numbers -> classes; anything else numeric -> regression."""
    try:
        values = np.array(labels, dtype=np.float64)
    except ValueError:
        return "classification"
    if np.all(np.isfinite(values)) and np.all(values == np.round(values)) and len(set(labels)) <= MAX_AUTO_CLASSES:
        return "classification"
    return "regression"


def load_csv(
    *,
    name: str,
    train_path: Path,
    test_path: Path | None,
    options: Mapping[str, Any],
    seed: int,
    validation_split: float,
) -> Dataset:
    mode = get_choice(options, "mode", "table", MODES)
    check_known(options, (*_COMMON, *MODE_OPTIONS[mode]), f"CSV files in mode '{mode}'")
    if mode == "table":
        return _load_table(name, train_path, test_path, options, seed, validation_split)
    if mode == "timeseries":
        return _load_timeseries(name, train_path, test_path, options, seed, validation_split)
    if mode == "long":
        return _load_long(name, train_path, test_path, options, seed, validation_split)
    return _load_text(name, train_path, test_path, options, seed, validation_split)


# ---- table ---------------------------------------------------------------------------------


def _load_table(name, train_path, test_path, options, seed, validation_split) -> Dataset:
    label_specs = get_columns(options, "label_column") or [-1]
    feature_specs = get_columns(options, "feature_columns")
    task_opt = options.get("task")
    if task_opt is not None:
        task_opt = get_choice(options, "task", "classification", ("classification", "regression"))
    normalize = get_bool(options, "normalize", True)
    hint = label_specs[0] if isinstance(label_specs[0], int) else -1
    train, test = _read_pair(train_path, test_path, options, [*label_specs, *(feature_specs or [])], hint)

    label_cols = [train.index(s, "label_column") for s in label_specs]
    if len(set(label_cols)) != len(label_cols):
        raise DataError("option 'label_column' lists the same column twice")
    if feature_specs is not None:
        feature_cols = [train.index(s, "feature_columns") for s in feature_specs]
        both = set(feature_cols) & set(label_cols)
        if both:
            raise DataError(f"column '{train.column_name(both.pop())}' is both a feature and the label")
    else:
        feature_cols = [j for j in range(train.n_columns) if j not in label_cols]
    if not feature_cols:
        raise DataError(f"{train_path.name}: there is no column left for the features, only the label", path=train_path)

    if len(label_cols) > 1:
        if task_opt == "classification":
            raise DataError("option 'label_column' lists several columns; that is only possible with task 'regression'")
        task = "regression"
    else:
        task = task_opt or _guess_task(_label_cells(train, label_cols[0]))

    def pool(table: Table) -> Pool:
        x = np.stack([table.numbers(j) for j in feature_cols], axis=1)
        if task == "classification":
            targets: Any = _label_cells(table, label_cols[0])
        else:
            targets = np.stack([table.numbers(j, "a target number") for j in label_cols], axis=1)
        return Pool(x=x, targets=targets, source=str(table.path))

    train_pool = pool(train)
    test_pool = pool(test) if test is not None else None
    feature_names = [train.column_name(j) for j in feature_cols]
    label_names = [train.column_name(j) for j in label_cols]
    what = count_phrase(train_pool.targets) if task == "classification" else f"predicting {', '.join(label_names)}"
    description = (
        f"Table from {train_path.name}: {len(train_pool):,} rows, {len(feature_cols)} number "
        f"column{'s' if len(feature_cols) != 1 else ''} as features, {what}."
    )
    if normalize:
        description += " Features are standardised with training statistics."
    return assemble(
        name=name,
        kind="vector",
        task=task,
        train=train_pool,
        test=test_pool,
        seed=seed,
        validation_split=validation_split,
        standardize_inputs=normalize,
        description=description,
        meta={"feature_names": feature_names, "label_names": label_names},
    )


# ---- time series ---------------------------------------------------------------------------


def _window_starts(n_rows: int, window: int, horizon: int, stride: int) -> np.ndarray:
    return np.arange(0, max(n_rows - window - horizon + 1, 0), stride, dtype=np.int64)


def _load_timeseries(name, train_path, test_path, options, seed, validation_split) -> Dataset:
    window = get_int(options, "window", 12)
    stride = get_int(options, "stride", 1)
    label_spec = get_column(options, "label_column")
    target_spec = get_column(options, "target_column")
    if label_spec is not None and "horizon" in options:
        raise DataError(
            "option 'horizon' is for forecasting; with 'label_column' each window takes the label of its last row"
        )
    if label_spec is not None and target_spec is not None:
        raise DataError(
            "give either 'target_column' (forecast a number) or 'label_column' (classify windows), not both"
        )
    horizon = get_int(options, "horizon", 1) if label_spec is None else 0
    feature_specs = get_columns(options, "feature_columns")
    normalize = get_bool(options, "normalize", True)
    test_windows = get_int(options, "test_windows", None, minimum=1)
    if test_windows is not None and test_path is not None:
        raise DataError("option 'test_windows' cannot be used with a test file: the test windows come from that file")

    train, test = _read_pair(train_path, test_path, options, [label_spec, target_spec, *(feature_specs or [])], -1)
    first_row = train.rows[0]
    date_col = 0 if not _is_number(first_row[0]) else None
    label_col = train.index(label_spec, "label_column") if label_spec is not None else None
    if feature_specs is not None:
        feature_cols = [train.index(s, "feature_columns") for s in feature_specs]
    else:
        feature_cols = [j for j in range(train.n_columns) if j != label_col and _is_number(first_row[j])]
    if label_col is not None and label_col in feature_cols:
        raise DataError(f"column '{train.column_name(label_col)}' is both a feature and the label")
    if not feature_cols:
        raise DataError(f"{train_path.name}: no number columns were found to use as the series", path=train_path)
    if label_col is None:
        target_col = train.index(target_spec, "target_column") if target_spec is not None else feature_cols[-1]
    else:
        target_col = None

    def read(table: Table) -> tuple[np.ndarray, np.ndarray | None, list[str] | None]:
        values = np.stack([table.numbers(j) for j in feature_cols], axis=1)
        target = table.numbers(target_col, "a target number") if target_col is not None else None
        labels = _label_cells(table, label_col) if label_col is not None else None
        return values, target, labels

    def windows_of(table: Table, values: np.ndarray) -> np.ndarray:
        starts = _window_starts(len(values), window, horizon, stride)
        if len(starts) == 0:
            raise DataError(
                f"{table.path.name} has {len(values)} rows: too short for a window of {window} rows"
                + (f" and a horizon of {horizon}" if horizon else ""),
                path=table.path,
            )
        return starts

    values, target, labels = read(train)
    starts = windows_of(train, values)
    n = len(starts)
    if test is not None:
        n_test = 0
    else:
        n_test = test_windows if test_windows is not None else int(np.floor(n * TEST_FRACTION + 0.5))
        if n_test >= n:
            raise DataError(f"option 'test_windows' is {n_test}, but there are only {n} windows")
    tr, va, te = chronological_indices(n, n_test, validation_split)
    if test is not None:
        t_values, t_target, t_labels = read(test)
        t_starts = windows_of(test, t_values)
    else:
        t_values, t_target, t_labels, t_starts = values, target, labels, starts[te]

    meta: dict[str, Any] = {
        "window": window,
        "horizon": horizon,
        "stride": stride,
        "feature_names": [train.column_name(j) for j in feature_cols],
    }
    if normalize:
        # Statistics only from the rows the training windows read: no peeking at later values.
        seen = values[: int(starts[tr[-1]]) + window]
        mean, std = feature_stats(seen)
        values_n = standardize(values, mean, std)
        t_values_n = standardize(t_values, mean, std) if test is not None else values_n
        meta["feature_mean"], meta["feature_std"] = mean.tolist(), std.tolist()
    else:
        values_n, t_values_n = values.astype(np.float32), t_values.astype(np.float32)

    offsets = np.arange(window)
    x_all = values_n[starts[:, None] + offsets]
    x_test = t_values_n[t_starts[:, None] + offsets]
    end = window + horizon - 1  # row of the label/target, relative to a window's start
    if label_col is None:
        task = "regression"
        y_all = target[starts + end][:, None]
        y_test = t_target[t_starts + end][:, None]
        t_mean, t_std = target_stats(y_all[tr])
        ys = [(y_all[tr] - t_mean) / t_std, (y_all[va] - t_mean) / t_std, (y_test - t_mean) / t_std]
        meta["target_mean"], meta["target_std"] = t_mean.tolist(), t_std.tolist()
        meta["target_name"] = train.column_name(target_col)
        series = list(target) + (list(t_target) if test is not None else [])
        offset = len(target) if test is not None else 0
        meta["series"] = [float(v) for v in series]
        meta["train_start"] = int(starts[tr[0]] + end)
        meta["val_start"] = int(starts[va[0]] + end) if len(va) else None
        meta["test_start"] = int(offset + t_starts[0] + end)
        meta["target_rows"] = {
            "train": (starts[tr] + end).tolist(),
            "val": (starts[va] + end).tolist(),
            "test": (offset + t_starts + end).tolist(),
        }
        class_names, n_outputs = None, 1
    else:
        task = "classification"
        win_labels = [labels[int(s) + end] for s in starts]
        test_labels = [t_labels[int(s) + end] for s in t_starts] if test is not None else None
        ids_all, ids_test, class_names = encode_classes(
            win_labels,
            test_labels,
            train_source=str(train_path),
            test_source=None if test_path is None else str(test_path),
        )
        ys = [ids_all[tr], ids_all[va], ids_test if test is not None else ids_all[te]]
        n_outputs = len(class_names)
    if date_col is not None:
        dates = train.cells(date_col) + (test.cells(date_col) if test is not None else [])
        meta["dates"] = dates
    meta["indices"] = {
        "train": tr.tolist(),
        "val": va.tolist(),
        "test": list(range(len(t_starts))) if test is not None else te.tolist(),
    }
    meta["test_from"] = "file" if test is not None else "split"

    xs = [x_all[tr], x_all[va], x_test]
    splits = [make_split(x, y, "sequence", task) for x, y in zip(xs, ys)]
    if task == "regression":
        what = f"forecasting '{meta['target_name']}' {horizon} step{'s' if horizon != 1 else ''} after each window"
    else:
        what = f"classifying each window by the label of its last row ({len(class_names)} classes)"
    description = (
        f"Time series from {train_path.name}: {len(values):,} rows, windows of {window} rows of "
        f"{len(feature_cols)} value{'s' if len(feature_cols) != 1 else ''}, {what}. "
        "Split in time order: the test windows are the last ones."
    )
    return Dataset(
        name=name,
        kind="sequence",
        task=task,
        sample_shape=(window, len(feature_cols)),
        train=splits[0],
        val=splits[1],
        test=splits[2],
        class_names=class_names,
        n_outputs=n_outputs,
        description=description,
        meta=meta,
    )


# ---- text ----------------------------------------------------------------------------------


def _load_text(name, train_path, test_path, options, seed, validation_split) -> Dataset:
    label_spec = get_column(options, "label_column")
    label_spec = -1 if label_spec is None else label_spec
    text_spec = get_column(options, "text_column")
    max_length = get_int(options, "max_length", 50)
    min_count = get_int(options, "min_count", 1)
    padding = get_choice(options, "padding", "pre", PADDING_CHOICES)
    hint = label_spec if isinstance(label_spec, int) else -1
    train, test = _read_pair(train_path, test_path, options, [label_spec, text_spec], hint)
    label_col = train.index(label_spec, "label_column")
    if text_spec is not None:
        text_col = train.index(text_spec, "text_column")
    else:
        others = [j for j in range(train.n_columns) if j != label_col]
        if not others:
            raise DataError(
                f"{train_path.name} has only one column; a text column and a label column are needed", path=train_path
            )
        # The text is the column with the longest cells on average.
        text_col = max(others, key=lambda j: (sum(len(c) for c in train.cells(j)), -j))
    if text_col == label_col:
        raise DataError("the text column and the label column are the same column")
    labels = _label_cells(train, label_col)
    check_text_fits(len(labels) + (len(test.rows) if test is not None else 0), max_length, f"texts in {train_path.name}")
    test_texts = test.cells(text_col) if test is not None else None
    test_labels = _label_cells(test, label_col) if test is not None else None
    description = (
        f"Texts from {train_path.name}: {len(labels):,} rows, {count_phrase(labels)}; each text "
        f"becomes up to {max_length} lower-case words (word ids, vocabulary from the training split)."
    )
    return build_text_dataset(
        name=name,
        train_texts=train.cells(text_col),
        train_labels=labels,
        test_texts=test_texts,
        test_labels=test_labels,
        train_source=str(train_path),
        test_source=None if test_path is None else str(test_path),
        seed=seed,
        validation_split=validation_split,
        max_length=max_length,
        min_count=min_count,
        padding=padding,
        description=description,
        meta={"text_column": train.column_name(text_col), "label_column": train.column_name(label_col)},
    )


# ---- long: one row per time step -----------------------------------------------------------


@dataclass
class _Sequences:
    """The sequences of one long-format file, in file order: their ids, the table rows each
    spans (start, stop) and the file line of each one's first row."""

    ids: list[str]
    spans: list[tuple[int, int]]

    @property
    def lengths(self) -> list[int]:
        return [b - a for a, b in self.spans]


def _sequences(table: Table, j: int) -> _Sequences:
    """Group the rows by the id in column j. The rows of a sequence must follow each other: an
    id that comes back after another sequence began is refused at its line (a sorted or shuffled
    file would otherwise mix the steps of two sequences)."""
    ids: list[str] = []
    spans: list[tuple[int, int]] = []
    first_line: dict[str, int] = {}
    start = 0
    for r, cell in enumerate(table.cells(j)):
        line = table.lines[r]
        if cell == "":
            fail("the sequence id is empty; every row needs the id of the sequence it belongs to",
                 table.path, line, j + 1)
        problem = label_control_problem(cell)
        if problem is not None:
            fail(problem.replace("the label", "the sequence id"), table.path, line, j + 1)
        if ids and cell == ids[-1]:
            continue
        if cell in first_line:
            fail(f"sequence '{cell}' comes back here, but its rows ended before line {table.lines[start]} "
                 f"(it began at line {first_line[cell]}); the rows of one sequence must follow each other, "
                 "in the order of their steps", table.path, line, j + 1)
        if ids:
            spans.append((start, r))
        ids.append(cell)
        first_line[cell] = line
        start = r
    spans.append((start, len(table.rows)))
    return _Sequences(ids=ids, spans=spans)


def check_padded_fits(table: Table, seqs: _Sequences, n_targets: int) -> None:
    """Refuse, before it is made, a target table (every sequence padded to the longest one's
    length) that cannot fit in the free memory: a single very long sequence among many short
    ones would make it huge."""
    from ..graph.memory import available_memory, format_bytes

    lengths = seqs.lengths
    longest = max(range(len(lengths)), key=lambda i: lengths[i])
    need = 2 * len(lengths) * lengths[longest] * n_targets * 8  # copied once more for the split
    free = available_memory()
    if need > free:
        line = table.lines[seqs.spans[longest][0]]
        raise DataError(
            f"{table.path.name} line {line}: sequence '{seqs.ids[longest]}' has {lengths[longest]:,} rows; the "
            f"targets of all {len(lengths):,} sequences, padded to that length, need about {format_bytes(need)} of "
            f"memory, but only {format_bytes(free)} is free. Split the long sequence into shorter ones (give "
            "its parts their own ids).", path=table.path, line=line)


def _load_long(name, train_path, test_path, options, seed, validation_split) -> Dataset:
    seq_spec = get_column(options, "sequence_column")
    seq_spec = 0 if seq_spec is None else seq_spec
    label_spec = get_column(options, "label_column")
    label_spec = -1 if label_spec is None else label_spec
    feature_specs = get_columns(options, "feature_columns")
    task_opt = options.get("task")
    if task_opt is not None:
        task_opt = get_choice(options, "task", "classification", ("classification", "regression"))
    normalize = get_bool(options, "normalize", True)
    hint = label_spec if isinstance(label_spec, int) else -1
    train, test = _read_pair(train_path, test_path, options, [seq_spec, label_spec, *(feature_specs or [])], hint)

    seq_col = train.index(seq_spec, "sequence_column")
    label_col = train.index(label_spec, "label_column")
    if seq_col == label_col:
        raise DataError(f"column '{train.column_name(seq_col)}' is both the sequence id and the label")
    if feature_specs is not None:
        feature_cols = [train.index(f, "feature_columns") for f in feature_specs]
        for j, role in ((seq_col, "the sequence id"), (label_col, "the label")):
            if j in feature_cols:
                raise DataError(f"column '{train.column_name(j)}' is both a feature and {role}")
    else:
        feature_cols = [j for j in range(train.n_columns) if j not in (seq_col, label_col)]
    if not feature_cols:
        raise DataError(f"{train_path.name}: there is no column left for the features, only the sequence id and "
                        "the label", path=train_path)
    task = task_opt or _guess_task(_label_cells(train, label_col))

    def read(table: Table) -> tuple[_Sequences, list[np.ndarray], list[Any]]:
        seqs = _sequences(table, seq_col)
        check_padded_fits(table, seqs, 1)
        values = np.stack([table.numbers(j) for j in feature_cols], axis=1)
        if task == "classification":
            steps: Any = _label_cells(table, label_col)
        else:
            steps = table.numbers(label_col, "a target number at every step")
        xs = [values[a:b] for a, b in seqs.spans]
        ys = [steps[a:b] for a, b in seqs.spans]
        return seqs, xs, ys

    seqs, xs, ys = read(train)
    t_seqs, t_xs, t_ys = read(test) if test is not None else (None, None, None)
    longest = max(max(seqs.lengths), max(t_seqs.lengths) if t_seqs is not None else 0)

    if task == "classification":
        class_names = sorted_class_names([c for y in ys for c in y])
        index = {c: i for i, c in enumerate(class_names)}
        if t_ys is not None:  # a class the network never saw, named at its line
            for (a, _), y in zip(t_seqs.spans, t_ys):
                for r, c in enumerate(y):
                    if c not in index:
                        fail(f"the label '{c}' does not occur in {train_path.name}; the model cannot predict a "
                             "class it never saw in training", test.path, test.lines[a + r], label_col + 1)

        def targets(ys_: list[list[str]]) -> np.ndarray:
            out = np.full((len(ys_), longest), IGNORED_CLASS, dtype=np.int64)
            for i, y in enumerate(ys_):
                out[i, : len(y)] = [index[c] for c in y]
            return out
    else:
        class_names = None

        def targets(ys_: list[np.ndarray]) -> np.ndarray:
            out = np.full((len(ys_), longest, 1), np.nan)
            for i, y in enumerate(ys_):
                out[i, : len(y), 0] = y
            return out

    lengths = seqs.lengths
    label_name = train.column_name(label_col)
    what = (f"a class at every step, {count_phrase([c for y in ys for c in y])}" if task == "classification"
            else f"'{label_name}' at every step (regression)")
    span = f"{min(lengths)}" if min(lengths) == max(lengths) else f"{min(lengths)} to {max(lengths)}"
    description = (
        f"Long table from {train_path.name}: {len(train.rows):,} rows in {len(lengths):,} sequences of {span} "
        f"steps, {len(feature_cols)} number column{'s' if len(feature_cols) != 1 else ''} as features, {what}."
    )
    if normalize:
        description += " Features are standardised with training statistics."
    return assemble(
        name=name,
        kind="sequence",
        task=task,
        train=Pool(x=xs, targets=targets(ys), source=str(train_path)),
        test=None if test is None else Pool(x=t_xs, targets=targets(t_ys), source=str(test_path)),
        seed=seed,
        validation_split=validation_split,
        class_order=class_names,
        standardize_inputs=normalize,
        description=description,
        meta={"feature_names": [train.column_name(j) for j in feature_cols], "label_name": label_name,
              "sequence_column": train.column_name(seq_col), "sequence_ids": seqs.ids},
        per_step=True,
    )
