"""npz files with a target at every time step (the contract of issue 11, item 5): integer y [N, T]
is per-step classification, float y [N, T] or [N, T, k] per-step regression, -1 / NaN steps do not
count, and an optional integer 'lengths' [N] cuts each sample to its real length."""

import numpy as np
import pytest
import torch

from cnnrnn_studio.data import DataError, iter_batches, load_dataset


def _spec(path, **options):
    return {"kind": "file", "format": "npz", "train": str(path), **options}


def _rising(n=40, t=10, f=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, t, f)).astype(np.float32)
    y = (np.diff(x[:, :, 0], axis=1, prepend=0.0) > 0).astype(np.int64)
    return x, y


def test_integer_y_per_step_is_per_step_classification(tmp_path):
    x, y = _rising()
    y[0, 3] = -1
    np.savez(tmp_path / "a.npz", X=x, y=y)
    ds = load_dataset(_spec(tmp_path / "a.npz"), validation_split=0.0)
    assert ds.per_step and ds.task == "classification" and ds.class_names == ["0", "1"]
    assert ds.sample_shape == (10, 2) and ds.n_outputs == 2
    assert all(s.per_step and s.y.shape[1] == 10 and s.y.dtype == torch.int64 for s in (ds.train, ds.test))
    together = torch.cat([ds.train.y, ds.test.y])
    assert int((together == -1).sum()) == 1                 # the one unlabelled step stays marked
    counted = sum(ds.meta["class_counts"]["train"]) + sum(ds.meta["class_counts"]["test"])
    assert counted == 40 * 10 - 1                            # class counts count steps
    assert ds.to_info()["per_step"] is True and "at every time step" in ds.summary()


def test_lengths_cut_the_samples_and_mark_the_padding(tmp_path):
    x, y = _rising(n=30, t=12)
    lengths = np.random.default_rng(1).integers(3, 13, size=30)
    x[np.arange(12)[None, :] >= lengths[:, None]] = 99.0    # padding values must never matter
    np.savez(tmp_path / "a.npz", X=x, y=y, lengths=lengths)
    ds = load_dataset(_spec(tmp_path / "a.npz"), validation_split=0.0)
    assert ds.sample_shape == (None, 2) and isinstance(ds.train.x, list)
    for split, idx in ((ds.train, ds.meta["indices"]["train"]), (ds.test, ds.meta["indices"]["test"])):
        for row, i in enumerate(idx):
            n = int(lengths[i])
            assert split.x[row].shape == (n, 2)
            assert (split.y[row, n:] == -1).all() and (split.y[row, :n] >= 0).all()
    assert float(max(float(s.max()) for s in ds.train.x)) < 50    # no 99 survived the cut
    for xb, yb, _ in iter_batches(ds.train, 4):              # targets line up with each bucket's length
        assert yb.shape == xb.shape[:2]


def test_float_y_per_step_is_regression_and_nan_steps_do_not_count(tmp_path):
    x, _ = _rising(n=30, t=8)
    y = np.cumsum(x[:, :, 0], axis=1)
    y[2, 5] = np.nan
    np.savez(tmp_path / "a.npz", X=x, y=y)
    ds = load_dataset(_spec(tmp_path / "a.npz"), validation_split=0.0)
    assert ds.per_step and ds.task == "regression" and ds.n_outputs == 1
    assert ds.train.y.shape[1:] == (8, 1)
    assert int(torch.isnan(torch.cat([ds.train.y, ds.test.y])).sum()) == 1
    mean = ds.meta["target_mean"][0]
    assert np.isfinite(mean)
    np.savez(tmp_path / "b.npz", X=x, y=np.stack([y, -y], axis=-1))
    ds = load_dataset(_spec(tmp_path / "b.npz"))
    assert ds.per_step and ds.n_outputs == 2 and ds.train.y.shape[1:] == (8, 2)


def test_per_sample_files_load_as_before(tmp_path):
    x, _ = _rising(n=30, t=8)
    np.savez(tmp_path / "a.npz", X=x, y=np.arange(30) % 3)
    ds = load_dataset(_spec(tmp_path / "a.npz"))
    assert not ds.per_step and ds.train.y.dim() == 1 and "per_step" not in ds.to_info()
    np.savez(tmp_path / "b.npz", X=x, y=np.random.default_rng(0).random((30, 3)))   # 3 targets, T = 8
    ds = load_dataset(_spec(tmp_path / "b.npz"))
    assert not ds.per_step and ds.n_outputs == 3
    # the option per_step false reads a [N, T] float y as T targets per sample, as before the contract
    np.savez(tmp_path / "c.npz", X=x, y=np.random.default_rng(0).random((30, 8)))
    ds = load_dataset(_spec(tmp_path / "c.npz", per_step=False))
    assert not ds.per_step and ds.n_outputs == 8


def test_lengths_with_one_label_per_sample_cut_the_sequences(tmp_path):
    x, _ = _rising(n=20, t=9)
    lengths = np.arange(20) % 7 + 3
    np.savez(tmp_path / "a.npz", X=x, y=np.arange(20) % 2, lengths=lengths)
    ds = load_dataset(_spec(tmp_path / "a.npz"), validation_split=0.0)
    assert not ds.per_step and ds.sample_shape == (None, 2)
    assert sorted(len(s) for s in ds.train.x + ds.test.x) == sorted(lengths.tolist())


@pytest.mark.parametrize("lengths, words", [
    (np.full(10, 11), "from 1 to X's time length 6"),
    (np.full(10, 0), "from 1 to"),
    (np.full(10, 2.5), "one whole number per sample"),
])
def test_bad_lengths_are_refused(tmp_path, lengths, words):
    x, y = _rising(n=10, t=6)
    np.savez(tmp_path / "a.npz", X=x, y=y, lengths=lengths)
    with pytest.raises(DataError, match=words):
        load_dataset(_spec(tmp_path / "a.npz"))


def test_a_test_file_with_an_unseen_class_is_refused(tmp_path):
    x, y = _rising(n=20, t=6)
    np.savez(tmp_path / "a.npz", X=x, y=y)
    y2 = y.copy()
    y2[0, 0] = 7
    np.savez(tmp_path / "t.npz", X=x, y=y2)
    with pytest.raises(DataError, match="not seen in training: 7"):
        load_dataset({**_spec(tmp_path / "a.npz"), "test": str(tmp_path / "t.npz")})


def test_a_single_labelled_class_is_refused(tmp_path):
    x, _ = _rising(n=10, t=6)
    y = np.full((10, 6), -1)
    y[:, 0] = 1
    np.savez(tmp_path / "a.npz", X=x, y=y)
    with pytest.raises(DataError, match="two classes"):
        load_dataset(_spec(tmp_path / "a.npz"))


def test_images_with_a_class_per_step_are_per_step_data(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((20, 1, 8, 12)).astype(np.float32)
    np.savez(tmp_path / "a.npz", X=x, y=rng.integers(0, 4, size=(20, 6)), lengths=np.full(20, 3))
    ds = load_dataset(_spec(tmp_path / "a.npz"))
    assert ds.kind == "image" and ds.per_step and ds.sample_shape == (1, 8, 12)   # 'lengths' only cut time axes
    assert ds.train.y.shape[1] == 6 and ds.n_outputs == 4
    np.savez(tmp_path / "b.npz", X=x, y=rng.random((20, 3)))                     # 3 targets per image, as before
    assert not load_dataset(_spec(tmp_path / "b.npz")).per_step


def test_word_ids_with_a_class_at_every_step_are_per_step_token_data(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(2, 30, size=(60, 9))
    y = (x % 3).astype(np.int64)
    y[0, 4] = -1                                             # a step that does not count
    np.savez(tmp_path / "tags.npz", X=x, y=y)
    ds = load_dataset(_spec(tmp_path / "tags.npz", data_kind="tokens"), validation_split=0.2)
    assert ds.kind == "tokens" and ds.per_step and ds.task == "classification"
    assert ds.sample_shape == (9,) and ds.class_names == ["0", "1", "2"] and len(ds.vocab) >= 30
    parts = [ds.train, ds.val, ds.test]
    assert sum(len(s) for s in parts) == 60
    assert all(s.x.dtype == torch.int64 and s.y.shape[1] == 9 for s in parts)
    assert int(sum(int((s.y == -1).sum()) for s in parts)) == 1
    for s in parts:                                          # each sample keeps its own ids and tags
        assert torch.equal(s.y[s.y != -1], (s.x % 3)[s.y != -1])


def test_word_ids_per_step_refuse_regression_and_negative_classes(tmp_path):
    x = np.random.default_rng(0).integers(2, 30, size=(20, 5))
    np.savez(tmp_path / "a.npz", X=x, y=(x % 2).astype(np.int64))
    with pytest.raises(DataError, match="class at every step"):
        load_dataset(_spec(tmp_path / "a.npz", data_kind="tokens", task="regression"))
    y = (x % 2).astype(np.int64)
    y[3, 1] = -5
    np.savez(tmp_path / "b.npz", X=x, y=y)
    with pytest.raises(DataError, match="-5"):
        load_dataset(_spec(tmp_path / "b.npz", data_kind="tokens"))
