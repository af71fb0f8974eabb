"""Image readers: 16-bit images scaled to [0, 1], and image sizes bounded by free memory."""

import numpy as np
import pytest
from PIL import Image

import cnnrnn_studio.data.image_folder as image_folder
import cnnrnn_studio.graph.memory as memory
from cnnrnn_studio.data import DataError
from cnnrnn_studio.data.builtin import load_digits
from cnnrnn_studio.data.streaming import MappedRows


def _png16(path, value, size=(6, 5)):
    Image.fromarray(np.full(size[::-1], value, dtype=np.uint16)).save(path)


def _folder(root, values=(("dark", 1000), ("bright", 60000)), n=3):
    for name, value in values:
        (root / name).mkdir(parents=True)
        for i in range(n):
            _png16(root / name / f"{i}.png", value)
    return root


@pytest.mark.parametrize("color,size", [("grayscale", [5, 6]), ("grayscale", [3, 3]), ("rgb", [5, 6])])
def test_16_bit_pngs_are_scaled_not_clipped(tmp_path, color, size):
    root = _folder(tmp_path / "pics")
    px, _ = image_folder.load_image(root / "dark" / "0.png", tuple(size), color)
    assert px.shape == ((1 if color == "grayscale" else 3), *size)
    assert np.allclose(px, 1000 / 65535, atol=1e-4)
    px, _ = image_folder.load_image(root / "bright" / "0.png", tuple(size), color)
    assert np.allclose(px, 60000 / 65535, atol=1e-4)


def test_a_16_bit_image_folder_keeps_dark_and_bright_apart(tmp_path):
    root = _folder(tmp_path / "pics")
    pool, _ = image_folder.read_image_folder(root, (5, 6), "grayscale", "image folder")
    means = {label: float(pool.x[i].mean()) for i, label in enumerate(pool.targets)}
    assert means["dark"] < 0.02 and means["bright"] > 0.9


def test_8_bit_images_are_unchanged(tmp_path):
    Image.new("L", (4, 4), 51).save(tmp_path / "a.png")
    px, _ = image_folder.load_image(tmp_path / "a.png", (4, 4), "grayscale")
    assert np.allclose(px, 51 / 255)


def test_digits_size_beyond_free_memory_is_refused_before_resizing(monkeypatch):
    monkeypatch.setattr(image_folder, "available_memory", lambda: 50 * 1024**2)
    with pytest.raises(DataError, match=r"option 'size' \[512, 512\].*1,797 digit images.*smaller size"):
        load_digits({"size": [512, 512]}, 0, 0.2)
    assert load_digits({"size": [16, 16]}, 0, 0.2) is not None


def test_digits_4096_is_refused_on_this_machine():
    with pytest.raises(DataError, match="Choose a smaller size"):
        load_digits({"size": [4096, 4096]}, 0, 0.2)


def test_image_folder_beyond_free_memory_stays_on_disk_instead_of_being_refused(tmp_path, monkeypatch):
    root = _folder(tmp_path / "pics")
    monkeypatch.setattr(memory, "available_memory", lambda: 1024)
    pool, _ = image_folder.read_image_folder(root, (64, 64), "grayscale", "image folder")
    assert isinstance(pool.x, MappedRows) and pool.x.shape == (6, 1, 64, 64)
    means = {label: float(pool.x[i].mean()) for i, label in enumerate(pool.targets)}
    assert means["dark"] < 0.02 and means["bright"] > 0.9
