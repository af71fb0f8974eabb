import pytest
import torch
from PIL import Image

from cnnrnn_studio.data import load_dataset

FORMATS = [("PNG", ".png"), ("JPEG", ".jpg"), ("BMP", ".bmp")]


def make_folder(root, classes=("cat", "dog"), per_class=6, mode="L"):
    """Images of mixed sizes and formats; class 'dog' is bright, 'cat' dark."""
    for c, name in enumerate(classes):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            fmt, suffix = FORMATS[i % 3]
            size = (10 + 3 * i, 8 + 2 * i)
            value = 40 + 170 * c
            color = value if mode == "L" else (value, 255 - value, 128)
            Image.new(mode, size, color).save(folder / f"img{i}{suffix}", fmt)
    return root


def _spec(path, **options):
    return {"kind": "file", "format": "image_folder", "train": str(path), **options}


def test_grayscale_mixed_sizes_and_formats(tmp_path):
    root = make_folder(tmp_path / "pets")
    ds = load_dataset(_spec(root, size=[12, 16]))
    assert (ds.kind, ds.sample_shape, ds.class_names) == ("image", (1, 12, 16), ["cat", "dog"])
    assert len(ds.train) + len(ds.val) + len(ds.test) == 12
    assert ds.meta["resized"] == 10  # img2 of each class is already 16 wide, 12 high
    x = torch.cat([ds.train.x, ds.val.x, ds.test.x])
    y = torch.cat([ds.train.y, ds.val.y, ds.test.y])
    assert x.dtype == torch.float32 and 0 <= x.min() and x.max() <= 1
    means = x.mean(dim=(1, 2, 3))
    assert bool((means[y == 0] < 0.3).all()) and bool((means[y == 1] > 0.7).all())
    assert ds.name == "pets"


def test_rgb_default_size(tmp_path):
    root = make_folder(tmp_path / "pets", mode="RGB")
    ds = load_dataset(_spec(root, color="rgb"))
    assert ds.sample_shape == (3, 32, 32)
    y = torch.cat([ds.train.y, ds.val.y, ds.test.y])
    x = torch.cat([ds.train.x, ds.val.x, ds.test.x])
    dog = x[y == 1].mean(dim=(0, 2, 3))
    assert dog[0] > 0.75 and dog[1] < 0.25 and abs(float(dog[2]) - 0.5) < 0.05  # channels first, in RGB order


def test_rgb_images_loaded_as_grayscale_and_transparency_becomes_white(tmp_path):
    root = make_folder(tmp_path / "pets", mode="RGB")
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(root / "cat" / "clear.png")
    ds = load_dataset(_spec(root, size=8), validation_split=0.0)
    assert ds.sample_shape == (1, 8, 8)
    files = ds.meta["files"]["train_folder"]
    where = files.index("cat/clear.png") if "cat/clear.png" in files else files.index("cat\\clear.png")
    split = "train" if where in ds.meta["indices"]["train"] else "test"
    img = ds.split(split).x[ds.meta["indices"][split].index(where)]
    assert torch.allclose(img, torch.ones_like(img))


def test_test_folder_and_ignored_files(tmp_path):
    make_folder(tmp_path / "train")
    make_folder(tmp_path / "test", per_class=3)
    (tmp_path / "train" / "cat" / "notes.txt").write_text("not an image")
    (tmp_path / "train" / ".hidden").mkdir()
    ds = load_dataset(
        {"kind": "file", "format": "image_folder", "train": "train", "test": "test", "size": [8, 8]}, base_dir=tmp_path
    )
    assert len(ds.test) == 6 and len(ds.train) + len(ds.val) == 12 and ds.class_names == ["cat", "dog"]


@pytest.mark.parametrize("size", [[0, 8], [8], "big", [8, 8.5]])
def test_bad_size_option(tmp_path, refuses, size):
    root = make_folder(tmp_path / "pets")
    with refuses("'size'"):
        load_dataset(_spec(root, size=size))
