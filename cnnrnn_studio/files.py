"""Writing files so that a failure never leaves half a file: temp file in the target folder + os.replace.

The one atomic-write helper of the studio: projects, run folders, weights and exports all write
through `atomic_write_bytes` / `atomic_write_text`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator

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


# --- never replace what the studio did not write --------------------------------------------------
def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Do two paths name the same file (links and '..' seen through)?"""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        try:
            return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
        except (OSError, RuntimeError, ValueError):
            return False


def refuse_replacing(target: str | os.PathLike, error: type[StudioError], *,
                     inputs: Iterable[str | os.PathLike | None] = (), own: Callable[[Path], bool] | None = None,
                     force: bool = False) -> Path:
    """Raise `error` unless writing `target` is safe: it is never one of the command's own
    `inputs` (not even with force), and an existing file is replaced only when `own(target)` says
    the studio wrote it, or when the person said so (`force`)."""
    path = Path(target).expanduser()
    for source in inputs:
        if source is not None and os.path.lexists(path) and same_file(path, source):
            raise error("this is the command's own input; it is never replaced. Choose another name.",
                        where=str(path))
    if not os.path.lexists(path):
        return path
    kind = special_file_kind(path)
    if kind is not None:  # a device or pipe is never "replaced", not even with force
        raise error(f"this is {kind}, not a file; choose a file name.", where=str(path))
    if force:
        return path
    if own is not None and path.is_file():
        try:
            if own(path):
                return path
        except Exception:  # noqa: BLE001 - a file we cannot even read as ours is not ours
            pass
    raise error("exists already and was not written by CNN-RNN Studio; choose another name, or add --force "
                "to replace it.", where=str(path))


def starts_with(path: Path, marker: bytes, within: int = 4096) -> bool:
    """Does the file's beginning hold `marker` (how the studio recognises its own text files)?"""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        return False
    with open(path, "rb") as f:
        return marker in f.read(within)


def special_file_kind(path: str | os.PathLike[str]) -> str | None:
    """'a device', 'a FIFO (named pipe)', 'a socket' ... for what is not a regular file or a
    folder; None for those (and for a path that does not exist). os.stat only: never opens it,
    so a FIFO cannot block."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"
