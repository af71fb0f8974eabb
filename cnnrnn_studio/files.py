"""Writing files so that a failure never leaves half a file: temp file in the target folder + os.replace.

The one atomic-write helper of the studio: projects, run folders, weights and exports all write
through `atomic_write_bytes` / `atomic_write_text`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import StudioError


_MODE: int | None = None


def file_mode() -> int:
    """The mode a normal new file gets (mkstemp makes private 0600 files; exports are for sharing)."""
    global _MODE
    if _MODE is None:
        mask = os.umask(0o022)
        os.umask(mask)
        _MODE = 0o666 & ~mask
    return _MODE


def check_target(path: str | os.PathLike, error: type[StudioError], what: str = "file") -> Path:
    """The target as a Path, or a clear error if it cannot be written there (before any work is done)."""
    target = Path(path).expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise error(f"this is a folder; give a {what} name inside it, such as {target / ('model' + (target.suffix or '.onnx'))}.",
                    where=str(target))
    if not folder.exists():
        raise error(f"the folder {folder} does not exist. Create it first or choose another place.", where=str(target))
    if not folder.is_dir():
        raise error(f"{folder} is a file, not a folder.", where=str(target))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise error(f"cannot write in the folder {folder} (permission denied). Choose another place.", where=str(target))
    return target


@contextlib.contextmanager
def temp_beside(target: Path, error: type[StudioError], suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary file name in the target's folder; removed again if the block fails or never renames it."""
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=folder)
    except OSError as e:
        raise error(f"cannot write in the folder {folder} ({e.strerror}). Choose another place.",
                    where=str(target)) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        os.chmod(tmp_path, file_mode())
    except OSError:
        pass
    try:
        yield tmp_path
    finally:
        with contextlib.suppress(OSError):
            tmp_path.unlink()


def replace(tmp: Path, target: Path, error: type[StudioError]) -> None:
    try:
        os.replace(tmp, target)
    except OSError as e:
        raise error(f"could not be written ({e.strerror}); nothing was changed there.", where=str(target)) from None


def atomic_write_bytes(path: str | os.PathLike, data: bytes, error: type[StudioError]) -> Path:
    target = check_target(path, error)
    with temp_beside(target, error) as tmp:
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except OSError as e:
            raise error(f"could not be written ({e.strerror}); nothing was changed there.", where=str(target)) from None
        replace(tmp, target, error)
    return target


def atomic_write_text(path: str | os.PathLike, text: str, error: type[StudioError] = StudioError) -> Path:
    """`atomic_write_bytes` for UTF-8 text: if anything fails the previous file is untouched."""
    return atomic_write_bytes(path, text.encode("utf-8"), error)
