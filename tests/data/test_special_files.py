"""Only regular files are data: devices, FIFOs and sockets are refused by os.stat, before any
open (a FIFO would block, /dev/zero reads without end), with a message naming the path."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from cnnrnn_studio.data import DataError, load_dataset
from cnnrnn_studio.data.files import outside_folder, read_text, resolve


def _special(tmp_path: Path, kind: str) -> Path:
    if kind == "fifo":
        path = tmp_path / "pipe.csv"
        os.mkfifo(path)
        return path
    if kind == "socket":
        path = tmp_path / "s.csv"
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(path))
        s.close()
        return path
    if kind == "link_to_fifo":
        os.mkfifo(tmp_path / "real_pipe")
        os.symlink(tmp_path / "real_pipe", tmp_path / "link.csv")
        return tmp_path / "link.csv"
    return Path(kind)   # a device


KINDS = ["fifo", "socket", "link_to_fifo", "/dev/zero", "/dev/urandom", "/dev/null"]


@pytest.mark.parametrize("fmt", ["csv", "ts", "tsv", "npz"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_special_file_as_data_is_refused_without_reading(tmp_path, fmt, kind):
    path = _special(tmp_path, kind)
    if not path.exists() and not path.is_symlink():
        pytest.skip(f"{path} is not on this system")
    with pytest.raises(DataError) as e:
        load_dataset({"kind": "file", "format": fmt, "train": str(path)}, tmp_path)
    assert str(path) in str(e.value) and "regular file" in str(e.value)


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_a_special_test_file_is_refused_too(tmp_path, kind):
    (tmp_path / "train.csv").write_text("a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n")
    path = _special(tmp_path, kind)
    with pytest.raises(DataError, match="regular file"):
        load_dataset({"kind": "file", "format": "csv", "train": "train.csv", "test": str(path)}, tmp_path)


def test_read_text_refuses_a_fifo(tmp_path):
    path = _special(tmp_path, "fifo")
    with pytest.raises(DataError, match="FIFO"):
        read_text(path)


def test_relative_paths_resolve_from_the_project_folder(tmp_path):
    assert resolve("d/x.csv", tmp_path, "training file") == tmp_path / "d" / "x.csv"


def test_outside_folder_sees_dotdot_absolute_paths_and_links(tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "secret.csv").write_text("x")
    os.symlink(tmp_path / "secret.csv", tmp_path / "proj" / "link.csv")
    base = tmp_path / "proj"
    assert outside_folder(base / ".." / "secret.csv", base)
    assert outside_folder(tmp_path / "secret.csv", base)
    assert outside_folder(base / "link.csv", base)
    assert not outside_folder(base / "data" / "in.csv", base)
    assert not outside_folder(base / "sub" / ".." / "in.csv", base)
    assert outside_folder(tmp_path / "proj2" / "x.csv", base)   # a sibling whose name starts the same
