"""The torchrun folder of an image folder too big for memory: data.npz is copied from the disk
cache a chunk of rows at a time with the pixels kept as bytes, and train.py turns them into the
numbers the studio trains on (the same run as an export of the same data held in memory)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

import cnnrnn_studio.data.streaming as streaming
import cnnrnn_studio.interop.torchrun as torchrun
from cnnrnn_studio.compile.weights import load_weights
from cnnrnn_studio.data import load_dataset
from cnnrnn_studio.data.image_cache import CACHE_ENV
from cnnrnn_studio.data.streaming import MappedRows
from cnnrnn_studio.graph import Graph
from cnnrnn_studio.interop.errors import ExportError
from cnnrnn_studio.interop.torchrun import export_torchrun_script
from cnnrnn_studio.project import Project

from .test_torchrun import _train_module

SIZE = 8
TRAINING = {"epochs": 2, "batch_size": 8, "learning_rate": 0.01, "seed": 3, "validation_split": 0.25}


def make_folder(root, per_class=12):
    """Three classes of noisy colour pictures of different brightness, some of another size."""
    rng = np.random.default_rng(4)
    for c, name in enumerate(("dark", "mid", "light")):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            shape = (SIZE + i % 3, SIZE, 3)
            pixels = np.clip(rng.normal(50 + 70 * c, 35, shape), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def image_project(tmp_path) -> Project:
    g = Graph()
    g.add_block("Input", {"kind": "image", "shape": [3, SIZE, SIZE]}, "input")
    g.add_block("Conv2d", {"out_channels": 4, "kernel_size": 3}, "conv")
    g.add_block("Flatten", {}, "flat")
    g.add_block("Dense", {"out_features": 3}, "dense")
    g.add_block("Output", {}, "output")
    for a, b in [("input", "conv"), ("conv", "flat"), ("flat", "dense"), ("dense", "output")]:
        g.add_link(a, b)
    dataset = {"kind": "file", "format": "image_folder", "train": "pictures", "size": [SIZE, SIZE], "color": "rgb"}
    return Project(g, name="streamed pictures", dataset=dataset, training=dict(TRAINING),
                   path=tmp_path / "project.json")


def load(project: Project):
    return load_dataset(project.dataset, project.base_dir, seed=TRAINING["seed"],
                        validation_split=TRAINING["validation_split"])


@pytest.fixture
def project(tmp_path, tmp_path_factory, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("cache")))
    make_folder(tmp_path / "pictures")
    return image_project(tmp_path)


def stream(monkeypatch):
    monkeypatch.setattr(streaming, "STREAM_ABOVE", 0)  # every image folder stays on disk


def run_train(job, *args):
    result = subprocess.run([sys.executable, "train.py", "--cpu", *args], cwd=job, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return job / "run"


def test_streamed_pixels_are_stored_as_the_cache_bytes_of_each_split(tmp_path, project, monkeypatch):
    stream(monkeypatch)
    report = export_torchrun_script(project, tmp_path / "job")
    ds = load(project)
    assert ds.meta["streamed"] is True
    with np.load(tmp_path / "job" / "data.npz", allow_pickle=False) as data:
        for name in ("train", "val", "test"):
            split = ds.split(name)
            x = data[f"x_{name}"]
            assert isinstance(split.x, MappedRows) and len(split) > 0
            assert x.dtype == np.uint8 and x.shape == (len(split), 3, SIZE, SIZE)
            assert np.array_equal(x, split.x.source[split.x.rows])  # the cache's pixels of the split's rows
            assert torch.equal(torch.from_numpy(x).float() / 255.0, split.x[:])
            assert np.array_equal(data[f"y_{name}"], split.y.numpy()) and data[f"y_{name}"].dtype == np.int64
        assert list(data["class_names"]) == ["dark", "light", "mid"] == list(ds.class_names)
    assert report.samples == {k: len(ds.split(k)) for k in ("train", "val", "test")}
    assert "data.npz" in report.files
    marker = json.loads((tmp_path / "job" / ".cnnrnn-studio-torchrun").read_text())
    assert "data.npz" in marker["files"]
    readme = (tmp_path / "job" / "README.md").read_text()
    assert "stored in `data.npz` as bytes 0..255" in readme and "divides them by 255" in readme


def test_data_held_in_memory_is_still_stored_as_float32(tmp_path, project):
    export_torchrun_script(project, tmp_path / "job")
    ds = load(project)
    assert ds.meta["streamed"] is False
    with np.load(tmp_path / "job" / "data.npz", allow_pickle=False) as data:
        for name in ("train", "val", "test"):
            assert data[f"x_{name}"].dtype == np.float32
            assert np.array_equal(data[f"x_{name}"], ds.split(name).x.numpy())
    assert "as bytes 0..255" not in (tmp_path / "job" / "README.md").read_text()


def test_train_py_trains_the_streamed_export_as_the_in_memory_one(tmp_path, project, monkeypatch):
    memory_job, streamed_job = tmp_path / "memory", tmp_path / "streamed"
    export_torchrun_script(project, memory_job)
    stream(monkeypatch)
    export_torchrun_script(project, streamed_job)

    # the first batch train.py makes: the same float numbers from bytes as from float32
    train = _train_module(streamed_job)
    with np.load(memory_job / "data.npz") as floats, np.load(streamed_job / "data.npz") as pixels:
        assert floats["x_train"].dtype == np.float32 and pixels["x_train"].dtype == np.uint8
        idx = [5, 0, 3, 1, 7, 2]
        xa, ya = train.to_tensors(floats["x_train"], floats["y_train"], idx, torch.device("cpu"))
        xb, yb = train.to_tensors(pixels["x_train"], pixels["y_train"], idx, torch.device("cpu"))
    assert xb.dtype == torch.float32 and torch.equal(xa, xb) and torch.equal(ya, yb)
    assert float(xb.max()) <= 1.0 and float(xb.max()) > 0.5

    runs = [run_train(job, "--epochs", "2") for job in (memory_job, streamed_job)]
    a, b = (load_weights(project.build_model(), run).state_dict() for run in runs)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    losses = [[row["train_loss"] for row in csv.DictReader(open(run / "metrics.csv"))] for run in runs]
    assert len(losses[0]) == 2 and losses[0] == losses[1]
    tests = [json.loads((run / "summary.json").read_text())["test"] for run in runs]
    assert tests[0] == tests[1] and "accuracy" in tests[0]


def test_the_export_never_reads_a_streamed_split_whole_as_float(tmp_path, project, monkeypatch):
    stream(monkeypatch)

    def whole(self, *args, **kwargs):
        raise AssertionError("the whole split was read as float32")

    for name in ("numpy", "to_tensor", "__array__"):
        monkeypatch.setattr(MappedRows, name, whole)
    largest = []
    raw = MappedRows.raw

    def counted(self, positions):
        largest.append(len(positions))
        return raw(self, positions)

    monkeypatch.setattr(MappedRows, "raw", counted)
    monkeypatch.setattr(torchrun, "CHUNK_BYTES", 5 * 3 * SIZE * SIZE)  # five pictures a chunk
    export_torchrun_script(project, tmp_path / "job")
    assert largest and max(largest) <= 5  # a chunk at a time, not the split
    monkeypatch.undo()
    stream(monkeypatch)
    ds = load(project)
    with np.load(tmp_path / "job" / "data.npz", allow_pickle=False) as data:
        for name in ("train", "val", "test"):
            split = ds.split(name)
            assert len(split) > 5  # several chunks, the last one short
            assert np.array_equal(data[f"x_{name}"], split.x.source[split.x.rows])


def test_a_failure_while_copying_the_pixels_leaves_nothing_behind(tmp_path, project, monkeypatch):
    stream(monkeypatch)
    calls = []
    raw = MappedRows.raw

    def breaks(self, positions):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return raw(self, positions)

    monkeypatch.setattr(MappedRows, "raw", breaks)
    monkeypatch.setattr(torchrun, "CHUNK_BYTES", 3 * SIZE * SIZE)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(ExportError, match="No space left on device"):
        export_torchrun_script(project, tmp_path / "job")
    assert sorted(os.listdir(tmp_path)) == before  # no folder, no half-written staging folder


def test_streamed_float_images_are_copied_a_chunk_at_a_time_as_float32(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.random((30, 3, SIZE, SIZE)).astype(np.float32)
    np.savez(tmp_path / "images.npz", X=x, y=np.arange(30) % 3)  # uncompressed: read memory-mapped
    stream(monkeypatch)
    monkeypatch.setattr(torchrun, "CHUNK_BYTES", 4 * 3 * SIZE * SIZE * 4)
    project = image_project(tmp_path)
    project.dataset = {"kind": "file", "format": "npz", "train": "images.npz"}
    export_torchrun_script(project, tmp_path / "job")
    ds = load(project)
    assert isinstance(ds.train.x, MappedRows)
    with np.load(tmp_path / "job" / "data.npz", allow_pickle=False) as data:
        for name in ("train", "val", "test"):
            assert data[f"x_{name}"].dtype == np.float32
            assert np.array_equal(data[f"x_{name}"], ds.split(name).x[:].numpy())
