"""Finding and opening the user's files, with plain errors for missing or unreadable ones.

The data layer only ever reads: input files are never modified.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from ..files import special_file_kind
from .errors import DataError


def resolve(path: str | os.PathLike[str], base_dir: str | os.PathLike[str] | None, role: str) -> Path:
    """An absolute path; relative ones are relative to the project file's folder (``base_dir``)."""
    if not isinstance(path, (str, os.PathLike)) or str(path).strip() == "":
        raise DataError(f"the {role} must be a file or folder path, got {path!r}")
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = Path(base_dir if base_dir is not None else Path.cwd()).expanduser() / p
    return p.absolute()  # messages then show the full path the user can look for


def require_regular(path: Path, role: str) -> Path:
    """Refuse devices, FIFOs and sockets (they read without end or block): only regular files are data."""
    kind = special_file_kind(path)
    if kind is not None:
        raise DataError(f"the {role} is {kind}, not a regular file, so it is not read: {path}", path=path)
    return path


def require_file(path: Path, role: str) -> Path:
    if not path.exists():
        raise DataError(f"the {role} was not found: {path}", path=path)
    if path.is_dir():
        raise DataError(f"the {role} is a folder, but a file is needed here: {path}", path=path)
    require_regular(path, role)
    if not os.access(path, os.R_OK):
        raise DataError(f"the {role} cannot be read (no permission): {path}", path=path)
    return path


def outside_folder(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """Does `path` lead out of `folder`, by '..', an absolute path elsewhere or a symbolic link?
    Both are resolved (links followed) before they are compared."""
    try:
        real = Path(path).expanduser().resolve()
        base = Path(folder).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return True
    return real != base and base not in real.parents


def data_paths(spec: object, base_dir: str | os.PathLike[str] | None) -> list[tuple[str, Path]]:
    """The files or folders a dataset spec reads, resolved like load_dataset does: [(role, path)]."""
    if not isinstance(spec, dict) or spec.get("kind") != "file":
        return []
    out = []
    for key, role in (("train", "training file"), ("test", "test file")):
        value = spec.get(key)
        if isinstance(value, (str, os.PathLike)) and str(value).strip():
            out.append((role, resolve(value, base_dir, role)))
    return out


def require_folder(path: Path, role: str) -> Path:
    if not path.exists():
        raise DataError(f"the {role} was not found: {path}", path=path)
    if not path.is_dir():
        raise DataError(
            f"the {role} must be a folder with one sub-folder per class, but it is a file: {path}", path=path
        )
    if not os.access(path, os.R_OK | os.X_OK):
        raise DataError(f"the {role} cannot be read (no permission): {path}", path=path)
    return path


def read_text(path: Path) -> str:
    """The whole file as text (UTF-8, a BOM is dropped; '.gz' files are decompressed)."""
    require_regular(path, "file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}", path=path) from exc
    if path.suffix.lower() == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"{path.name}: the file ends in .gz but is not valid gzip data", path=path) from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Count the line so the user can find the odd byte.
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{path.name} line {line}: the file is not UTF-8 text (save it as UTF-8 / CSV UTF-8)",
            path=path,
            line=line,
        ) from exc

