"""``load_dataset(spec)``: the one entry point from a project file's ``dataset`` section."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .augment import AUGMENT_KEY, check_augment
from .builtin import load_builtin
from .csv_format import MODE_OPTIONS, load_csv
from .dataset import Dataset
from .errors import DataError
from .files import resolve
from .image_cache import Cancel, Progress
from .image_folder import IMAGE_OPTIONS, load_image_folder
from .npz_format import NPZ_OPTIONS, load_npz
from .splits import check_validation_split
from .text_corpus import TEXT_OPTIONS, load_text_corpus
from .ts_format import SERIES_OPTIONS, load_ts
from .tsv_format import load_tsv

_FILE_LOADERS = {
    "csv": load_csv,
    "ts": load_ts,
    "tsv": load_tsv,
    "npz": load_npz,
    "image_folder": load_image_folder,
    "text": load_text_corpus,
}

# Format -> its options and their defaults (for an import dialog). csv's depend on its 'mode'.
FILE_FORMATS: dict[str, dict[str, Any]] = {
    "csv": {
        "mode": "table",
        "delimiter": None,
        "header": None,
        **{k: v for m in MODE_OPTIONS.values() for k, v in m.items()},
    },
    "ts": dict(SERIES_OPTIONS),
    "tsv": dict(SERIES_OPTIONS),
    "npz": dict(NPZ_OPTIONS),
    "image_folder": dict(IMAGE_OPTIONS),
    "text": dict(TEXT_OPTIONS),
}
CSV_MODE_OPTIONS = MODE_OPTIONS
_SUFFIX_FORMAT = {".csv": "csv", ".gz": "csv", ".txt": "csv", ".ts": "ts", ".tsv": "tsv", ".npz": "npz"}


def guess_format(path: str | os.PathLike[str]) -> str | None:
    """'csv', 'ts', 'tsv', 'npz' or 'image_folder' from a path, or None when unclear."""
    p = Path(path)
    if p.is_dir():
        return "image_folder"
    return _SUFFIX_FORMAT.get(p.suffix.lower())


def load_dataset(
    spec: Mapping[str, Any],
    base_dir: str | os.PathLike[str] | None = None,
    *,
    seed: int = 0,
    validation_split: float = 0.2,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    decode_alongside: bool = False,
) -> Dataset:
    """Load the dataset a project describes; every problem is a DataError in plain words.

    ``progress(done, total)`` and ``cancel`` (a function returning True to stop, or a
    threading.Event) reach the slow step that can report and stop: decoding an image folder into
    its cache (image_cache); a cancelled load raises LoadingCancelled. ``decode_alongside`` (for
    training): an image folder too big for memory is decoded in the background while it is read
    (cache_fill), instead of before this returns.

    ``spec`` is ``{"kind": "builtin", "name": ..., **options}`` or
    ``{"kind": "file", "format": ..., "train": PATH, "test": PATH?, **options}``, either with an
    optional ``"augment"`` object (data/augment.py: checked here, applied by training); relative paths
    are taken from ``base_dir`` (the project file's folder). The same seed gives the same split.
    """
    if not isinstance(spec, Mapping):
        raise DataError(f"the dataset settings must be a table of names and values, got {type(spec).__name__}")
    validation_split = check_validation_split(validation_split)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise DataError(f"the seed must be a whole number, got {seed!r}")
    if AUGMENT_KEY in spec:  # training-time settings, not a reader's option: checked here, used by training
        check_augment(spec[AUGMENT_KEY])
        spec = {k: v for k, v in spec.items() if k != AUGMENT_KEY}
    kind = spec.get("kind")
    if kind == "builtin":
        options = {k: v for k, v in spec.items() if k not in ("kind", "name")}
        if "name" not in spec:
            raise DataError("the dataset settings say 'builtin' but give no 'name'")
        return load_builtin(spec["name"], options, seed, validation_split)
    if kind == "file":
        return _load_file(spec, base_dir, seed, validation_split, progress, cancel, decode_alongside)
    raise DataError(f"the dataset 'kind' must be 'builtin' or 'file', got {kind!r}")


def _load_file(spec: Mapping[str, Any], base_dir: Any, seed: int, validation_split: float,
               progress: Progress | None = None, cancel: Cancel | None = None,
               decode_alongside: bool = False) -> Dataset:
    if "train" not in spec:
        raise DataError("the dataset settings need 'train': the path of the data file (or image folder)")
    train_path = resolve(spec["train"], base_dir, "training file")
    test_path = resolve(spec["test"], base_dir, "test file") if spec.get("test") is not None else None
    fmt = spec.get("format")
    if fmt is None:
        fmt = guess_format(train_path)
        if fmt is None:
            raise DataError(
                f"cannot tell the format of {train_path.name}; set 'format' to one of: {', '.join(_FILE_LOADERS)}",
                path=train_path,
            )
    if fmt not in _FILE_LOADERS:
        raise DataError(f"unknown file format {fmt!r}; the formats are: {', '.join(_FILE_LOADERS)}")
    options = {k: v for k, v in spec.items() if k not in ("kind", "format", "train", "test", "name")}
    name = spec.get("name")
    if name is None:
        name = train_path.stem if fmt != "image_folder" else train_path.name
    if not isinstance(name, str):
        raise DataError(f"the dataset 'name' must be text, got {name!r}")
    reporting = ({"progress": progress, "cancel": cancel, "decode_alongside": decode_alongside}
                 if fmt == "image_folder" else {})
    dataset = _FILE_LOADERS[fmt](
        name=name,
        train_path=train_path,
        test_path=test_path,
        options=options,
        seed=seed,
        validation_split=validation_split,
        **reporting,
    )
    dataset.meta.setdefault("format", fmt)
    return dataset
