"""An image folder too big for memory, decoded in the background while training reads it: the rows
read are the rows a cache built up front gives, the finished cache is found by later loads, a
broken picture stops the reading with its name, and a run trained this way equals one trained on
the ready cache."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

import cnnrnn_studio.data.image_cache as image_cache
import cnnrnn_studio.data.streaming as streaming
from cnnrnn_studio.data import DataError, load_dataset
from cnnrnn_studio.data.cache_fill import fills_in_background
from cnnrnn_studio.data.image_cache import CACHE_ENV, find_cache, list_folder, open_cache
from cnnrnn_studio.data.streaming import prefetch_batches

from .conftest import BreaksAfterTwoTasks

pytestmark = pytest.mark.skipif(not fills_in_background(), reason="POSIX only: elsewhere the cache is built first")


def make_folder(root, per_class=40, size=(8, 8)):
    rng = np.random.default_rng(7)
    for c, name in enumerate(("cat", "dog", "owl")):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            h = size[0] + (i % 3 if name == "dog" else 0)  # some need resizing
            pixels = np.clip(rng.normal(50 + 70 * c, 25, (h, size[1], 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i:03d}.png")
    return root


@pytest.fixture(params=["threads", "processes"])
def cache(request, tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv(CACHE_ENV, str(folder))
    monkeypatch.setattr(streaming, "STREAM_ABOVE", 0)  # every folder streams
    monkeypatch.setattr(image_cache, "PROCESSES_FROM", 10**9 if request.param == "threads" else 0)
    return folder


def spec(root):
    return {"kind": "file", "format": "image_folder", "train": str(root), "size": [8, 8], "color": "rgb"}


def test_rows_read_while_filling_are_the_rows_of_a_cache_built_first(tmp_path, cache, monkeypatch):
    root = make_folder(tmp_path / "pics")
    filling = open_cache(root, (8, 8), "rgb", in_background=True)
    assert filling.filling is not None and filling.resized == -1
    order = np.random.default_rng(0).permutation(len(filling.files))
    filling.filling.prefer(order)
    filling.filling.wait(order[:5])
    rows = [np.array(filling.pixels[r]) for r in order[:5]]
    filling.filling.wait_all()
    assert find_cache(list_folder(root), (8, 8), "rgb") is not None  # complete: later loads find it

    monkeypatch.setenv(CACHE_ENV, str(cache / "up-front"))
    ready = open_cache(root, (8, 8), "rgb")
    assert ready.filling is None
    for r, row in zip(order[:5], rows):
        assert np.array_equal(row, ready.pixels[r])
    assert np.array_equal(np.asarray(filling.pixels), np.asarray(ready.pixels))
    assert filling.filling.resized == ready.resized > 0


def test_a_later_load_finds_the_cache_the_background_filled(tmp_path, cache):
    root = make_folder(tmp_path / "pics")
    first = load_dataset(spec(root), decode_alongside=True)
    assert first.meta["resized"] is None and "while the first epoch trains" in first.description
    first.train.x.fill.wait_all()
    again = load_dataset(spec(root), decode_alongside=True)
    assert again.meta["resized"] == 40 * 2 // 3 and again.train.x.fill is None
    for name in ("train", "val", "test"):
        a, b = first.split(name), again.split(name)
        assert torch.equal(a.x[torch.arange(len(a))], b.x[torch.arange(len(b))]) and torch.equal(a.y, b.y)


def test_prefetched_batches_while_filling_equal_those_of_the_ready_cache(tmp_path, cache):
    root = make_folder(tmp_path / "pics")
    filling = load_dataset(spec(root), seed=2, decode_alongside=True)
    assert filling.train.x.filling
    during = list(prefetch_batches(filling.train, 5, shuffle=True, generator=torch.Generator().manual_seed(4),
                                   merge_single_last=True, depth=2))
    filling.train.x.fill.wait_all()
    ready = load_dataset(spec(root), seed=2)
    after = list(prefetch_batches(ready.train, 5, shuffle=True, generator=torch.Generator().manual_seed(4),
                                  merge_single_last=True, depth=2))
    assert len(during) == len(after) > 10
    for (xa, ya, ia), (xb, yb, ib) in zip(during, after):
        assert torch.equal(ia, ib) and torch.equal(xa, xb) and torch.equal(ya, yb)


def test_a_broken_picture_stops_reading_with_its_name_and_leaves_no_cache(tmp_path, cache):
    root = make_folder(tmp_path / "pics")
    (root / "owl" / "007.png").write_bytes(b"not a picture")
    ds = load_dataset(spec(root), decode_alongside=True)
    with pytest.raises(DataError, match=r"cannot read the image .*007\.png"):
        ds.train.x.fill.wait_all()
    with pytest.raises(DataError, match=r"cannot read the image .*007\.png"):
        ds.train.x[torch.arange(len(ds.train))]
    assert sorted(p.name for p in cache.iterdir() if p.is_file()) == []


@pytest.mark.parametrize("too_big_for_memory", [True, False])
def test_training_while_the_cache_fills_equals_training_on_the_ready_cache(tmp_path, cache, monkeypatch,
                                                                           too_big_for_memory):
    """On the CPU the engine reads a folder with no cache from disk while decoding it, whatever its
    size; the next run finds the cache (a small set is then held in memory): the same training."""
    from cnnrnn_studio.project import Project
    from cnnrnn_studio.train import train

    if not too_big_for_memory:
        monkeypatch.setattr(streaming, "STREAM_ABOVE", 256 * 2**20)

    root = make_folder(tmp_path / "pics", per_class=30)
    blocks = [("input", "Input", {"kind": "image", "shape": [3, 8, 8]}),
              ("conv", "Conv2d", {"out_channels": 4, "kernel_size": 3, "padding": "same"}),
              ("relu", "ReLU", {}), ("flat", "Flatten", {}), ("dense", "Dense", {"out_features": 3}),
              ("output", "Output", {"task": "classification"})]
    project = Project.from_dict({
        "format": "cnnrnn-studio-project", "version": 1, "name": "filling",
        "blocks": [{"id": i, "type": t, "params": p} for i, t, p in blocks],
        "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])],
        "dataset": spec(root), "training": {"optimizer": "adam", "learning_rate": 0.01}})
    filled = train(project, epochs=2, batch_size=8, device="cpu", seed=1, out=str(tmp_path / "a"))
    assert filled.dataset.train.x.fill is not None  # the engine loaded it decoding alongside
    assert find_cache(list_folder(root), (8, 8), "rgb") is not None
    ready = train(project, epochs=2, batch_size=8, device="cpu", seed=1, out=str(tmp_path / "b"))
    assert ready.dataset.meta["streamed"] is too_big_for_memory
    assert getattr(ready.dataset.train.x, "fill", None) is None
    assert [r["train_loss"] for r in filled.metrics] == [r["train_loss"] for r in ready.metrics]
    for name, value in filled.model.state_dict().items():
        assert torch.equal(value, ready.model.state_dict()[name]), name


def test_a_half_made_file_of_an_ended_process_is_deleted_by_the_next_build(tmp_path, cache):
    cache.mkdir(exist_ok=True)
    abandoned = cache / "0123abcd.999999999.partial.npy"  # no such process
    abandoned.write_bytes(b"half")
    mine = cache / f"4567ef.{os.getpid()}.partial.npy"
    mine.write_bytes(b"in use")
    open_cache(make_folder(tmp_path / "pics", per_class=2), (8, 8), "rgb")
    assert not abandoned.exists() and mine.exists()


def test_when_processes_break_threads_finish_the_fill(tmp_path, cache, monkeypatch):
    root = make_folder(tmp_path / "pics", per_class=60)
    reference = open_cache(root, (8, 8), "rgb")
    monkeypatch.setenv(CACHE_ENV, str(cache / "broken"))
    monkeypatch.setattr(image_cache, "PROCESSES_FROM", 0)
    monkeypatch.setattr(image_cache, "ProcessPoolExecutor", BreaksAfterTwoTasks)
    filling = open_cache(root, (8, 8), "rgb", in_background=True)
    filling.filling.prefer(np.arange(len(filling.files))[::-1])
    filling.filling.wait_all()
    assert filling.filling.decoded_on.endswith("threads")
    assert filling.filling.resized == reference.resized
    assert np.array_equal(np.asarray(filling.pixels), np.asarray(reference.pixels))


def _held_decoding(monkeypatch):
    """Decoding on threads, 4 pictures a task, that waits for the returned event before each picture."""
    import threading

    import cnnrnn_studio.data.cache_fill as cache_fill

    go = threading.Event()
    real = image_cache.decode_row
    monkeypatch.setattr(cache_fill, "TASK_ROWS", 4)
    monkeypatch.setattr(image_cache, "PROCESSES_FROM", 10**9)
    monkeypatch.setattr(image_cache, "decode_row", lambda *a: (go.wait(), real(*a))[1])
    return go


def test_stopping_deletes_the_half_made_file_and_says_so_to_readers(tmp_path, cache, monkeypatch):
    go = _held_decoding(monkeypatch)
    root = make_folder(tmp_path / "pics")
    ds = load_dataset(spec(root), decode_alongside=True)
    fill = ds.train.x.fill
    assert any(p.name.endswith(".partial.npy") for p in cache.iterdir())
    fill.stop(wait=False)
    go.set()  # the pictures being decoded are finished; no more are started
    with pytest.raises(DataError, match=r"was stopped with .* still to do"):
        fill.wait_all()
    assert not fill.complete
    assert [p.name for p in cache.iterdir() if p.is_file()] == []
    with pytest.raises(DataError, match=r"was stopped with .* still to do; nothing was kept"):
        ds.train.x[torch.arange(len(ds.train))]


def test_the_command_line_stops_background_decoding_before_it_returns(tmp_path, cache, monkeypatch, capsys):
    from cnnrnn_studio.cli import main

    go = _held_decoding(monkeypatch)
    root = make_folder(tmp_path / "pics")
    project = tmp_path / "net.json"  # an Input that does not fit: the run fails after loading the data
    blocks = [("input", "Input", {"kind": "image", "shape": [1, 8, 8]}), ("flat", "Flatten", {}),
              ("dense", "Dense", {"out_features": 3}), ("output", "Output", {"task": "classification"})]
    project.write_text(json.dumps({
        "format": "cnnrnn-studio-project", "version": 1, "name": "net",
        "blocks": [{"id": i, "type": t, "params": p} for i, t, p in blocks],
        "links": [{"from": a[0], "to": b[0]} for a, b in zip(blocks, blocks[1:])], "dataset": spec(root)}))
    seen = []
    import cnnrnn_studio.data.cache_fill as cache_fill

    real = cache_fill.CacheFill.stop

    def stop(self, wait=True):
        seen.append(self)
        real(self, wait=False)
        go.set()  # only now can the pictures in hand finish
        real(self, wait=wait)

    monkeypatch.setattr(cache_fill.CacheFill, "stop", stop)
    assert main(["train", str(project), "--epochs", "1", "--out", str(tmp_path / "run")]) != 0
    assert "expects image [1, 8, 8]" in capsys.readouterr().err
    assert len(seen) == 1 and not seen[0].complete  # stopped before main returned, half done
    assert [p.name for p in cache.iterdir() if p.is_file()] == []


def test_loads_of_a_folder_being_filled_share_that_fill(tmp_path, cache, monkeypatch):
    import threading

    go = _held_decoding(monkeypatch)
    root = make_folder(tmp_path / "pics")
    first = open_cache(root, (8, 8), "rgb", in_background=True)
    second = open_cache(root, (8, 8), "rgb", in_background=True)
    assert second.filling is first.filling
    assert len([p for p in cache.iterdir() if p.name.endswith(".partial.npy")]) == 1
    done = []
    waiting = threading.Thread(target=lambda: done.append(open_cache(root, (8, 8), "rgb")))
    waiting.start()  # a load that needs the whole cache waits for the fill instead of decoding again
    go.set()
    waiting.join()
    assert done[0].filling is None and first.filling.complete
    assert np.array_equal(np.asarray(done[0].pixels), np.asarray(first.pixels))
    assert sorted(p.suffix for p in cache.iterdir()) == [".json", ".npy"]
