"""A .npz is refused before loading when its declared (or inflated) arrays cannot fit in memory."""

import io
import zipfile

import numpy as np
import pytest

import cnnrnn_studio.graph.memory as memory
from cnnrnn_studio.data.npz_format import check_npz_fits, read_npz


def _header(shape, descr="<f4") -> bytes:
    h = io.BytesIO()
    np.lib.format.write_array_header_1_0(h, {"descr": descr, "fortran_order": False, "shape": shape})
    return h.getvalue()


def _npy(a) -> bytes:
    b = io.BytesIO()
    np.save(b, a)
    return b.getvalue()


def test_a_npz_declaring_10_to_the_12_rows_is_refused(tmp_path, refuses):
    path = tmp_path / "rows.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("X.npy", _header((10**12, 4)) + b"\0" * 64)
        z.writestr("y.npy", _npy(np.zeros(3, dtype=np.int64)))
    with refuses(r"rows\.npz declares arrays of about .* TB", r"'X'", r"not loaded"):
        read_npz(path)


def test_a_small_file_that_inflates_past_free_memory_is_refused(tmp_path, refuses, monkeypatch):
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("X.npy", _npy(np.zeros((1000, 1000), dtype=np.float32)))  # 4 MB of zeros
        z.writestr("y.npy", _npy(np.zeros(1000, dtype=np.int64)))
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(memory, "available_memory", lambda: 2 * 1024**2)
    with refuses(r"bomb\.npz declares arrays of about 3\.\d MB", r"'X'", r"2\.0 MB of memory is free"):
        read_npz(path)


def test_a_header_that_understates_the_inflated_size_is_still_caught(tmp_path, monkeypatch):
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("X.npy", _header((1, 1)) + b"\0" * (4 * 1024**2))
        z.writestr("y.npy", _npy(np.zeros(1, dtype=np.int64)))
    monkeypatch.setattr(memory, "available_memory", lambda: 1024**2)
    with pytest.raises(Exception, match="liar.npz declares arrays"):
        check_npz_fits(path)


def test_an_ordinary_npz_still_loads(tmp_path):
    path = tmp_path / "ok.npz"
    np.savez(path, X=np.ones((4, 3), dtype=np.float32), y=np.arange(4))
    out = read_npz(path)
    assert out["X"].shape == (4, 3)


def test_a_file_that_is_not_a_zip_is_left_to_the_reader(tmp_path):
    path = tmp_path / "junk.npz"
    path.write_bytes(b"not a zip")
    check_npz_fits(path)  # no error here: read_npz explains it
