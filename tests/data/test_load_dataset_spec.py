import numpy as np
import pytest

from cnnrnn_studio.data import DataError, guess_format, load_dataset


def test_relative_paths_are_taken_from_base_dir(tmp_path):
    (tmp_path / "project").mkdir()
    np.savez(tmp_path / "project" / "d.npz", X=np.ones((10, 2)), y=np.arange(10) % 2)
    ds = load_dataset({"kind": "file", "format": "npz", "train": "d.npz"}, base_dir=tmp_path / "project")
    assert ds.name == "d" and ds.meta["format"] == "npz"


def test_format_is_guessed_when_missing(tmp_path):
    np.savez(tmp_path / "d.npz", X=np.ones((10, 2)), y=np.arange(10) % 2)
    ds = load_dataset({"kind": "file", "train": str(tmp_path / "d.npz")})
    assert ds.kind == "vector"
    assert guess_format(tmp_path) == "image_folder" and guess_format("x.ts") == "ts" and guess_format("x.bin") is None


def test_name_option_for_files(tmp_path):
    np.savez(tmp_path / "d.npz", X=np.ones((10, 2)), y=np.arange(10) % 2)
    ds = load_dataset({"kind": "file", "format": "npz", "train": str(tmp_path / "d.npz"), "name": "my data"})
    assert ds.name == "my data"


@pytest.mark.parametrize(
    "spec, pattern",
    [
        ({"kind": "file", "format": "npz"}, "need 'train'"),
        ({"kind": "file", "format": "xlsx", "train": "a.xlsx"}, "unknown file format 'xlsx'"),
        ({"kind": "file", "train": "a.bin"}, "cannot tell the format of a.bin"),
        ({"kind": "web", "name": "digits"}, "'builtin' or 'file'"),
        ({"name": "digits"}, "'builtin' or 'file'"),
        ({"kind": "builtin"}, "no 'name'"),
        ({"kind": "file", "format": "csv", "train": ""}, "path"),
        (["digits"], "table of names and values"),
    ],
)
def test_bad_specs(spec, pattern):
    with pytest.raises(DataError, match=pattern):
        load_dataset(spec)


def test_seed_must_be_an_integer():
    with pytest.raises(DataError, match="seed"):
        load_dataset({"kind": "builtin", "name": "digits"}, seed="1")


def test_error_carries_the_place(tmp_path):
    (tmp_path / "p.csv").write_text("1,2,a\n3,x,b\n")
    with pytest.raises(DataError) as info:
        load_dataset({"kind": "file", "format": "csv", "train": str(tmp_path / "p.csv")})
    err = info.value
    assert (err.line, err.column) == (2, 2) and err.path.endswith("p.csv")
