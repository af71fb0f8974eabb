"""Uncompressed .npz images are read memory-mapped, batch by batch; compressed ones (and data that
must be rescaled) fall back to reading into memory. Both give the same tensors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import cnnrnn_studio.data.streaming as streaming
import cnnrnn_studio.graph.memory as memory
from cnnrnn_studio.data import load_dataset
from cnnrnn_studio.data.npz_format import mapped_member
from cnnrnn_studio.data.streaming import MappedRows


def spec(path, **options):
    return {"kind": "file", "format": "npz", "train": str(path), **options}


def images(dtype=np.uint8, n=40, fortran=False):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, 2, 5, 4)).astype(np.uint8)
    if dtype != np.uint8:
        x = (x / 255.0).astype(dtype)
    return np.asfortranarray(x) if fortran else x, np.arange(n) % 4


@pytest.mark.parametrize("fortran", [False, True])
def test_a_stored_member_is_mapped_and_a_compressed_one_is_not(tmp_path, fortran):
    x, y = images(fortran=fortran)
    np.savez(tmp_path / "plain.npz", X=x, y=y)
    np.savez_compressed(tmp_path / "packed.npz", X=x, y=y)
    mapped = mapped_member(tmp_path / "plain.npz", "X")
    assert isinstance(mapped, np.memmap) and np.array_equal(mapped, x) and mapped.shape == x.shape
    assert np.array_equal(mapped_member(tmp_path / "plain.npz", "y"), y)
    assert mapped_member(tmp_path / "packed.npz", "X") is None
    assert mapped_member(tmp_path / "plain.npz", "nothing") is None


def load_both(path, monkeypatch, **options):
    in_memory = load_dataset(spec(path, **options), seed=2)
    monkeypatch.setattr(streaming, "STREAM_ABOVE", 0)
    return in_memory, load_dataset(spec(path, **options), seed=2)


def same(a, b):
    for name in ("train", "val", "test"):
        sa, sb = a.split(name), b.split(name)
        assert torch.equal(sb.x[torch.arange(len(sb))], sa.x[torch.arange(len(sa))]) and torch.equal(sb.y, sa.y)
    assert a.sample_shape == b.sample_shape and a.class_names == b.class_names


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_uncompressed_images_stream_with_the_in_memory_numbers(tmp_path, monkeypatch, dtype):
    x, y = images(dtype)
    np.savez(tmp_path / "imgs.npz", X=x, y=y)
    in_memory, streamed = load_both(tmp_path / "imgs.npz", monkeypatch)
    assert isinstance(in_memory.train.x, torch.Tensor)
    assert isinstance(streamed.train.x, MappedRows) and isinstance(streamed.test.x, MappedRows)
    assert "batch by batch" in streamed.description
    same(in_memory, streamed)


def test_a_compressed_file_falls_back_to_memory(tmp_path, monkeypatch):
    x, y = images()
    np.savez_compressed(tmp_path / "imgs.npz", X=x, y=y)
    in_memory, fallback = load_both(tmp_path / "imgs.npz", monkeypatch)
    assert isinstance(fallback.train.x, torch.Tensor) and not isinstance(fallback.train.x, MappedRows)
    same(in_memory, fallback)


def test_images_that_need_rescaling_and_vectors_fall_back_to_memory(tmp_path, monkeypatch):
    x, y = images(np.float32)
    np.savez(tmp_path / "wide.npz", X=x * 7 - 2, y=y)  # outside [0, 1]: scaled with training min/max
    np.savez(tmp_path / "vec.npz", X=x.reshape(len(x), -1), y=y)  # standardised per feature
    for name in ("wide.npz", "vec.npz"):
        monkeypatch.undo()
        in_memory, fallback = load_both(tmp_path / name, monkeypatch)
        assert isinstance(fallback.train.x, torch.Tensor)
        same(in_memory, fallback)


def test_a_separate_test_file_streams_too(tmp_path, monkeypatch):
    x, y = images()
    np.savez(tmp_path / "train.npz", X=x, y=y)
    np.savez(tmp_path / "test.npz", X=x[:12], y=y[:12])
    monkeypatch.setattr(streaming, "STREAM_ABOVE", 0)
    ds = load_dataset({**spec(tmp_path / "train.npz"), "test": str(tmp_path / "test.npz")})
    assert isinstance(ds.test.x, MappedRows) and torch.equal(ds.test.x[:], torch.from_numpy(x[:12] / np.float32(255)))


def test_images_beyond_free_memory_are_streamed_not_refused(tmp_path, monkeypatch):
    x, y = images(n=400)
    np.savez(tmp_path / "imgs.npz", X=x, y=y)
    np.savez_compressed(tmp_path / "packed.npz", X=x, y=y)
    monkeypatch.setattr(memory, "available_memory", lambda: 20_000)  # X as float32 would take 64,000 bytes
    ds = load_dataset(spec(tmp_path / "imgs.npz"))
    assert isinstance(ds.train.x, MappedRows)
    with pytest.raises(Exception, match="memory is free"):
        load_dataset(spec(tmp_path / "packed.npz"))
