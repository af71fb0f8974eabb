"""Reader for an image folder: one sub-folder per class holding PNG, JPEG or BMP files.

    animals/            <- the folder you pick
      cat/  a.png b.jpg
      dog/  c.bmp ...

Every image is converted to grayscale or RGB and resized to one size (mixed sizes are normal,
not an error), then scaled to [0, 1] in the [C, H, W] layout.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..graph.memory import available_memory, format_bytes
from .assemble import Pool, assemble, count_phrase
from .image_cache import Cancel, Progress, channels_of, list_folder, open_cache
from . import streaming
from .streaming import MappedRows
from .dataset import Dataset
from .errors import DataError
from .files import require_folder
from .options import check_known, get_choice, get_size

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
IMAGE_OPTIONS: dict[str, Any] = {"size": [32, 32], "color": "grayscale"}


def streams(count: int, channels: int, size: tuple[int, int]) -> bool:
    """Will these images be read from the cache batch by batch (too big to hold as float32)?"""
    return streaming.streams(count * channels * size[0] * size[1] * 4)


def check_images_fit(count: int, channels: int, size: tuple[int, int], what: str) -> None:
    """Refuse an image size whose pixels cannot fit in the free memory, before any is made.

    The images are held as float32, and once more while the training/validation/test split is
    made, so twice their size must be free."""
    need = 2 * count * channels * size[0] * size[1] * 4
    free = available_memory()
    if need > free:
        raise DataError(
            f"option 'size' {list(size)} makes {count:,} {what} of {channels}x{size[0]}x{size[1]} pixels, which "
            f"needs about {format_bytes(need)} of memory; only {format_bytes(free)} is free. Choose a smaller size.")


def class_folders(root: Path) -> list[Path]:
    """Visible sub-folders, sorted by name (that order gives the class numbers)."""
    folders = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    if not folders:
        loose = [p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
        hint = f" ({len(loose)} images lie directly in it)" if loose else ""
        raise DataError(
            f"the folder {root} has no class sub-folders{hint}; put the images of each class in a "
            f"sub-folder named after the class, e.g. {root.name}/cat and {root.name}/dog",
            path=root,
        )
    return folders


def image_files(folder: Path) -> list[Path]:
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
        ),
        key=lambda p: p.name,
    )


# Single-channel modes with more than 8 bits: 16-bit PNGs open as "I;16" (or "I" in some
# Pillow versions). convert("L") would clip them at 255, so they are scaled from 0..65535.
_HIGH_DEPTH = {"I;16": 65535.0, "I;16L": 65535.0, "I;16B": 65535.0, "I;16N": 65535.0, "I": 65535.0}


def _high_depth_pixels(im: Image.Image, new_size: tuple[int, int] | None, color: str) -> np.ndarray:
    """A 16-bit grayscale image as float32 [H, W] (or [H, W, 3] for colour) in [0, 1]."""
    gray = np.asarray(im, dtype=np.float32) / _HIGH_DEPTH[im.mode]
    gray = np.clip(gray, 0.0, 1.0)
    if new_size is not None:
        gray = np.asarray(Image.fromarray(gray, mode="F").resize(new_size, Image.Resampling.BILINEAR),
                          dtype=np.float32)
        gray = np.clip(gray, 0.0, 1.0)
    return gray if color == "grayscale" else np.repeat(gray[:, :, None], 3, axis=2)


def _pixels(path: Path, size: tuple[int, int], color: str) -> tuple[np.ndarray, bool]:
    """One image as [H, W] or [H, W, 3]: uint8, or float32 in [0, 1] for a 16-bit grayscale one;
    also whether it had to be resized."""
    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)  # phone photos store their rotation in EXIF
            im.load()
            if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
                # Transparent parts become white rather than whatever colour hides beneath them.
                rgba = im.convert("RGBA")
                background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                im = Image.alpha_composite(background, rgba)
            height, width = size
            resized = im.size != (width, height)
            if im.mode in _HIGH_DEPTH:
                return _high_depth_pixels(im, (width, height) if resized else None, color), resized
            im = im.convert("L" if color == "grayscale" else "RGB")
            if resized:
                im = im.resize((width, height), Image.Resampling.BILINEAR)
            return np.asarray(im, dtype=np.uint8), resized
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(
            f"cannot read the image {path}: it is not a valid PNG, JPEG or BMP file ({exc})", path=path
        ) from exc


def _channels_first(pixels: np.ndarray) -> np.ndarray:
    pixels = pixels[None, :, :] if pixels.ndim == 2 else np.transpose(pixels, (2, 0, 1))
    return np.ascontiguousarray(pixels)


def decode_image(path: Path, size: tuple[int, int], color: str) -> tuple[np.ndarray, bool]:
    """One image as uint8 [C, H, W] (what the cache keeps); also whether it had to be resized.
    8-bit pictures keep their exact values; 16-bit ones are rounded to the nearest of 256 levels."""
    pixels, resized = _pixels(path, size, color)
    if pixels.dtype != np.uint8:
        pixels = np.rint(pixels * 255.0).astype(np.uint8)
    return _channels_first(pixels), resized


def load_image(path: Path, size: tuple[int, int], color: str) -> tuple[np.ndarray, bool]:
    """One image as float32 [C, H, W] in [0, 1]; also whether it had to be resized."""
    pixels, resized = _pixels(path, size, color)
    if pixels.dtype == np.uint8:
        pixels = pixels.astype(np.float32) / np.float32(255.0)
    return _channels_first(pixels), resized


def read_image_folder(root: Path, size: tuple[int, int], color: str, role: str, *,
                      progress: Progress | None = None, cancel: Cancel | None = None,
                      decode_alongside: bool = False) -> tuple[Pool, int]:
    """All images under ``root`` as one Pool (labels = folder names) and how many were resized
    (-1: not known yet, see below).

    The pixels come from the folder's cache (decoded once, see image_cache). A set whose float32
    numbers would take more than ``streaming.STREAM_ABOVE`` bytes stays on disk (``MappedRows``: batches are
    read as training asks for them); a smaller one is held in memory, which trains fastest.
    ``decode_alongside``: a set whose cache is not made yet is returned at once, decoded in the
    background while it is read, and read from disk this time whatever its size (cache_fill: a
    training's first epoch need not wait for the decoding; later loads find the cache ready)."""
    require_folder(root, role)
    listing = list_folder(root)
    streamed = streams(len(listing), channels_of(color), size)
    cache = open_cache(root, size, color, progress=progress, cancel=cancel, listing=listing,
                       in_background=decode_alongside)
    x: np.ndarray | MappedRows = MappedRows(cache.pixels, fill=cache.filling)
    if not streamed and cache.filling is None:
        x = cache.pixels.astype(np.float32)
        x /= np.float32(255.0)  # in place: one float copy of the set, not two
    return Pool(x=x, targets=cache.labels, source=str(root), extra={"files": cache.files}), cache.resized


def load_image_folder(
    *,
    name: str,
    train_path: Path,
    test_path: Path | None,
    options: Mapping[str, Any],
    seed: int,
    validation_split: float,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    decode_alongside: bool = False,
) -> Dataset:
    """``progress(done, total)`` hears how far decoding the images has come (only when they are
    not cached yet); ``cancel()`` returning True (or ``cancel.is_set()``) stops it (LoadingCancelled).
    ``decode_alongside`` (training): a set too big for memory whose cache is not made yet is decoded
    in the background while training reads it (see read_image_folder); progress is not reported then."""
    check_known(options, IMAGE_OPTIONS, "image folders")
    size = get_size(options, "size", (32, 32))
    color = get_choice(options, "color", "grayscale", ("grayscale", "rgb"))
    reading = {"progress": progress, "cancel": cancel, "decode_alongside": decode_alongside}
    train, resized = read_image_folder(train_path, size, color, "image folder", **reading)
    test = None
    if test_path is not None:
        test, resized_test = read_image_folder(test_path, size, color, "test image folder", **reading)
        resized = -1 if -1 in (resized, resized_test) else resized + resized_test
    channels = 1 if color == "grayscale" else 3
    streamed = isinstance(train.x, MappedRows)
    too_many = streams(len(train) + (len(test) if test is not None else 0), channels, size)
    description = (
        f"Images from the folder {train_path.name}: {len(train):,} pictures, {count_phrase(train.targets)}, "
        f"{'grayscale' if channels == 1 else 'colour'} {size[0]}x{size[1]} pixels"
        + (f" ({resized:,} resized to fit)" if resized > 0 else "")
        + "."
        + (" Too many to hold in memory: training reads them batch by batch from their cache on disk"
           if too_many and streamed else " Training reads them batch by batch from their cache on disk"
           if streamed else "")
        + (", decoding them into it while the first epoch trains." if resized < 0 else "." if streamed else "")
    )
    meta = {
        "streamed": streamed,
        "files": {"train_folder": train.extra["files"], **({"test_folder": test.extra["files"]} if test else {})},
        "resized": None if resized < 0 else resized,
    }
    return assemble(
        name=name,
        kind="image",
        task="classification",
        train=train,
        test=test,
        seed=seed,
        validation_split=validation_split,
        description=description,
        meta=meta,
    )
