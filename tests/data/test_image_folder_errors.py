from PIL import Image

from cnnrnn_studio.data import load_dataset


def _spec(path, **options):
    return {"kind": "file", "format": "image_folder", "train": str(path), **options}


def _images(folder, n=3):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new("L", (5, 5), 30 * i).save(folder / f"{i}.png")


def test_empty_class_folder_is_named(tmp_path, refuses):
    _images(tmp_path / "pets" / "cat")
    (tmp_path / "pets" / "dog").mkdir()
    (tmp_path / "pets" / "dog" / "readme.txt").write_text("no images here")
    with refuses(r"class folder \S*pets/dog is empty"):
        load_dataset(_spec(tmp_path / "pets"))


def test_only_one_class_folder(tmp_path, refuses):
    _images(tmp_path / "pets" / "cat")
    with refuses("only one class", "'cat'"):
        load_dataset(_spec(tmp_path / "pets"))


def test_no_sub_folders(tmp_path, refuses):
    _images(tmp_path / "flat")
    with refuses("no class sub-folders", "3 images lie directly in it"):
        load_dataset(_spec(tmp_path / "flat"))


def test_corrupt_image_is_named(tmp_path, refuses):
    _images(tmp_path / "pets" / "cat")
    _images(tmp_path / "pets" / "dog")
    (tmp_path / "pets" / "dog" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    with refuses(r"cannot read the image \S*dog/broken\.jpg"):
        load_dataset(_spec(tmp_path / "pets"))


def test_missing_folder(tmp_path, refuses):
    with refuses("image folder was not found", "nothing_here"):
        load_dataset(_spec(tmp_path / "nothing_here"))


def test_file_instead_of_folder(tmp_path, refuses):
    (tmp_path / "a.png").write_bytes(b"x")
    with refuses("must be a folder"):
        load_dataset(_spec(tmp_path / "a.png"))


def test_test_folder_with_unseen_class(tmp_path, refuses):
    for name in ("cat", "dog"):
        _images(tmp_path / "train" / name)
    for name in ("cat", "owl"):
        _images(tmp_path / "test" / name)
    with refuses("labels not seen in training: 'owl'"):
        load_dataset({"kind": "file", "format": "image_folder", "train": "train", "test": "test"}, base_dir=tmp_path)


def test_unknown_colour_value(tmp_path, refuses):
    for name in ("cat", "dog"):
        _images(tmp_path / "pets" / name)
    with refuses("'color'", "'grayscale', 'rgb'", "'colour'"):
        load_dataset(_spec(tmp_path / "pets", color="colour"))
