"""The on-disk cache of an image folder: every picture decoded ONCE to uint8 pixels [N, C, H, W].

The cache is one ``.npy`` file (read back memory-mapped: pages come from disk as batches ask for
them) and a small JSON file naming the images and their classes. Its name is a hash of what the
pixels depend on: each image's path relative to the folder, its size in bytes and its modification
time, the target size and the colour mode. Touching, adding or removing an image gives a new name,
so a stale cache is never read (the old one is deleted when the new one is made).

Caches live in the user's cache folder (``platformdirs``), or in the folder named by the
environment variable ``CNNRNN_STUDIO_CACHE_DIR``; never in the person's data folder. Building one
reports progress (``progress(done, total)``) and stops when ``cancel()`` says so (or
``cancel.is_set()``, for a ``threading.Event``), leaving nothing behind.

Decoding a picture is mostly Python work in Pillow (a 32x32 PNG: about half a millisecond, little
of it with the GIL released), so threads barely overlap. A big folder is decoded by a pool of
processes instead, each writing its rows straight into the memory-mapped file. Processes start
from a fork server (never a plain fork of a process that may run Qt and training threads), or are
spawned where there is none; a frozen app (PyInstaller) and a one-core machine use threads.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import sys
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DataError

CACHE_ENV = "CNNRNN_STUDIO_CACHE_DIR"
CACHE_FORMAT = 1  # bump when the pixels a cache holds would change for the same images
PROGRESS_EVERY = 64  # images between two progress reports (and cancel checks): one decoding task
PROCESSES_FROM = 2048  # images: a smaller folder is decoded on threads before processes would start


def decode_workers() -> int:
    """Threads or processes that decode images while a cache is built: the cores, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def uses_processes(count: int) -> bool:
    """Is a folder of ``count`` images decoded by a pool of processes (else threads)? Processes
    pay off from PROCESSES_FROM images on, on more than one core, outside a frozen app (whose
    child processes re-enter the app: threads there, as for DataLoader workers)."""
    return count >= PROCESSES_FROM and decode_workers() > 1 and not getattr(sys, "frozen", False)


def _process_context() -> Any:
    import multiprocessing

    # A fork server starts once, with only this module imported (no torch, no Qt, no threads),
    # and forks the workers from itself: cheap to start and safe from a threaded app.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool] | Any  # a function, or an object with is_set() (threading.Event)


class LoadingCancelled(DataError):
    """The person cancelled decoding the images; nothing was kept."""


def cache_dir() -> Path:
    """Where image caches are kept: $CNNRNN_STUDIO_CACHE_DIR, else the user's cache folder."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("cnnrnn-studio", appauthor=False)) / "image-cache"


@dataclass
class FolderListing:
    """The images of one folder, in class order: relative paths, class names, sizes, mtimes."""

    root: Path
    files: list[str]
    labels: list[str]
    stats: list[tuple[int, int]]  # (bytes, mtime in ns) per file

    def __len__(self) -> int:
        return len(self.files)


def list_folder(root: Path) -> FolderListing:
    """Every image under ``root``'s class folders (the order gives the samples their numbers):
    the files ``image_folder.image_files`` names, read with one directory scan and one stat each."""
    from .image_folder import IMAGE_SUFFIXES, class_folders

    files: list[str] = []
    labels: list[str] = []
    stats: list[tuple[int, int]] = []
    for folder in class_folders(root):
        with os.scandir(folder) as entries:
            members = sorted(((e.name, e.stat()) for e in entries
                              if e.name.lower().endswith(IMAGE_SUFFIXES) and not e.name.startswith(".")
                              and e.is_file()), key=lambda m: m[0])
        if not members:
            raise DataError(f"the class folder {folder} is empty: it holds no PNG, JPEG or BMP images", path=folder)
        for name, st in members:
            files.append(f"{folder.name}/{name}")
            labels.append(folder.name)
            stats.append((int(st.st_size), int(st.st_mtime_ns)))
    return FolderListing(root=root, files=files, labels=labels, stats=stats)


def cache_key(listing: FolderListing, size: tuple[int, int], color: str) -> str:
    """A name that changes whenever the pixels would: file paths, sizes, mtimes, size and colour."""
    h = hashlib.sha256()
    h.update(json.dumps([CACHE_FORMAT, list(size), color], separators=(",", ":")).encode())
    for name, (nbytes, mtime) in zip(listing.files, listing.stats):
        h.update(f"\n{name}\t{nbytes}\t{mtime}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:32]


def channels_of(color: str) -> int:
    return 1 if color == "grayscale" else 3


def cache_bytes(count: int, size: tuple[int, int], color: str) -> int:
    """Bytes the pixels of ``count`` images take in the cache (one byte per value, plus a header)."""
    return count * channels_of(color) * size[0] * size[1] + 128


@dataclass
class CachedImages:
    """An image folder's cache, open: ``pixels`` uint8 [N, C, H, W] memory-mapped, read-only."""

    pixels: np.ndarray
    files: list[str]
    labels: list[str]
    resized: int
    path: Path
    built: bool  # made just now (False: found ready from an earlier load)
    decoded_on: str = ""  # what decoded it when built: "2 processes", "4 threads" ("" when found ready)
    filling: Any = None  # a cache_fill.CacheFill still decoding rows into ``pixels`` (None: complete)


def _cancelled(cancel: Cancel | None) -> bool:
    if cancel is None:
        return False
    is_set = getattr(cancel, "is_set", None)
    return bool(is_set() if callable(is_set) else cancel())


def _read_meta(path: Path) -> dict | None:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == CACHE_FORMAT else None


def find_cache(listing: FolderListing, size: tuple[int, int], color: str) -> Path | None:
    """The ready cache's pixel file for this folder, size and colour, or None."""
    key = cache_key(listing, size, color)
    base = cache_dir() / key
    pixels = base.with_suffix(".npy")
    if pixels.is_file() and _read_meta(base.with_suffix(".json")) is not None:
        return pixels
    return None


def open_cache(
    root: Path,
    size: tuple[int, int],
    color: str,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    listing: FolderListing | None = None,
    in_background: bool = False,
) -> CachedImages:
    """The folder's cache, built first if there is none for its current contents.

    ``in_background``: when it must be built, return at once with the pixel file still filling
    (``filling``, a cache_fill.CacheFill: rows are read as soon as they are decoded; ``resized`` is
    -1, unknown yet), where the system allows it (cache_fill.fills_in_background)."""
    listing = listing or list_folder(root)
    key = cache_key(listing, size, color)
    folder = cache_dir()
    base = folder / key
    pixels_path, meta_path = base.with_suffix(".npy"), base.with_suffix(".json")
    meta = _read_meta(meta_path) if pixels_path.is_file() else None
    built, decoded_on = False, ""
    stale = meta is None or meta.get("files") != listing.files
    if stale and len(listing):
        from . import cache_fill

        running = cache_fill.running(folder, key)  # this process is filling it already: share that
        if running is not None and in_background:
            return CachedImages(pixels=running.pixels, files=list(listing.files), labels=list(listing.labels),
                                resized=-1, path=pixels_path, built=True, filling=running)
        if running is not None:
            running.wait_all()
            return open_cache(root, size, color, progress=progress, cancel=cancel, listing=listing)
        if in_background and cache_fill.fills_in_background():
            fill = cache_fill.CacheFill(listing, size, color, folder, key, _start_file(listing, size, color, folder, key))
            return CachedImages(pixels=fill.pixels, files=list(listing.files), labels=list(listing.labels),
                                resized=-1, path=pixels_path, built=True, filling=fill)
    if stale:
        meta, decoded_on = _build(listing, size, color, folder, key, progress, cancel)
        built = True
    elif progress is not None:
        progress(len(listing), len(listing))
    try:
        pixels = np.load(pixels_path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"the image cache {pixels_path} cannot be read ({exc}); delete it and load again",
                        path=pixels_path) from exc
    return CachedImages(pixels=pixels, files=list(meta["files"]), labels=list(meta["labels"]),
                        resized=int(meta["resized"]), path=pixels_path, built=built, decoded_on=decoded_on)


_FORMATS = {".png": ("PNG",), ".jpg": ("JPEG",), ".jpeg": ("JPEG",), ".bmp": ("BMP",)}


def decode_row(path: Path, size: tuple[int, int], color: str) -> tuple[np.ndarray, bool]:
    """``image_folder.decode_image``, the same bytes, with less work for the usual picture (8-bit
    grey or RGB): the file is read once, and it is not copied by an EXIF turn it does not have, nor
    converted to the mode it is in. Any other picture (and any error) goes through decode_image."""
    from PIL import Image, ImageOps

    from .image_folder import decode_image

    target = "L" if color == "grayscale" else "RGB"
    try:
        # the format its name says is tried alone (Pillow then skips asking every other format);
        # a file named wrongly fails here and goes through decode_image, which reads any format
        with Image.open(io.BytesIO(path.read_bytes()), formats=_FORMATS.get(path.suffix.lower())) as im:
            if im.mode not in ("L", "RGB"):
                return decode_image(path, size, color)
            ImageOps.exif_transpose(im, in_place=True)
            height, width = size
            resized = im.size != (width, height)
            if im.mode != target:
                im = im.convert(target)
            if resized:
                im = im.resize((width, height), Image.Resampling.BILINEAR)
            pixels = np.asarray(im)
    except (OSError, ValueError, Image.DecompressionBombError):
        return decode_image(path, size, color)  # says what is wrong with the file, in its words
    return (pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)), resized


def _decode_rows(pixels_path: str, root: str, files: list[str], rows: list[int], size: tuple[int, int],
                 color: str) -> int:
    """Decode ``files`` into ``rows`` of the cache being built; how many were resized.
    Runs on a decoding thread or in a decoding process (it uses no torch: safe in either)."""
    out = np.load(pixels_path, mmap_mode="r+", allow_pickle=False)
    resized = 0
    try:
        for row, name in zip(rows, files):
            out[row], was_resized = decode_row(Path(root) / name, size, color)
            resized += was_resized
    finally:
        del out  # unmapped before the file is renamed (Windows cannot rename a mapped file)
    return resized


def _decode_all(pool: Executor, tmp: Path, listing: FolderListing, size: tuple[int, int], color: str,
                first: int, resized: int, window: int, progress: Progress | None,
                cancel: Cancel | None) -> tuple[int, int]:
    """Decode rows ``first``... in tasks of PROGRESS_EVERY images, ``window`` tasks in flight,
    reporting progress and asking ``cancel`` between tasks in row order. Returns (rows done,
    resized); a broken process pool raises BrokenProcessPool with the rows done so far in
    ``args[1]`` (the caller decodes the rest on threads)."""
    n = len(listing)
    pending: deque = deque()
    done, next_start = first, first
    while done < n:
        if _cancelled(cancel):
            for task, _ in pending:
                task.cancel()
            raise LoadingCancelled(f"loading the image folder {listing.root} was cancelled after "
                                   f"{done:,} of {n:,} images; nothing was kept", path=listing.root)
        if progress is not None:
            progress(done, n)
        while next_start < n and len(pending) < window:
            stop = min(next_start + PROGRESS_EVERY, n)
            try:
                task = pool.submit(_decode_rows, str(tmp), str(listing.root), listing.files[next_start:stop],
                                   list(range(next_start, stop)), size, color)
            except (BrokenProcessPool, OSError) as exc:  # a process could not start
                raise BrokenProcessPool(str(exc), (done, resized)) from exc
            pending.append((task, stop))
            next_start = stop
        task, stop = pending.popleft()
        try:
            resized += task.result()
        except BrokenProcessPool as exc:
            for other, _ in pending:
                other.cancel()
            raise BrokenProcessPool(str(exc), (done, resized)) from exc
        done = stop
    return done, resized


def _start_file(listing: FolderListing, size: tuple[int, int], color: str, folder: Path, key: str) -> Path:
    """The new cache's pixel file, made empty under a name of its own (checked for disk space first)."""
    n = len(listing)
    need = cache_bytes(n, size, color)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        raise DataError(f"the image cache folder {folder} cannot be made ({exc}); set {CACHE_ENV} to a folder "
                        "you can write to", path=folder) from exc
    if need > free:
        from ..graph.memory import format_bytes

        raise DataError(
            f"decoding the {n:,} images of {listing.root} needs {format_bytes(need)} of disk space in the cache "
            f"folder {folder}, but only {format_bytes(free)} is free; free some space, or set {CACHE_ENV} to a "
            "folder on a bigger disk", path=folder)
    _forget_abandoned(folder)
    # pid (for _forget_abandoned) and a token: two builds of one folder in one process never share a file
    tmp = folder / f"{key}.{os.getpid()}.{secrets.token_hex(4)}.partial.npy"
    try:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(n, channels_of(color), *size))
        del out  # the decoders open the file themselves, by rows
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _finish_file(tmp: Path, listing: FolderListing, size: tuple[int, int], color: str, folder: Path, key: str,
                 resized: int) -> dict:
    """Give the decoded pixel file its ready name and write the metadata that makes it found; the
    metadata."""
    os.replace(tmp, folder / f"{key}.npy")
    meta = {"format": CACHE_FORMAT, "root": str(listing.root.resolve()), "size": list(size), "color": color,
            "files": listing.files, "labels": listing.labels, "resized": resized}
    meta_tmp = tmp.with_suffix(".json")
    meta_tmp.write_text(json.dumps(meta), encoding="utf-8")
    os.replace(meta_tmp, folder / f"{key}.json")
    _forget_older(folder, key, meta)
    return meta


def _process_pool(workers: int, initializer: Callable[[], None] | None = None) -> ProcessPoolExecutor | None:
    """A pool of decoding processes, or None where processes cannot start here."""
    try:
        extra = {"initializer": initializer} if initializer is not None else {}
        return ProcessPoolExecutor(max_workers=workers, mp_context=_process_context(), **extra)
    except (OSError, ValueError, NotImplementedError):  # no process pools here (no semaphores, say)
        return None


def _build(listing: FolderListing, size: tuple[int, int], color: str, folder: Path, key: str,
           progress: Progress | None, cancel: Cancel | None) -> tuple[dict, str]:
    """Decode the folder into a new cache; its metadata, and what decoded it."""
    n = len(listing)
    tmp = _start_file(listing, size, color, folder, key)
    workers = decode_workers()
    try:
        done, resized = 0, 0
        decoded_on = f"{workers} threads"
        processes = _process_pool(workers) if uses_processes(n) else None
        if processes is not None:
            try:
                with processes:
                    done, resized = _decode_all(processes, tmp, listing, size, color, 0, 0, 2 * workers, progress,
                                                cancel)
                decoded_on = f"{workers} processes"
            except BrokenProcessPool as exc:  # processes cannot run here: threads do the rest
                if len(exc.args) > 1:
                    done, resized = exc.args[1]
        if done < n:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                done, resized = _decode_all(pool, tmp, listing, size, color, done, resized, 2 * workers, progress,
                                            cancel)
        meta = _finish_file(tmp, listing, size, color, folder, key, resized)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(n, n)
    return meta, decoded_on


def _forget_abandoned(folder: Path) -> None:
    """Delete the half-made files of builds whose process has ended (killed, or its app quit while a
    cache was still filling in the background)."""
    for part in folder.glob("*.partial.*"):
        try:
            pid = int(part.name.split(".")[1])
        except (IndexError, ValueError):
            continue
        if pid == os.getpid() or _process_alive(pid):
            continue
        try:
            part.unlink(missing_ok=True)
        except OSError:
            pass


def _process_alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # cannot tell cheaply: keep it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _forget_older(folder: Path, key: str, meta: dict) -> None:
    """Delete the caches of the same folder, size and colour made for its earlier contents."""
    for other in folder.glob("*.json"):
        if other.stem == key or ".partial" in other.name:
            continue
        old = _read_meta(other)
        if old is None or [old.get(k) for k in ("root", "size", "color")] != [meta[k] for k in ("root", "size", "color")]:
            continue
        try:
            other.with_suffix(".npy").unlink(missing_ok=True)
            other.unlink(missing_ok=True)
        except OSError:  # in use elsewhere (Windows): it is only disk space, try again next time
            pass


@dataclass
class FolderEstimate:
    """What loading an image folder will take, known before any image is decoded."""

    files: int
    classes: int
    cache_bytes: int        # the decoded pixels on disk
    cached: bool            # a cache for the folder's current contents is ready
    float_bytes: int        # the whole set as float32 numbers (what holding it in memory takes)
    training_bytes: int     # the memory the samples take while training
    streamed: bool          # batches are read from the cache on disk (float_bytes is never needed)


def estimate_image_folder(root: Path, size: tuple[int, int], color: str, batch_size: int = 32) -> FolderEstimate:
    """How many files, the cache size on disk and the memory training will need; reads only the
    folder listing (no image is opened)."""
    from .image_folder import streams
    from .streaming import PREFETCH_DEPTH

    listing = list_folder(root)
    n = len(listing)
    per_image = channels_of(color) * size[0] * size[1]
    float_bytes = n * per_image * 4
    streamed = streams(n, channels_of(color), size)
    # Streamed: the batches in flight (the one training, those prefetched, one being converted),
    # and the labels; in memory: the whole set as float32.
    batches = (PREFETCH_DEPTH + 2) * batch_size * per_image * 4
    training = (batches if streamed else float_bytes) + n * 8
    return FolderEstimate(files=n, classes=len(set(listing.labels)), cache_bytes=cache_bytes(n, size, color),
                          cached=find_cache(listing, size, color) is not None, float_bytes=float_bytes,
                          training_bytes=training, streamed=streamed)


def estimate_dataset(spec: Any, base_dir: str | os.PathLike[str] | None = None,
                     batch_size: int = 32) -> FolderEstimate | None:
    """``estimate_image_folder`` for a project's dataset section when it is an image folder (its
    training and test folders together); None for any other data or a section that cannot be
    read yet (loading it will say why)."""
    from .files import resolve
    from .image_folder import IMAGE_OPTIONS
    from .loader import guess_format
    from .options import get_choice, get_size

    if not isinstance(spec, dict) or spec.get("kind") != "file" or "train" not in spec:
        return None
    try:
        train = resolve(spec["train"], base_dir, "image folder")
        if (spec.get("format") or guess_format(train)) != "image_folder" or not train.is_dir():
            return None
        options = {k: v for k, v in spec.items() if k in IMAGE_OPTIONS}
        size = get_size(options, "size", (32, 32))
        color = get_choice(options, "color", "grayscale", ("grayscale", "rgb"))
        parts = [estimate_image_folder(train, size, color, batch_size)]
        if spec.get("test") is not None:
            test = resolve(spec["test"], base_dir, "test image folder")
            parts.append(estimate_image_folder(test, size, color, batch_size))
    except (DataError, OSError):
        return None
    if len(parts) == 1:
        return parts[0]
    a, b = parts
    return FolderEstimate(files=a.files + b.files, classes=a.classes, cache_bytes=a.cache_bytes + b.cache_bytes,
                          cached=a.cached and b.cached, float_bytes=a.float_bytes + b.float_bytes,
                          training_bytes=a.training_bytes + b.training_bytes, streamed=a.streamed or b.streamed)


def describe_estimate(est: FolderEstimate) -> str:
    """The estimate in one plain sentence (for the Data tab and the CLI)."""
    from ..graph.memory import format_bytes

    cache = (f"their decoded pixels take {format_bytes(est.cache_bytes)} on disk "
             + ("(already decoded)" if est.cached else "(decoded once, on the first load)"))
    if est.streamed:
        memory = (f"training needs about {format_bytes(est.training_bytes)} of memory for them: batches are read "
                  f"from that cache as they are needed (all at once as numbers they would take "
                  f"{format_bytes(est.float_bytes)})")
    else:
        memory = f"training holds them in memory: about {format_bytes(est.training_bytes)}"
    return f"{est.files:,} image files in {est.classes} classes; {cache}; {memory}."
