"""Reader for NumPy ``.npz`` files holding arrays ``X`` (samples) and ``y`` (labels or targets).

Loaded with ``allow_pickle=False``: a file someone sent must never run code, so object arrays
are refused. The rank of X decides the kind: 2 vector [N,F], 3 sequence [N,T,F],
4 image [N,C,H,W], 5 image sequence [N,T,C,H,W] (option ``data_kind`` overrides; 'tokens' for
integer word ids [N,T]). Integer y means classes; float y means regression.

Targets at every time step (sequence and image-sequence data): a y of shape [N, T] or [N, T, k]
whose T is X's time length is read per step (option ``per_step`` false turns that off, true
insists on it); with images, an integer y [N, T] is a class at every step of the sequence the
network reads from the image (ToSequence: one step per column). Integer steps marked -1 and float steps marked NaN do not count. An optional
integer array ``lengths`` [N] gives each sample's real length; the steps past it are padding,
cut off the inputs and never counted.

Label sequences to read (option ``"task": "ctc"``): an integer y [N, L] holds each sample's label,
a sequence of symbol ids (0 to S-1, naming ``class_names``, the symbols), padded with -1 after it.
The network's per-step scores then have C = S + 1 entries: index 0 is the blank, index i + 1 is
symbol i (see train.ctc). The blank is not a class name.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .assemble import Pool, assemble, count_phrase, encode_classes, make_split, sample_shape_of
from .dataset import Dataset
from .errors import DataError
from .files import require_file
from .options import check_known, get_bool, get_choice
from .splits import TEST_FRACTION, split_indices
from .streaming import MappedRows, streams
from ..kinds import KIND_NAMES as KINDS
from ..kinds import kind_title

NPZ_OPTIONS: dict[str, Any] = {"data_kind": None, "task": None, "normalize": True, "class_names": None,
                               "per_step": None}
_TIME_KINDS = ("sequence", "image_sequence")
_CHECK_ROWS = 4096  # samples checked at a time for NaN / infinity
_RANK_KIND = {2: "vector", 3: "sequence", 4: "image", 5: "image_sequence"}
_KIND_RANK = {"vector": 2, "sequence": 3, "image": 4, "image_sequence": 5, "tokens": 2}


def _find(files: list[str], wanted: str) -> str | None:
    if wanted in files:
        return wanted
    folded = [f for f in files if f.lower() == wanted.lower()]
    return folded[0] if len(folded) == 1 else None


def mapped_member(path: Path, name: str) -> np.memmap | None:
    """The array ``name`` of a .npz memory-mapped from the file itself, when the archive stores it
    uncompressed (``np.savez``); None when it is compressed (``np.savez_compressed``) or cannot be
    mapped, and the caller reads it the ordinary way. (np.load's mmap_mode works for .npy files
    only: here the member's data offset is found from its zip and .npy headers.)"""
    try:
        with zipfile.ZipFile(path) as archive:
            member = name if name.endswith(".npy") else name + ".npy"
            info = archive.getinfo(member)
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:  # compressed or encrypted
            return None
        with open(path, "rb") as f:
            f.seek(info.header_offset)
            local = f.read(30)
            if len(local) != 30 or local[:4] != b"PK\x03\x04":
                return None
            name_len, extra_len = struct.unpack("<HH", local[26:30])
            start = info.header_offset + 30 + name_len + extra_len
            f.seek(start)
            version = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(f)
            offset = f.tell()
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, struct.error):
        return None
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if dtype.hasobject or not shape or offset - start + nbytes > info.file_size or nbytes == 0:
        return None
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=tuple(shape), order="F" if fortran else "C")


def check_npz_fits(path: Path, on_disk: str | None = None) -> None:
    """Refuse, before anything is loaded, a .npz whose arrays (as their headers declare them, or
    as the archive says they inflate to) need more memory than is free: twice their size, as the
    arrays are copied once more while the split is made. ``on_disk``: a member read memory-mapped,
    which is not counted. Only the member headers are read; a file that is not a zip of .npy arrays
    is left to the reader's own message."""
    from ..graph.memory import available_memory, format_bytes

    try:
        with zipfile.ZipFile(path) as archive:
            need, biggest = 0, ("", 0)
            for info in archive.infolist():
                if on_disk is not None and info.filename == on_disk + ".npy":
                    continue
                declared = 0
                if info.filename.endswith(".npy"):
                    with archive.open(info) as member:
                        version = np.lib.format.read_magic(member)
                        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                                       else np.lib.format.read_array_header_2_0)
                        shape, _, dtype = read_header(member)
                    declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
                size = max(declared, info.file_size)
                need += size
                if size > biggest[1]:
                    biggest = (info.filename.removesuffix(".npy"), size)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, RuntimeError, NotImplementedError):
        return
    free = available_memory()
    if 2 * need > free:
        raise DataError(
            f"{path.name} declares arrays of about {format_bytes(need)} (the largest, '{biggest[0]}', "
            f"{format_bytes(biggest[1])}); only {format_bytes(free)} of memory is free, so it was not loaded",
            path=path,
        )


def read_npz(path: Path, *, map_x: bool = False) -> dict[str, np.ndarray]:
    """X, y (and class_names when present) from the file; DataError for anything else.

    ``map_x``: X is memory-mapped (np.memmap) when the file stores it uncompressed, so it is read
    from disk as it is used; otherwise (compressed) it is read into memory as usual."""
    require_file(path, "npz file")
    mapped, x_name = None, None
    if map_x:
        try:
            with zipfile.ZipFile(path) as archive:
                x_name = _find([n.removesuffix(".npy") for n in archive.namelist()], "X")
        except (OSError, zipfile.BadZipFile):
            x_name = None
        mapped = mapped_member(path, x_name) if x_name is not None else None
    check_npz_fits(path, on_disk=x_name if mapped is not None else None)
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        # numpy's own message suggests allow_pickle=True: never pass that advice on.
        raise DataError(
            f"{path.name} is not a readable .npz file of NumPy arrays (write one with "
            "numpy.savez(path, X=..., y=...)); pickled Python data is never loaded, for safety",
            path=path,
        ) from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(
            f"{path.name} holds a single array (a .npy file?); a .npz with arrays 'X' and 'y' is needed", path=path
        )
    with archive:
        files = list(archive.files)
        out: dict[str, np.ndarray] = {}
        for key in ("X", "y", "class_names", "lengths"):
            found = _find(files, key)
            if found is None:
                if key in ("class_names", "lengths"):
                    continue
                listed = ", ".join(repr(f) for f in files) or "no arrays"
                raise DataError(
                    f"{path.name} has no array '{key}'; it holds {listed}. Save it with np.savez(path, X=..., y=...)",
                    path=path,
                )
            if key == "X" and mapped is not None:
                out[key] = mapped
                continue
            try:
                out[key] = archive[found]
            except ValueError as exc:
                raise DataError(
                    f"{path.name}: array '{found}' holds Python objects; only plain number arrays are "
                    "accepted (pickled data is never loaded, for safety)",
                    path=path,
                ) from exc
            except (OSError, zipfile.BadZipFile, EOFError) as exc:
                raise DataError(f"{path.name}: array '{found}' cannot be read ({exc})", path=path) from exc
    return out


def _is_per_step(x: np.ndarray, y: np.ndarray, kind: str | None, per_step: bool | None) -> bool:
    """y [N, T] or [N, T, k] with X's time length T: a target at every step. Images have no time
    axis of their own (a network reads them as a sequence, e.g. column by column with ToSequence):
    an integer y [N, T] with them is a class at every step, T being the network's to match."""
    kind = kind or _RANK_KIND.get(x.ndim)
    fits = kind in _TIME_KINDS and x.ndim >= 3 and y.ndim in (2, 3) and y.shape[1] == x.shape[1]
    fits = fits or (kind == "image" and y.ndim == 2 and y.dtype.kind in "iu")
    # word ids [N, T] (option data_kind 'tokens') with a class at each of their T steps
    fits = fits or (kind == "tokens" and x.ndim == 2 and y.ndim == 2 and y.shape[1] == x.shape[1]
                    and y.dtype.kind in "iu")
    return fits if per_step is None else per_step


def _check_arrays(arrays: dict[str, np.ndarray], path: Path, per_step: bool = False
                  ) -> tuple[np.ndarray, np.ndarray]:
    x, y = arrays["X"], arrays["y"]
    name = path.name
    if per_step:
        return _check_step_arrays(x, y, path, same_steps=x.ndim != 4, rank=2 if x.ndim == 2 else 3)
    if x.dtype.kind not in "biuf":
        raise DataError(f"{name}: X must hold numbers, but its type is {x.dtype}", path=path)
    if y.dtype.kind not in "biuf":
        raise DataError(f"{name}: y must hold numbers (class numbers or targets), but its type is {y.dtype}", path=path)
    if x.ndim < 2:
        raise DataError(
            f"{name}: X must have one row per sample (at least 2 axes), but its shape is {x.shape}", path=path
        )
    if y.ndim not in (1, 2):
        raise DataError(
            f"{name}: y must be one value (or one row of targets) per sample, but its shape is {y.shape}", path=path
        )
    if len(x) != len(y):
        raise DataError(f"{name}: X has {len(x)} samples but y has {len(y)}; they must match", path=path)
    _check_samples(x, path)
    if y.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(y.reshape(len(y), -1)).all(axis=1))
        if len(bad):
            raise DataError(f"{name}: y of sample {int(bad[0])} is NaN or infinity", path=path)
    return x, y


def _check_samples(x: np.ndarray, path: Path) -> None:
    """X has samples, and every value of them is a finite number."""
    if len(x) == 0:
        raise DataError(f"{path.name}: X has no samples", path=path)
    if x.dtype.kind == "f":
        for start in range(0, len(x), _CHECK_ROWS):  # in parts: X may be a memory-mapped file
            part = x[start:start + _CHECK_ROWS]
            bad = np.flatnonzero(~np.isfinite(part.reshape(len(part), -1)).all(axis=1))
            if len(bad):
                raise DataError(f"{path.name}: X sample {start + int(bad[0])} contains NaN or infinity", path=path)


def _check_step_arrays(x: np.ndarray, y: np.ndarray, path: Path, same_steps: bool = True, rank: int = 3
                       ) -> tuple[np.ndarray, np.ndarray]:
    """same_steps: y's T must be X's time length (not for images, which have none); rank: the
    fewest axes X may have (2 for word ids [N, T])."""
    name = path.name
    if x.dtype.kind not in "biuf":
        raise DataError(f"{name}: X must hold numbers, but its type is {x.dtype}", path=path)
    if y.dtype.kind not in "biuf":
        raise DataError(f"{name}: y must hold numbers (class numbers or targets), but its type is {y.dtype}", path=path)
    steps_ok = y.shape[:2] == x.shape[:2] if same_steps else y.shape[:1] == x.shape[:1]
    if x.ndim < rank or y.ndim not in (2, 3) or not steps_ok:
        raise DataError(
            f"{name}: for a target at every time step y must have shape [N, T] or [N, T, k] with X's N and T "
            f"{list(x.shape[:2])}, but X has shape {x.shape} and y {y.shape}", path=path)
    _check_samples(x, path)
    if y.dtype.kind == "f" and np.isinf(y).any():
        i = int(np.flatnonzero(np.isinf(y.reshape(len(y), -1)).any(axis=1))[0])
        raise DataError(f"{name}: y of sample {i} is infinite (NaN marks a step that does not count)", path=path)
    return x, y


def _lengths(arrays: dict[str, np.ndarray], x: np.ndarray, path: Path, kind: str | None) -> np.ndarray | None:
    """The optional 'lengths' array, checked: whole numbers from 1 to X's time length."""
    lengths = arrays.get("lengths")
    kind = kind or _RANK_KIND.get(x.ndim)
    if lengths is None or kind not in _TIME_KINDS:  # no time axis to cut (such files load as before)
        return None
    name = path.name
    if lengths.dtype.kind not in "iu" or lengths.shape != (len(x),):
        raise DataError(f"{name}: 'lengths' must hold one whole number per sample ({len(x)}), but it is "
                        f"{lengths.dtype} of shape {lengths.shape}", path=path)
    bad = np.flatnonzero((lengths < 1) | (lengths > x.shape[1]))
    if len(bad):
        i = int(bad[0])
        raise DataError(f"{name}: sample {i} has length {int(lengths[i])}, but lengths must be from 1 to X's "
                        f"time length {x.shape[1]}", path=path)
    return lengths.astype(np.int64)


def _step_targets(y: np.ndarray, lengths: np.ndarray | None, task: str, path: Path) -> np.ndarray:
    """Per-step targets with the steps that do not count marked: class ids [N, T] with -1, or
    float [N, T, k] with NaN; steps past a sample's length are marked too."""
    if task == "classification":
        if y.ndim != 2:
            raise DataError(f"{path.name}: per-step classes need y of shape [N, T] (one class number per step), "
                            f"but its shape is {y.shape}", path=path)
        if y.dtype.kind == "f":
            known = ~np.isnan(y)
            if not np.all(y[known] == np.round(y[known])):
                raise DataError(f"{path.name}: y holds {y[known][y[known] != np.round(y[known])][0]}, not a class "
                                "number", path=path)
            y = np.where(known, y, -1)
        out = y.astype(np.int64)
        if lengths is not None:
            out[np.arange(out.shape[1])[None, :] >= lengths[:, None]] = -1
        return out
    out = y.astype(np.float64)
    if out.ndim == 2:
        out = out[:, :, None]
    if lengths is not None:
        out[np.arange(out.shape[1])[None, :] >= lengths[:, None]] = np.nan
    return out


def _ctc_labels(y: np.ndarray, path: Path) -> np.ndarray:
    """Label sequences [N, L] of symbol ids, -1 only after each label, checked."""
    name = path.name
    if y.ndim != 2 or y.dtype.kind not in "iu":
        raise DataError(f"{name}: for CTC y must hold whole-number symbol ids of shape [N, L] (each sample's "
                        f"label, padded with -1), but it is {y.dtype} of shape {y.shape}", path=path)
    y = y.astype(np.int64)
    bad = np.argwhere(y < -1)
    if len(bad):
        i, j = (int(v) for v in bad[0])
        raise DataError(f"{name}: y of sample {i} holds {int(y[i, j])}; symbol ids start at 0 and -1 pads", path=path)
    gap = np.argwhere((y[:, 1:] != -1) & (y[:, :-1] == -1)) if y.shape[1] > 1 else np.zeros((0, 2), int)
    if len(gap):
        i = int(gap[0][0])
        raise DataError(f"{name}: the label of sample {i} has a symbol after the padding -1 ({y[i].tolist()}): "
                        "-1 may only follow the label", path=path)
    return y


def _trim(x: np.ndarray, lengths: np.ndarray | None) -> np.ndarray | list[np.ndarray]:
    """Each sample cut to its real length (the padding never reaches the network)."""
    if lengths is None:
        return x
    return [x[i, : int(n)] for i, n in enumerate(lengths)]


def _labels_as_names(y: np.ndarray, path: Path, class_names: list[str] | None) -> list[str]:
    if y.ndim != 1:
        raise DataError(
            f"{path.name}: for classification y must hold one class number per sample, but its shape is {y.shape}",
            path=path,
        )
    if y.dtype.kind == "f" and not np.all(y == np.round(y)):
        i = int(np.flatnonzero(y != np.round(y))[0])
        raise DataError(f"{path.name}: y of sample {i} is {y[i]}, not a class number", path=path)
    ints = y.astype(np.int64)
    if class_names is not None:
        bad = np.flatnonzero((ints < 0) | (ints >= len(class_names)))
        if len(bad):
            i = int(bad[0])
            raise DataError(
                f"{path.name}: y of sample {i} is {ints[i]}, but there are {len(class_names)} class names "
                f"(class numbers 0 to {len(class_names) - 1})",
                path=path,
            )
        return [class_names[int(v)] for v in ints]
    return [str(int(v)) for v in ints]


def _on_disk_images(x: np.ndarray, test_x: np.ndarray | None) -> bool:
    """Can these images stay in their file (memory-mapped, uncompressed), read batch by batch, and
    are they too big to hold as float32? uint8 pixels (divided by 255 as they are read) or float32
    already in [0, 1] (read as they are): the numbers the in-memory path would give."""
    parts = [x] + ([test_x] if test_x is not None else [])
    if not all(isinstance(p, np.memmap) for p in parts):
        return False
    if not streams(sum(int(np.prod(p.shape, dtype=np.int64)) * 4 for p in parts)):
        return False
    if x.dtype == np.uint8 and all(p.dtype == np.uint8 for p in parts):
        return True
    if not all(p.dtype == np.float32 for p in parts):
        return False
    lo, hi = float(np.min(x)), float(np.max(x))  # the training part, as _images_to_unit looks at it
    return lo >= 0.0 and hi <= 1.0


def _images_to_unit(parts: list[np.ndarray], kind: str) -> tuple[list[np.ndarray], str]:
    """Scale images to [0, 1]: integers by 255 (8-bit) or their maximum, floats by the train min/max."""
    train = parts[0]
    if train.dtype.kind in "biu":
        top = 255.0 if train.max(initial=0) <= 255 else float(train.max())
        return [p.astype(np.float32) / top for p in parts], f"pixel values divided by {top:g}"
    lo, hi = float(train.min()), float(train.max())
    if lo >= 0.0 and hi <= 1.0:
        return [p.astype(np.float32) for p in parts], "pixel values already in [0, 1]"
    span = hi - lo if hi > lo else 1.0
    return [
        ((p - lo) / span).astype(np.float32) for p in parts
    ], "pixel values scaled to [0, 1] with the training minimum and maximum"


def load_npz(
    *,
    name: str,
    train_path: Path,
    test_path: Path | None,
    options: Mapping[str, Any],
    seed: int,
    validation_split: float,
) -> Dataset:
    check_known(options, NPZ_OPTIONS, ".npz files")
    kind_opt = options.get("data_kind")
    if kind_opt is not None:
        kind_opt = get_choice(options, "data_kind", "vector", KINDS)
    task_opt = options.get("task")
    if task_opt is not None:
        task_opt = get_choice(options, "task", "classification", ("classification", "regression", "ctc"))
    normalize = get_bool(options, "normalize", True)
    names_opt = options.get("class_names")
    if names_opt is not None and not (isinstance(names_opt, list) and all(isinstance(n, str) for n in names_opt)):
        raise DataError(f"option 'class_names' must be a list of names, got {names_opt!r}")
    step_opt = options.get("per_step")
    if step_opt is not None:
        step_opt = get_bool(options, "per_step", False)

    train_arrays = read_npz(train_path, map_x=True)
    ctc = task_opt == "ctc"
    if ctc and step_opt:
        raise DataError(f"{train_path.name}: option 'per_step' does not go with 'task' 'ctc': a CTC label is not "
                        "aligned with the time steps", path=train_path)
    per_step = False if ctc else _is_per_step(train_arrays["X"], train_arrays["y"], kind_opt, step_opt)
    if ctc:  # the labels' own shape first: the general check would ask for one value per sample
        _ctc_labels(train_arrays["y"], train_path)
    x, y = _check_arrays(train_arrays, train_path, per_step)
    lengths = _lengths(train_arrays, x, train_path, kind_opt)
    test_x = test_y = test_lengths = None
    if test_path is not None:
        test_arrays = read_npz(test_path, map_x=True)
        if ctc:
            _ctc_labels(test_arrays["y"], test_path)
        test_x, test_y = _check_arrays(test_arrays, test_path, per_step)
        test_lengths = _lengths(test_arrays, test_x, test_path, kind_opt)
        if test_x.shape[1:] != x.shape[1:]:
            raise DataError(
                f"{test_path.name}: samples have shape {test_x.shape[1:]}, but those of {train_path.name} "
                f"have {x.shape[1:]}",
                path=test_path,
            )

    kind = kind_opt or _RANK_KIND.get(x.ndim)
    if kind is None or x.ndim != _KIND_RANK[kind]:
        expected = {k: f"{r} axes" for k, r in _KIND_RANK.items()}
        raise DataError(
            f"{train_path.name}: X has shape {x.shape} ({x.ndim} axes), which does not fit "
            + (
                f"'{kind}' data ({expected[kind]} including the sample axis)"
                if kind
                else "any kind of data (2 to 5 axes)"
            ),
            path=train_path,
        )
    if per_step and kind not in (*_TIME_KINDS, "image", "tokens"):
        raise DataError(f"{train_path.name}: a target at every time step needs sequence, image sequence, image or "
                        f"word-id data, but X is read as {kind_title(kind)}", path=train_path)
    if per_step and kind == "tokens" and task_opt not in (None, "classification"):
        raise DataError(f"{train_path.name}: word ids with a target at every step are read as a class at every "
                        f"step; option 'task' '{task_opt}' does not go with them", path=train_path)
    if kind == "tokens" and x.dtype.kind not in "iu":
        raise DataError(
            f"{train_path.name}: token data must be whole-number word ids, but X is {x.dtype}", path=train_path
        )

    streamed = kind == "image" and not per_step and not ctc and _on_disk_images(x, test_x)
    if not streamed:  # read into memory, as always (a memory-mapped X would stay tied to the file)
        x = np.array(x) if isinstance(x, np.memmap) else x
        test_x = np.array(test_x) if isinstance(test_x, np.memmap) else test_x

    task = task_opt or ("classification" if y.dtype.kind in "biu" else "regression")
    class_names = names_opt
    if class_names is None and "class_names" in train_arrays:
        stored = train_arrays["class_names"]
        if stored.dtype.kind not in "US" or stored.ndim != 1:
            raise DataError(f"{train_path.name}: 'class_names' must be an array of strings", path=train_path)
        class_names = [str(s) for s in stored]
    order = class_names
    if ctc:
        targets = _ctc_labels(y, train_path)
        test_targets = None if test_y is None else _ctc_labels(test_y, test_path)
        top = max(int(targets.max(initial=-1)), -1 if test_targets is None else int(test_targets.max(initial=-1)))
        if class_names is None:
            class_names = [str(i) for i in range(top + 1)]
        elif top >= len(class_names):
            raise DataError(f"{train_path.name}: y holds symbol {top}, but there are {len(class_names)} class names "
                            f"(the symbols, numbers 0 to {len(class_names) - 1}; the blank is not one of them)",
                            path=train_path)
        order = class_names
    elif per_step:
        targets = _step_targets(y, lengths, task, train_path)
        test_targets = None if test_y is None else _step_targets(test_y, test_lengths, task, test_path)
    elif task == "classification":
        targets: Any = _labels_as_names(y, train_path, class_names)
        test_targets: Any = None if test_y is None else _labels_as_names(test_y, test_path, class_names)
    else:
        targets = y.astype(np.float64)
        test_targets = None if test_y is None else test_y.astype(np.float64)

    note = ""
    if streamed:
        note = ("pixel values divided by 255" if x.dtype == np.uint8 else "pixel values already in [0, 1]") + \
            "; read from the file batch by batch (too many to hold in memory)"
        x = MappedRows(x)
        test_x = None if test_x is None else MappedRows(test_x)
    elif kind in ("image", "image_sequence"):
        parts, note = _images_to_unit([x] + ([test_x] if test_x is not None else []), kind)
        x = parts[0]
        test_x = parts[1] if test_x is not None else None
    elif kind == "tokens":
        pass
    else:
        x = x.astype(np.float32)
        test_x = None if test_x is None else test_x.astype(np.float32)

    if ctc:
        lens = (targets != -1).sum(1)
        summary = (f"label sequences of {int(lens.min())} to {int(lens.max())} symbols from {len(class_names)} "
                   "(CTC; score 0 of the network's C = symbols + 1 is the blank)")
    elif per_step:
        summary = ("a class" if task == "classification" else "targets") + " at every time step"
        if lengths is not None:
            summary += ", with each sample's own length"
    else:
        summary = count_phrase(targets) if task == "classification" else "regression"
    description = f"Arrays from {train_path.name}: {len(x):,} samples of shape {tuple(x.shape[1:])} ({kind_title(kind)}), {summary}."
    if note:
        description += f" Images: {note}."
    standardize_inputs = normalize and kind in ("vector", "sequence")
    if standardize_inputs:
        description += " Values are standardised per feature with training statistics."

    if kind == "tokens" and per_step:
        return _tokens_step_dataset(name, x, targets, test_x, test_targets, train_path, seed, validation_split,
                                    class_names, description)
    if kind == "tokens" and not ctc:
        return _tokens_dataset(
            name, x, targets, test_x, test_targets, train_path, test_path, seed, validation_split, order, description
        )
    return assemble(
        name=name,
        kind=kind,
        task=task,
        train=Pool(x=_trim(x, lengths), targets=targets, source=str(train_path)),
        test=None if test_x is None else Pool(x=_trim(test_x, test_lengths), targets=test_targets,
                                              source=str(test_path)),
        seed=seed,
        validation_split=validation_split,
        class_order=order,
        standardize_inputs=standardize_inputs,
        description=description,
        per_step=per_step,
    )


def _check_word_ids(x: np.ndarray, test_x: np.ndarray | None, train_path: Path) -> None:
    if x.min(initial=0) < 0 or (test_x is not None and test_x.min(initial=0) < 0):
        raise DataError(f"{train_path.name}: word ids must not be negative", path=train_path)


def _placeholder_vocab(x: np.ndarray, test_x: np.ndarray | None) -> list[str]:
    """Word ids stored directly: no words are known, so each id up to the largest gets a name."""
    top = int(max(x.max(initial=1), test_x.max(initial=1) if test_x is not None else 1))
    return ["<pad>", "<unk>", *(f"word{i}" for i in range(2, top + 1))]


def _tokens_step_dataset(name, x, targets, test_x, test_targets, train_path, seed, validation_split, class_names,
                         description) -> Dataset:
    """Word ids [N, T] with a class id at every step (-1: a step that does not count), as the
    text format reads a corpus: no vocabulary words are known, so ids get placeholder names."""
    _check_word_ids(x, test_x, train_path)
    low = min(int(targets.min(initial=-1)), -1 if test_targets is None else int(test_targets.min(initial=-1)))
    if low < -1:
        raise DataError(f"{train_path.name}: y holds class {low}; classes are numbers from 0 (-1 marks a step "
                        "that does not count)", path=train_path)
    top = max(int(targets.max(initial=0)), 0 if test_targets is None else int(test_targets.max(initial=0)))
    if class_names is None:
        class_names = [str(i) for i in range(top + 1)]
    elif top >= len(class_names):
        raise DataError(f"{train_path.name}: y holds class {top}, but there are {len(class_names)} class names",
                        path=train_path)
    tr, va, te = split_indices(len(x), None, test_fraction=0.0 if test_x is not None else TEST_FRACTION,
                               val_fraction=validation_split, seed=seed)
    xs = [x[tr], x[va], test_x if test_x is not None else x[te]]
    ys = [targets[tr], targets[va], test_targets if test_targets is not None else targets[te]]
    splits = [make_split(a.astype(np.int64), b, "tokens", "classification", per_step=True) for a, b in zip(xs, ys)]
    return Dataset(
        name=name,
        kind="tokens",
        task="classification",
        sample_shape=sample_shape_of(x, x.shape[1:]),
        train=splits[0],
        val=splits[1],
        test=splits[2],
        class_names=list(class_names),
        n_outputs=len(class_names),
        vocab=_placeholder_vocab(x, test_x),
        description=description,
        meta={"indices": {"train": tr.tolist(), "val": va.tolist(),
                          "test": te.tolist() if test_x is None else list(range(len(test_x)))}},
        per_step=True,
    )


def _tokens_dataset(
    name, x, targets, test_x, test_targets, train_path, test_path, seed, validation_split, order, description
) -> Dataset:
    """Word ids stored directly: no vocabulary words are known, so ids get placeholder names."""
    _check_word_ids(x, test_x, train_path)
    ids_all, ids_test, class_names = encode_classes(
        list(targets),
        None if test_targets is None else list(test_targets),
        train_source=str(train_path),
        test_source=None if test_path is None else str(test_path),
        order=order,
    )
    tr, va, te = split_indices(
        len(x),
        ids_all,
        test_fraction=0.0 if test_x is not None else TEST_FRACTION,
        val_fraction=validation_split,
        seed=seed,
    )
    vocab = _placeholder_vocab(x, test_x)
    xs = [x[tr], x[va], test_x if test_x is not None else x[te]]
    ys = [ids_all[tr], ids_all[va], ids_test if ids_test is not None else ids_all[te]]
    splits = [make_split(a, b, "tokens", "classification") for a, b in zip(xs, ys)]
    return Dataset(
        name=name,
        kind="tokens",
        task="classification",
        sample_shape=sample_shape_of(x, x.shape[1:]),
        train=splits[0],
        val=splits[1],
        test=splits[2],
        class_names=class_names,
        n_outputs=len(class_names),
        vocab=vocab,
        description=description,
        meta={
            "indices": {
                "train": tr.tolist(),
                "val": va.tolist(),
                "test": te.tolist() if test_x is None else list(range(len(test_x))),
            }
        },
    )
