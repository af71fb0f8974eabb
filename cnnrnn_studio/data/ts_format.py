"""Reader for the UCR/UEA ``.ts`` time-series format (sktime's format).

    # comment lines
    @problemName BasicMotions
    @dimensions 6
    @equalLength true
    @seriesLength 100
    @classLabel true Standing Running Walking Badminton
    @data
    0.1,0.2,...:0.3,0.1,...:...:Standing      <- dimensions split by ':', values by ',', label last

Series become float arrays [T, D] (time first, channels last). Values are kept as they are
(the archives usually ship them already normalised per series).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .assemble import Pool, assemble, count_phrase, label_control_problem
from .dataset import Dataset
from .errors import fail
from .files import read_text, require_file
from .options import check_known, get_bool, get_int

_BOOL = {"true": True, "false": False}
_KNOWN_TAGS = {
    "problemname",
    "timestamps",
    "missing",
    "univariate",
    "dimension",
    "dimensions",
    "equallength",
    "serieslength",
    "classlabel",
    "targetlabel",
    "data",
}


@dataclass
class TsData:
    series: list[np.ndarray]  # each [T_i, D], float64
    labels: list[str]  # class label per series (classification) ...
    targets: np.ndarray | None  # ... or float target per series (regression, @targetLabel true)
    class_order: list[str] | None  # the @classLabel list, in the file's order
    problem_name: str
    dimensions: int
    line_numbers: list[int] = field(default_factory=list)
    interpolated: int = 0  # how many values were filled in (missing values, '@missing true')

    @property
    def task(self) -> str:
        return "regression" if self.targets is not None else "classification"


def _parse_values(text: str, path: Path, line: int, dim: int) -> np.ndarray:
    """Comma-separated numbers; '?' and NaN become NaN (missing); infinity is refused."""
    tokens = [t.strip() for t in text.split(",")]
    try:
        values = np.array(tokens, dtype=np.float64)
    except ValueError:
        values = np.empty(len(tokens))
        for i, tok in enumerate(tokens):
            if tok == "?":
                values[i] = np.nan
                continue
            if tok == "":
                fail(f"dimension {dim}, value {i + 1} is empty (two commas in a row?)", path, line)
            try:
                values[i] = float(tok)
            except ValueError:
                fail(f"dimension {dim}, value {i + 1}: '{tok}' is not a number", path, line)
    if np.isinf(values).any():
        i = int(np.flatnonzero(np.isinf(values))[0])
        fail(f"dimension {dim}, value {i + 1}: '{tokens[i]}' is not a finite number", path, line)
    return values


def _fill_missing(values: np.ndarray, path: Path, line: int, dim: int) -> np.ndarray:
    known = ~np.isnan(values)
    if not known.any():
        fail(f"dimension {dim} has only missing values", path, line)
    positions = np.arange(len(values))
    return np.interp(positions, positions[known], values[known])


def _header_bool(args: list[str], tag: str, path: Path, line: int) -> bool:
    if not args or args[0].lower() not in _BOOL:
        found = args[0] if args else "nothing"
        fail(f"@{tag} must be followed by true or false, found {found}", path, line)
    return _BOOL[args[0].lower()]


def _header_int(args: list[str], tag: str, path: Path, line: int) -> int:
    if len(args) != 1 or not args[0].isdigit() or int(args[0]) < 1:
        found = " ".join(args) or "nothing"
        fail(f"@{tag} must be followed by a whole number of at least 1, found {found}", path, line)
    return int(args[0])


def parse_ts(text: str, path: Path) -> TsData:
    """Parse the text of a .ts file; every problem is a DataError naming the file and line."""
    h: dict = {}
    series: list[np.ndarray] = []
    labels: list[str] = []
    targets: list[float] = []
    line_numbers: list[int] = []
    interpolated = 0
    in_data = False
    class_set: set[str] = set()

    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if not line.startswith("@"):
                fail(
                    "expected a '#' comment or an '@' header line before '@data', found data; "
                    "is the '@data' line missing?",
                    path,
                    lineno,
                )
            parts = line.split()
            tag = parts[0][1:].lower()
            args = parts[1:]
            if tag not in _KNOWN_TAGS:
                fail(f"unknown header '{parts[0]}'", path, lineno)
            if tag == "problemname":
                h["name"] = " ".join(args)
            elif tag == "timestamps":
                if _header_bool(args, parts[0][1:], path, lineno):
                    fail(
                        "time stamps (@timeStamps true) are not supported; export the series without them", path, lineno
                    )
            elif tag in ("missing", "univariate", "equallength"):
                h[tag] = _header_bool(args, parts[0][1:], path, lineno)
            elif tag in ("dimension", "dimensions"):
                h["dimensions"] = _header_int(args, parts[0][1:], path, lineno)
            elif tag == "serieslength":
                h["serieslength"] = _header_int(args, parts[0][1:], path, lineno)
            elif tag == "classlabel":
                h["classlabel"] = _header_bool(args, parts[0][1:], path, lineno)
                if h["classlabel"]:
                    if len(args) < 2:
                        fail("@classLabel true must be followed by the class names", path, lineno)
                    h["classes"] = args[1:]
                    class_set = set(args[1:])
            elif tag == "targetlabel":
                h["targetlabel"] = _header_bool(args, parts[0][1:], path, lineno)
            elif tag == "data":
                if not h.get("classlabel") and not h.get("targetlabel"):
                    fail(
                        "the header has no labels: a '@classLabel true ...' (or '@targetLabel true') "
                        "line is needed before '@data'",
                        path,
                        lineno,
                    )
                if h.get("classlabel") and h.get("targetlabel"):
                    fail("the header sets both @classLabel and @targetLabel; use one", path, lineno)
                if h.get("univariate") and h.get("dimensions", 1) != 1:
                    fail("the header says '@univariate true' but more than one dimension", path, lineno)
                in_data = True
            continue

        # A data line: dimensions separated by ':', the label last.
        if line.startswith("@"):
            fail(f"header '{line.split()[0]}' after '@data'; headers must come before '@data'", path, lineno)
        pieces = line.split(":")
        label = pieces[-1].strip()
        problem = label_control_problem(label)
        if problem is not None:
            fail(problem, path, lineno)
        dims = pieces[:-1]
        if "dimensions" not in h:
            if h.get("univariate"):
                h["dimensions"] = 1
            else:
                h["dimensions"] = len(dims)  # the first series fixes it
                h["dimensions_from_data"] = True
        expected = h["dimensions"]
        if len(dims) != expected:
            said = "the first series has" if h.get("dimensions_from_data") else "the header says"
            fail(
                f"{len(dims)} dimension{'s' if len(dims) != 1 else ''} before the label, but {said} {expected}",
                path,
                lineno,
            )
        if label == "":
            fail("the label (after the last ':') is missing", path, lineno)
        channels = []
        for d, dim_text in enumerate(dims, start=1):
            values = _parse_values(dim_text, path, lineno, d)
            if np.isnan(values).any():
                if not h.get("missing"):
                    fail(
                        f"dimension {d} has a missing value ('?' or NaN), but the header does not say '@missing true'",
                        path,
                        lineno,
                    )
                interpolated += int(np.isnan(values).sum())
                values = _fill_missing(values, path, lineno, d)
            channels.append(values)
        lengths = {len(c) for c in channels}
        if len(lengths) != 1:
            listed = ", ".join(str(len(c)) for c in channels)
            fail(f"the dimensions have different lengths ({listed}); they must be equally long", path, lineno)
        length = len(channels[0])
        if h.get("equallength", True) and "serieslength" in h and length != h["serieslength"]:
            fail(f"{length} values per dimension, but @seriesLength says {h['serieslength']}", path, lineno)
        if h.get("equallength") and series and length != len(series[0]):
            fail(
                f"{length} values per dimension, but the first series has {len(series[0])} and the "
                "header says '@equalLength true'",
                path,
                lineno,
            )
        if h.get("classlabel"):
            if label not in class_set:
                listed = ", ".join(h["classes"])
                fail(f"class label '{label}' is not in the @classLabel list ({listed})", path, lineno)
            labels.append(label)
        else:
            try:
                target = float(label)
            except ValueError:
                fail(f"the target '{label}' is not a number", path, lineno)
            if not np.isfinite(target):
                fail(f"the target '{label}' is not a finite number", path, lineno)
            targets.append(target)
        series.append(np.stack(channels, axis=1))
        line_numbers.append(lineno)

    if not in_data:
        fail("no '@data' line: this is not a .ts file (see the UCR/UEA time series format)", path)
    if not series:
        fail("there are no series after '@data'", path)
    return TsData(
        series=series,
        labels=labels,
        targets=np.asarray(targets, dtype=np.float64) if h.get("targetlabel") else None,
        class_order=h.get("classes"),
        problem_name=h.get("name", path.stem),
        dimensions=int(h["dimensions"]),
        line_numbers=line_numbers,
        interpolated=interpolated,
    )


def resample(series: np.ndarray, length: int) -> np.ndarray:
    """Stretch or squeeze a [T, D] series to ``length`` steps by linear interpolation."""
    t = series.shape[0]
    if t == length:
        return series
    if t == 1:
        return np.repeat(series, length, axis=0)
    old = np.arange(t, dtype=np.float64)
    new = np.linspace(0.0, t - 1, length)
    return np.stack([np.interp(new, old, series[:, d]) for d in range(series.shape[1])], axis=1)


# ---- loading as a Dataset (shared by .ts and .tsv) -----------------------------------------

SERIES_OPTIONS = {"resample_to": None, "normalize": False}


def series_dataset(
    *,
    name: str,
    train: Pool,
    test: Pool | None,
    task: str,
    class_order: list[str] | None,
    options: dict,
    seed: int,
    validation_split: float,
    what: str,
    extra_meta: dict | None = None,
) -> Dataset:
    """Resample (option ``resample_to``), optionally standardise, then split and assemble."""
    resample_to = get_int(options, "resample_to", None, minimum=2)
    normalize = get_bool(options, "normalize", False)
    pools = [p for p in (train, test) if p is not None]
    lengths = sorted({len(s) for p in pools for s in p.x})
    if resample_to is not None:
        for p in pools:
            p.x = [resample(s, resample_to) for s in p.x]
    description = (
        f"{what}: {len(train):,} series with {train.x[0].shape[1]} channel{'s' if train.x[0].shape[1] != 1 else ''}, "
    )
    if task == "classification":
        description += count_phrase(train.targets) + ". "
    else:
        description += "a number to predict per series. "
    if len(lengths) == 1:
        description += f"Every series has {lengths[0]} steps."
    elif resample_to is not None:
        description += f"Lengths {lengths[0]} to {lengths[-1]}, resampled to {resample_to} steps."
    else:
        description += f"Lengths vary from {lengths[0]} to {lengths[-1]} steps (batched by length, no padding)."
    if normalize:
        description += " Values are standardised per channel with training statistics."
    else:
        description += (
            " Values are kept as in the file (the UCR/UEA archives are usually normalised per series already)."
        )
    meta = {"lengths": {"min": lengths[0], "max": lengths[-1]}, **(extra_meta or {})}
    return assemble(
        name=name,
        kind="sequence",
        task=task,
        train=train,
        test=test,
        seed=seed,
        validation_split=validation_split,
        class_order=class_order,
        standardize_inputs=normalize,
        description=description,
        meta=meta,
    )


def load_ts(
    *, name: str, train_path: Path, test_path: Path | None, options: dict, seed: int, validation_split: float
) -> Dataset:
    check_known(options, SERIES_OPTIONS, ".ts files")
    data = parse_ts(read_text(require_file(train_path, "training file")), train_path)
    test_data = None
    if test_path is not None:
        test_data = parse_ts(read_text(require_file(test_path, "test file")), test_path)
        if test_data.dimensions != data.dimensions:
            fail(f"{test_data.dimensions} dimensions, but {train_path.name} has {data.dimensions}", test_path)
        if test_data.task != data.task:
            fail(f"the test file is for {test_data.task}, but {train_path.name} is for {data.task}", test_path)

    def pool(d: TsData, path: Path) -> Pool:
        targets = d.labels if d.targets is None else d.targets
        return Pool(x=d.series, targets=targets, source=str(path))

    meta = {"problem_name": data.problem_name}
    if data.interpolated or (test_data and test_data.interpolated):
        meta["interpolated_values"] = data.interpolated + (test_data.interpolated if test_data else 0)
    return series_dataset(
        name=name,
        train=pool(data, train_path),
        test=None if test_data is None else pool(test_data, test_path),
        task=data.task,
        class_order=data.class_order,
        options=options,
        seed=seed,
        validation_split=validation_split,
        what=f"Time series '{data.problem_name}' from {train_path.name}",
        extra_meta=meta,
    )
