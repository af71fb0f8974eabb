"""Reader for the UCR archive (2018) tab-separated form: one univariate series per line, the
class label first, then the values. Shorter series are padded with trailing NaN in that archive:
the padding is stripped (not an error); a NaN inside a series is refused.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .assemble import Pool, label_control_problem, tidy_label
from .dataset import Dataset
from .errors import fail
from .files import read_text, require_file
from .options import check_known
from .ts_format import SERIES_OPTIONS, series_dataset


def parse_ucr_tsv(text: str, path: Path) -> tuple[list[np.ndarray], list[str], list[int]]:
    """Series as [T, 1] arrays, their labels, and their line numbers."""
    series: list[np.ndarray] = []
    labels: list[str] = []
    line_numbers: list[int] = []
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) == 1 and "," in line:
            fields = line.split(",")  # the older UCR archive used commas
        label = tidy_label(fields[0])
        if label == "":
            fail("the class label (first column) is empty", path, lineno, 1)
        problem = label_control_problem(label)
        if problem is not None:
            fail(problem, path, lineno, 1)
        if len(fields) < 2:
            fail("no values after the label; each line needs a label, then the series", path, lineno)
        tokens = [f.strip() for f in fields[1:]]
        try:
            values = np.array(tokens, dtype=np.float64)
        except ValueError:
            values = np.empty(len(tokens))
            for i, tok in enumerate(tokens):
                if tok == "" or tok == "?":
                    values[i] = np.nan
                    continue
                try:
                    values[i] = float(tok)
                except ValueError:
                    fail(f"'{tok}' is not a number", path, lineno, i + 2)
        if np.isinf(values).any():
            i = int(np.flatnonzero(np.isinf(values))[0])
            fail(f"'{tokens[i]}' is not a finite number", path, lineno, i + 2)
        present = np.flatnonzero(~np.isnan(values))
        if len(present) == 0:
            fail("the series has no values (only NaN)", path, lineno)
        values = values[: present[-1] + 1]  # drop the trailing NaN padding
        holes = np.flatnonzero(np.isnan(values))
        if len(holes):
            fail(
                "missing value (NaN) inside the series; only trailing NaN padding at the end of a line is allowed",
                path,
                lineno,
                int(holes[0]) + 2,
            )
        series.append(values[:, None])
        labels.append(label)
        line_numbers.append(lineno)
    if not series:
        fail("the file has no series", path)
    return series, labels, line_numbers


def load_tsv(
    *, name: str, train_path: Path, test_path: Path | None, options: dict, seed: int, validation_split: float
) -> Dataset:
    check_known(options, SERIES_OPTIONS, ".tsv files")
    series, labels, _ = parse_ucr_tsv(read_text(require_file(train_path, "training file")), train_path)
    test = None
    if test_path is not None:
        t_series, t_labels, _ = parse_ucr_tsv(read_text(require_file(test_path, "test file")), test_path)
        test = Pool(x=t_series, targets=t_labels, source=str(test_path))
    return series_dataset(
        name=name,
        train=Pool(x=series, targets=labels, source=str(train_path)),
        test=test,
        task="classification",
        class_order=None,
        options=options,
        seed=seed,
        validation_split=validation_split,
        what=f"UCR time series from {train_path.name}",
    )
