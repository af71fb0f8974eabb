import numpy as np
import pytest
import torch

from cnnrnn_studio.data import load_dataset


def _save(path, **arrays):
    np.savez(path, **arrays)
    return path


def _spec(path, **options):
    return {"kind": "file", "format": "npz", "train": str(path), **options}


@pytest.mark.parametrize(
    "shape, kind",
    [((30, 4), "vector"), ((30, 7, 3), "sequence"), ((30, 1, 6, 5), "image"), ((30, 4, 3, 6, 5), "image_sequence")],
)
def test_rank_decides_the_kind(tmp_path, shape, kind):
    rng = np.random.default_rng(0)
    x = rng.random(shape).astype(np.float32)
    path = _save(tmp_path / "a.npz", X=x, y=np.arange(30) % 3)
    ds = load_dataset(_spec(path))
    assert ds.kind == kind and ds.sample_shape == shape[1:] and ds.task == "classification"
    assert ds.class_names == ["0", "1", "2"] and ds.train.x.dtype == torch.float32


def test_images_in_unit_range_are_kept_and_uint8_scaled(tmp_path):
    x = np.random.default_rng(0).random((20, 1, 4, 4)).astype(np.float32)
    ds = load_dataset(_spec(_save(tmp_path / "f.npz", X=x, y=np.arange(20) % 2)), validation_split=0.0)
    together = torch.cat([ds.train.x, ds.test.x]).reshape(20, -1)
    assert torch.allclose(together.sum(), torch.tensor(float(x.sum())), rtol=1e-5)
    u8 = (x * 255).astype(np.uint8)
    ds = load_dataset(_spec(_save(tmp_path / "u.npz", X=u8, y=np.arange(20) % 2)))
    assert float(ds.train.x.max()) <= 1.0 and ds.train.x.dtype == torch.float32
    assert "255" in ds.description


def test_sequences_are_standardised_per_channel(tmp_path):
    x = np.random.default_rng(0).normal(loc=[5, -3], scale=[2, 0.5], size=(40, 10, 2))
    ds = load_dataset(_spec(_save(tmp_path / "s.npz", X=x, y=np.arange(40) % 2)))
    flat = ds.train.x.reshape(-1, 2)
    assert torch.allclose(flat.mean(0), torch.zeros(2), atol=1e-5)
    kept = load_dataset(_spec(tmp_path / "s.npz", normalize=False))
    assert abs(float(kept.train.x[..., 0].mean()) - 5) < 0.3


def test_float_y_means_regression(tmp_path):
    x = np.random.default_rng(0).random((50, 3))
    y = x @ np.array([1.0, 2.0, 3.0]) + 10
    ds = load_dataset(_spec(_save(tmp_path / "r.npz", X=x, y=y)))
    assert ds.task == "regression" and ds.n_outputs == 1 and ds.train.y.shape == (len(ds.train), 1)
    assert ds.meta["target_mean"][0] == pytest.approx(13, abs=1)
    y2 = np.stack([y, -y], axis=1)
    ds = load_dataset(_spec(_save(tmp_path / "r2.npz", X=x, y=y2)))
    assert ds.n_outputs == 2


def test_class_names_array_and_arbitrary_integer_labels(tmp_path):
    x = np.zeros((12, 2))
    path = _save(tmp_path / "n.npz", X=x, y=np.arange(12) % 3, class_names=np.array(["cat", "dog", "emu"]))
    assert load_dataset(_spec(path)).class_names == ["cat", "dog", "emu"]
    path = _save(tmp_path / "m.npz", X=x, y=np.where(np.arange(12) % 2, 1, -1))
    ds = load_dataset(_spec(path))
    assert ds.class_names == ["-1", "1"] and set(ds.train.y.tolist()) == {0, 1}


def test_tokens_via_data_kind(tmp_path):
    x = np.random.default_rng(0).integers(0, 30, size=(20, 8))
    ds = load_dataset(_spec(_save(tmp_path / "t.npz", X=x, y=np.arange(20) % 2), data_kind="tokens"))
    assert ds.kind == "tokens" and ds.train.x.dtype == torch.int64 and len(ds.vocab) == int(x.max()) + 1


def test_npz_test_file(tmp_path):
    rng = np.random.default_rng(0)
    _save(tmp_path / "tr.npz", X=rng.random((30, 4)), y=np.arange(30) % 3)
    _save(tmp_path / "te.npz", X=rng.random((9, 4)), y=np.arange(9) % 3)
    ds = load_dataset({"kind": "file", "format": "npz", "train": "tr.npz", "test": "te.npz"}, base_dir=tmp_path)
    assert len(ds.test) == 9 and len(ds.train) + len(ds.val) == 30
