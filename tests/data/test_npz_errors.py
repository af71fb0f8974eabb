import numpy as np

from cnnrnn_studio.data import load_dataset


def _spec(path, **options):
    return {"kind": "file", "format": "npz", "train": str(path), **options}


def test_missing_x_lists_what_is_there(tmp_path, refuses):
    np.savez(tmp_path / "nox.npz", data=np.zeros((3, 2)), y=np.arange(3))
    with refuses(r"nox\.npz has no array 'X'", "'data'"):
        load_dataset(_spec(tmp_path / "nox.npz"))


def test_missing_y(tmp_path, refuses):
    np.savez(tmp_path / "noy.npz", X=np.zeros((3, 2)))
    with refuses(r"noy\.npz has no array 'y'"):
        load_dataset(_spec(tmp_path / "noy.npz"))


def test_object_arrays_are_never_unpickled(tmp_path, refuses):
    objects = np.empty(4, dtype=object)
    objects[:] = [{"a": 1}, [2], "x", 3.0]
    np.savez(tmp_path / "pickle.npz", X=objects, y=np.arange(4))
    with refuses(r"pickle\.npz", "Python objects", "never loaded"):
        load_dataset(_spec(tmp_path / "pickle.npz"))


def test_not_an_npz_file(tmp_path, refuses):
    (tmp_path / "fake.npz").write_text("hello")
    with refuses(r"fake\.npz is not a readable \.npz file"):
        load_dataset(_spec(tmp_path / "fake.npz"))


def test_nan_names_the_sample(tmp_path, refuses):
    x = np.ones((10, 3))
    x[7, 1] = np.nan
    np.savez(tmp_path / "nan.npz", X=x, y=np.arange(10) % 2)
    with refuses(r"nan\.npz: X sample 7 contains NaN"):
        load_dataset(_spec(tmp_path / "nan.npz"))


def test_infinite_target(tmp_path, refuses):
    y = np.ones(10)
    y[4] = np.inf
    np.savez(tmp_path / "inf.npz", X=np.ones((10, 3)), y=y)
    with refuses(r"inf\.npz: y of sample 4"):
        load_dataset(_spec(tmp_path / "inf.npz"))


def test_x_and_y_lengths_differ(tmp_path, refuses):
    np.savez(tmp_path / "len.npz", X=np.ones((10, 3)), y=np.arange(9))
    with refuses("X has 10 samples but y has 9"):
        load_dataset(_spec(tmp_path / "len.npz"))


def test_kind_that_does_not_fit_the_rank(tmp_path, refuses):
    np.savez(tmp_path / "k.npz", X=np.ones((10, 3)), y=np.arange(10) % 2)
    with refuses("does not fit 'image'"):
        load_dataset(_spec(tmp_path / "k.npz", data_kind="image"))


def test_unknown_npz_option(tmp_path, refuses):
    np.savez(tmp_path / "o.npz", X=np.ones((10, 3)), y=np.arange(10) % 2)
    with refuses("'kind_of_data'", "data_kind"):
        load_dataset(_spec(tmp_path / "o.npz", kind_of_data="vector"))


def test_single_class(tmp_path, refuses):
    np.savez(tmp_path / "one.npz", X=np.ones((10, 3)), y=np.zeros(10, dtype=int))
    with refuses(r"one\.npz", "only one class"):
        load_dataset(_spec(tmp_path / "one.npz"))
