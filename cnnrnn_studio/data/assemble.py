"""From samples read out of files to a split, scaled, tensor-backed ``Dataset``.

Every importer ends here, so class handling, splitting, scaling and dtypes behave the same for
all formats.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .dataset import Dataset, DataSplit
from .errors import DataError
from .scaling import feature_stats, refuse_too_large, standardize, target_stats
from .splits import TEST_FRACTION, split_indices
from .streaming import MappedRows

if TYPE_CHECKING:
    import torch


@dataclass
class Pool:
    """Samples read from one file or folder, before splitting.

    ``x``: one array [N, ...] or a list of [T_i, F] arrays. ``targets``: a class label string per
    sample (classification) or a float array [N, k] (regression). ``source`` names the file.
    """

    x: np.ndarray | list[np.ndarray]
    targets: list[str] | np.ndarray
    source: str
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.x)


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def tidy_label(text: str) -> str:
    """'1.0' and '1' name the same class in number-labelled files; keep them as '1'."""
    text = text.strip()
    value = _as_number(text)
    if value is not None and np.isfinite(value) and value.is_integer():
        return str(int(value))
    return text


def label_control_problem(label: str) -> str | None:
    """Why a class label cannot be used, if it holds a control character (NUL, a stray carriage
    return...): it would make a class of its own that looks like another. None when it is fine."""
    control = next((ch for ch in label if unicodedata.category(ch) == "Cc"), None)
    if control is not None:
        return (f"the label {label!r} holds the control character {control!r} (U+{ord(control):04X}), which "
                "would make a class of its own that looks like another; remove it from the file")
    # Invisible formatting characters (right-to-left override, zero-width space, BOM...) do the same;
    # the joiners stay allowed: emoji sequences and some scripts need them.
    hidden = next((ch for ch in label if unicodedata.category(ch) == "Cf" and ch not in "\u200c\u200d"), None)
    if hidden is not None:
        return (f"the label {label!r} holds the invisible formatting character U+{ord(hidden):04X} "
                f"({unicodedata.name(hidden, 'unnamed')}), which would make a class of its own that looks like "
                "another (or shows its text reversed); remove it from the file")
    return None


def sorted_class_names(names: Sequence[str]) -> list[str]:
    """Number labels in numeric order ('2' before '10'), text labels alphabetically."""
    unique = set(names)
    numbers = {n: _as_number(n) for n in unique}
    if all(v is not None for v in numbers.values()):
        return sorted(unique, key=lambda n: (numbers[n], n))
    return sorted(unique)


def encode_classes(
    train_labels: Sequence[str],
    test_labels: Sequence[str] | None,
    *,
    train_source: str,
    test_source: str | None = None,
    order: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Class ids for train (and test) labels, and the class names (index = id).

    ``order`` (e.g. a .ts header's list) fixes the order of the names; classes never seen in
    training are dropped from it. Refuses a single class and test labels unseen in training.
    """
    present = set(train_labels)
    if order is not None:
        names = [c for c in dict.fromkeys(order) if c in present]
        names += sorted_class_names([c for c in present if c not in names])
    else:
        names = sorted_class_names(list(present))
    if len(names) < 2:
        only = f" ('{names[0]}')" if names else ""
        raise DataError(
            f"{Path(train_source).name}: only one class{only} was found; a classifier needs at "
            "least two classes to tell apart",
            path=train_source,
        )
    index = {name: i for i, name in enumerate(names)}
    ids_train = np.fromiter((index[c] for c in train_labels), dtype=np.int64, count=len(train_labels))
    ids_test = None
    if test_labels is not None:
        unseen = sorted_class_names([c for c in set(test_labels) if c not in index])
        if unseen:
            listed = ", ".join(f"'{c}'" for c in unseen)
            raise DataError(
                f"{Path(test_source or 'test file').name}: labels not seen in training: {listed}. "
                "The model cannot predict a class it never saw; add examples of "
                f"{'it' if len(unseen) == 1 else 'them'} to the training data.",
                path=test_source,
            )
        ids_test = np.fromiter((index[c] for c in test_labels), dtype=np.int64, count=len(test_labels))
    return ids_train, ids_test, names


def take(x: np.ndarray | list[np.ndarray], idx: np.ndarray) -> np.ndarray | list[np.ndarray]:
    if isinstance(x, MappedRows):  # rows on disk stay on disk
        return x.subset(idx)
    if isinstance(x, list):
        return [x[int(i)] for i in idx]
    return x[idx]


def collapse_equal_lengths(
    parts: list[np.ndarray | list[np.ndarray]],
) -> list[np.ndarray | list[np.ndarray]]:
    """Lists of sequences that turn out to share one length become plain arrays."""
    if not any(isinstance(p, list) for p in parts):
        return parts
    shapes = {s.shape for p in parts if isinstance(p, list) for s in p}
    shapes |= {p.shape[1:] for p in parts if not isinstance(p, list)}
    if len(shapes) != 1:
        return [p if isinstance(p, list) else list(p) for p in parts]
    (shape,) = shapes
    return [(np.stack(p) if p else np.zeros((0, *shape), np.float32)) if isinstance(p, list) else p for p in parts]


def x_tensor(x: np.ndarray | list[np.ndarray], kind: str) -> torch.Tensor | list[torch.Tensor]:
    import torch  # torch loads on first use: listing datasets must not pull it in (GUI start-up)

    if isinstance(x, MappedRows):  # read batch by batch as float32 (see streaming)
        return x
    dtype = np.int64 if kind == "tokens" else np.float32
    if isinstance(x, list):
        return [torch.from_numpy(np.ascontiguousarray(s, dtype=dtype)) for s in x]
    return torch.from_numpy(np.ascontiguousarray(x, dtype=dtype))


def sample_shape_of(x: np.ndarray | list[np.ndarray], fallback: tuple) -> tuple:
    if isinstance(x, list):
        if not x:
            return fallback
        return (None, *x[0].shape[1:])
    return tuple(int(d) for d in x.shape[1:])


def make_split(x: np.ndarray | list[np.ndarray], y: np.ndarray, kind: str, task: str,
               per_step: bool = False) -> DataSplit:
    import torch  # torch loads on first use: listing datasets must not pull it in (GUI start-up)

    if task in ("classification", "ctc"):
        y_t = torch.from_numpy(np.ascontiguousarray(y, dtype=np.int64))
    else:
        y_t = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32))
    return DataSplit(x=x_tensor(x, kind), y=y_t, per_step=per_step)


# --- targets at every time step ---------------------------------------------------------------
IGNORED_CLASS = -1  # a per-step class id that does not count (an unlabelled or padding step)


def encode_step_classes(
    train_y: np.ndarray,
    test_y: np.ndarray | None,
    *,
    train_source: str,
    test_source: str | None = None,
    class_names: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Class ids for per-step labels [N, T] (-1 = the step does not count) and the class names.

    With ``class_names`` the labels are their indices; without, the labels seen in training are
    numbered in ascending order (0..k-1), as per-sample labels are.
    """
    train_y = np.asarray(train_y, dtype=np.int64)
    valid = train_y[train_y != IGNORED_CLASS]
    if (valid < 0).any():
        raise DataError(f"{Path(train_source).name}: class numbers must be 0 or more (-1 marks a step that does "
                        f"not count), but y holds {int(valid[valid < 0][0])}", path=train_source)
    if class_names is not None:
        names = list(class_names)
        values = np.arange(len(names), dtype=np.int64)
        if len(valid) and valid.max() >= len(names):
            raise DataError(f"{Path(train_source).name}: y holds class {int(valid.max())}, but there are "
                            f"{len(names)} class names (class numbers 0 to {len(names) - 1})", path=train_source)
    else:
        values = np.unique(valid)
        names = [str(int(v)) for v in values]
    if len(np.unique(valid)) < 2:
        raise DataError(f"{Path(train_source).name}: fewer than two classes were found among the labelled steps; "
                        "a classifier needs at least two classes to tell apart", path=train_source)

    def ids(y: np.ndarray, source: str) -> np.ndarray:
        y = np.asarray(y, dtype=np.int64)
        out = np.full(y.shape, IGNORED_CLASS, dtype=np.int64)
        mask = y != IGNORED_CLASS
        pos = np.searchsorted(values, y[mask])
        pos_ok = np.minimum(pos, len(values) - 1)
        unseen = y[mask][(pos >= len(values)) | (values[pos_ok] != y[mask])]
        if len(unseen):
            listed = ", ".join(str(int(v)) for v in np.unique(unseen)[:5])
            raise DataError(f"{Path(source).name}: classes not seen in training: {listed}. The model cannot "
                            "predict a class it never saw.", path=source)
        out[mask] = pos
        return out

    return ids(train_y, train_source), (None if test_y is None else ids(test_y, test_source or "test file")), names


def step_target_stats(y_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std per target over every counted step of [N, T, k] (NaN steps left out)."""
    flat = y_train.reshape(-1, y_train.shape[-1]).astype(np.float64)
    k = flat.shape[1]
    mean, std = np.zeros(k), np.ones(k)
    for j in range(k):
        col = flat[:, j][np.isfinite(flat[:, j])]
        if len(col):
            mean[j] = col.mean()
            std[j] = col.std() if col.std() > 1e-12 else 1.0
    return mean, std


def regression_targets(targets: np.ndarray, source: str) -> np.ndarray:
    y = np.asarray(targets, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    bad = np.flatnonzero(~np.isfinite(y).all(axis=1))
    if len(bad):
        raise DataError(f"{Path(source).name}: target of sample {int(bad[0])} is NaN or infinite", path=source)
    return y


def _check_split_sizes(train: Pool, n_train: int, n_val: int, n_test: int | None, validation_split: float,
                       strata: np.ndarray | None) -> None:
    """Refuse, before training, a split that leaves nothing to check the network on: no validation
    and no test sample (``n_test`` None: a test file was given, so there is one). Training would
    run unchecked and end with 'test accuracy -'."""
    if n_test is None or n_test or n_val:
        return
    per_class, rule = "", "the split needs about 5 samples or more to keep one for testing"
    if strata is not None and len(strata):
        counts = np.bincount(strata)
        per_class = f" (the smallest class has {int(counts[counts > 0].min()):,})"
        rule = "the split is made per class, and a class needs about 3 samples or more to give one to testing"
    raise DataError(
        f"{Path(train.source).name}: only {len(train):,} samples{per_class}, too few to keep any for validation or "
        f"testing (validation share {validation_split:g}): all {n_train:,} would be used for training, so the "
        f"network could not be checked on data it has not seen and the test score would be '-'; {rule}. "
        "Add more samples, or give a separate test file.",
        path=train.source,
    )


def assemble(
    *,
    name: str,
    kind: str,
    task: str,
    train: Pool,
    test: Pool | None,
    seed: int,
    validation_split: float,
    class_order: Sequence[str] | None = None,
    standardize_inputs: bool = False,
    description: str = "",
    attribution: str = "",
    meta: dict | None = None,
    per_step: bool = False,
) -> Dataset:
    """Encode classes, split (stratified, seeded), scale with train statistics, build tensors.

    ``task`` "ctc": the targets are int [N, L] label sequences of symbol ids padded with -1;
    ``class_order`` names the symbols.
    ``per_step``: the targets are per time step: int [N, T] class numbers (-1 = not counted) or
    float [N, T, k] with NaN for steps that do not count; ``class_order`` then names the classes
    by number."""
    meta = dict(meta or {})
    if len(train) == 0:
        raise DataError(f"{Path(train.source).name}: no samples were found", path=train.source)
    if test is not None and len(test) == 0:
        raise DataError(f"{Path(test.source).name}: no samples were found", path=test.source)

    if per_step and task == "classification":
        y_all, y_test_file, class_names = encode_step_classes(
            train.targets, None if test is None else test.targets, train_source=train.source,
            test_source=None if test is None else test.source, class_names=class_order)
        strata, n_outputs = None, len(class_names)
    elif task == "ctc":  # label sequences [N, L] of symbol ids, -1 after each label (checked by the reader)
        y_all = np.asarray(train.targets, dtype=np.int64)
        y_test_file = None if test is None else np.asarray(test.targets, dtype=np.int64)
        if y_test_file is not None and y_test_file.shape[1] != y_all.shape[1]:
            width = max(y_all.shape[1], y_test_file.shape[1])
            y_all, y_test_file = (np.pad(a, ((0, 0), (0, width - a.shape[1])), constant_values=IGNORED_CLASS)
                                  for a in (y_all, y_test_file))
        class_names = list(class_order or [])
        strata, n_outputs = None, len(class_names) + 1  # the symbols and the blank
    elif per_step:
        y_all = np.asarray(train.targets, dtype=np.float64)
        y_test_file = None if test is None else np.asarray(test.targets, dtype=np.float64)
        if y_test_file is not None and y_test_file.shape[-1] != y_all.shape[-1]:
            raise DataError(
                f"{Path(test.source).name}: {y_test_file.shape[-1]} targets per step, but the "
                f"training file has {y_all.shape[-1]}",
                path=test.source,
            )
        strata, class_names, n_outputs = None, None, int(y_all.shape[-1])
    elif task == "classification":
        y_all, y_test_file, class_names = encode_classes(
            list(train.targets),
            None if test is None else list(test.targets),
            train_source=train.source,
            test_source=None if test is None else test.source,
            order=class_order,
        )
        strata = y_all
        n_outputs = len(class_names)
    else:
        y_all = regression_targets(train.targets, train.source)
        y_test_file = None if test is None else regression_targets(test.targets, test.source)
        if y_test_file is not None and y_test_file.shape[1] != y_all.shape[1]:
            raise DataError(
                f"{Path(test.source).name}: {y_test_file.shape[1]} targets per sample, but the "
                f"training file has {y_all.shape[1]}",
                path=test.source,
            )
        strata, class_names, n_outputs = None, None, int(y_all.shape[1])

    tr, va, te = split_indices(
        len(train),
        strata,
        test_fraction=0.0 if test is not None else TEST_FRACTION,
        val_fraction=validation_split,
        seed=seed,
    )
    _check_split_sizes(train, len(tr), len(va), None if test is not None else len(te), validation_split,
                       strata)
    xs = [take(train.x, tr), take(train.x, va), test.x if test is not None else take(train.x, te)]
    ys = [y_all[tr], y_all[va], y_test_file if y_test_file is not None else y_all[te]]
    xs = collapse_equal_lengths(xs)

    if kind != "tokens":  # a value beyond float32 would silently become infinite in the tensors
        for split_name, x in zip(("training", "validation", "test"), xs):
            if not isinstance(x, MappedRows):  # on disk: checked by its reader (pixels always fit)
                refuse_too_large(x, "an input value", split_name)
    if standardize_inputs:
        mean, std = feature_stats(xs[0])
        xs = [standardize(x, mean, std) for x in xs]
        meta["feature_mean"] = mean.tolist()
        meta["feature_std"] = std.tolist()
    if task == "regression":
        t_mean, t_std = step_target_stats(ys[0]) if per_step else target_stats(ys[0])
        ys = [(y - t_mean) / t_std for y in ys]
        meta["target_mean"] = t_mean.tolist()
        meta["target_std"] = t_std.tolist()
    if task == "classification":
        meta["class_counts"] = {
            split: [int(v) for v in np.bincount(y[y >= 0].ravel(), minlength=n_outputs)]
            for split, y in zip(("train", "val", "test"), ys)
        }
    meta["indices"] = {
        "train": tr.tolist(),
        "val": va.tolist(),
        "test": list(range(len(test))) if test is not None else te.tolist(),
    }
    meta["test_from"] = "file" if test is not None else "split"
    meta.setdefault("source", {"train": train.source, **({"test": test.source} if test is not None else {})})

    fallback = train.x[0].shape if isinstance(train.x, list) else train.x.shape[1:]
    sample_shape = sample_shape_of(xs[0], (None, *fallback[1:]))
    splits = [make_split(x, y, kind, task, per_step) for x, y in zip(xs, ys)]
    return Dataset(
        name=name,
        kind=kind,
        task=task,
        sample_shape=sample_shape,
        train=splits[0],
        val=splits[1],
        test=splits[2],
        class_names=class_names,
        n_outputs=n_outputs,
        description=description,
        attribution=attribution,
        meta=meta,
        per_step=per_step,
    )


def count_phrase(labels: Sequence[str]) -> str:
    """'3 classes (a: 50, b: 50, c: 50)' for descriptions."""
    counts = Counter(labels)
    names = sorted_class_names(list(counts))
    if len(names) > 8:
        return f"{len(names)} classes"
    return f"{len(names)} classes (" + ", ".join(f"{n}: {counts[n]}" for n in names) + ")"
