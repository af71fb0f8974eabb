import numpy as np
import pytest
import torch

from cnnrnn_studio.data import DataError, load_dataset
from cnnrnn_studio.data.splits import chronological_indices, split_indices


def test_split_covers_every_sample_once():
    labels = np.repeat(np.arange(3), [50, 30, 20])
    tr, va, te = split_indices(100, labels, test_fraction=0.2, val_fraction=0.25, seed=5)
    together = np.concatenate([tr, va, te])
    assert sorted(together.tolist()) == list(range(100))
    assert (len(tr), len(va), len(te)) == (60, 20, 20)


def test_split_is_stratified():
    labels = np.repeat(np.arange(3), [50, 30, 20])
    tr, va, te = split_indices(100, labels, test_fraction=0.2, val_fraction=0.25, seed=5)
    assert np.bincount(labels[te]).tolist() == [10, 6, 4]
    assert np.bincount(labels[va]).tolist() == [10, 6, 4]
    assert np.bincount(labels[tr]).tolist() == [30, 18, 12]


def test_same_seed_same_split_other_seed_other_split():
    labels = np.arange(200) % 4
    a = split_indices(200, labels, test_fraction=0.2, val_fraction=0.2, seed=1)
    b = split_indices(200, labels, test_fraction=0.2, val_fraction=0.2, seed=1)
    c = split_indices(200, labels, test_fraction=0.2, val_fraction=0.2, seed=2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[2], c[2])


def test_tiny_classes_keep_a_training_sample():
    labels = np.array([0, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    tr, va, te = split_indices(10, labels, test_fraction=0.2, val_fraction=0.2, seed=0)
    assert 0 in tr


def test_chronological_split_keeps_time_order():
    tr, va, te = chronological_indices(100, 20, 0.25)
    assert tr.tolist() == list(range(60))
    assert va.tolist() == list(range(60, 80))
    assert te.tolist() == list(range(80, 100))


def test_load_dataset_same_seed_gives_identical_tensors():
    a = load_dataset({"kind": "builtin", "name": "digits"}, seed=11)
    b = load_dataset({"kind": "builtin", "name": "digits"}, seed=11)
    c = load_dataset({"kind": "builtin", "name": "digits"}, seed=12)
    for s in ("train", "val", "test"):
        assert torch.equal(a.split(s).x, b.split(s).x) and torch.equal(a.split(s).y, b.split(s).y)
    assert a.meta["indices"]["test"] != c.meta["indices"]["test"]


def test_validation_split_option():
    ds = load_dataset({"kind": "builtin", "name": "digits"}, validation_split=0.0)
    assert len(ds.val) == 0 and len(ds.train) + len(ds.test) == 1797
    ds = load_dataset({"kind": "builtin", "name": "digits"}, validation_split=0.5)
    assert abs(len(ds.val) - len(ds.train)) <= 10


@pytest.mark.parametrize("bad", [-0.1, 0.95, "0.2", None])
def test_bad_validation_split_is_refused(bad):
    with pytest.raises(DataError, match="validation"):
        load_dataset({"kind": "builtin", "name": "digits"}, validation_split=bad)
