import numpy as np
import torch

from cnnrnn_studio.data import load_dataset


def test_digits_shapes_counts_and_classes():
    ds = load_dataset({"kind": "builtin", "name": "digits"})
    assert (ds.kind, ds.task, ds.sample_shape) == ("image", "classification", (1, 8, 8))
    assert len(ds.train) + len(ds.val) + len(ds.test) == 1797
    assert ds.class_names == [str(d) for d in range(10)] and ds.n_outputs == 10
    for split in (ds.train, ds.val, ds.test):
        assert split.x.dtype == torch.float32 and split.x.shape[1:] == (1, 8, 8)
        assert split.y.dtype == torch.int64 and split.y.shape == (len(split),)


def test_digits_are_scaled_by_16_into_unit_range():
    ds = load_dataset({"kind": "builtin", "name": "digits"})
    x = torch.cat([ds.train.x, ds.val.x, ds.test.x])
    assert x.min() == 0.0 and x.max() == 1.0
    # The raw values are whole numbers 0..16, so x*16 must be whole again.
    assert torch.equal(x * 16, torch.round(x * 16))


def test_digits_test_share_is_20_percent_per_class():
    ds = load_dataset({"kind": "builtin", "name": "digits"})
    counts = {s: np.bincount(getattr(ds, s).y.numpy(), minlength=10) for s in ("train", "val", "test")}
    total = counts["train"] + counts["val"] + counts["test"]
    assert total.sum() == 1797 and total.min() >= 174  # every digit has ~180 examples
    assert np.all(np.abs(counts["test"] / total - 0.2) < 0.01)
    assert np.all(np.abs(counts["val"] / (counts["train"] + counts["val"]) - 0.2) < 0.01)


def test_first_digit_is_a_zero_as_in_the_source_file():
    ds = load_dataset({"kind": "builtin", "name": "digits"})
    split_of_zero = next(s for s in ("train", "val", "test") if 0 in ds.meta["indices"][s])
    pos = ds.meta["indices"][split_of_zero].index(0)
    split = getattr(ds, split_of_zero)
    assert int(split.y[pos]) == 0
    # First row of the source: 0,0,5,13,9,1,0,0 (scaled by 1/16)
    assert torch.allclose(split.x[pos, 0, 0], torch.tensor([0, 0, 5, 13, 9, 1, 0, 0]) / 16.0)


def test_digits_size_option_enlarges_for_lenet():
    small = load_dataset({"kind": "builtin", "name": "digits"})
    big = load_dataset({"kind": "builtin", "name": "digits", "size": [32, 32]})
    assert big.sample_shape == (1, 32, 32) and big.train.x.shape[1:] == (1, 32, 32)
    assert torch.equal(big.train.y, small.train.y)  # same split, only bigger pictures
    assert 0 <= float(big.train.x.min()) and float(big.train.x.max()) <= 1
    # Shrinking back gives (a slightly blurred) original picture.
    back = torch.nn.functional.interpolate(big.train.x[:50], size=(8, 8), mode="area").flatten()
    corr = torch.corrcoef(torch.stack([back, small.train.x[:50].flatten()]))[0, 1]
    assert float(corr) > 0.95
