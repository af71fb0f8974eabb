"""The image folder cache: decoded once to uint8 on disk, reused, rebuilt when the folder changes,
with progress and cancel; streamed reading gives the tensors the in-memory path gives."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest
import torch
from PIL import Image

import cnnrnn_studio.data.image_folder as image_folder
import cnnrnn_studio.data.streaming as streaming
from cnnrnn_studio.data import DataError, iter_batches, load_dataset
from cnnrnn_studio.data.image_cache import (CACHE_ENV, LoadingCancelled, cache_dir, estimate_image_folder,
                                            open_cache)
from cnnrnn_studio.data.streaming import MappedRows, prefetch_batches

from .conftest import BreaksAfterTwoTasks, snapshot


def make_folder(root, per_class=5, size=(9, 7), mode="L"):
    """Three classes of noisy pictures (different sizes in 'b', so some are resized)."""
    rng = np.random.default_rng(1)
    for c, name in enumerate(("a", "b", "c")):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            h, w = (size[0] + i, size[1]) if name == "b" else size
            shape = (h, w) if mode == "L" else (h, w, 3)
            pixels = np.clip(rng.normal(60 + 60 * c, 30, shape), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


@pytest.fixture
def cache(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def spec(root, **options):
    return {"kind": "file", "format": "image_folder", "train": str(root), "size": [8, 8], **options}


def cache_files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_the_cache_lives_where_the_environment_says_and_never_in_the_data_folder(tmp_path, cache):
    root = make_folder(tmp_path / "pics")
    before = snapshot(root)
    open_cache(root, (8, 8), "grayscale")
    assert cache_dir() == cache
    assert [n.rsplit(".", 1)[1] for n in cache_files(cache)] == ["json", "npy"]
    assert snapshot(root) == before


def test_built_once_then_reused(tmp_path, cache):
    root = make_folder(tmp_path / "pics")
    first = open_cache(root, (8, 8), "grayscale")
    assert first.built and first.pixels.dtype == np.uint8 and first.pixels.shape == (15, 1, 8, 8)
    assert isinstance(first.pixels, np.memmap)
    again = open_cache(root, (8, 8), "grayscale")
    assert not again.built and again.path == first.path
    assert np.array_equal(np.asarray(again.pixels), np.asarray(first.pixels))
    other_size = open_cache(root, (6, 6), "grayscale")
    other_colour = open_cache(root, (8, 8), "rgb")
    assert other_size.built and other_colour.built and other_colour.pixels.shape == (15, 3, 8, 8)
    assert len({first.path, other_size.path, other_colour.path}) == 3


def test_touching_a_file_rebuilds_and_drops_the_stale_cache(tmp_path, cache):
    root = make_folder(tmp_path / "pics")
    first = open_cache(root, (8, 8), "grayscale")
    target = root / "a" / "0.png"
    Image.fromarray(np.full((9, 7), 255, np.uint8)).save(target)
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    second = open_cache(root, (8, 8), "grayscale")
    assert second.built and second.path != first.path
    assert not first.path.exists()  # the old contents' cache is gone, not left to pile up
    assert int(np.asarray(second.pixels[second.files.index("a/0.png")]).min()) == 255


def test_adding_a_file_rebuilds(tmp_path, cache):
    root = make_folder(tmp_path / "pics")
    first = open_cache(root, (8, 8), "grayscale")
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(root / "c" / "new.png")
    second = open_cache(root, (8, 8), "grayscale")
    assert second.built and len(second.files) == len(first.files) + 1 and "c/new.png" in second.files
    assert second.labels[second.files.index("c/new.png")] == "c"


def test_progress_reports_every_image_count_up_to_the_total(tmp_path, cache, monkeypatch):
    import cnnrnn_studio.data.image_cache as image_cache

    monkeypatch.setattr(image_cache, "PROGRESS_EVERY", 4)
    root = make_folder(tmp_path / "pics")
    seen = []
    open_cache(root, (8, 8), "grayscale", progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 15) and seen[-1] == (15, 15)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) >= 4
    reused = []
    open_cache(root, (8, 8), "grayscale", progress=lambda done, total: reused.append((done, total)))
    assert reused == [(15, 15)]


def test_cancel_stops_decoding_and_leaves_nothing(tmp_path, cache, monkeypatch):
    import cnnrnn_studio.data.image_cache as image_cache

    monkeypatch.setattr(image_cache, "PROGRESS_EVERY", 4)
    root = make_folder(tmp_path / "pics")
    asked = []

    def cancel():
        asked.append(1)
        return len(asked) > 2  # after 8 of 15 images

    with pytest.raises(LoadingCancelled, match=r"pics was cancelled after 8 of 15 images; nothing was kept"):
        load_dataset(spec(root), cancel=cancel)
    assert cache_files(cache) == []
    stop = threading.Event()
    stop.set()
    with pytest.raises(LoadingCancelled):
        load_dataset(spec(root), cancel=stop)
    assert cache_files(cache) == []
    assert len(load_dataset(spec(root)).train) > 0  # a later load starts afresh


def test_a_broken_image_names_the_file_and_leaves_no_partial_cache(tmp_path, cache):
    root = make_folder(tmp_path / "pics")
    (root / "b" / "9.png").write_bytes(b"not a picture")
    with pytest.raises(Exception, match=r"cannot read the image .*9\.png"):
        load_dataset(spec(root))
    assert cache_files(cache) == []


@pytest.mark.parametrize("mode,color", [("L", "grayscale"), ("RGB", "rgb")])
def test_streamed_reading_gives_the_tensors_of_the_in_memory_path(tmp_path, cache, monkeypatch, mode, color):
    root = make_folder(tmp_path / "pics", mode=mode)
    in_memory = load_dataset(spec(root, color=color), seed=3)
    assert in_memory.meta["streamed"] is False and isinstance(in_memory.train.x, torch.Tensor)
    monkeypatch.setattr(streaming, "STREAM_ABOVE", 0)
    streamed = load_dataset(spec(root, color=color), seed=3)
    assert streamed.meta["streamed"] is True
    for name in ("train", "val", "test"):
        a, b = in_memory.split(name), streamed.split(name)
        assert isinstance(b.x, MappedRows) and b.x.shape == a.x.shape and b.x.dtype == a.x.dtype
        assert torch.equal(b.x[torch.arange(len(b))], a.x) and torch.equal(b.y, a.y)
        assert torch.equal(b.x[1], a.x[1]) and torch.equal(b.x[1:3], a.x[1:3])
        lo, hi, mean = b.x.min_max_mean(chunk=2)
        assert (lo, hi) == (float(a.x.min()), float(a.x.max())) and mean == pytest.approx(float(a.x.double().mean()))
    # ... and both equal the pictures decoded one by one, as the reader always did
    files = streamed.meta["files"]["train_folder"]
    for pos, row in enumerate(streamed.meta["indices"]["train"]):
        px, _ = image_folder.load_image(root / files[row], (8, 8), color)
        assert torch.equal(streamed.train.x[pos], torch.from_numpy(px))


def test_prefetched_batches_are_the_batches_of_iter_batches(tmp_path, cache, monkeypatch):
    root = make_folder(tmp_path / "pics", per_class=11)
    in_memory = load_dataset(spec(root), seed=0)
    monkeypatch.setattr(streaming, "STREAM_ABOVE", 0)
    streamed = load_dataset(spec(root), seed=0)
    plain = list(iter_batches(in_memory.train, 4, shuffle=True, generator=torch.Generator().manual_seed(5),
                              merge_single_last=True))
    ahead = list(prefetch_batches(streamed.train, 4, shuffle=True, generator=torch.Generator().manual_seed(5),
                                  merge_single_last=True, depth=2))
    assert len(ahead) == len(plain) > 3
    for (xa, ya, ia), (xb, yb, ib) in zip(plain, ahead):
        assert torch.equal(ia, ib) and torch.equal(xa, xb) and torch.equal(ya, yb)


def test_leaving_a_prefetch_early_ends_its_thread(tmp_path, cache, monkeypatch):
    monkeypatch.setattr(streaming, "STREAM_ABOVE", 0)
    streamed = load_dataset(spec(make_folder(tmp_path / "pics", per_class=11)), seed=0)
    batches = prefetch_batches(streamed.train, 2, depth=1)
    next(batches)
    batches.close()
    assert not [t for t in threading.enumerate() if t.name == "prefetch-batches"]


def test_the_estimate_before_loading(tmp_path, cache, monkeypatch):
    root = make_folder(tmp_path / "pics")
    est = estimate_image_folder(root, (8, 8), "rgb", batch_size=4)
    assert (est.files, est.classes, est.cached, est.streamed) == (15, 3, False, False)
    assert est.float_bytes == 15 * 3 * 8 * 8 * 4
    assert est.cache_bytes >= 15 * 3 * 8 * 8 and est.cache_bytes < est.float_bytes
    assert est.training_bytes >= est.float_bytes
    built = open_cache(root, (8, 8), "rgb")
    assert estimate_image_folder(root, (8, 8), "rgb").cached
    assert built.path.stat().st_size <= est.cache_bytes
    monkeypatch.setattr(streaming, "STREAM_ABOVE", 0)
    streamed = estimate_image_folder(root, (8, 8), "rgb", batch_size=4)
    assert streamed.streamed and streamed.training_bytes < 10 * 4 * 3 * 8 * 8 * 4


# --- decoding in processes ---------------------------------------------------------------------------
def make_mixed_folder(root):
    """One picture of each kind a folder holds: grey, colour, palette, transparent, 16-bit, a JPEG
    turned by its EXIF tag, a BMP, a JPEG named .png; some at the target size, some not; plus files
    that are not images."""
    rng = np.random.default_rng(7)
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(root / "a" / "grey.png")
    Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(root / "a" / "colour.png")
    Image.fromarray(rng.integers(0, 256, (11, 6, 3), dtype=np.uint8)).save(root / "a" / "bigger.PNG")
    Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).convert("P").save(root / "a" / "palette.png")
    Image.fromarray(rng.integers(0, 256, (8, 8, 4), dtype=np.uint8)).save(root / "b" / "alpha.png")
    Image.fromarray(rng.integers(0, 65536, (8, 8), dtype=np.uint16)).save(root / "b" / "deep.png")
    turned = Image.fromarray(rng.integers(0, 256, (8, 12, 3), dtype=np.uint8))
    exif = turned.getexif()
    exif[0x0112] = 6  # "turn 90 degrees to show"
    turned.save(root / "b" / "phone.jpg", exif=exif.tobytes(), quality=95)
    Image.fromarray(rng.integers(0, 256, (9, 8, 3), dtype=np.uint8)).save(root / "b" / "old.bmp")
    # a JPEG named .png (renamed by hand, or saved by a tool that does not care): read all the same
    Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(root / "b" / "misnamed.png", "JPEG")
    (root / "b" / "notes.txt").write_text("not an image")
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(root / "b" / ".hidden.png")
    return root


@pytest.fixture(params=["threads", "processes"])
def decoder(request, monkeypatch):
    """Decode on threads (a small folder) or in processes (forced, however small the folder)."""
    import cnnrnn_studio.data.image_cache as image_cache

    monkeypatch.setattr(image_cache, "PROCESSES_FROM", 10**9 if request.param == "threads" else 0)
    return request.param


def test_the_listing_names_the_files_the_reader_names(tmp_path):
    from cnnrnn_studio.data.image_cache import list_folder

    root = make_mixed_folder(tmp_path / "pics")
    listing = list_folder(root)
    expected = [p.relative_to(root).as_posix() for c in image_folder.class_folders(root)
                for p in image_folder.image_files(c)]
    assert listing.files == expected and ".hidden.png" not in " ".join(expected) and len(expected) == 9
    assert listing.labels == [f.split("/")[0] for f in expected]
    assert listing.stats == [((root / f).stat().st_size, (root / f).stat().st_mtime_ns) for f in expected]


@pytest.mark.parametrize("color", ["grayscale", "rgb"])
def test_every_decoder_gives_the_bytes_of_decode_image(tmp_path, cache, monkeypatch, color):
    import cnnrnn_studio.data.image_cache as image_cache

    root = make_mixed_folder(tmp_path / "pics")
    built = {}
    for way, first in (("threads", 10**9), ("processes", 0)):
        monkeypatch.setattr(image_cache, "PROCESSES_FROM", first)
        monkeypatch.setenv(CACHE_ENV, str(cache / way))
        built[way] = open_cache(root, (8, 8), color)
        assert built[way].built and built[way].decoded_on.endswith(way)
    threads, processes = built["threads"], built["processes"]
    assert np.array_equal(np.asarray(threads.pixels), np.asarray(processes.pixels))
    assert threads.files == processes.files and threads.resized == processes.resized == 3  # bigger, phone, old
    for row, name in enumerate(processes.files):
        pixels, _ = image_folder.decode_image(root / name, (8, 8), color)
        assert np.array_equal(np.asarray(processes.pixels[row]), pixels), name


def test_a_frozen_app_decodes_on_threads(tmp_path, cache, monkeypatch):
    import sys

    import cnnrnn_studio.data.image_cache as image_cache

    monkeypatch.setattr(image_cache, "PROCESSES_FROM", 0)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert not image_cache.uses_processes(10**6)
    assert open_cache(make_folder(tmp_path / "pics"), (8, 8), "grayscale").decoded_on.endswith("threads")


def test_when_processes_cannot_run_threads_decode_the_rest(tmp_path, cache, monkeypatch):
    import cnnrnn_studio.data.image_cache as image_cache

    root = make_folder(tmp_path / "pics")
    reference = open_cache(root, (8, 8), "grayscale")
    monkeypatch.setenv(CACHE_ENV, str(cache / "broken"))
    monkeypatch.setattr(image_cache, "PROCESSES_FROM", 0)
    monkeypatch.setattr(image_cache, "PROGRESS_EVERY", 4)
    monkeypatch.setattr(image_cache, "ProcessPoolExecutor", BreaksAfterTwoTasks)
    seen = []
    rebuilt = open_cache(root, (8, 8), "grayscale", progress=lambda done, total: seen.append(done))
    assert rebuilt.decoded_on.endswith("threads") and rebuilt.resized == reference.resized
    assert np.array_equal(np.asarray(rebuilt.pixels), np.asarray(reference.pixels))
    assert seen == sorted(seen) and seen[-1] == 15


def test_cancel_and_broken_images_in_either_decoder(tmp_path, cache, monkeypatch, decoder):
    import cnnrnn_studio.data.image_cache as image_cache

    monkeypatch.setattr(image_cache, "PROGRESS_EVERY", 4)
    root = make_folder(tmp_path / "pics")
    asked = []

    def cancel():
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(LoadingCancelled, match=r"pics was cancelled after 8 of 15 images; nothing was kept"):
        open_cache(root, (8, 8), "grayscale", cancel=cancel)
    assert cache_files(cache) == []
    (root / "b" / "9.png").write_bytes(b"not a picture")
    with pytest.raises(DataError, match=r"cannot read the image .*9\.png: it is not a valid PNG") as caught:
        open_cache(root, (8, 8), "grayscale")
    assert caught.value.path == str(root / "b" / "9.png")
    assert cache_files(cache) == []
